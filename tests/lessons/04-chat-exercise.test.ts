/**
 * Lesson 04's exercise, a small complete chat server, checked from the outside
 * over TCP and UDP. The kit's own is src/server.ts; grade another program with
 * LESSON_04_CMD="python3 my_chat.py". (The lesson's guided tour is 04-chat.test.ts.)
 *
 * The checks are the grader's (tools/grader/checks/04-chat.ts): a failure here
 * tells the same story as `bun run grade 04`.
 */
import { describe } from "bun:test";
import { checkTests, lessonSuite } from "../../tools/grader/bun-test.ts";
import { TRANSPORTS } from "../../tools/harness/index.ts";

describe.each(TRANSPORTS)("lesson 04 chat server over %s", (transport) => checkTests(lessonSuite("04"), transport));
