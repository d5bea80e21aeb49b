/**
 * When a server's queued writes go out: the flush's pace, shared by the TCP
 * and web sides (src/transports/tcp-server.ts, web-server.ts) and the link.
 *
 * A hub's cost is one write (one system call) per member per flush. When lines
 * come far apart, each flush carries one line, and that is right: it goes out at
 * the end of the event-loop turn that brought it, with no delay at all. When
 * they come thousands a second, each in a turn of its own, a flush per turn is a
 * write per member per line: 5,000 lines a second to 50 members is 250,000
 * system calls a second, a whole core, and every line waits behind the others.
 *
 * So the pace follows the load: a flush that would follow the last one by less
 * than half of PACE_MS (busy) waits until PACE_MS after it, and everything
 * queued meanwhile goes out in one write per member. Busy, at most about a
 * thousand flushes a second, whatever the rate, and a line waits at most
 * PACE_MS (and the timer's slack) more than it would have; at a thousand lines
 * a second or fewer, evenly spaced, nothing waits. The link's batches and reads
 * keep the same pace (src/link/sender.ts, reader.ts). A turn that has queued
 * its whole budget of bytes flushes at once: memory comes before system calls.
 */

/** Time between two flushes when busy (ms): Bun's timers wake no sooner than 1 ms. */
export const PACE_MS = 1;

/** How long to wait before the next flush, read or write (ms): 0 unless the last was less than half a pace ago. */
export function paceWait(last: number, now: number, paceMs = PACE_MS): number {
  return now - last < paceMs / 2 ? last + paceMs - now : 0;
}

export class FlushPacer {
  private scheduled: "turn" | "timer" | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the last flush ran (performance.now()). */
  private last = -Infinity;

  constructor(
    private readonly flush: () => void,
    private readonly paceMs = PACE_MS,
  ) {}

  /** Something is queued: flush at the end of this turn, or (busy) PACE_MS after the last flush; `now`: this turn, busy or not. */
  schedule(now = false): void {
    // Called for every line queued (a broadcast's loop): when a flush is on its way, nothing to do.
    if (this.scheduled === "turn" || (this.scheduled === "timer" && !now)) return;
    const wait = now ? 0 : paceWait(this.last, performance.now(), this.paceMs);
    if (wait <= 0) {
      if (this.scheduled === "timer") clearTimeout(this.timer);
      this.scheduled = "turn";
      setImmediate(this.run);
    } else {
      this.scheduled = "timer";
      this.timer = setTimeout(this.run, wait);
    }
  }

  private readonly run = (): void => {
    this.scheduled = undefined;
    this.last = performance.now();
    this.flush();
  };
}
