/**
 * Lesson 03, the chat client, driven through a real terminal (PTY) as a person
 * would drive it, against a stand-in hub that records what it receives.
 * Grade another program with LESSON_03_CMD="python3 my_client.py".
 * The `--worker` variant is the kit's own, so it is checked only without LESSON_03_CMD.
 *
 * The checks are the grader's (tools/grader/checks/03-client.ts): a failure here
 * tells the same story as `bun run grade 03`.
 */
import { describe } from "bun:test";
import { checkTests, lessonSuite } from "../../tools/grader/bun-test.ts";
import { TRANSPORTS } from "../../tools/harness/index.ts";

// ---- The grader's lesson 03 checks (keep this part first; lesson tests of its own go below).
const suite = lessonSuite("03");
const MODES = [
  { mode: suite.kit ? "on one event loop" : "as LESSON_03_CMD runs it", args: [] as string[] },
  ...(suite.kit ? [{ mode: "with its socket in a Worker", args: ["--worker"] }] : []),
];

describe.each(TRANSPORTS)("lesson 03 client over %s", (transport) => {
  describe.each(MODES)("$mode", ({ args }) => checkTests({ ...suite, args }, transport));
});
