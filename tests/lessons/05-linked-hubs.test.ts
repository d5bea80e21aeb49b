/**
 * Lesson 05 runs its tour to the end (`--exit`), over TCP in English and over UDP
 * in Chinese: the pub/sub link loses the line said while hub B was away, the
 * stream link delivers it once hub B is back. The lesson starts its own
 * redis-server, which must never outlive it. After the tour, two clients on the
 * two hubs are in one room, and Ctrl+C tells them the hubs are shutting down.
 */
import { afterEach, describe, expect, test } from "bun:test";
import {
  startProgram,
  TRANSPORTS,
  until,
  WireLog,
  type Peer,
  type Program,
  type Transport,
} from "../../tools/harness/index.ts";
import { noRedis } from "../helpers/redis.ts";
import { kitEnv, kitLesson, peerOf, runLesson } from "./kit-lessons.ts";

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tour(...args: string[]): Promise<{ code: number; out: string }> {
  const { code, stdout, stderr } = await runLesson("05", ["--port", "0", "--exit", ...args]);
  return { code, out: stdout + stderr };
}

/** Where each of `lines` is in `out`, one after the other: -1 for a line missing or out of order. */
function inOrder(out: string, lines: string[]): number[] {
  let from = 0;
  return lines.map((line) => {
    const at = out.indexOf(line, from);
    if (at >= 0) from = at + line.length;
    return at;
  });
}

/** The lesson, left running after its tour; `ready` waits for a line of its output. */
async function running(transport: Transport, ready: RegExp): Promise<Program> {
  const program = await startProgram({
    command: kitLesson("05", transport),
    transport,
    port: 0,
    args: ["--lang", "en"],
    env: kitEnv(),
    ready: [ready],
    readyMs: 20_000,
  });
  cleanups.push(() => program.stop("SIGKILL"));
  return program;
}

/** True once nothing accepts a connection on this port any more. */
async function refused(port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    socket.end();
    return false;
  } catch {
    return true;
  }
}

const redisPort = (out: string) => Number(/Redis at redis:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1]);

