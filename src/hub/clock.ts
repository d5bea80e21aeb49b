/**
 * Time, as the hub and its parts see it: injectable, so that tests run flood
 * control, the join hold and big-room summaries on a clock that moves only when
 * told (tests/hub/fakes.ts).
 */

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};
