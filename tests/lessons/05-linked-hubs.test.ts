/**
 * Lesson 05 runs its tour to the end (`--exit`), over TCP in English and over UDP
 * in Chinese: the pub/sub link loses the line said while hub B was away, the
 * stream link delivers it once hub B is back. The lesson starts its own redis-server.
 */
import { describe, expect, test } from "bun:test";
import { noRedis } from "../helpers/redis.ts";

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const proc = Bun.spawn([process.execPath, "lessons/05-linked-hubs.ts", ...args], {
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, LANG: "C", LC_ALL: "", LC_MESSAGES: "" },
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, out, err };
}

describe.skipIf(noRedis)("lesson 05", () => {
  test("over TCP: links two hubs; pub/sub loses what hub B missed, the stream delivers it after", async () => {
    const { code, out } = await run("--port", "0", "--exit", "--lang", "en");
    expect(out).toMatch(/hub A listening on 127\.0\.0\.1:\d+ \(tcp\), hub B on 127\.0\.0\.1:\d+ \(tcp\)/);
    expect(out).toMatch(/bob {3}sees  <A 127\.0\.0\.1:\d+> hello from hub A/);
    expect(out).toMatch(/bob {3}sees  <A [^>]+> pub\/sub: and this\?/);
    expect(out).not.toMatch(/bob {3}sees  <A [^>]+> pub\/sub: did you get this\?/);
    expect(out).toContain('bob never saw "did you get this?"');
    expect(out).toMatch(/bob {3}sees  <A [^>]+> stream: did you get this\?/);
    expect(out).toContain("bob got it once hub B was back");
    expect(code).toBe(0);
  }, 30_000);

  test("over UDP, in Chinese with --lang zh: the same tour", async () => {
    const { code, out } = await run("--port", "0", "--exit", "--udp", "--lang", "zh");
    expect(out).toMatch(/中心 A 正在监听 127\.0\.0\.1:\d+ \(udp\)/);
    expect(out).toMatch(/bob {3}看到 <A [^>]+> hello from hub A/);
    expect(out).not.toMatch(/bob {3}看到 <A [^>]+> pub\/sub: did you get this\?/);
    expect(out).toContain("bob 永远看不到");
    expect(out).toMatch(/bob {3}看到 <A [^>]+> stream: did you get this\?/);
    expect(out).toContain("中心 B 回来后 bob 收到了");
    expect(code).toBe(0);
  }, 30_000);
});

// --help, usage errors and --lang are checked with every lesson's, in tests/lessons/cli.test.ts.
test("--help names the Redis option and its default", async () => {
  const { code, out } = await run("--help", "--lang", "en");
  expect(out).toContain("--redis <url>");
  expect(out).toContain("start a redis-server of our own on a free port; default own");
  expect(code).toBe(0);
});