describe.skipIf(noRedis)("lesson 05", () => {
  test("over TCP: links two hubs; pub/sub loses what hub B missed, the stream delivers it after", async () => {
    const { code, out } = await tour("--lang", "en");
    expect(out).toMatch(/^hubs: hub A listening on 127\.0\.0\.1:\d+ \(tcp\)$/m);
    expect(out).toMatch(/^hubs: hub B listening on 127\.0\.0\.1:\d+ \(tcp\)$/m);
    expect(out).toMatch(/alice sees {2}\*\*\* hub A welcomes 127\.0\.0\.1:\d+/);
    expect(out).toMatch(/bob {3}sees {2}<A 127\.0\.0\.1:\d+> hello from hub A/);
    expect(out).not.toMatch(/bob {3}sees {2}<A [^>]+> pub\/sub: did you get this\?/);
    const lines = [
      "alice types pub/sub: did you get this?",
      "alice types pub/sub: and this?",
      "bob   sees  <A",
      'bob never saw "pub/sub: did you get this?"',
      "alice types stream: did you get this?",
      "bob   sees  <A",
      "bob got it once hub B was back",
      "hubs: tour over.",
      "hubs: bye",
    ];
    const at = inOrder(out, lines);
    expect(lines.filter((_, i) => at[i] === -1)).toEqual([]);
    expect(out).not.toContain("Ctrl+C"); // --exit: nothing to stop
    expect(code).toBe(0);
  }, 30_000);

  test("over UDP, in Chinese with --lang zh: the same tour, alice's lines in Chinese too", async () => {
    const { code, out } = await tour("--udp", "--lang", "zh");
    expect(out).toMatch(/中心 A 正在监听 127\.0\.0\.1:\d+ \(udp\)/);
    expect(out).toMatch(/bob {3}看到 <A [^>]+> 来自中心 A 的问候/);
    expect(out).not.toMatch(/bob {3}看到 <A [^>]+> 发布\/订阅：你收到这句了吗？/);
    expect(out).toContain("bob 永远看不到「发布/订阅：你收到这句了吗？」");
    expect(out).toMatch(/bob {3}看到 <A [^>]+> 流：你收到这句了吗？/);
    expect(out).toContain("中心 B 回来后 bob 收到了");
    for (const english of ["hello", "did you get this", "and this", "sees", "types", "listening", "tour over"]) {
      expect(out).not.toContain(english);
    }
    expect(code).toBe(0);
  }, 30_000);

  test.each(TRANSPORTS)(
    "over %s, after the tour: nc on hub A and on hub B are in one room; Ctrl+C tells them, stops our redis-server",
    async (transport) => {
      const program = await running(transport, /^hubs: Ctrl\+C stops both hubs$/);
      const out = program.output();
      const portOf = (hub: string) => Number(new RegExp(`hub ${hub} listening on \\S+:(\\d+)`).exec(out)?.[1]);
      const [a, b] = [portOf("A"), portOf("B")];
      expect(out).toContain(`hubs:   ${transport === "udp" ? "nc -u" : "nc"} 127.0.0.1 ${a}\n`);
      const wire = new WireLog();
      const peers: Peer[] = [];
      for (const [port, name] of [
        [a!, "ann"],
        [b!, "bo"],
      ] as const) {
        const peer = await peerOf(transport, port, name, wire);
        cleanups.push(() => peer.close());
        if (transport === "udp") peer.sendLine(""); // a UDP client joins by sending something
        await until(() => peer.lines().some((line) => line.startsWith("*** hub ")), 5000, `${name} is welcomed`);
        peers.push(peer);
      }
      const [ann, bo] = peers as [Peer, Peer];
      ann.sendLine("hello from hub A");
      const hello = () => bo.lines().find((l) => l.endsWith("> hello from hub A"));
      const line = await until(hello, 5000, "bo gets ann's line");
      expect(line).toBe(`<A 127.0.0.1:${ann.localPort}> hello from hub A`);

      expect(await program.stop("SIGINT")).toEqual({ code: 0, signal: null });
      expect(program.output()).toContain("hubs: bye");
      await until(() => ann.lines().includes("*** hub A is shutting down"), 5000, "ann hears hub A shut down");
      await until(() => bo.lines().includes("*** hub B is shutting down"), 5000, "bo hears hub B shut down");
      await until(() => refused(redisPort(out)), 5000, "our redis-server has stopped");
    },
    40_000,
  );

  test("SIGTERM in the middle of the tour stops it, and leaves no redis-server behind", async () => {
    const program = await running("tcp", /^hubs: Redis at redis:\/\/127\.0\.0\.1:\d+$/);
    const port = redisPort(program.output());
    expect(await refused(port)).toBe(false); // it runs, for the tour
    expect(await program.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    expect(program.output()).not.toContain("tour over");
    await until(() => refused(port), 5000, "our redis-server has stopped");
  }, 30_000);
});

test("--redis at an address where nothing answers: one line that names it, exit status 1", async () => {
  const args = ["--redis", "redis://127.0.0.1:1", "--port", "0", "--lang", "en"];
  const { code, stdout, stderr } = await runLesson("05", args);
  expect(stderr).toBe("hubs: cannot reach Redis at redis://127.0.0.1:1 (is redis-server running there?)\n");
  expect(stdout).toBe("");
  expect(code).toBe(1);
});

// --help, usage errors and --lang are checked with every lesson's, in tests/lessons/cli.test.ts.
test("--help names the Redis option and its default", async () => {
  const { code, stdout } = await runLesson("05", ["--help", "--lang", "en"]);
  const help = stdout.replace(/\s+/g, " "); // as it reads, however it is wrapped
  expect(help).toContain("--redis <url>");
  expect(help).toContain("start a redis-server of our own on a free port; default own");
  expect(code).toBe(0);
});
