/**
 * The chat program in real use, driven as people drive it: the server in a
 * child process, the kit's client in a real terminal (PTY), and raw members that
 * speak the wire protocol by hand, as `nc` and `nc -u` do.
 *
 * - the room's language: the client follows the server's unless the person chose one;
 *   --help and usage errors follow --lang or the locale;
 * - UDP loss made visible, over a relay that drops a seeded share of datagrams;
 * - a line over the limit refused before it is sent, and kept for editing;
 * - no line lost to a UDP server restart;
 * - one join line for a client that sets its nick as it connects.
 *
 * The tests run at once (test.concurrent), each in a Session of its own; those
 * that start a server and a client take turns, four at a time (`inTurn`), so
 * that a busy 2-core machine is not crowded: a test's time limit counts its wait.
 */
import { describe, expect, test } from "bun:test";
import { parseHeartbeatAnswer } from "../src/protocol.ts";
import {
  joinRoom,
  limiter,
  listeningPort,
  mulberry32,
  ROOT,
  runToEnd,
  Session,
  startChatServer,
  until,
  type Transport,
  chatClientCommand,
} from "../tools/harness/index.ts";

/** A Chinese locale (the tests run in a neutral one: see tests/preload.ts). */
const ZH_LOCALE = { LANG: "zh_CN.UTF-8", LC_ALL: "", LC_MESSAGES: "" };
const CLIENT = chatClientCommand();

/** Four tests with programs of their own at once; each test's limit, its wait for a turn included. */
const inTurn = limiter(4);
const IN_TURN_MS = 60_000;

/** The server, quiet, over `transports` (one room), on a port it picks or on `port`. */
const startServer = (s: Session, transports: Transport[], args: string[] = [], port = 0) =>
  startChatServer(transports, { args: ["--quiet", ...args], port, session: s });

/** A member named `nick` that speaks the protocol by hand, as a person at nc does. */
const joinRaw = (s: Session, transport: Transport, port: number, nick: string) =>
  joinRoom(transport, port, { nick, ms: 5000, session: s });

/** The kit's client, in a terminal, as `kit`. */
function startClient(
  s: Session,
  transport: Transport,
  port: number,
  args: string[] = [],
  env: Record<string, string> = {},
) {
  const term = s.terminal(CLIENT, transport, {
    args: ["--nick", "kit", ...args],
    port,
    env: { NO_COLOR: "1", ...env },
    cols: 120,
    rows: 40,
  });
  return {
    term,
    /** Everything it wrote to its terminal, escape sequences and all. */
    get screen() {
      return term.raw();
    },
    type: (keys: string) => term.type(keys),
  };
}

/** Runs src/`program`.ts to its end. */
const run = (program: "server" | "client", args: readonly string[], env: Record<string, string> = {}) =>
  runToEnd([process.execPath, `src/${program}.ts`, ...args], { cwd: ROOT, env });

/** Lines of the screen that the client itself or the server wrote as notices and errors. */
const said = (screen: string) => screen.split(/\r?\n/).filter((l) => /(\*\*\*|!!!) /.test(l));
/** Latin words in what the client said, chat lines and nicks aside: English mixed into a Chinese room. */
const english = (lines: string[]) =>
  lines
    .map((l) => l.replace(/^.*?(\*\*\*|!!!) /, ""))
    .map((l) => l.replace(/\/\w+|\b(kit|raw|guest\d+|exit|Ctrl\+[CD]|tcp|udp|pong|UTF-8|TLS)\b|[\d.:()]+/g, ""))
    .filter((l) => /[a-z]{3,}/i.test(l));

// ---------------------------------------------------------------------------
// One language per room

