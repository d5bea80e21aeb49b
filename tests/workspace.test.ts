/**
 * Your exercises in workspace/, one test each, graded as `bun run grade` grades
 * them: the same files, the same report (in your language), the same progress,
 * remembered; the table and the progress bar come last. Only this file:
 * `bun test workspace`. On a fresh checkout there is no workspace, and one
 * skipped test says how to begin (bun run grade --init).
 */
import { afterAll, test } from "bun:test";
import { workspaceExercises } from "../tools/grader/bun-test.ts";

const { exercises, summary, none } = workspaceExercises();
if (none) test.skip(none, () => {});
for (const e of exercises) {
  if (e.todo) {
    test.todo(e.title);
    continue;
  }
  test(
    e.title,
    async () => {
      const failed = await e.graded();
      //
      // Not passed yet: what the grader found is printed just above.
      // 还没有通过：评分器发现的问题就打印在上面。
      // `bun run grade NN` shows it again; add --watch to grade on every save.
      // `bun run grade NN` 会再显示一遍；加 --watch，每次保存都重新打分。
      if (failed) throw new Error(failed);
    },
    60_000,
  );
}
afterAll(() => {
  if (exercises.length > 0) process.stderr.write(summary() + "\n");
});
