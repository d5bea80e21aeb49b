/**
 * At most `n` jobs at once: the rest wait their turn, in the order they came.
 * For work that runs concurrently but must not crowd the machine (the grader's
 * checks, the reliability checklist's scenes, a test file's concurrent tests).
 */

/** Run a job when fewer than `n` others run; a job that ends hands its place to the next. */
export type Limiter = (<T>(job: () => Promise<T>) => Promise<T>) & {
  /** Wait for a place and hold it until the block ends: `using _ = await limit.turn()`. */
  turn(): Promise<Disposable>;
};

export function limiter(n: number): Limiter {
  let running = 0;
  const waiting: (() => void)[] = [];
  const turn = async (): Promise<Disposable> => {
    if (running < n) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    let held = true;
    return {
      [Symbol.dispose]() {
        if (!held) return;
        held = false;
        const next = waiting.shift();
        if (next) next();
        else running--;
      },
    };
  };
  const run = async <T>(job: () => Promise<T>): Promise<T> => {
    using _ = await turn();
    return await job();
  };
  return Object.assign(run, { turn });
}
