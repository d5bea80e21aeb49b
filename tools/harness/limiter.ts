/**
 * At most `n` jobs at once: the rest wait their turn, in the order they came.
 * For work that runs concurrently but must not crowd the machine (the grader's
 * checks, the reliability checklist's scenes).
 */

/** Run a job when fewer than `n` others run; a job that ends hands its place to the next. */
export type Limiter = <T>(job: () => Promise<T>) => Promise<T>;

export function limiter(n: number): Limiter {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (job) => {
    if (running < n) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await job();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
