/**
 * Lesson 01, the echo server, checked from the outside over TCP and UDP.
 * Grade another program with LESSON_01_CMD="python3 my_echo.py" (see harness.ts).
 *
 * The checks are the grader's (tools/grader/checks.ts), run over its disturbed
 * transport with a fixed seed (env LESSON_SEED to change it): a failure here tells
 * the same story as `bun run grade 01`.
 */
import { describe, test } from "bun:test";
import { checksFor } from "../../tools/grader/checks.ts";
import { runAsTest } from "../../tools/grader/report.ts";
import { TRANSPORTS } from "../../tools/harness/index.ts";

describe.each(TRANSPORTS)("lesson 01 echo server over %s", (transport) => {
  for (const check of checksFor("01", transport)) test(check.name.en, () => runAsTest(check, transport));
});
