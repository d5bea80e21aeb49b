/**
 * Big rooms: every join announced to every member makes N²/2 notices for N
 * joins. Past `above` members, joins and leaves are counted instead, and the
 * room hears one notice per interval naming how many came and went. (With
 * several hubs in one room, each sums up its own.)
 */
import type { Notice } from "../notices.ts";
import type { Clock } from "./clock.ts";

export class Summariser {
  /** Joins and leaves not announced one by one, waiting for the next summary. */
  private pending = { joined: 0, left: 0 };
  private timer: unknown;

  constructor(
    /** Past this many members in the whole room, joins and leaves are summed up. */
    private readonly above: number,
    private readonly intervalMs: number,
    private readonly clock: Clock,
    /** Tells the room (the summary notice). */
    private readonly publish: (notice: Notice) => void,
  ) {}

  /** Is a room of this size summed up rather than told of each join and leave? */
  covers(roomSize: number): boolean {
    return roomSize > this.above;
  }

  /** The interval, in seconds, as the summary says it. */
  get seconds(): number {
    return Number((this.intervalMs / 1000).toFixed(1));
  }

  /** One more join or leave for the next summary. */
  count(what: "joined" | "left"): void {
    this.pending[what]++;
    if (this.timer !== undefined) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      const { joined, left } = this.pending;
      this.pending = { joined: 0, left: 0 };
      if (joined + left === 0) return;
      this.publish({ kind: "summary", joined, left, seconds: this.seconds });
    }, this.intervalMs);
  }

  /** No summary is due any more (the hub is stopping). */
  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
