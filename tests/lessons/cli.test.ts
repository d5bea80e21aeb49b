/**
 * Every lesson's command line, as a beginner meets it: --help, a mistyped option,
 * and --lang (or the locale) for English or Chinese. These check the kit's own
 * lessons (lessons/*.ts), not a program given in LESSON_0N_CMD.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { startProgram, tcpClient, tcpServer, TRANSPORTS, udpClient, udpServer, until, WireLog, type FakeServer, type Program } from "../../tools/harness/index.ts";
import { envWith, kitLesson, LESSON_FILES, runLesson, type KitLesson } from "./kit-lessons.ts";

const NAMES: Record<KitLesson, string> = { "01": "echo", "02": "hub", "03": "client", "04": "chat", "05": "hubs" };
const LESSONS = Object.keys(LESSON_FILES) as KitLesson[];

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function started(lesson: KitLesson, transport: "tcp" | "udp", args: string[]): Promise<Program> {
  const program = await startProgram({ command: kitLesson(lesson, transport), transport, args, env: envWith() as Record<string, string> });
  cleanups.push(() => program.stop());
  return program;
}

async function standIn(transport: "tcp" | "udp"): Promise<FakeServer> {
  const server = transport === "tcp" ? await tcpServer({ name: "hub", wire: new WireLog() }) : await udpServer({ name: "hub", wire: new WireLog() });
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
    for (const option of ["--host <address>", "--port <n>", "--udp", "--lang en|zh", "-h, --help"]) expect(stdout).toContain(option);
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
    expect((await runLesson(lesson, ["--help"], envWith({ LANG: "zh_CN.UTF-8" }))).stdout).toContain("用法：");
    expect((await runLesson(lesson, ["--help"], envWith({ LANG: "zh_CN.UTF-8", LC_ALL: "en_US.UTF-8" }))).stdout).toContain("Usage:");
    expect((await runLesson(lesson, ["--help", "--lang", "en"], envWith({ LANG: "zh_CN.UTF-8" }))).stdout).toContain("Usage:");
  });

  const bad: [string, string[], string][] = [
    ["an unknown option", ["--no-such-option"], "unknown option --no-such-option"],
    ["an option without its value", ["--port"], "--port needs a value"],
    ["a port that is not a number", ["--port", "abc"], '--port must be a number'],
    ["a port out of range", ["--port", "99999"], "--port must be a number"],
    ["a language it does not speak", ["--lang", "fr"], '--lang must be en or zh, not "fr"'],
    ["a stray word", ["hello"], "unexpected argument hello"],
    ["a value that looks like an option", ["--port", "-1"], '--port needs a value; one that starts with "-" is written --port=-1'],
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
  test.each([["--idle 0", ["--idle", "0"]], ["--idle=-1", ["--idle=-1"]], ["--idle soon", ["--idle", "soon"]]] as const)("lesson 02 rejects %s with exit status 2", async (_shown, args) => {
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
    const client = await runLesson("01", ["--client", ...udp, "--port", String(server.port), "--lang", "zh"], envWith());
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
    const peer = transport === "tcp" ? await tcpClient(hub.port, { name: "ann", wire }) : await udpClient(hub.port, { name: "ann", wire });
    cleanups.push(() => peer.close());
    peer.sendLine("");
    await until(() => peer.lines().some((line) => line.startsWith("*** 欢迎 ")), 5000, "a welcome in Chinese");
    expect(peer.lines()[0]).toMatch(new RegExp(`^\\*\\*\\* 欢迎 127\\.0\\.0\\.1:${peer.localPort}；这里还有 \\d+ 人$`));
    await until(() => hub.output().includes("加入了"), 5000, "the hub's log in Chinese");
    expect(hub.output()).toContain(`hub: 正在监听 127.0.0.1:${hub.port} (${transport})`);
    expect(hub.output()).not.toContain("listening");
  });

  test("lesson 03's client speaks Chinese with --lang zh", async () => {
    const hub = await standIn(transport);
    const { code, stdout } = await runLesson("03", [...udp, "--port", String(hub.port), "--lang", "zh"]);
    const connected = transport === "tcp" ? `client: 已连接到 127.0.0.1:${hub.port}（tcp）。` : `client: 开始和 127.0.0.1:${hub.port}（udp）对话。`;
    expect(stdout).toContain(connected);
    expect(stdout).toContain("client: 再见");
    expect(stdout).not.toMatch(/connected|talking|bye/);
    expect(stdout).not.toContain("> "); // stdin is not a terminal: no prompt
    expect(code).toBe(0);
  });
});
