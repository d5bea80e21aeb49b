/**
 * Every lesson's command line, as a beginner meets it: --help, a mistyped option,
 * and --lang (or the locale) for English or Chinese. These check the kit's own
 * lessons (lessons/*.ts), not a program given in LESSON_0N_CMD.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { readCommandLine, wrap } from "../../lessons/cli.ts";
import {
  startProgram,
  startTerminal,
  stripAnsi,
  tcpClient,
  tcpServer,
  TRANSPORTS,
  udpClient,
  udpServer,
  until,
  WireLog,
  type FakeServer,
  type Program,
} from "../../tools/harness/index.ts";
import { noRedis } from "../helpers/redis.ts";
import { envWith, kitEnv, kitLesson, LESSON_FILES, peerOf, runLesson, type KitLesson } from "./kit-lessons.ts";

const NAMES: Record<KitLesson, string> = {
  "01": "echo",
  "02": "hub",
  "03": "client",
  "04": "chat",
  "05": "hubs",
  "06": "bridge",
};
const LESSONS = Object.keys(LESSON_FILES) as KitLesson[];

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function started(lesson: KitLesson, transport: "tcp" | "udp", args: string[]): Promise<Program> {
  const program = await startProgram({ command: kitLesson(lesson, transport), transport, args, env: kitEnv() });
  cleanups.push(() => program.stop());
  return program;
}

async function standIn(transport: "tcp" | "udp"): Promise<FakeServer> {
  const wire = new WireLog();
  const server = transport === "tcp" ? await tcpServer({ name: "hub", wire }) : await udpServer({ name: "hub", wire });
  cleanups.push(() => server.close());
  return server;
}

describe.each(LESSONS)("lesson %s's command line", (lesson) => {
  const name = NAMES[lesson];
  const file = LESSON_FILES[lesson];

  test("--help says what it does, how to run it and its options with their defaults, and exits 0", async () => {
    const { code, stdout, stderr } = await runLesson(lesson, ["--help"]);
    expect(stderr).toBe("");
    expect(stdout).toStartWith(`${name}: `);
    expect(stdout).toContain(`Usage: bun ${file} [options]`);
    for (const option of ["--host <address>", "--port <n>", "--udp", "--lang en|zh", "-h, --help"]) {
      expect(stdout).toContain(option);
    }
    expect(stdout).toContain("default 9009");
    expect(stdout).toContain("Examples:");
    expect(code).toBe(0);
  });

  test("--help --lang zh is in Chinese", async () => {
    const { code, stdout } = await runLesson(lesson, ["--help", "--lang", "zh"]);
    expect(stdout).toContain(`用法：bun ${file} [选项]`);
    expect(stdout).toContain("选项：");
    expect(stdout).toContain("默认 9009");
    expect(stdout).not.toContain("default");
    expect(code).toBe(0);
  });

  test("follows the locale as src/ does: LANG=zh_CN.UTF-8 is Chinese, LC_ALL wins over LANG", async () => {
    const zh = envWith({ LANG: "zh_CN.UTF-8" });
    expect((await runLesson(lesson, ["--help"], zh)).stdout).toContain("用法：");
    const allEn = envWith({ LANG: "zh_CN.UTF-8", LC_ALL: "en_US.UTF-8" });
    expect((await runLesson(lesson, ["--help"], allEn)).stdout).toContain("Usage:");
    expect((await runLesson(lesson, ["--help", "--lang", "en"], zh)).stdout).toContain("Usage:");
  });

  const bad: [string, string[], string][] = [
    ["an unknown option", ["--no-such-option"], "unknown option --no-such-option"],
    ["an option without its value", ["--port"], "--port needs a value"],
    ["a port that is not a number", ["--port", "abc"], "--port must be a number"],
    ["a port out of range", ["--port", "99999"], "--port must be a number"],
    ["a language it does not speak", ["--lang", "fr"], '--lang must be en or zh, not "fr"'],
    ["a stray word", ["hello"], "unexpected argument hello"],
    [
      "a value that looks like an option",
      ["--port", "-1"],
      '--port needs a value; one that starts with "-" is written --port=-1',
    ],
    ["a value for a switch", ["--udp=yes"], "--udp takes no value"],
  ];
  test.each(bad)("rejects %s with one line and exit status 2, no stack trace", async (_what, args, says) => {
    const { code, stdout, stderr } = await runLesson(lesson, args);
    expect(stdout).toBe("");
    expect(stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(stderr).toStartWith(`${name}: `);
    expect(stderr).toContain(says);
    expect(stderr).toContain(`(see bun ${file} --help)`);
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(code).toBe(2);
  });

  test("says a usage error in the language asked for", async () => {
    const { code, stderr } = await runLesson(lesson, ["--no-such-option", "--lang", "zh"]);
    expect(stderr).toBe(`${name}: 没有 --no-such-option 这个选项（参见 bun ${file} --help）\n`);
    expect(code).toBe(2);
  });
});

describe("options that only some lessons have", () => {
  const idles = [
    ["--idle 0", ["--idle", "0"]],
    ["--idle=-1", ["--idle=-1"]],
    ["--idle soon", ["--idle", "soon"]],
  ] as const;
  test.each(idles)("lesson 02 rejects %s with exit status 2", async (_shown, args) => {
    const { code, stderr } = await runLesson("02", [...args]);
    expect(stderr).toContain("--idle must be a number of seconds above 0");
    expect(code).toBe(2);
  });

  test("lesson 03, a client, rejects --port 0: it connects to a port, it does not pick one", async () => {
    const { code, stderr } = await runLesson("03", ["--port", "0"]);
    expect(stderr).toContain("--port must be a number from 1 to 65535");
    expect(code).toBe(2);
  });
});

describe.each(TRANSPORTS)("the lessons in Chinese over %s", (transport) => {
  const udp = transport === "udp" ? ["--udp"] : [];

  test("lesson 01's server and client speak Chinese with --lang zh", async () => {
    const server = await started("01", transport, ["--lang", "zh"]);
    const args = ["--client", ...udp, "--port", String(server.port), "--lang", "zh"];
    const client = await runLesson("01", args, envWith());
    expect(client.stdout).toContain(`echo: 正在和 127.0.0.1:${server.port} (${transport}) 对话。`);
    expect(client.stdout).not.toContain("> "); // stdin is not a terminal: no prompt
    expect(client.code).toBe(0);
    expect(server.output()).toContain(`echo: 正在监听 127.0.0.1:${server.port} (${transport})`);
    expect(server.output()).toContain("echo: 按 Ctrl+C 停止服务器");
    expect(await server.stop()).toEqual({ code: 0, signal: null });
    expect(server.output()).toContain("echo: 再见");
    expect(server.output()).not.toMatch(/listening|bye/);
  });

  test("lesson 02's hub speaks Chinese with --lang zh, its notices too", async () => {
    const hub = await started("02", transport, ["--lang", "zh"]);
    const wire = new WireLog();
    const peer = await peerOf(transport, hub.port, "ann", wire);
    cleanups.push(() => peer.close());
    peer.sendLine("");
    await until(() => peer.lines().some((line) => line.startsWith("*** 欢迎 ")), 5000, "a welcome in Chinese");
    const welcome = new RegExp(`^\\*\\*\\* 欢迎 127\\.0\\.0\\.1:${peer.localPort}；这里还有 \\d+ 人$`);
    expect(peer.lines()[0]).toMatch(welcome);
    await until(() => hub.output().includes("加入了"), 5000, "the hub's log in Chinese");
    expect(hub.output()).toContain(`hub: 正在监听 127.0.0.1:${hub.port} (${transport})`);
    expect(hub.output()).not.toContain("listening");
  });

  test("lesson 03's client speaks Chinese with --lang zh", async () => {
    const hub = await standIn(transport);
    const { code, stdout } = await runLesson("03", [...udp, "--port", String(hub.port), "--lang", "zh"]);
    const where = `127.0.0.1:${hub.port}`;
    const connected =
      transport === "tcp" ? `client: 已连接到 ${where}（tcp）。` : `client: 开始和 ${where}（udp）对话。`;
    expect(stdout).toContain(connected);
    expect(stdout).toContain("client: 再见");
    expect(stdout).not.toMatch(/connected|talking|bye/);
    expect(stdout).not.toContain("> "); // stdin is not a terminal: no prompt
    expect(code).toBe(0);
  });
});

describe("where the port comes from", () => {
  test.each(["01", "02", "03", "04", "05"] as const)(
    "lesson %s names the environment variable PORT, not --port, when PORT is not a port",
    async (lesson) => {
      const { code, stdout, stderr } = await runLesson(lesson, ["--lang", "en"], envWith({ PORT: "abc" }));
      const min = lesson === "03" ? 1 : 0;
      const says = `the environment variable PORT must be a number from ${min} to 65535, not "abc"`;
      expect(stderr).toBe(`${NAMES[lesson]}: ${says} (see bun ${LESSON_FILES[lesson]} --help)\n`);
      expect(stdout).toBe("");
      expect(code).toBe(2);
    },
  );

  test("--port on the command line wins over PORT, and is the one named when it is wrong", async () => {
    const { code, stderr } = await runLesson("01", ["--port", "x1", "--lang", "zh"], envWith({ PORT: "abc" }));
    expect(stderr).toStartWith('echo: --port 必须是 0 到 65535 之间的整数，不能是 "x1"');
    expect(code).toBe(2);
  });
});

/** The lines of `text` wider than `columns` on a terminal, where a Chinese character takes two. */
const tooWide = (text: string, columns = 80) => text.split("\n").filter((line) => Bun.stringWidth(line) > columns);