describe.each(["tcp", "udp"] as const)("the client speaks the room's language over %s", (transport) => {
  test.concurrent(
    "with no language chosen, everything it says in a Chinese room is Chinese",
    async () => {
      using _turn = await inTurn.turn();
      await using s = new Session();
      const server = await startServer(s, [transport], ["--lang", "zh"]);
      const raw = await joinRaw(s, transport, server.port, "raw");
      const kit = startClient(s, transport, server.port);
      await until(() => raw.lines.includes("*** kit 加入了聊天室"), 10_000, "kit to join");
      kit.type("/help\r");
      await until(() => kit.screen.includes("退出") && kit.screen.includes("//内容"), 5000, "both halves of /help");
      server.proc.kill("SIGTERM");
      await until(() => kit.screen.includes("秒后重新连接"), 10_000, "the client to notice, in Chinese");
      kit.type("\x03");
      await until(() => !kit.term.running, 5000, "the client to exit");
      const lines = said(kit.screen);
      const told = ["已连接", "欢迎，guest", "exit、/quit、Ctrl+D 或 Ctrl+C 退出", "服务器正在关闭", "服务器已断开"];
      for (const words of [...told, "1 秒后重新连接", "再见"]) {
        expect(lines.some((l) => l.includes(words))).toBe(true);
      }
      expect(english(lines)).toEqual([]);
    },
    IN_TURN_MS,
  );

  test.concurrent(
    "a language the person chose wins: --lang, or a zh locale",
    async () => {
      using _turn = await inTurn.turn();
      await using s = new Session();
      const server = await startServer(s, [transport], ["--lang", "zh"]);
      const kit = startClient(s, transport, server.port, ["--lang", "en"]);
      await until(() => kit.screen.includes("*** 欢迎，"), 10_000, "the (Chinese) welcome");
      kit.type("/help\r");
      await until(
        () => kit.screen.includes("*** exit, /quit, Ctrl+D or Ctrl+C leave"),
        5000,
        "its own help, in English",
      );
      expect(kit.screen).toContain("*** connected to 127.0.0.1");

      const english = await startServer(s, [transport], ["--lang", "en"]);
      const zh = startClient(s, transport, english.port, [], ZH_LOCALE);
      await until(() => zh.screen.includes("*** welcome, "), 10_000, "the (English) welcome");
      expect(zh.screen).toContain("*** 正在连接 127.0.0.1");
      expect(zh.screen).toContain("*** 已连接 127.0.0.1");
    },
    IN_TURN_MS,
  );
});

describe("--help and usage errors follow --lang and the locale", () => {
  test.concurrent.each([
    ["server", ["--lang", "zh", "--help"], {}],
    ["server", ["--help"], ZH_LOCALE],
    ["client", ["--lang", "zh", "--help"], {}],
    ["client", ["--help"], ZH_LOCALE],
  ] as const)("%s %p", async (program, args, env) => {
    const { code, stdout: out } = await run(program, args, env);
    expect(code).toBe(0);
    expect(out).toStartWith("用法：");
    expect(out).toContain("选项：");
    expect(out).toContain("显示这份帮助");
    expect(out).not.toMatch(/Usage|Options|display help|default:/);
  });

  test.concurrent("a bad value, an unknown option, in Chinese; in English without a zh locale", async () => {
    const zh = await run("server", ["--lang", "zh", "--port", "99999"]);
    expect(zh.code).not.toBe(0);
    expect(zh.stderr).toContain("错误：选项 '-p, --port <n>' 的值 '99999' 无效：应为 0 到 65535 之间的整数");
    expect(zh.stderr).toContain("（用 --help 查看所有选项）");
    const unknown = await run("client", ["--colour"], ZH_LOCALE);
    expect(unknown.stderr).toContain("错误：未知选项 '--colour'");
    const en = await run("client", ["--colour"]);
    expect(en.stderr).toContain("error: unknown option '--colour'");
    expect(en.stderr).not.toMatch(/\p{Script=Han}/u);
  });

  test.concurrent.each(["en", "zh"] as const)(
    "a busy port: the advice, in %s, exit 1",
    async (lang) => {
      using _turn = await inTurn.turn();
      await using s = new Session();
      const busy = await startServer(s, ["tcp", "udp"]);
      const { code, stderr: err, stdout: out } = await run("server", ["--port", String(busy.port), "--lang", lang]);
      expect(code).toBe(1);
      expect(out).toBe("");
      const line = err.trim();
      expect(line.split("\n")).toHaveLength(1);
      if (lang === "en") {
        expect(line).toBe(
          `server: cannot listen on 127.0.0.1:${busy.port}: the port is already in use. Is another server running? Stop it, or try --port 0 (any free port)`,
        );
      } else {
        expect(line).toBe(
          `server: 无法在 127.0.0.1:${busy.port} 上监听：端口已被占用。是不是另一个服务器在运行？先停掉它，或者试试 --port 0（任选一个空闲端口）`,
        );
      }
    },
    IN_TURN_MS,
  );
});

// ---------------------------------------------------------------------------
// UDP loss made visible

interface Relay extends Disposable {
  port: number;
  /** Start (or stop) dropping `share` of the datagrams from the server to the client. */
  lossy(on: boolean): void;
  /** What it dropped, and what it passed on, from the server to the client. */
  dropped: string[];
  passed: string[];
}

/**
 * A UDP relay between one client and the server that drops a seeded share of the
 * server's datagrams to the client: a lossy network, made repeatable.
 */
