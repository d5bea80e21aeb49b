/**
 * python3, for the tests that run Python programs (the grader's Python mutants,
 * a learner's .py exercise). Where it is not installed, those tests are skipped,
 * with one line saying how to install it; under CI (CI=true) they run anyway and
 * fail, as the Redis and network namespace tests do (.ci/run installs it).
 */

/** Where python3 is installed, or null. */
export const PYTHON3 = Bun.which("python3");

/** For `skipIf(noPython)`: true when the Python tests cannot run here and need not. */
export const noPython = PYTHON3 === null && process.env.CI !== "true";

if (noPython) {
  console.log(
    "python3: not installed: skipping the tests that run Python programs (install it: sudo apt-get install python3)",
  );
}
