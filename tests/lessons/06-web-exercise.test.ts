/**
 * Lesson 06's exercise, the web bridge, checked from the outside over TCP and
 * UDP with Bun's own WebSocket client as the browser. The kit's own is
 * lessons/06-web-window.ts; grade another program with
 * LESSON_06_CMD="bun my_bridge.ts". (The lesson's own tour is 06-web-window.test.ts.)
 *
 * The checks are the grader's (tools/grader/checks/06-web-window.ts): a failure here tells the
 * same story as `bun run grade 06`.
 */
import { describe } from "bun:test";
import { checkTests, lessonSuite } from "../../tools/grader/bun-test.ts";
import { TRANSPORTS } from "../../tools/harness/index.ts";

describe.each(TRANSPORTS)("lesson 06 web bridge over %s", (transport) => checkTests(lessonSuite("06"), transport));
