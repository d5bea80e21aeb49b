/**
 * Waiting in tests: poll a condition instead of sleeping a fixed time.
 * A fixed sleep is either too short on a slow machine or wastes time on a fast one.
 */

export class TimeoutError extends Error {
  override name = "TimeoutError";
}

/**
 * Poll `check` every few milliseconds (`everyMs`, default 5) until it returns
 * something truthy, and return that. After `ms`, throw a TimeoutError that says
 * what we waited for. An exception thrown by `check` counts as "not yet" and is
 * quoted on timeout.
 */
export async function until<T>(
  check: () => T | Promise<T>,
  ms = 3000,
  what: string | (() => string) = "condition",
  everyMs = 5,
): Promise<NonNullable<T>> {
  const deadline = performance.now() + ms;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (performance.now() >= deadline) {
      const because = lastError ? ` (last error: ${(lastError as Error).message ?? lastError})` : "";
      const waitedFor = typeof what === "function" ? what() : what;
      throw new TimeoutError(`timed out after ${ms} ms waiting for: ${waitedFor}${because}`);
    }
    await Bun.sleep(everyMs);
  }
}

export type SteadyOptions = {
  /** How long the value must hold still. */
  forMs: number;
  /** Give up after this long, and return the value as it is. */
  ms: number;
  /** How far it may move and still count as still, as a fraction of its smallest value (default 0). */
  within?: number;
  /** Stop at once when this says the value is final (everything has arrived, say). */
  done?: (value: number) => boolean;
  /** How often to read it, ms (default 5). */
  everyMs?: number;
};

/**
 * Poll `read` until its value holds still for `forMs` (or `done` says it is
 * final), and return it: for "everything in flight has arrived" when nobody can
 * say how much is in flight, and for a figure that settles (memory after a burst).
 * Never throws: after `ms`, the value as it is.
 */
export async function untilSteady(read: () => number, o: SteadyOptions): Promise<number> {
  const deadline = performance.now() + o.ms;
  const window: { at: number; value: number }[] = [];
  for (;;) {
    const value = read();
    const at = performance.now();
    if (o.done?.(value) || at >= deadline) return value;
    window.push({ at, value });
    while (window.length > 1 && at - window[1]!.at >= o.forMs) window.shift(); // the oldest still spans forMs
    const values = window.map((s) => s.value);
    const [low, high] = [Math.min(...values), Math.max(...values)];
    if (at - window[0]!.at >= o.forMs && high - low <= low * (o.within ?? 0)) return value;
    await Bun.sleep(o.everyMs ?? 5);
  }
}

/**
 * A deliberate gap, e.g. between the two halves of a split line so the program's
 * read returns the first half alone. Never use it to wait for readiness.
 */
export const pause = (ms: number) => Bun.sleep(ms);
