/**
 * Lesson 04 is a guided tour of the real program: run it to the end (`--exit`)
 * over each transport and language, and check that every step happened.
 */
import { describe, expect, test } from "bun:test";
import { freePort } from "../../tools/harness/index.ts";
import { envWith, runLesson } from "./kit-lessons.ts";

async function tour(...args: string[]): Promise<{ code: number; out: string }> {
  const { code, stdout, stderr } = await runLesson("04", ["--port", "0", "--exit", ...args], envWith());
  return { code, out: stdout + stderr };
}

const portIn = (out: string, pattern: RegExp) => Number(pattern.exec(out)?.[1]);

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

  test("speaks Chinese with --lang zh: the hub's notices and the tour itself", async () => {
    const { code, out } = await tour(...flags, "--lang", "zh");
    expect(out).toMatch(new RegExp(`chat: 正在监听 127\\.0\\.0\\.1:\\d+ \\(${transport}\\)`));
    expect(out).toContain("── 加入：hub 把新成员记进它的 clients 表");
    expect(out).toContain("alice 输入 大家好，有人在吗？");
    expect(out).toContain("bob   看到 <alice> 大家好，有人在吗？");
    expect(out).toContain("*** bob 离开了聊天室（回头见）");
    expect(out).toContain("chat: 导览结束。");
    expect(out).not.toContain("没有看到");
    for (const english of ["joining", "sending", " sees ", " types ", "tour over", "settings", "listening"]) expect(out).not.toContain(english);
    expect(code).toBe(0);
  });

  test("follows the locale when --lang is not given", async () => {
    const { code, stdout } = await runLesson("04", ["--port", "0", "--exit", ...flags], envWith({ LANG: "zh_CN.UTF-8" }));
    expect(stdout).toContain("── 加入");
    expect(code).toBe(0);
  });

  test("its settings line tells the port it really listens on, with --port 0", async () => {
    const { code, out } = await tour(...flags, "--lang", "en");
    const listening = portIn(out, /listening on 127\.0\.0\.1:(\d+)/);
    expect(listening).toBeGreaterThan(0);
    expect(portIn(out, /settings \(.*\): port (\d+),/)).toBe(listening);
    expect(code).toBe(0);
  });

  test("its settings line tells the port it was given", async () => {
    const port = await freePort(transport);
    const { code, stdout } = await runLesson("04", ["--port", String(port), "--exit", "--lang", "zh", ...flags], envWith());
    expect(portIn(stdout, /正在监听 127\.0\.0\.1:(\d+)/)).toBe(port);
    expect(portIn(stdout, /设置（.*）：端口 (\d+)，/)).toBe(port);
    expect(code).toBe(0);
  });
});
