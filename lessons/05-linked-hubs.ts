/**
 * Lesson 05 · Beyond one machine: hubs linked through Redis
 *
 * Run:    bun lessons/05-linked-hubs.ts          (TCP)   ·   bun lessons/05-linked-hubs.ts --udp
 *         --redis redis://127.0.0.1:6379  to use a Redis you run (else the lesson starts
 *         its own redis-server: sudo apt-get install redis-server)
 * Try:    while it runs:  nc 127.0.0.1 9009  in one terminal,  nc 127.0.0.1 9010  in
 *         another: two hubs, one room (over UDP: nc -u, and press Enter once to join).
 * Prints: hubs: hub A listening on 127.0.0.1:9009 (tcp), hub B on 127.0.0.1:9010 (tcp)
 *         then a tour: alice on hub A, bob on hub B, and hub B losing Redis for a moment.
 * Help:   bun lessons/05-linked-hubs.ts --help        (--lang zh: 中文)
 *
 * Chapter 2's hub sends each line to every other client it has. One machine only
 * holds so many clients; past that, you run several hubs and link them through a
 * message engine they all connect to. The broadcast becomes: send the line to my
 * own clients AND hand it to the engine; whatever comes from the engine, send to
 * my own clients. Redis is the engine most people meet first (Socket.IO's Redis
 * adapter, Phoenix PubSub's).
 *
 * Redis offers two ways, and they differ in one thing: what a hub that lost Redis
 * for a moment gets back.
 *   1. pub/sub (PUBLISH, SUBSCRIBE): a message goes to whoever is subscribed at
 *      that instant. A hub that was away misses what was said meanwhile, for good
 *      (Socket.IO's Redis adapter documents exactly this loss).
 *   2. a stream (XADD, XREAD): entries stay in Redis. A hub remembers the id of the
 *      last entry it read and asks for everything after it: it catches up.
 * The tour shows both. The real program (bun src/server.ts --redis) uses a stream,
 * and adds what a lesson leaves out: lines held while Redis itself is away, each
 * line once even when sent twice, nicks unique across hubs, hubs that die.
 * That is src/link/, and docs/LINKING.md tells why.
 */
import type { Socket, Subprocess } from "bun";
import { RedisClient } from "bun";
import { readCommandLine } from "./cli.ts";

// ── 1 · Settings: two hubs' ports, and where Redis is ────────────────────────

// The options and their help, in English and Chinese, are at the end.
const cli = readCommandLine(commandLine());
const { log, say } = cli;
const HOST = cli.opts.host;
const portA = cli.port(0);
if (portA === 65535) cli.fail("--port must leave room for hub B on the next port (at most 65534)", "--port 要给中心 B 留出下一个端口（最大 65534）");
const transport = cli.opts.udp ? "udp" : "tcp";

// ── 2 · Redis: one every hub connects to ─────────────────────────────────────

let ownRedis: Subprocess | undefined;
const redisUrl = cli.opts.redis === "own" ? await startOwnRedis() : cli.opts.redis;

/** A redis-server of our own, without persistence, on a free port (never 6379: yours may run there). */
async function startOwnRedis(): Promise<string> {
  const binary = Bun.which("redis-server");
  if (!binary) {
    cli.warn("redis-server is not installed (sudo apt-get install redis-server); or pass --redis URL", "没有安装 redis-server（sudo apt-get install redis-server）；或者用 --redis URL 指定一个");
    process.exit(1);
  }
  // Only on this machine (127.0.0.1), whatever --host says: it has no password.
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  ownRedis = Bun.spawn([binary, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdout: "ignore", stderr: "ignore" });
  const url = `redis://127.0.0.1:${port}`;
  for (let waited = 0; ; waited += 50) {
    const client = new RedisClient(url, { autoReconnect: false });
    try {
      await client.connect();
      client.close();
      return url;
    } catch {
      if (waited > 5000) break;
      await Bun.sleep(50);
    }
  }
  cli.warn(`our redis-server did not start on port ${port}`, `自己的 redis-server 没能在端口 ${port} 上启动`);
  process.exit(1);
}

// ── 3 · The link: a line in from my hub, lines out from the others ──────────

/** Hands this hub's lines to Redis, and Redis's lines (from the other hubs) to this hub. */
interface Link {
  send(line: string): void;
  /** Loses Redis for `ms` (closes the connection it listens on), then comes back. */
  away(ms: number): Promise<void>;
  close(): void;
}

const CHANNEL = "lesson05:room"; // pub/sub
const STREAM = "lesson05:stream"; // the stream
/** Each message says which hub sent it, so a hub skips its own (it delivered them itself). */
type Wire = { hub: string; line: string };

