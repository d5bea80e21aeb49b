/**
 * Small things people read: /help's columns in Chinese, a singular in the log,
 * the log's skip reasons in the log's language, IPv6 addresses in brackets, and
 * a hint when the kit's client is refused over UDP.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { hostPort } from "../src/address.ts";
import { MESSAGES } from "../src/i18n.ts";
import type { SkipReason } from "../src/notices.ts";
import { startServer, type TestServer } from "./helpers/chat.ts";
import { ROOT } from "../tools/harness/command.ts";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe.each(Object.entries(MESSAGES))("in %s", (lang, t) => {
  test("/help's second column starts at one display column on every line", () => {
    const starts = t.help.slice(1).map((line) => {
      const m = /^( {2}\S+(?: \S+)*)( {2,})/.exec(line)!;
      return Bun.stringWidth(m[1]! + m[2]!);
    });
    expect(new Set(starts).size).toBe(1);
  });

  test("every skip reason is worded in the log's language", () => {
    const reasons: SkipReason[] = [
      { kind: "not-pairs" },
      { kind: "not-text" },
      { kind: "version", got: '"2"', want: "1" },
      { kind: "hub" },
      { kind: "seq" },
      { kind: "too-long", chars: 5_000_000, max: 4_194_304 },
      { kind: "not-json" },
      { kind: "not-list" },
      { kind: "too-many", messages: 9000, max: 4096 },
    ];
    for (const why of reasons) {
      const line = t.logSkipped("1-0", t.skipReason(why));
      if (lang === "zh") expect(line).not.toMatch(/\b(messages|fields?|valid|version|not)\b/);
      else expect(line).not.toMatch(/\p{sc=Han}/u);
    }
  });
});

describe("the log", () => {
  test("says 'its 1 member is gone', and 'its 3 members are gone'", () => {
    expect(MESSAGES.en.logHubLost("ab12", 1)).toEndWith("its 1 member is gone");
    expect(MESSAGES.en.logHubLost("ab12", 3)).toEndWith("its 3 members are gone");
  });

  test("brackets an IPv6 address before its port, in the ready line and a member's label", () => {
    expect(hostPort("::1", 9421)).toBe("[::1]:9421");
    expect(hostPort("127.0.0.1", 9421)).toBe("127.0.0.1:9421");
    expect(MESSAGES.en.listening("::1", 9421, "tcp")).toBe("server: listening on [::1]:9421 (tcp)");
    expect(MESSAGES.zh.listening("::1", 9421, "udp")).toBe("server: 正在监听 [::1]:9421 (udp)");
  });
});

describe("the kit's client refused over UDP", () => {
  test.each([
    ["en", "does it serve UDP (bun src/server.ts --udp)?"],
    ["zh", "它提供 UDP 吗（bun src/server.ts --udp）？"],
  ])("in %s, asks whether the server serves UDP", async (lang, hint) => {
    server = await startServer("tcp"); // TCP only: nothing on the UDP port of that number
    const proc = Bun.spawn(
      [process.execPath, join(ROOT, "src/client.ts"), "--udp", "--port", String(server.port), "--lang", lang],
      {
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
        env: { ...process.env, NO_COLOR: "1" },
      },
    );
    const [err, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
    expect(code).toBe(1);
    expect(err).toContain(hint);
  });
});
