/**
 * Lesson 02, the hub, checked from the outside over TCP and UDP.
 * Grade another program with LESSON_02_CMD="python3 my_hub.py" (see harness.ts).
 *
 * The checks are the grader's (tools/grader/checks.ts), run over its disturbed
 * transport with a fixed seed (env LESSON_SEED to change it): a failure here tells
 * the same story as `bun run grade 02`.
 */
import { describe, test } from "bun:test";
import { checksFor } from "../../tools/grader/checks.ts";
import { runAsTest } from "../../tools/grader/report.ts";
import { TRANSPORTS } from "../../tools/harness/index.ts";

describe.each(TRANSPORTS)("lesson 02 hub over %s", (transport) => {
  for (const check of checksFor("02", transport)) test(check.name.en, () => runAsTest(check, transport));
});