/** 1. pub/sub: one connection publishes; another, once it SUBSCRIBEs, can only listen. */
async function pubsubLink(hub: string, deliver: (line: string) => void): Promise<Link> {
  const pub = new RedisClient(redisUrl);
  let sub = new RedisClient(redisUrl);
  const listen = async () => {
    await sub.subscribe(CHANNEL, (message) => {
      const m = JSON.parse(message) as Wire;
      if (m.hub !== hub) deliver(m.line);
    });
  };
  await listen();
  return {
    send: (line) => void pub.publish(CHANNEL, JSON.stringify({ hub, line } satisfies Wire)),
    async away(ms) {
      sub.close();
      await Bun.sleep(ms);
      sub = new RedisClient(redisUrl);
      await listen(); // subscribed again: but what was published meanwhile went to nobody
    },
    close() {
      pub.close();
      sub.close();
    },
  };
}

/** 2. a stream: XADD appends; XREAD BLOCK waits for entries after the last id we read. */
async function streamLink(hub: string, deliver: (line: string) => void): Promise<Link> {
  const writer = new RedisClient(redisUrl);
  let reader = new RedisClient(redisUrl);
  // Where to start: after the stream's last entry now ("0-0" when it is empty). Not
  // XREAD's "$" ("whatever comes next"): an entry added between two reads would be missed.
  const last = await writer.send("XREVRANGE", [STREAM, "+", "-", "COUNT", "1"]);
  let lastId: string = last?.[0]?.[0] ?? "0-0";
  let closed = false;
  const readLoop = async (client: RedisClient) => {
    while (!closed && client === reader) {
      let reply: Record<string, [string, string[]][]> | null;
      try {
        reply = await client.send("XREAD", ["BLOCK", "500", "STREAMS", STREAM, lastId]);
      } catch {
        return; // this connection was closed: `away` starts a new loop
      }
      for (const [id, fields] of reply?.[STREAM] ?? []) {
        lastId = id; // remembered: after a break we go on from here
        const m = JSON.parse(fields[1]!) as Wire;
        if (m.hub !== hub) deliver(m.line);
      }
    }
  };
  void readLoop(reader);
  return {
    send: (line) => void writer.send("XADD", [STREAM, "MAXLEN", "~", "1000", "*", "m", JSON.stringify({ hub, line } satisfies Wire)]),
    async away(ms) {
      reader.close();
      await Bun.sleep(ms);
      reader = new RedisClient(redisUrl);
      void readLoop(reader); // from lastId: everything said meanwhile is still there
    },
    close() {
      closed = true;
      writer.close();
      reader.close();
    },
  };
}

// ── 4 · The hub: chapter 2's broadcast, plus the link ────────────────────────

interface Hub {
  name: string;
  port: number;
  /** Switch the link (the tour tries both). */
  useLink(link: Link): void;
  link: Link | undefined;
  stop(): void;
}

/** A line for everyone: my clients but its sender, and (through the link) the other hubs'. */
function broadcaster(hub: { link?: Link }, toMine: (line: string, except?: unknown) => void) {
  return {
    fromClient(line: string, sender: unknown) {
      toMine(line, sender);
      hub.link?.send(line);
    },
    fromLink: (line: string) => toMine(line),
  };
}

const clean = (text: string) => text.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, "\uFFFD");

function tcpHub(name: string, port: number): Hub {
  type Conn = { who: string; buffered: string; decoder: TextDecoder };
  const clients = new Set<Socket<Conn>>();
  const encoder = new TextEncoder();
  const hub: Hub = { name, port, link: undefined, useLink: (l) => void (hub.link = l), stop: () => listener.stop(true) };
  const toMine = (line: string, except?: unknown) => {
    // Lines are short: the kernel takes them whole. Lesson 02 shows the queue a busy hub needs.
    for (const c of clients) if (c !== except) c.write(encoder.encode(line + "\n"));
  };
  const b = broadcaster(hub, toMine);
  linkTo.set(hub, b.fromLink);
  const listener = Bun.listen<Conn>({
    hostname: HOST,
    port,
    socket: {
      open(s) {
        s.data = { who: `${name} ${s.remoteAddress}:${s.remotePort}`, buffered: "", decoder: new TextDecoder() };
        clients.add(s);
      },
      data(s, chunk) {
        const lines = (s.data.buffered + s.data.decoder.decode(chunk, { stream: true })).split("\n");
        s.data.buffered = lines.pop() ?? "";
        for (const line of lines) if (line.trim()) b.fromClient(`<${s.data.who}> ${clean(line.replace(/\r$/, ""))}`, s);
      },
      close: (s) => void clients.delete(s),
      error() {},
    },
  });
  hub.port = listener.port;
  return hub;
}

