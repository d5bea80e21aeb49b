/**
 * Lesson 01, the echo server, checked from the outside over TCP and UDP.
 * Grade another program with LESSON_01_CMD="python3 my_echo.py".
 *
 * The checks are the grader's (tools/grader/checks/01-echo.ts), run over its
 * disturbed transport with a fixed seed (env LESSON_SEED to change it): a failure
 * here tells the same story as `bun run grade 01`.
 */
import { describe } from "bun:test";
import { checkTests, lessonSuite } from "../../tools/grader/bun-test.ts";
import { TRANSPORTS } from "../../tools/harness/index.ts";

describe.each(TRANSPORTS)("lesson 01 echo server over %s", (transport) => checkTests(lessonSuite("01"), transport));
