/**
 * Flood control for one member: a token bucket, as IRC servers do it. A line
 * over the rate is not dropped: it waits its turn, and the sender is told once.
 * Past the waiting room's size lines are refused, and those are summed up in one
 * notice when the episode ends (or every 10 s while it lasts): a notice per
 * refused line would be a flood of its own, back at the sender.
 *
 * It holds to the end: lines still waiting when the member leaves are dropped
 * (the hub counts them in the server's log), never let through at once. Else
 * pasting 200 lines and hanging up would put 120 of them in the room in one
 * instant, and a wave of reconnects would multiply that.
 *
 * The gate knows nothing of the room: it is handed what to do with a line it
 * lets through, how to speak to its member, and whether lines may go on.
 */
import { format, sanitize, type LineFrame } from "../protocol.ts";
import type { Messages } from "../i18n.ts";
import type { Clock } from "./clock.ts";

export interface FloodLimits {
  /** Lines a member may send at once; 0 turns flood control off. */
  burst: number;
  /** Lines per second after the burst. */
  rate: number;
  /** Lines waiting their turn at most; past it, lines are refused. */
  queue: number;
}

/** What the gate needs of the hub, for its one member. */
export interface FloodGateHost {
  /** Handle a line the gate lets through (it may end the member, or start a nick claim). */
  pass(frame: LineFrame): void;
  /** Say something to the member (a line the catalogue worded). */
  tell(text: string): void;
  /** Is the member still in the room? */
  present(): boolean;
  /** Is a nick claim of the member's waiting for the room's answer? Its lines wait too. */
  claiming(): boolean;
}

/** During a long flood, refused lines are summed up at most this often. */
const FLOOD_REPORT_MS = 10_000;

/** A line quoted in a notice: cleaned, and cut to a glance. */
function quoteLine(text: string): string {
  const clean = sanitize(text).text.trim();
  const chars = [...clean];
  return `"${chars.length > 40 ? chars.slice(0, 39).join("") + "…" : clean}"`;
}

export class FloodGate {
  private tokens: number;
  private refilledAt: number;
  /** Lines waiting for tokens, oldest first. */
  private delayed: LineFrame[] = [];
  private releaseTimer: unknown;
  /** Lines refused in this flood episode (summed up), since when, and whether it was told they are dropped. */
  private refused = 0;
  private refusedSince = 0;
  private dropping = false;

  constructor(
    private readonly limits: FloodLimits,
    private readonly clock: Clock,
    private readonly t: Messages,
    private readonly host: FloodGateHost,
  ) {
    this.tokens = limits.burst;
    this.refilledAt = clock.now();
  }

  /** A line from the member: handled now if it may go, else it waits (or is refused). */
  offer(frame: LineFrame): void {
    if (this.admit()) this.host.pass(frame);
    else this.delay(frame);
  }

  /** A line refused elsewhere (the member's nick claim had too many waiting): counted with the flood's. */
  refuse(): void {
    if (this.refused++ === 0) this.refusedSince = this.clock.now();
  }

  /**
   * A nick claim was answered, and the lines that waited for it were offered
   * again: if nothing is left waiting, the refused lines are summed up now; the
   * delayed ones go on.
   */
  resume(): void {
    const settled = this.delayed.length === 0 && !this.host.claiming() && this.host.present();
    if (this.refused > 0 && settled) this.reportRefused();
    this.schedule();
  }

  /**
   * A line handled now if a token allows it (and nothing waits before it);
   * false, and nothing done, if it would have to wait. For the lines of a
   * member that is leaving: what the rate allows goes, the rest is dropped.
   */
  passNow(frame: LineFrame): boolean {
    if (!this.admit()) return false;
    this.host.pass(frame);
    return true;
  }

  /** The member is leaving: the lines still waiting are dropped, not sent. Returns how many. */
  drop(): number {
    const dropped = this.delayed.length;
    this.delayed = [];
    this.stop();
    return dropped;
  }

  /** The member is gone: no more timers. */
  stop(): void {
    if (this.releaseTimer !== undefined) this.clock.clearTimeout(this.releaseTimer);
    this.releaseTimer = undefined;
  }

  private refill(): void {
    const now = this.clock.now();
    const earned = ((now - this.refilledAt) / 1000) * this.limits.rate;
    this.tokens = Math.min(this.limits.burst, this.tokens + earned);
    this.refilledAt = now;
  }

  /** May a line be handled now? */
  private admit(): boolean {
    if (this.limits.burst <= 0) return true;
    if (this.delayed.length > 0) return false; // keep the order of its lines
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private delay(frame: LineFrame): void {
    const waiting = this.delayed.length;
    if (waiting >= this.limits.queue) {
      this.refuse();
      if (!this.dropping) {
        // Once per episode, at the first refused line: from here on lines are dropped, until the queue is out.
        this.dropping = true;
        const last = this.delayed[waiting - 1]!;
        const seconds = Math.ceil((waiting - this.tokens) / this.limits.rate);
        this.host.tell(format.error(this.t.floodDropping(waiting, seconds, quoteLine(last.text))));
      }
      return;
    }
    if (waiting === 0) this.host.tell(format.notice(this.t.floodSlowDown(this.limits.rate)));
    this.delayed.push(frame);
    this.schedule();
  }

  private schedule(): void {
    if (this.releaseTimer !== undefined || this.delayed.length === 0) return;
    const wait = Math.max(1, ((1 - this.tokens) / this.limits.rate) * 1000);
    this.releaseTimer = this.clock.setTimeout(() => {
      this.releaseTimer = undefined;
      if (!this.host.present()) return;
      this.refill();
      this.release(Math.floor(this.tokens));
      if (!this.host.present()) return;
      const over = this.delayed.length === 0;
      if (this.refused > 0 && (over || this.clock.now() - this.refusedSince >= FLOOD_REPORT_MS)) this.reportRefused();
      if (over) this.dropping = false;
      this.schedule();
    }, wait);
  }

  private reportRefused(): void {
    this.host.tell(format.error(this.t.floodRefused(this.refused)));
    this.refused = 0;
  }

  /** Handle up to `count` delayed lines, oldest first. */
  private release(count: number): void {
    let released = 0;
    // A line after a /nick waits until the room has answered it (its sender's name may change).
    const more = () => this.delayed.length > 0 && this.host.present() && !this.host.claiming();
    while (released < count && more()) {
      const frame = this.delayed.shift()!;
      this.tokens -= 1;
      released++;
      this.host.pass(frame);
    }
  }
}
