/**
 * The article's own formats, kept by the kit's lesson 01: a reply is "[" + Python's
 * time.ctime() + "] " + the line, as in `'[{}] {}'.format(ctime(), data)`.
 * (The grader's checks accept any reply with a time in it; this is the kit's own promise.)
 */
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ROOT, startProgram, TRANSPORTS, until, WireLog, type Transport } from "../../tools/harness/index.ts";
import { kitEnv, kitLesson, peerOf } from "./kit-lessons.ts";

const CTIME_REPLY = /^\[\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\] /;

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Lesson 01 over `transport`; with `fixedNow`, its clock is stopped at that moment (UTC). */
async function echoReply(transport: Transport, line: string, fixedNow?: number): Promise<string> {
  const preload = fixedNow === undefined ? [] : ["--preload", join(ROOT, "tests/lessons/fixed-clock.ts")];
  const env = kitEnv(fixedNow === undefined ? {} : { FIXED_NOW: String(fixedNow), TZ: "UTC" });
  const server = await startProgram({ command: kitLesson("01", transport, preload), transport, env });
  cleanups.push(() => server.stop());
  const wire = new WireLog();
  const peer = await peerOf(transport, server.port, "ann", wire);
  cleanups.push(() => peer.close());
  peer.sendLine(line);
  const got = () => `a reply ending "${line}"; got ${JSON.stringify(peer.text())}`;
  return until(() => peer.lines().find((l) => l.endsWith(line)), 5000, got);
}

describe.each(TRANSPORTS)("lesson 01's reply over %s", (transport) => {
  test('is "[" + time.ctime() + "] " + the line', async () => {
    const reply = await echoReply(transport, "hello");
    expect(reply).toMatch(CTIME_REPLY);
    expect(reply.replace(CTIME_REPLY, "")).toBe("hello");
  });

  test.each([
    ["[Mon Nov  2 00:51:13 2026] hello 你好", Date.UTC(2026, 10, 2, 0, 51, 13)],
    ["[Mon Nov 30 00:51:13 2026] hello 你好", Date.UTC(2026, 10, 30, 0, 51, 13)],
    ["[Tue Feb  9 23:05:09 2027] hello 你好", Date.UTC(2027, 1, 9, 23, 5, 9)],
  ])("is exactly %p when the clock says so (the day padded with a space, as ctime does)", async (expected, now) => {
    expect(await echoReply(transport, "hello 你好", now)).toBe(expected);
  });
});
