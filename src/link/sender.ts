/**
 * The link's way out. What this hub publishes in one event-loop turn becomes
 * one batch, numbered and held in the outbox (src/link/sequence.ts) until Redis
 * has taken it; batches go out pipelined on the writer's connection (XADD), and
 * after a reconnect everything held is sent again. While Redis is away the
 * outbox holds what the room says, up to a bound; past it the oldest lines are
 * let go, and the members are told.
 *
 * When Redis refuses (an error answered, src/link/health.ts), nothing more is
 * sent: what it refused stays in the outbox. When the link rejoins, one batch
 * goes first, alone (the probe); once Redis takes it, everything held within
 * the window goes again, oldest first, as after a reconnect (a stream key that
 * was broken lost what it had: readers skip what they have already).
 */
import type { LinkContext } from "./context.ts";
import { isRefusal } from "./health.ts";
import { Outbox, type OutBatch } from "./sequence.ts";
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
  /** Redis refused: nothing is sent until a probe is taken. */
  private stalled = false;

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

  /** Sends what the outbox holds, pipelined on the writer's connection (unless Redis refused). */
  pump(): void {
    if (this.link.closed || !this.link.writer.connected || this.stalled) return;
    for (const batch of this.outbox.takeUnsent()) {
      this.add(batch).then(
        (taken) => taken && this.pump(),
        () => {},
      );
    }
  }

  /** Redis refused something: hold everything until a probe is taken (`probe`). */
  stall(): void {
    this.stalled = true;
  }

  /**
   * After a refusal, as the link rejoins: everything held is to be sent again,
   * and the oldest batch goes first, alone. Resolves once Redis has taken it
   * (then the rest follows: `pump`); rejects if Redis refuses it again, or the
   * connection breaks. At once when nothing was refused.
   */
  async probe(): Promise<void> {
    if (!this.stalled) return;
    this.outbox.rewind();
    const [first] = this.outbox.takeUnsent(1);
    if (first && !(await this.add(first))) throw new Error("the probe was not taken");
    this.stalled = false;
  }

  /**
   * One batch to Redis (XADD). Resolves true when Redis took it, false when the
   * answer came on a connection since replaced (everything is sent again on the
   * new one); rejects when Redis refused it (the link is down: the batch, and all
   * after it, are held) or the connection broke.
   */
  private add(batch: OutBatch): Promise<boolean> {
    const { writer, keys, timing, hubId } = this.link;
    const gen = writer.generation;
    const minId = this.lastIdMs > timing.historyMs ? String(this.lastIdMs - timing.historyMs) : "0";
    const args = [keys.stream, "MINID", "~", minId, "*", ...entryFields(hubId, batch.seq, batch.body)];
    return writer.client.send("XADD", args).then(
      (id: unknown) => {
        if (gen !== writer.generation) return false; // an answer on a connection since replaced
        this.outbox.taken(batch);
        this.link.counts.batchesSent++;
        const ms = typeof id === "string" ? parseInt(id, 10) : NaN;
        if (ms > this.lastIdMs) this.lastIdMs = ms;
        return true;
      },
      (error: unknown) => {
        // Refused: this batch and every one after it wait for the link to rejoin. (The
        // connection broke: everything is sent again when it is back.)
        if (gen === writer.generation && isRefusal(error)) {
          this.stalled = true;
          this.outbox.unsend(batch);
          this.link.refused("XADD", error);
        }
        throw error;
      },
    );
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
