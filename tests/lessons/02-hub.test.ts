/**
 * Lesson 02, the hub, checked from the outside over TCP and UDP.
 * Grade another program with LESSON_02_CMD="python3 my_hub.py".
 *
 * The checks are the grader's (tools/grader/checks/02-hub.ts), run over its
 * disturbed transport with a fixed seed (env LESSON_SEED to change it): a failure
 * here tells the same story as `bun run grade 02`.
 */
import { describe } from "bun:test";
import { checkTests, lessonSuite } from "../../tools/grader/bun-test.ts";
import { TRANSPORTS } from "../../tools/harness/index.ts";

describe.each(TRANSPORTS)("lesson 02 hub over %s", (transport) => checkTests(lessonSuite("02"), transport));
