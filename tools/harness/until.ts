/**
 * Waiting in tests: poll a condition instead of sleeping a fixed time.
 * A fixed sleep is either too short on a slow machine or wastes time on a fast one.
 */

export class TimeoutError extends Error {
  override name = "TimeoutError";
}

/**
 * Poll `check` every few milliseconds until it returns something truthy, and
 * return that. After `ms`, throw a TimeoutError that says what we waited for.
 * An exception thrown by `check` counts as "not yet" and is quoted on timeout.
 */
export async function until<T>(
  check: () => T | Promise<T>,
  ms = 3000,
  what: string | (() => string) = "condition",
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
      throw new TimeoutError(`timed out after ${ms} ms waiting for: ${typeof what === "function" ? what() : what}${because}`);
    }
    await Bun.sleep(5);
  }
}

/**
 * A deliberate gap, e.g. between the two halves of a split line so the program's
 * read returns the first half alone. Never use it to wait for readiness.
 */
export const pause = (ms: number) => Bun.sleep(ms);