async function lossyRelay(serverPort: number, share: number, seed: number): Promise<Relay> {
  const random = mulberry32(seed);
  let client: { port: number; address: string } | undefined;
  let dropping = false;
  const dropped: string[] = [];
  const passed: string[] = [];
  const upstream = await Bun.udpSocket({
    hostname: "127.0.0.1",
    connect: { hostname: "127.0.0.1", port: serverPort },
    socket: {
      data(_s, datagram) {
        const text = new TextDecoder().decode(datagram).replace(/\n$/, "");
        if (dropping && random() < share) return void dropped.push(text);
        passed.push(text);
        if (client) front.send(datagram, client.port, client.address);
      },
      error() {},
    },
  });
  const front = await Bun.udpSocket({
    hostname: "127.0.0.1",
    socket: {
      data(_s, datagram, port, address) {
        client = { port, address };
        try {
          upstream.send(datagram);
        } catch {
          // the server is not there (a restart): like a network, say nothing
        }
      },
      error() {},
    },
  });
  return {
    port: front.port,
    lossy: (on) => void (dropping = on),
    dropped,
    passed,
    [Symbol.dispose]: () => (front.close(), upstream.close()),
  };
}

/** The lines the client reported lost, all notices together. */
const reportedLost = (screen: string) =>
  [...screen.matchAll(/\*\*\* (\d+) lines? lost/g)].reduce((n, m) => n + Number(m[1]), 0);

describe("UDP loss made visible", () => {
  test.concurrent.each([
    [0.2, 7],
    [0.1, 42],
  ])(
    "over a relay dropping %p of the server's datagrams (seed %p): the client counts every lost line, nc -u users get nothing extra",
    async (share, seed) => {
      using _turn = await inTurn.turn();
      await using s = new Session();
      const server = await startServer(s, ["tcp", "udp"], ["--no-flood-limit"]);
      using relay = await lossyRelay(listeningPort(server, "udp"), share, seed);
      const raw = await joinRaw(s, "tcp", server.port, "raw"); // the sender, over TCP: nothing lost on its side
      const kit = startClient(s, "udp", relay.port, ["--lang", "en"]);
      await until(() => raw.lines.includes("*** kit joined"), 10_000, "kit to join");
      const nc = await joinRaw(s, "udp", listeningPort(server, "udp"), "nc"); // a person at nc -u, no relay
      await until(() => kit.screen.includes("*** nc joined"), 10_000, "kit to see nc join");

      relay.lossy(true);
      const total = 200;
      for (let i = 0; i < total; i++) {
        raw.say(`line ${i}`);
        if (i % 20 === 19) await Bun.sleep(5); // as a chatty room would, not one burst
      }
      const shown = () => new Set(kit.screen.match(/<raw> line \d+/g) ?? []).size;
      const lost = () => reportedLost(kit.screen);
      const counts = () => `shown ${shown()}, lost ${lost()}`;
      await until(
        () => shown() + lost() >= total,
        15_000,
        () => `every line shown or reported lost (${counts()})`,
      );
      relay.lossy(false);

      // Exactly what the relay dropped, heartbeat answers aside (those are not lines).
      const droppedLines = relay.dropped.filter((d) => parseHeartbeatAnswer(d) === undefined);
      expect(droppedLines.length).toBeGreaterThan(share * total * 0.4);
      expect(droppedLines.every((d) => d.startsWith("<raw> line "))).toBe(true);
      expect(lost()).toBe(droppedLines.length);
      expect(shown()).toBe(total - droppedLines.length);
      // Nothing else went wrong: no reconnect, no error, and the client still chats both ways.
      expect(kit.screen).not.toMatch(/went away|restarted|!!!/);
      kit.type("still here\r");
      await until(() => raw.lines.includes("<kit> still here"), 5000, "kit's line at raw");
      raw.say("good");
      await until(() => kit.screen.includes("<raw> good"), 5000, "raw's line at kit");
      // The person at nc -u got every line, and no line about counts or heartbeats.
      expect(nc.lines.filter((l) => l.startsWith("<raw> line "))).toHaveLength(total);
      expect(nc.lines.filter((l) => /pong|lost|hb\d/.test(l))).toEqual([]);
    },
    IN_TURN_MS,
  );

  test.concurrent(
    "in the room's language",
    async () => {
      using _turn = await inTurn.turn();
      await using s = new Session();
      const server = await startServer(s, ["udp"], ["--lang", "zh"]);
      using relay = await lossyRelay(server.port, 0.5, 3);
      const raw = await joinRaw(s, "udp", server.port, "raw");
      const kit = startClient(s, "udp", relay.port);
      await until(() => raw.lines.includes("*** kit 加入了聊天室"), 10_000, "kit to join");
      await until(() => kit.screen.includes("*** guest2 改名为 kit"), 10_000, "kit to hear its nick");
      relay.lossy(true);
      for (let i = 0; i < 20; i++) raw.say(`第 ${i} 行`);
      await until(() => /\*\*\* 丢失了 \d+ 行/.test(kit.screen), 10_000, "the loss, in Chinese");
    },
    IN_TURN_MS,
  );
});

// ---------------------------------------------------------------------------
// A line over the limit is refused before it is sent, and kept for editing

