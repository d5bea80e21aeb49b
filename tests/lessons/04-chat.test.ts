/**
 * Lesson 04 is a guided tour of the real program: run it to the end (`--exit`)
 * over each transport and language, and check that every step happened.
 */
import { describe, expect, test } from "bun:test";

async function tour(...args: string[]): Promise<{ code: number; out: string }> {
  const proc = Bun.spawn([process.execPath, "lessons/04-chat.ts", "--port", "0", "--exit", ...args], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, out: out + err };
}

describe.each(["tcp", "udp"] as const)("lesson 04 over %s", (transport) => {
  const flags = transport === "udp" ? ["--udp"] : [];

  test("runs the whole tour and exits 0", async () => {
    const { code, out } = await tour(...flags, "--lang", "en");
    expect(out).toMatch(new RegExp(`chat: listening on 127\\.0\\.0\\.1:\\d+ \\(${transport}\\)`));
    expect(out).toContain("bob   sees  <alice> hello, is anyone here?");
    expect(out).toContain("alice sees  * bob waves");
    expect(out).toContain("bob   sees  *alice* this is just for you");
    expect(out).toContain("alice sees  <bob> look \ufffd[2Jwhat a clear screen");
    expect(out).toContain("alice sees  *** bob left (see you)");
    expect(out).not.toContain("did not see");
    expect(out).not.toContain("\x1b");
    expect(code).toBe(0);
  });

  test("speaks Chinese with --lang zh", async () => {
    const { code, out } = await tour(...flags, "--lang", "zh");
    expect(out).toContain("*** bob 离开了聊天室（see you）");
    expect(out).not.toContain("did not see");
    expect(code).toBe(0);
  });
});