async function udpHub(name: string, port: number): Promise<Hub> {
  const clients = new Map<string, { port: number; address: string }>();
  const hub: Hub = { name, port, link: undefined, useLink: (l) => void (hub.link = l), stop: () => sock.close() };
  const toMine = (line: string, except?: unknown) => {
    for (const [key, c] of clients) {
      if (key === except) continue;
      try {
        sock.send(line + "\n", c.port, c.address);
      } catch {
        clients.delete(key); // gone (lesson 02 says more)
      }
    }
  };
  const b = broadcaster(hub, toMine);
  linkTo.set(hub, b.fromLink);
  const sock = await Bun.udpSocket({
    hostname: HOST,
    port,
    socket: {
      data(_s, buf, fromPort, address) {
        const key = `${address}:${fromPort}`;
        clients.set(key, { port: fromPort, address }); // any datagram joins
        const line = new TextDecoder().decode(buf).replace(/\r?\n$/, "");
        if (line.trim()) b.fromClient(`<${name} ${key}> ${clean(line)}`, key);
      },
      error() {}, // required: a vanished client's "port unreachable" must not end the hub
    },
  });
  hub.port = sock.port;
  return hub;
}

/** Where each hub wants the link's lines. */
const linkTo = new Map<Hub, (line: string) => void>();

async function startHub(name: string, port: number): Promise<Hub> {
  return transport === "tcp" ? tcpHub(name, port) : udpHub(name, port);
}

let hubA: Hub;
let hubB: Hub;
try {
  hubA = await startHub("A", portA);
  hubB = await startHub("B", portA === 0 ? 0 : portA + 1);
} catch (err) {
  cli.warn(`cannot listen on ${HOST}:${portA}: ${(err as Error).message}`, `无法在 ${HOST}:${portA} 上监听：${(err as Error).message}`);
  ownRedis?.kill();
  process.exit(1);
}
log(`hub A listening on ${HOST}:${hubA.port} (${transport}), hub B on ${HOST}:${hubB.port} (${transport}); Redis at ${redisUrl}`, `中心 A 正在监听 ${HOST}:${hubA.port} (${transport})，中心 B 在 ${HOST}:${hubB.port} (${transport})；Redis 在 ${redisUrl}`);

async function linkBoth(kind: "pubsub" | "stream"): Promise<void> {
  for (const hub of [hubA, hubB]) {
    hub.link?.close();
    const make = kind === "pubsub" ? pubsubLink : streamLink;
    hub.useLink(await make(hub.name, linkTo.get(hub)!));
  }
}

// ── 5 · The tour: alice on hub A, bob on hub B ───────────────────────────────

interface Member {
  name: string;
  seen: string[];
  send(line: string): void;
  close(): void;
}

async function member(name: string, hub: Hub): Promise<Member> {
  const seen: string[] = [];
  const saw = (text: string) => {
    for (const line of text.split("\n")) {
      if (!line) continue;
      seen.push(line);
      console.log(`   ${name.padEnd(5)} ${say("sees ", "看到")} ${clean(line)}`);
    }
  };
  if (transport === "tcp") {
    const s = await Bun.connect({ hostname: HOST, port: hub.port, socket: { data: (_s, d) => saw(new TextDecoder().decode(d)), error() {} } });
    return { name, seen, send: (l) => void s.write(l + "\n"), close: () => s.end() };
  }
  const s = await Bun.udpSocket({ hostname: HOST, connect: { hostname: HOST, port: hub.port }, socket: { data: (_s, d) => saw(new TextDecoder().decode(d)), error() {} } });
  s.send("\n"); // an empty datagram: "here I am"
  await Bun.sleep(50);
  return { name, seen, send: (l) => void s.send(l + "\n"), close: () => s.close() };
}

/** Waits (up to `ms`) until `m` has seen a line containing `text`. */
async function sees(m: Member, text: string, ms = 2000): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 10) {
    if (m.seen.some((l) => l.includes(text))) return true;
    await Bun.sleep(10);
  }
  return false;
}

function type(m: Member, line: string) {
  console.log(`   ${m.name.padEnd(5)} ${say("types", "输入")} ${line}`);
  m.send(line);
}

const step = (en: string, zh: string) => console.log(`\n── ${say(en, zh)}`);

const alice = await member("alice", hubA);
const bob = await member("bob", hubB);

step("1 · pub/sub: hub A publishes each line, hub B is subscribed", "1 · 发布/订阅：中心 A 发布每一行，中心 B 订阅了");
await linkBoth("pubsub");
type(alice, "hello from hub A");
await sees(bob, "hello from hub A");