describe.each(["tcp", "udp"] as const)("an overlong line over %s", (transport) => {
  test.concurrent(
    "is refused before it is sent, saying the limit, and stays in the input line",
    async () => {
      using _turn = await inTurn.turn();
      await using s = new Session();
      const server = await startServer(s, [transport]);
      const raw = await joinRaw(s, transport, server.port, "raw");
      const kit = startClient(s, transport, server.port, ["--lang", "en"]);
      await until(() => raw.lines.includes("*** kit joined"), 10_000, "kit to join");
      kit.type("y".repeat(1030) + "\r");
      await until(
        () => kit.screen.includes("!!! that line is 1030 bytes, over the limit of 1024"),
        5000,
        "the refusal",
      );
      expect(kit.screen).not.toContain(`<kit> yyy`);
      // The text is still there: take six characters off and send it.
      kit.type("\x7f".repeat(6) + "\r");
      await until(() => raw.lines.includes(`<kit> ${"y".repeat(1024)}`), 5000, "the edited line at raw");
      expect(raw.lines.filter((l) => l.startsWith("<kit> y"))).toHaveLength(1);
      expect(kit.screen).not.toContain("!!! line too long"); // the server never had to refuse it
    },
    IN_TURN_MS,
  );

  test.concurrent(
    "learns a lower limit from the server's refusal",
    async () => {
      using _turn = await inTurn.turn();
      await using s = new Session();
      const server = await startServer(s, [transport], ["--max-line-bytes", "100"]);
      const raw = await joinRaw(s, transport, server.port, "raw");
      const kit = startClient(s, transport, server.port, ["--lang", "en"]);
      await until(() => raw.lines.includes("*** kit joined"), 10_000, "kit to join");
      kit.type("a".repeat(150) + "\r");
      const refusal = "!!! line too long (150+ bytes; the limit is 100)";
      await until(() => kit.screen.includes(refusal), 5000, "the server's refusal");
      kit.type("b".repeat(120) + "\r");
      const own = "!!! that line is 120 bytes, over the limit of 100";
      await until(() => kit.screen.includes(own), 5000, "the client's own refusal");
      expect(raw.lines.filter((l) => l.startsWith("<kit>"))).toEqual([]);
    },
    IN_TURN_MS,
  );
});

// ---------------------------------------------------------------------------
// No line lost to a UDP server restart

test.concurrent(
  "after a UDP server restart, the line that made the client rejoin is sent after the rejoin",
  async () => {
    using _turn = await inTurn.turn();
    await using s = new Session();
    const first = await startServer(s, ["udp"]);
    using relay = await lossyRelay(first.port, 0, 1); // lossless: here it only shows what passes
    const before = await joinRaw(s, "udp", first.port, "raw");
    const kit = startClient(s, "udp", relay.port, ["--lang", "en"]);
    await until(() => before.lines.includes("*** kit joined"), 10_000, "kit to join");
    // Wait until the client's loss check for what it received is answered: it has nothing in flight.
    const settled = () => {
      const last = relay.passed.findLastIndex((d) => parseHeartbeatAnswer(d) === undefined);
      return relay.passed.slice(last + 1).some((d) => parseHeartbeatAnswer(d) !== undefined);
    };
    await until(settled, 5000, "the client's loss check to be answered");

    // The server dies without a word and is back at once, on the same port; raw rejoins.
    await first.stop("SIGKILL");
    const second = await startServer(s, ["udp"], [], first.port);
    const raw = await joinRaw(s, "udp", second.port, "raw");
    // The client does not know yet. Its next line reaches a server that has never seen it.
    kit.type("hello again\r");
    await until(() => raw.lines.includes("<kit> hello again"), 10_000, "the line at raw, after the rejoin");
    expect(kit.screen).toContain("*** the server restarted: joining again");
    expect(kit.screen).toContain("*** your last line was sent again");
    expect(raw.lines.filter((l) => l === "<kit> hello again")).toHaveLength(1);
  },
  IN_TURN_MS,
);

// ---------------------------------------------------------------------------
// One join line for a client that sets its nick as it connects

test.concurrent.each(["tcp", "udp"] as const)(
  "over %s, the room sees one line, 'kit joined', for a client started with --nick",
  async (transport) => {
    using _turn = await inTurn.turn();
    await using s = new Session();
    const server = await startServer(s, [transport]);
    const raw = await joinRaw(s, transport, server.port, "raw");
    startClient(s, transport, server.port, ["--lang", "en"]);
    await until(() => raw.lines.includes("*** kit joined"), 10_000, "kit to join");
    raw.say("/who");
    await until(() => raw.lines.some((l) => l.startsWith("*** in the room (2)")), 5000, "/who");
    expect(raw.lines.filter((l) => /guest2|is now kit/.test(l))).toEqual([]);
  },
  IN_TURN_MS,
);
