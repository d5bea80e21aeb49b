/**
 * The link's way out. What this hub publishes in one event-loop turn becomes
 * one batch, numbered and held in the outbox (src/link/sequence.ts) until Redis
 * has taken it; batches go out pipelined on the writer's connection (XADD), and
 * after a reconnect everything held is sent again. While Redis is away the
 * outbox holds what the room says, up to a bound; past it the oldest lines are
 * let go, and the members are told.
 */
import type { LinkContext } from "./context.ts";
import { Outbox } from "./sequence.ts";
import { BATCH_CHARS, encodeMessages, entryFields, MAX_BATCH_MESSAGES, type LinkMessage } from "./wire.ts";

export class LinkSender {
  private readonly outbox: Outbox;
  /** Messages of this turn, cut into one batch at its end. */
  private pending: LinkMessage[] = [];
  private pendingChars = 0;
  private cutScheduled = false;
  /** Redis's clock (ms) in the id of the last entry we added: the stream keeps `historyMs` before it. */
  private lastIdMs = 0;
  /** Lines let go unsent since the link went down: told again, in sum, when it is back. */
  private droppedWhileDown = 0;

  constructor(
    private readonly link: LinkContext,
    /** What the outbox holds while Redis is away, in characters of batches. */
    maxChars: number,
  ) {
    this.outbox = new Outbox({
      maxChars,
      windowMs: link.timing.windowMs,
      maxInFlightChars: Math.min(maxChars, 2 * 1024 * 1024),
    });
  }

  /** Batches not yet taken by Redis. */
  get waiting(): number {
    return this.outbox.waiting;
  }

  /** A message for the other hubs: it goes out with the rest of this turn's. */
  queue(m: LinkMessage): void {
    this.pending.push(m);
    if (m.k === "line" || m.k === "private") this.pendingChars += m.text.length + 32;
    else this.pendingChars += m.k === "roster" ? m.members.length * 32 : 64;
    if (this.pending.length >= MAX_BATCH_MESSAGES || this.pendingChars >= BATCH_CHARS) this.cut();
    else if (!this.cutScheduled) {
      this.cutScheduled = true;
      setImmediate(this.cut);
    }
  }

  /** This turn's messages become one batch. */
  readonly cut = (): void => {
    this.cutScheduled = false;
    if (this.pending.length === 0) return;
    let lines = 0;
    for (const m of this.pending) if (m.k === "line" || m.k === "private") lines++;
    this.outbox.add(encodeMessages(this.pending), lines, performance.now());
    this.pending = [];
    this.pendingChars = 0;
    const dropped = this.outbox.takeDropped();
    if (dropped.batches > 0) {
      if (this.droppedWhileDown === 0) this.link.tell({ kind: "link-dropped", lines: dropped.lines });
      this.droppedWhileDown += dropped.lines;
      this.link.counts.droppedLines += dropped.lines;
    }
    this.pump();
  };

  /** Sends what the outbox holds, pipelined on the writer's connection. */
  pump(): void {
    const { writer, keys, timing, hubId } = this.link;
    if (this.link.closed || !writer.connected) return;
    const gen = writer.generation;
    for (const batch of this.outbox.takeUnsent()) {
      const minId = this.lastIdMs > timing.historyMs ? String(this.lastIdMs - timing.historyMs) : "0";
      const args = [keys.stream, "MINID", "~", minId, "*", ...entryFields(hubId, batch.seq, batch.body)];
      writer.client.send("XADD", args).then(
        (id: unknown) => {
          if (gen !== writer.generation) return; // an answer on a connection since replaced
          this.outbox.taken(batch);
          this.link.counts.batchesSent++;
          const ms = typeof id === "string" ? parseInt(id, 10) : NaN;
          if (ms > this.lastIdMs) this.lastIdMs = ms;
          this.pump();
        },
        () => {}, // the connection broke: everything is sent again when it is back
      );
    }
  }

  /** The writer's connection was made again: what was sent may not have arrived, so everything held goes again. */
  resend(): void {
    this.outbox.rewind();
  }

  /** Lets go of batches Redis took longer ago than the window. */
  prune(now: number): void {
    this.outbox.prune(now);
  }

  /** Lines let go while the link was down (and the count starts again). */
  takeDroppedWhileDown(): number {
    const lines = this.droppedWhileDown;
    this.droppedWhileDown = 0;
    return lines;
  }
}