describe("everything a lesson prints for a person fits an 80-column terminal", () => {
  describe.each(LESSONS)("lesson %s", (lesson) => {
    test.each(["en", "zh"])("--help --lang %s: no line wider than 80 columns, none cut inside a word", async (lang) => {
      const { code, stdout } = await runLesson(lesson, ["--help", "--lang", lang]);
      expect(tooWide(stdout)).toEqual([]);
      // Cut between words only: every word of the help is still whole somewhere in it.
      for (const word of ["--host", "<address>", "127.0.0.1", `lessons/${LESSON_FILES[lesson].split("/")[1]}`]) {
        expect(stdout).toContain(word);
      }
      expect(stdout).toContain(lang === "zh" ? "默认 9009" : "default 9009"); // never cut apart
      expect(code).toBe(0);
    });
  });

  describe.each(TRANSPORTS)("over %s", (transport) => {
    const udp = transport === "udp" ? ["--udp"] : [];
    const nc = transport === "udp" ? "nc -u" : "nc";

    const servers = [
      ["01", "bun lessons/01-echo.ts --client"],
      ["02", "bun lessons/03-client.ts"],
    ] as const;
    test.each(["en", "zh"])("lesson 01's and 02's ready lines (--lang %s): what to try, a line each", async (lang) => {
      for (const [lesson, client] of servers) {
        const server = await started(lesson, transport, ["--lang", lang]);
        await until(() => server.output().includes("Ctrl+C"), 5000, "its ready lines");
        const out = server.output();
        expect(tooWide(out)).toEqual([]);
        const name = NAMES[lesson];
        expect(out).toContain(`\n${name}:   ${nc} 127.0.0.1 ${server.port}\n`);
        expect(out).toContain(`\n${name}:   ${client}${udp.map((u) => ` ${u}`).join("")} --port ${server.port}\n`);
      }
      // The hub over UDP knows a client once it has heard from it: its ready lines say so, as its --help does.
      const hub = await started("02", transport, ["--lang", lang]);
      await until(() => hub.output().includes("Ctrl+C"), 5000, "its ready lines");
      const joinEn = "hub: with nc -u, press Enter once to join; /quit leaves\n";
      const join = lang === "zh" ? "hub: 用 nc -u 时先按一次回车才算加入；/quit 离开\n" : joinEn;
      if (transport === "udp") expect(hub.output()).toContain(join);
      else expect(hub.output()).not.toContain("nc -u");
    });

    test.each(["en", "zh"])("lesson 03's greeting (--lang %s)", async (lang) => {
      const hub = await standIn(transport);
      const { stdout } = await runLesson("03", [...udp, "--port", String(hub.port), "--lang", lang]);
      expect(stdout).toContain("client: ");
      expect(tooWide(stdout)).toEqual([]);
    });

    test.each(["en", "zh"])("lesson 04, its whole tour (--lang %s)", async (lang) => {
      const { code, stdout } = await runLesson("04", [...udp, "--port", "0", "--exit", "--lang", lang]);
      expect(stdout).toContain("── ");
      expect(tooWide(stdout)).toEqual([]);
      expect(code).toBe(0);
    });

    test.skipIf(noRedis).each(["en", "zh"])(
      "lesson 05, its whole tour (--lang %s)",
      async (lang) => {
        const { code, stdout } = await runLesson("05", [...udp, "--port", "0", "--exit", "--lang", lang]);
        expect(stdout).toContain("── ");
        expect(tooWide(stdout)).toEqual([]);
        expect(code).toBe(0);
      },
      30_000,
    );
  });

  test("--help follows the width of the terminal it is shown in", async () => {
    const args = ["--help", "--lang", "zh"];
    const term = startTerminal({ command: kitLesson("05"), args, cols: 50, env: kitEnv() });
    cleanups.push(() => term.stop());
    expect(await term.exited).toEqual({ code: 0, signal: null });
    const text = stripAnsi(term.raw());
    expect(text).toContain("用法：");
    expect(tooWide(text, 50)).toEqual([]);
    expect(tooWide(text, 40).length).toBeGreaterThan(0); // it used the width it had, not less
  });
});

