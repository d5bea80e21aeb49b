/**
 * Waiting in tests: poll a condition instead of sleeping a fixed time.
 * A fixed sleep is either too short on a slow machine or wastes time on a fast one.
 */

/** Resolves with the first truthy value of `check()`; rejects after `ms` with `what` in the message. */
export async function until<T>(check: () => T | Promise<T>, ms = 3000, what = "condition"): Promise<NonNullable<T>> {
  const deadline = performance.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (performance.now() > deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${last})` : ""}`);
    }
    await Bun.sleep(5);
  }
}