step("   hub B loses Redis for 1 s; meanwhile alice speaks", "   中心 B 与 Redis 断开 1 秒；这期间 alice 说话");
const awayB = hubB.link!.away(1000);
await Bun.sleep(100);
type(alice, "pub/sub: did you get this?");
await awayB;
type(alice, "pub/sub: and this?");
await sees(bob, "and this?");
const lostPubsub = !(await sees(bob, "did you get this?", 300));
console.log(
  lostPubsub
    ? say("   -> bob never saw \"did you get this?\": pub/sub delivered it to nobody, and it is gone.", "   -> bob 永远看不到 \"did you get this?\"：发布/订阅把它发给了“没有人”，它就没了。")
    : say("   -> (bob saw it after all: the subscription came back first)", "   -> （bob 还是看到了：订阅先恢复了）"),
);

step("2 · a stream: hub A appends each line (XADD), hub B reads after the last id (XREAD)", "2 · 流：中心 A 追加每一行（XADD），中心 B 从上次读到的 id 之后读（XREAD）");
await linkBoth("stream");
type(alice, "hello again, through the stream");
await sees(bob, "hello again");

step("   hub B loses Redis for 1 s again; meanwhile alice speaks", "   中心 B 再次与 Redis 断开 1 秒；这期间 alice 说话");
const awayAgain = hubB.link!.away(1000);
await Bun.sleep(100);
type(alice, "stream: did you get this?");
await awayAgain;
const caughtUp = await sees(bob, "stream: did you get this?");
console.log(
  caughtUp
    ? say("   -> bob got it once hub B was back: the entry waited in Redis, and hub B asked for everything after its last id.", "   -> 中心 B 回来后 bob 收到了：这条记录一直留在 Redis 里，中心 B 要了它上次读到的 id 之后的全部记录。")
    : say("   -> (bob did not get it: is Redis still there?)", "   -> （bob 没收到：Redis 还在吗？）"),
);

step("what the real program adds: bun src/server.ts --redis (src/link/, docs/LINKING.md)", "真正的程序还做了什么：bun src/server.ts --redis（src/link/，docs/LINKING.md）");
log(
  "lines are held while Redis itself is away and sent after; each line arrives once even when sent twice; nicks are unique across hubs; a hub that dies is noticed",
  "Redis 本身不在时先保存消息、回来后再发；消息即使发了两次也只到一次；昵称在所有中心之间唯一；能发现死掉的中心",
);

alice.close();
bob.close();
const nc = transport === "udp" ? "nc -u" : "nc";
log(`the hubs stay linked (by the stream): ${nc} ${HOST} ${hubA.port}   and   ${nc} ${HOST} ${hubB.port}   (Ctrl+C stops)`, `两个中心仍通过流连在一起：${nc} ${HOST} ${hubA.port}   和   ${nc} ${HOST} ${hubB.port}   （按 Ctrl+C 停止）`);

function stop() {
  for (const hub of [hubA, hubB]) {
    hub.link?.close();
    hub.stop();
  }
  ownRedis?.kill();
  process.exit(0);
}
if (cli.opts.exit) stop();
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

// ── The command line: options, help and examples in both languages ──────────

function commandLine() {
  return {
    name: "hubs",
    file: "lessons/05-linked-hubs.ts",
    about: [
      "two chat hubs linked through Redis: chapter 2's broadcast, across machines.",
      "通过 Redis 连起来的两个聊天中心：第 2 章的广播，跨越多台机器。",
    ],
    examples: [
      ["bun lessons/05-linked-hubs.ts", "the tour over TCP; then: nc 127.0.0.1 9009 and nc 127.0.0.1 9010", "TCP 上的导览；然后：nc 127.0.0.1 9009 和 nc 127.0.0.1 9010"],
      ["bun lessons/05-linked-hubs.ts --udp", "over UDP; then nc -u, and press Enter once to join", "UDP 上的导览；然后用 nc -u，按一次回车加入"],
      ["bun lessons/05-linked-hubs.ts --redis redis://127.0.0.1:6379", "link through a Redis you run", "通过你自己运行的 Redis 连接"],
    ],
    options: {
      host: { type: "string", value: "<address>", default: "127.0.0.1", help: ["address the hubs listen on", "中心监听的地址"] },
      port: { type: "string", value: "<n>", default: process.env.PORT ?? "9009", help: ["hub A's port; hub B takes the next one; 0: any free ports (or set env PORT)", "中心 A 的端口，中心 B 用下一个；0 表示任选空闲端口（也可以设环境变量 PORT）"] },
      udp: { type: "boolean", help: ["UDP instead of TCP", "用 UDP 而不是 TCP"] },
      redis: { type: "string", value: "<url>", default: "own", help: ["the Redis to link through; own: start a redis-server of our own on a free port", "连接所用的 Redis；own 表示自己在空闲端口上启动一个 redis-server"] },
      exit: { type: "boolean", help: ["stop after the tour instead of staying open", "导览结束后退出，而不是继续运行"] },
    },
  } as const;
}