describe("cutting a line to fit (lessons/cli.ts)", () => {
  test("cuts at spaces, never inside a word, and lines the rest up under the text", () => {
    const lines = wrap("the quick brown fox jumps over the lazy dog", 16, "echo: ", "      ");
    expect(lines).toEqual(["echo: the quick", "      brown fox", "      jumps over", "      the lazy", "      dog"]);
  });

  test("counts a Chinese character as two columns, and may cut between two of them, but not before a comma", () => {
    expect(wrap("端口，0 表示任选一个空闲端口", 12)).toEqual(["端口，0 表示", "任选一个空闲", "端口"]);
    // "一二三四" fills the 8 columns, but a line may not start with the comma: "四" goes with it.
    expect(wrap("一二三四，五", 8)).toEqual(["一二三", "四，五"]);
  });

  test("keeps a word longer than the line whole", () => {
    expect(wrap("see redis://127.0.0.1:6379/0 now", 10)).toEqual(["see", "redis://127.0.0.1:6379/0", "now"]);
  });

  test("what to try says --port only when it is not the default, and --host only when not 127.0.0.1", () => {
    const cli = readCommandLine({ name: "t", file: "t.ts", about: ["", ""], examples: [], options: {} }, []);
    expect(cli.addressFlags("127.0.0.1", 9009)).toBe("");
    expect(cli.addressFlags("127.0.0.1", 9100)).toBe(" --port 9100");
    expect(cli.addressFlags("0.0.0.0", 9009)).toBe(" --host 0.0.0.0");
  });
});
