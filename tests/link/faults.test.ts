/**
 * Faults, black-box: two real servers (`bun src/server.ts --tcp --udp --redis
 * URL`, child processes) on one redis-server of the test's own, a TCP and a UDP
 * member on each, all of them talking, while Redis is paused, Redis restarts,
 * or one server is killed with `kill -9`. What arrives is counted per sender:
 * every line of every sender, at every other member, once, in order.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { ChatClient as RawClient } from "../../tools/harness/index.ts";
import { noRedis, startRedis, type TestRedis } from "../helpers/redis.ts";
import { member, startChild, type ChildServer } from "../reliability/child-server.ts";
import { freePort } from "../../tools/harness/ports.ts";
import { until } from "../../tools/harness/until.ts";
import { runToEnd } from "../../tools/harness/program.ts";
import { everyLineOnceInOrder as checkEveryLine } from "../faults/linked.ts";

let redis: TestRedis | undefined;
let servers: ChildServer[] = [];
let clients: RawClient[] = [];

afterEach(async () => {
  for (const c of clients) c.close();
  clients = [];
  redis?.resume();
  await Promise.all(servers.map((s) => s.stop()));
  servers = [];
  await redis?.stop();
  redis = undefined;
});

interface Member {
  nick: string;
  client: RawClient;
  sent: number;
}

/** Two linked servers and four members: a1 (TCP) and a2 (UDP) on the first, b1 (TCP) and b2 (UDP) on the second. */
async function linkedRoom(): Promise<{ a: ChildServer; b: ChildServer; members: Member[] }> {
  redis = await startRedis();
  const args = ["--redis", redis.url, "--no-flood-limit"];
  const [a, b] = await Promise.all([startChild(args), startChild(args)]);
  servers.push(a!, b!);
  const members: Member[] = [];
  for (const [server, transport, nick] of [
    [a, "tcp", "a1"],
    [a, "udp", "a2"],
    [b, "tcp", "b1"],
    [b, "udp", "b2"],
  ] as const) {
    const client = await member(server!, transport, nick);
    clients.push(client);
    members.push({ nick, client, sent: 0 });
  }
  // Everyone has heard of the last one: the room is one.
  for (const m of members.slice(0, -1)) await m.client.waitFor("*** b2 joined", 5000);
  return { a: a!, b: b!, members };
}

/** Every member sends a numbered line every `everyMs` until `stop()`. */
function talk(members: Member[], everyMs = 20): { stop(): void } {
  const timer = setInterval(() => {
    for (const m of members) m.client.say(`seq ${m.nick} ${m.sent++}`);
  }, everyMs);
  return { stop: () => clearInterval(timer) };
}

/**
 * What the link promises, checked per sender against the lines that were sent
 * (tests/faults/linked.ts): each TCP member gets every other member's lines once,
 * in order; a UDP member each line at most once, in order, and every line it
 * misses is one the server counted as sent to it and lost on the way (a catch-up
 * after an outage comes as a burst, and UDP has no backpressure), which the
 * kit's client reports as lines lost (docs/PROTOCOL.md).
 */
const everyLineOnceInOrder = (members: Member[]) => checkEveryLine(members);

describe.skipIf(noRedis)("two linked servers through faults", () => {
  test("Redis paused for 3 s (SIGSTOP, SIGCONT) during traffic: every line arrives once, in order; members are told", async () => {
    const { members } = await linkedRoom();
    const traffic = talk(members);
    let pausedAt: number;
    try {
      await until(() => members.every((m) => m.sent >= 10), 3000, "some traffic before the pause");
      redis!.pause();
      pausedAt = members[0]!.sent;
      await Bun.sleep(3000); // the fault: Redis paused for 3 s (docs/LINKING.md)
      redis!.resume();
    } finally {
      traffic.stop(); // a failure above must not leave the members talking into the next test
    }
    expect(members[0]!.sent - pausedAt).toBeGreaterThan(50); // they talked all through it
    await everyLineOnceInOrder(members);
    for (const m of members) {
      await m.client.waitFor("the link to the other servers of this room is down", 3000);
      await m.client.waitFor("the link to the other servers of this room is back", 3000);
    }
  }, 40_000);

  test("Redis restarts during traffic (killed, back after 2 s, empty): every line arrives once, in order", async () => {
    const { members } = await linkedRoom();
    const traffic = talk(members);
    try {
      await until(() => members.every((m) => m.sent >= 10), 3000, "some traffic before the restart");
      await redis!.kill();
      await Bun.sleep(2000); // the outage's length
      await redis!.restart();
      await until(
        () => members.every((m) => m.client.matching("the link to the other servers of this room is back").length > 0),
        5000,
        "everyone to hear the link is back",
      );
    } finally {
      traffic.stop();
    }
    await everyLineOnceInOrder(members);
    // The restarted Redis knew nobody: the servers told it again who holds which nick.
    const nicks = (await redis!.command("HKEYS", ["chat:nicks"])) as string[];
    expect(nicks.sort()).toEqual(["a1", "a2", "b1", "b2"]);
  }, 40_000);

  test("a server killed with kill -9: the other announces its members as left within 10 s, and frees their nicks", async () => {
    const { a, members } = await linkedRoom();
    const [, , b1, b2] = members;
    b1!.client.say("before the crash");
    await members[0]!.client.waitFor("<b1> before the crash");
    a.proc.kill("SIGKILL");
    const killedAt = performance.now();
    for (const m of [b1!, b2!]) {
      await m.client.waitFor("a1 left (their server stopped answering)", 10_000);
      await m.client.waitFor("a2 left (their server stopped answering)", 10_000);
    }
    expect(performance.now() - killedAt).toBeLessThan(10_000);
    b1!.client.say("/who");
    await b1!.client.waitFor("*** in the room (2): b1, b2");
    b2!.client.say("/nick a1");
    await b1!.client.waitFor("*** b2 is now a1");
  }, 30_000);
});

describe("a server started with --redis", () => {
  async function server(args: string[], env: Record<string, string> = {}) {
    const argv = [process.execPath, "src/server.ts", "--port", "0", ...args];
    return runToEnd(argv, { env: { LANG: "C", LC_ALL: "", LC_MESSAGES: "", ...env } });
  }

  test("where Redis cannot be reached: one line naming the URL, the password hidden, and exit 1", async () => {
    const port = await freePort("tcp");
    const { stdout, stderr, code } = await server(["--redis", `redis://:hunter2@127.0.0.1:${port}`]);
    expect(stderr).toBe(
      `server: cannot reach Redis at redis://:***@127.0.0.1:${port}: connection refused (is redis-server running there?)\n`,
    );
    expect(stdout).toBe(""); // it never listened: nobody could join a room split off from the others
    expect(code).toBe(1);
  });

  test("without a URL takes $REDIS_URL, and says so in Chinese under --lang zh", async () => {
    const port = await freePort("tcp");
    const { stderr, code } = await server(["--redis", "--lang", "zh"], { REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(stderr).toBe(
      `server: 无法连接 Redis（redis://127.0.0.1:${port}）：连接被拒绝（那里运行着 redis-server 吗？）\n`,
    );
    expect(code).toBe(1);
  });

  test("--help documents the option", async () => {
    const { stdout, code } = await server(["--help"]);
    expect(stdout).toContain("--redis [url]");
    expect(stdout).toContain("$REDIS_URL");
    expect(code).toBe(0);
  });
});
