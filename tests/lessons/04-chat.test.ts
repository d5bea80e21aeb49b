/**
 * Lesson 04 is a guided tour of the real program: run it to the end (`--exit`)
 * over each transport and language, and check that every step happened, in an
 * order that does not depend on how the sockets' events interleave.
 */
import { describe, expect, test } from "bun:test";
import { freePort } from "../../tools/harness/index.ts";
import { envWith, runLesson } from "./kit-lessons.ts";

async function tour(...args: string[]): Promise<{ code: number; out: string }> {
  const { code, stdout, stderr } = await runLesson("04", ["--port", "0", "--exit", ...args], envWith());
  return { code, out: stdout + stderr };
}

const portIn = (out: string, pattern: RegExp) => Number(pattern.exec(out)?.[1]);

/** Where each of `lines` is in `out`, one after the other: -1 for a line missing or out of order. */
function inOrder(out: string, lines: string[]): number[] {
  let from = 0;
  return lines.map((line) => {
    const at = out.indexOf(line, from);
    if (at >= 0) from = at + line.length;
    return at;
  });
}

describe.each(["tcp", "udp"] as const)("lesson 04 over %s", (transport) => {
  const flags = transport === "udp" ? ["--udp"] : [];

  test("runs the whole tour and exits 0", async () => {
    const { code, out } = await tour(...flags, "--lang", "en");
    expect(out).toMatch(new RegExp(`chat: listening on 127\\.0\\.0\\.1:\\d+ \\(${transport}\\)`));
    expect(out).toContain("── joining: the hub fills its clients table");
    expect(out).toContain("alice types hello, is anyone here?");
    expect(out).toContain("bob   sees  <alice> hello, is anyone here?");
    expect(out).toContain("alice sees  * bob waves");
    expect(out).toContain("bob   sees  *alice* this is just for you");
    expect(out).toContain("alice sees  <bob> look \ufffd[2Jwhat a clear screen");
    expect(out).toContain("alice sees  *** bob left (see you)");
    expect(out).toContain("chat: tour over.");
    expect(out).not.toContain("did not see");
    expect(out).not.toContain("\x1b");
    expect(code).toBe(0);
  });

  test("its last step shows the room carry on when carol vanishes: bob, still there, gets alice's line", async () => {
    const { code, out } = await tour(...flags, "--lang", "en");
    const left = "*** carol left (connection reset)";
    const vanishing =
      transport === "tcp"
        ? ["her connection is reset (RST)", `alice sees  ${left}`, `bob   sees  ${left}`]
        : ["over UDP nothing tells the hub"];
    const lines = [
      "── broadcast with error handling",
      "alice sees  *** carol joined",
      "bob   sees  *** carol joined",
      ...vanishing,
      "alice types still here?",
      "bob   sees  <alice> still here?",
      "bob   types yes, still here",
      "alice sees  <bob> yes, still here",
      "── leaving cleanly",
      "bob   types /quit see you",
    ];
    const at = inOrder(out, lines);
    expect(lines.filter((_, i) => at[i] === -1)).toEqual([]);
    if (transport === "udp") expect(out).not.toContain("carol left"); // nobody was told: a UDP crash is silent
    expect(code).toBe(0);
  });

  test("prints the same lines in the same order on every run", async () => {
    const runs = await Promise.all([1, 2, 3].map(() => tour(...flags, "--lang", "en")));
    // Only the ports differ from one run to the next.
    const outs = runs.map(({ out }) => out.replace(/\b\d{4,5}\b/g, "PORT"));
    expect(outs[1]).toBe(outs[0]!);
    expect(outs[2]).toBe(outs[0]!);
  });

  test("speaks Chinese with --lang zh: the hub's notices and the tour itself", async () => {
    const { code, out } = await tour(...flags, "--lang", "zh");
    expect(out).toMatch(new RegExp(`chat: 正在监听 127\\.0\\.0\\.1:\\d+ \\(${transport}\\)`));
    expect(out).toContain("── 加入：hub 把新成员记进它的 clients 表");
    expect(out).toContain("alice 输入 大家好，有人在吗？");
    expect(out).toContain("bob   看到 <alice> 大家好，有人在吗？");
    expect(out).toContain("bob   看到 <alice> 还有人在吗？");
    expect(out).toContain("*** bob 离开了聊天室（回头见）");
    expect(out).toContain("chat: 导览结束。");
    expect(out).not.toContain("没有看到");
    const english = ["joining", "sending", " sees ", " types ", "tour over", "settings", "listening", "still here"];
    for (const word of english) expect(out).not.toContain(word);
    expect(code).toBe(0);
  });

  test("follows the locale when --lang is not given", async () => {
    const env = envWith({ LANG: "zh_CN.UTF-8" });
    const { code, stdout } = await runLesson("04", ["--port", "0", "--exit", ...flags], env);
    expect(stdout).toContain("── 加入");
    expect(code).toBe(0);
  });

  test("its settings line tells the port it really listens on, with --port 0", async () => {
    const { code, out } = await tour(...flags, "--lang", "en");
    const listening = portIn(out, /listening on 127\.0\.0\.1:(\d+)/);
    expect(listening).toBeGreaterThan(0);
    expect(out).toContain("chat: settings (src/config.ts, then the command line):\n");
    expect(portIn(out, /^chat: {3}port (\d+), line limit/m)).toBe(listening);
    expect(code).toBe(0);
  });

  test("its settings line tells the port it was given", async () => {
    const port = await freePort(transport);
    const args = ["--port", String(port), "--exit", "--lang", "zh", ...flags];
    const { code, stdout } = await runLesson("04", args, envWith());
    expect(portIn(stdout, /正在监听 127\.0\.0\.1:(\d+)/)).toBe(port);
    expect(portIn(stdout, /^chat: {3}端口 (\d+)，/m)).toBe(port);
    expect(code).toBe(0);
  });
});
