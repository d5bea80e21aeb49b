/**
 * The link's way out, to this hub's own stream. What this hub publishes becomes
 * batches, numbered and held in the outbox (src/link/sequence.ts) until Redis
 * has taken them; batches go out on the writer's connection (XADD), and after a
 * reconnect everything held is sent again. While Redis is away the outbox holds
 * what the room says, up to a bound; past it the oldest lines are let go, and
 * the members are told.
 *
 * Batches follow the load. A batch is cut at the end of the event-loop turn in
 * which its first message was queued, and sent at once, unless the previous
 * batch is still on its way to Redis: then it waits for that answer, and grows
 * meanwhile. When batches follow each other by less than half a millisecond, the next
 * waits until a millisecond after the last (src/pace.ts): at thousands of lines
 * a second, one round trip per line would cost more than the lines. At a trickle
 * every line goes out alone, at once (no added latency); under load the lines
 * said during one round trip to Redis, or one millisecond, travel together, in
 * one XADD, and are read by the other hubs in one XREAD (up to BATCH_CHARS or
 * MAX_BATCH_MESSAGES, where a batch is cut whatever happens).
 *
 * When Redis refuses (an error answered, src/link/health.ts), nothing more is
 * sent: what it refused stays in the outbox. When the link rejoins, one batch
 * goes first, alone (the probe); once Redis takes it, everything held within
 * the window goes again, oldest first, as after a reconnect (a stream key that
 * was broken lost what it had: readers skip what they have already).
 */
import { FlushPacer } from "../pace.ts";
import { streamTtlMs, type LinkContext } from "./context.ts";
import { isRefusal } from "./health.ts";
import { Outbox, type OutBatch } from "./sequence.ts";
import { BATCH_CHARS, encodeMessages, entryFields, MAX_BATCH_MESSAGES, type LinkMessage } from "./wire.ts";

export class LinkSender {
  private readonly outbox: Outbox;
  /** Messages not yet in a batch: cut at the end of the turn, or once the batch on its way is answered. */
  private pending: LinkMessage[] = [];
  private pendingChars = 0;
  /** Cuts at the end of the turn, or (busy) at most one a PACE_MS (src/pace.ts). */
  private readonly pace = new FlushPacer(() => this.endOfTurn());
  /** The pending messages wait for the answer to the batch on its way. */
  private holding = false;
  /** Redis's clock (ms) in the id of the last entry we added: the stream keeps `historyMs` before it. */
  private lastIdMs = 0;
  /** Lines let go unsent since the link went down: told again, in sum, when it is back. */
  private droppedWhileDown = 0;
  /** Redis refused: nothing is sent until a probe is taken. */
  private stalled = false;
  /** The connection (generation) on which this hub's stream was last given its lifetime. */
  private ttlGeneration = 0;

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

  /** Batches not yet taken by Redis; messages not yet cut into a batch (the pace may hold them) count as one more. */
  get waiting(): number {
    return this.outbox.waiting + (this.pending.length > 0 ? 1 : 0);
  }

  /** A message for the other hubs: it goes out with the rest of this turn's, or of this round trip's. */
  queue(m: LinkMessage): void {
    this.pending.push(m);
    if (m.k === "line" || m.k === "private") this.pendingChars += m.text.length + 32;
    else this.pendingChars += m.k === "roster" ? m.members.length * 32 : 64;
    if (this.pending.length >= MAX_BATCH_MESSAGES || this.pendingChars >= BATCH_CHARS) this.cut();
    else if (!this.holding) this.pace.schedule();
  }

  /** The turn is over: its messages go now, unless a batch is on its way (then they wait for its answer). */
  private readonly endOfTurn = (): void => {
    if (this.outbox.sending && this.link.writer.connected && !this.stalled) this.holding = true;
    else this.cut();
  };

  /** A batch was answered (or refused, or lost with its connection): what waited for it goes now. */
  private answered(): void {
    if (this.holding && (!this.outbox.sending || this.stalled || !this.link.writer.connected)) this.cut();
  }

  /** The pending messages become one batch (everything: also when the hub leaves the link). */
  cut(): void {
    this.holding = false;
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
  }

  /** Sends what the outbox holds, pipelined on the writer's connection (unless Redis refused). */
  pump(): void {
    if (this.link.closed || !this.link.writer.connected || this.stalled) return;
    for (const batch of this.outbox.takeUnsent()) {
      this.add(batch).then(
        (taken) => {
          this.answered();
          if (taken) this.pump();
        },
        () => this.answered(),
      );
    }
  }

  /** Redis refused something: hold everything until a probe is taken (`probe`). */
  stall(): void {
    this.stalled = true;
    this.answered();
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
    const args = [keys.stream(hubId), "MINID", "~", minId, "*", ...entryFields(hubId, batch.seq, batch.body)];
    const added = writer.client.send("XADD", args);
    // The stream outlives this hub for a while, then Redis lets it go (renewed at each heartbeat, src/link/hubs.ts).
    if (this.ttlGeneration !== gen) {
      this.ttlGeneration = gen;
      writer.client.send("PEXPIRE", [keys.stream(hubId), String(streamTtlMs(timing))]).catch(() => {});
    }
    return added.then(
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
    this.answered();
  }

  /** Redis's clock (ms) as the last batch taken said it, 0 before any: how far back the streams keep. */
  get redisMs(): number {
    return this.lastIdMs;
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
