/**
 * Lesson 05 · Beyond one machine: hubs linked through Redis
 *
 * Run:    bun lessons/05-linked-hubs.ts          (TCP)   ·   bun lessons/05-linked-hubs.ts --udp
 *         It starts a redis-server of its own (sudo apt-get install redis-server),
 *         or links through yours: --redis redis://127.0.0.1:6379
 * Try:    while it runs, nc 127.0.0.1 9009 in one terminal and nc 127.0.0.1 9010 in
 *         another: two hubs, one room (over UDP: nc -u, and press Enter once to join).
 * Prints: hubs: hub A listening on 127.0.0.1:9009 (tcp)
 *         hubs: hub B listening on 127.0.0.1:9010 (tcp)
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
 * The tour shows both. The real program (bun src/server.ts --redis) uses
 * streams (one per server), and adds what a lesson leaves out: lines held
 * while Redis itself is away, each line once even when sent twice, nicks
 * unique across hubs, hubs that die.
 * That is src/link/, and docs/LINKING.md tells why.
 *
 * Sections 1-5 are that one idea. "Beyond the article" (B1-B6, at the end) is the
 * rest: the hubs' sockets (lesson 02's hub, shortened), a redis-server of our own
 * that never outlives us, the tour's members, stopping. The walkthrough is in
 * lessons/README.md (中文: lessons/README.zh-CN.md).
 *
 * Past 400 lines, as one file: a lesson is one program you run and read top to
 * bottom. The article's idea is sections 1-5 (about 120 lines of code); the rest,
 * after "Beyond the article", is what a real network and a real Redis add.
 */
import type { Socket, Subprocess } from "bun";
import { RedisClient } from "bun";
import { DEFAULT_HOST, DEFAULT_PORT, readCommandLine } from "./cli.ts";

// ── 1 · Settings: two hubs' ports, and where Redis is ────────────────────────

// The options and their help, in English and Chinese, are at the end (B6).
const cli = readCommandLine(commandLine());
const { log, say } = cli;
const HOST = cli.opts.host;
const portA = cli.port(0);
if (portA === 65535) cli.fail("--port must leave room for hub B on the next port (at most 65534)", "--port 要给中心 B 留出下一个端口（最大 65534）");
const transport = cli.opts.udp ? "udp" : "tcp";
const hubs: Hub[] = []; // A and B, once they listen
trapSignals(); // B5: from here on, Ctrl+C or kill stops all we start
const redisUrl = await reachRedis(cli.opts.redis); // B3: "own" starts a redis-server of our own

// ── 2 · Chapter 2's broadcast, across hubs ───────────────────────────────────

/** A hub: its own clients (B1 gives them sockets), and a link to the other hubs. */
interface Hub {
  name: string; // "A"
  port: number;
  /** Chapter 2's broadcast: a line to each of MY clients but `except`. */
  toMine(line: string, except?: unknown): void;
  link?: Link;
  stop(): void;
}

/** Hands this hub's lines to Redis, and the other hubs' lines from Redis to this hub. */
interface Link {
  send(line: string): void;
  /** Loses Redis for `ms` (closes the connection it listens on), then comes back. */
  away(ms: number): Promise<void>;
  close(): void;
}

// A line from one of my clients (or a notice about one): to my other clients, as
// in chapter 2, AND to the other hubs, through the link.
function fromClient(hub: Hub, line: string, sender?: unknown) {
  hub.toMine(line, sender);
  hub.link?.send(line);
}

// A line from the link: to all my clients, and never back into the link (it would
// go round forever). Each message says which hub sent it: a hub skips its own,
// which it delivered itself.
type Message = { hub: string; line: string };
const message = (hub: Hub, line: string) => JSON.stringify({ hub: hub.name, line } satisfies Message);
function fromLink(hub: Hub, text: string) {
  const m = JSON.parse(text) as Message;
  if (m.hub !== hub.name) hub.toMine(m.line);
}

// ── 3 · pub/sub: each message to whoever listens at that instant ─────────────

const CHANNEL = "lesson05:room";

/** One connection publishes; another, once it SUBSCRIBEs, can only listen. */
async function pubsubLink(hub: Hub): Promise<Link> {
  const pub = new RedisClient(redisUrl);
  let sub = new RedisClient(redisUrl);
  const listen = () => sub.subscribe(CHANNEL, (text) => fromLink(hub, text));
  await listen();
  return {
    send: (line) => void pub.publish(CHANNEL, message(hub, line)),
    async away(ms) {
      sub.close();
      await Bun.sleep(ms);
      sub = new RedisClient(redisUrl);
      await listen(); // listening again: but what was published meanwhile went to nobody
    },
    close: () => (pub.close(), sub.close()),
  };
}

// ── 4 · A stream: entries stay, and a hub reads on from its last id ──────────

const STREAM = "lesson05:stream";

/** XADD appends; XREAD BLOCK waits for the entries after the last id we read. */
async function streamLink(hub: Hub): Promise<Link> {
  const writer = new RedisClient(redisUrl);
  let reader = new RedisClient(redisUrl);
  // Where to start: after the stream's last entry now ("0-0" when it is empty). Not
  // XREAD's "$" ("whatever comes next"): an entry added between two reads would be missed.
  const last = await writer.send("XREVRANGE", [STREAM, "+", "-", "COUNT", "1"]);
  let lastId: string = last?.[0]?.[0] ?? "0-0";
  let closed = false;
  const readLoop = async (client: RedisClient) => {
    while (!closed && client === reader) {
      type Reply = Record<string, [id: string, fields: string[]][]> | null | undefined;
      const read = ["BLOCK", "500", "STREAMS", STREAM, lastId];
      const reply: Reply = await client.send("XREAD", read).catch(() => undefined);
      if (reply === undefined) return; // this connection was closed: `away` starts a new loop
      for (const [id, fields] of reply?.[STREAM] ?? []) {
        lastId = id; // remembered: after a break we go on from here
        fromLink(hub, fields[1]!);
      }
    }
  };
  void readLoop(reader);
  return {
    send: (line) => void writer.send("XADD", [STREAM, "MAXLEN", "~", "1000", "*", "m", message(hub, line)]),
    async away(ms) {
      reader.close();
      await Bun.sleep(ms);
      reader = new RedisClient(redisUrl);
      void readLoop(reader); // from lastId: everything said meanwhile is still there
    },
    close: () => ((closed = true), writer.close(), reader.close()),
  };
}

// ── 5 · The tour: alice on hub A, bob on hub B ───────────────────────────────

async function tour() {
  hubs.push(await startHub("A", portA), await startHub("B", portA === 0 ? 0 : portA + 1)); // B1
  const [hubA, hubB] = hubs as [Hub, Hub];
  for (const hub of hubs) log(`hub ${hub.name} listening on ${HOST}:${hub.port} (${transport})`, `中心 ${hub.name} 正在监听 ${HOST}:${hub.port} (${transport})`);
  log(`Redis at ${redisUrl}`, `Redis 在 ${redisUrl}`);

  step("alice joins hub A, bob joins hub B (not linked yet)", "alice 加入中心 A，bob 加入中心 B（还没有连起来）");
  const alice = await member("alice", hubA); // B4
  await sees([alice, "***"]); // B4: wait for her welcome, then print
  const bob = await member("bob", hubB);
  await sees([bob, "***"]);

  step("1 · pub/sub: hub A publishes each line, hub B is subscribed", "1 · 发布/订阅：中心 A 发布每一行，中心 B 订阅了");
  await linkHubs(pubsubLink); // B1
  const hello = say("hello from hub A", "来自中心 A 的问候");
  type(alice, hello);
  await sees([bob, hello]);

  step("hub B loses Redis for 1 s; meanwhile alice speaks", "中心 B 与 Redis 断开 1 秒；这期间 alice 说话");
  const awayB = hubB.link!.away(1000);
  const missed = say("pub/sub: did you get this?", "发布/订阅：你收到这句了吗？");
  type(alice, missed);
  await awayB;
  const andThis = say("pub/sub: and this?", "发布/订阅：这句呢？");
  type(alice, andThis);
  await sees([bob, andThis]); // Redis keeps the order: had `missed` come, it would have come first
  if (saw(bob, missed)) note("(bob saw it after all: the subscription came back first)", "（bob 还是看到了：订阅先恢复了）");
  else note(`bob never saw "${missed}": pub/sub gave it to nobody, and it is gone.`, `bob 永远看不到「${missed}」：发布/订阅把它交给了“没有人”，它就没了。`);

  step("2 · a stream: hub A appends each line (XADD), hub B reads after the last id (XREAD)", "2 · 流：中心 A 追加每一行（XADD），中心 B 从上次读到的 id 之后读（XREAD）");
  await linkHubs(streamLink);
  const again = say("hello again, through the stream", "再打个招呼，这次走流");
  type(alice, again);
  await sees([bob, again]);

  step("hub B loses Redis for 1 s again; meanwhile alice speaks", "中心 B 再次与 Redis 断开 1 秒；这期间 alice 说话");
  const awayAgain = hubB.link!.away(1000);
  const kept = say("stream: did you get this?", "流：你收到这句了吗？");
  type(alice, kept);
  await awayAgain;
  await sees([bob, kept]);
  if (!saw(bob, kept)) note("(bob did not get it: is Redis still there?)", "（bob 没收到：Redis 还在吗？）");
  else note("bob got it once hub B was back: the entry waited in Redis, and hub B asked for everything after its last id.", "中心 B 回来后 bob 收到了：这条记录一直留在 Redis 里，中心 B 要了它上次读到的 id 之后的全部记录。");
  endOfTour([alice, bob]); // B5: what the real program adds; then --exit stops, or the hubs stay open
}

// ═════════════════════════════════════════════════════════════════════════════
// Beyond the article: the hubs' sockets, Redis, the tour's members, stopping.
// The sections above call these.
// ═════════════════════════════════════════════════════════════════════════════

// ── B1 · The hubs' sockets: lesson 02's hub, shortened ───────────────────────
// Each hub greets a newcomer, tells the room (every hub) who joined and who left,
// frames what it reads over TCP (lesson 01 §3), and never relays control
// characters (02 B3). Over UDP a client is an address: any datagram joins,
// "/quit" leaves, and one silent for IDLE_MS is forgotten (02 B4).

const clean = (text: string) => text.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, "\uFFFD");
const MAX_LINE = 8 * 1024; // a "line" longer than this without "\n" is not chat (02 B2)
const IDLE_MS = 60_000;

const notices = (hub: string, who: string) => ({
  welcome: say(`*** hub ${hub} welcomes ${who} (one room across hubs A and B)`, `*** 中心 ${hub} 欢迎 ${who}（一个聊天室，跨中心 A 和 B）`),
  joined: say(`*** ${hub} ${who} joined`, `*** ${hub} ${who} 加入了`),
  left: say(`*** ${hub} ${who} left`, `*** ${hub} ${who} 离开了`),
  goodbye: say(`*** goodbye ${who}`, `*** 再见 ${who}`),
});
const shutdownNotice = (hub: Hub) => say(`*** hub ${hub.name} is shutting down`, `*** 中心 ${hub.name} 正在关闭`);

/** Gives each hub a new link, of this kind. */
async function linkHubs(kind: (hub: Hub) => Promise<Link>) {
  for (const hub of hubs) {
    hub.link?.close();
    hub.link = await kind(hub);
  }
}

async function startHub(name: string, port: number): Promise<Hub> {
  try {
    return transport === "tcp" ? tcpHub(name, port) : await udpHub(name, port);
  } catch (err) {
    cannotListen(err, port); // B5
  }
}

function tcpHub(name: string, port: number): Hub {
  type Client = { who: string; decoder: TextDecoder; buffered: string; out: Outbox };
  const clients = new Set<Socket<Client>>();
  const hub: Hub = {
    name,
    port,
    toMine(line, except) {
      for (const c of clients) if (c !== except) c.data.out.send(c, line);
    },
    stop() {
      hub.toMine(shutdownNotice(hub));
      clients.clear(); // nobody is announced as "left" after the notice
      listener.stop(true);
    },
  };
  const listener = Bun.listen<Client>({
    hostname: HOST,
    port,
    socket: {
      open(s) {
        const who = `${s.remoteAddress}:${s.remotePort}`;
        s.data = { who, decoder: new TextDecoder(), buffered: "", out: new Outbox() };
        const words = notices(name, s.data.who);
        s.data.out.send(s, words.welcome);
        fromClient(hub, words.joined, s);
        clients.add(s);
      },
      data(s, chunk) {
        const c = s.data;
        const lines = (c.buffered + c.decoder.decode(chunk, { stream: true })).split("\n");
        c.buffered = lines.pop() ?? "";
        for (const line of lines) {
          const text = clean(line.replace(/\r$/, ""));
          if (text.trim()) fromClient(hub, `<${name} ${c.who}> ${text}`, s);
        }
        if (c.buffered.length > MAX_LINE) s.end();
      },
      drain: (s) => s.data.out.flush(s),
      close(s) {
        if (clients.delete(s)) fromClient(hub, notices(name, s.data.who).left);
      },
      error: (s) => void s.end(), // a reset: close() above tells the room
    },
  });
  hub.port = listener.port;
  return hub;
}

async function udpHub(name: string, port: number): Promise<Hub> {
  type Client = { port: number; address: string; heard: number };
  const clients = new Map<string, Client>(); // "127.0.0.1:50312" -> where it is
  const hub: Hub = {
    name,
    port,
    toMine(line, except) {
      for (const [who, c] of clients) if (who !== except) sendTo(c, line);
    },
    stop() {
      hub.toMine(shutdownNotice(hub));
      clients.clear();
      clearInterval(sweep);
      sock.close();
    },
  };
  // A bounce from a client that has gone can make the NEXT send throw, even to a
  // live client: each send gets one more try (02 B4).
  const sendTo = (c: Client, line: string) => {
    for (let attempt = 1; attempt <= 2; attempt++) {
      try {
        return void sock.send(line + "\n", c.port, c.address);
      } catch {}
    }
  };
  const forget = (who: string) => clients.delete(who) && fromClient(hub, notices(name, who).left);
  const sock = await Bun.udpSocket({
    hostname: HOST,
    port,
    socket: {
      data(_s, buf, fromPort, address) {
        const who = `${address}:${fromPort}`;
        const words = notices(name, who);
        let c = clients.get(who);
        if (!c) {
          c = { port: fromPort, address, heard: 0 };
          sendTo(c, words.welcome);
          fromClient(hub, words.joined, who);
          clients.set(who, c);
        }
        c.heard = Date.now();
        const text = new TextDecoder().decode(buf).replace(/\r?\n$/, "");
        if (text === "/quit") return void (sendTo(c, words.goodbye), forget(who));
        for (const line of text.split("\n")) {
          const clear = clean(line.replace(/\r$/, ""));
          if (clear.trim()) fromClient(hub, `<${name} ${who}> ${clear}`, who);
        }
      },
      error() {}, // required: a vanished client's "port unreachable" must not end the hub (02 B4)
    },
  });
  const sweep = setInterval(() => {
    for (const [who, c] of clients) if (Date.now() - c.heard > IDLE_MS) forget(who);
  }, IDLE_MS / 4);
  hub.port = sock.port;
  return hub;
}

// ── B2 · write() may take less than the whole line ───────────────────────────
// A client that reads takes short lines whole. One that stops reading (a stalled
// nc, a laptop asleep) fills the kernel's buffer, and then write() takes part of
// a line, or nothing, and says how much: the rest is ours to keep and write again
// from drain() (lesson 02 B1). One that falls more than MAX_QUEUE behind is
// dropped, or the hub would hold every line of the room for it.

const MAX_QUEUE = 1024 * 1024;
const encoder = new TextEncoder();

class Outbox {
  private queue: Uint8Array[] = [];
  private queued = 0;

  send(s: Socket<unknown>, line: string) {
    const bytes = encoder.encode(line + "\n");
    this.queue.push(bytes);
    this.queued += bytes.length;
    if (this.queued > MAX_QUEUE) {
      this.queue = [];
      return void s.end();
    }
    if (this.queue.length === 1) this.flush(s);
  }

  flush(s: Socket<unknown>) {
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const written = s.write(head);
      if (written < 0) return void (this.queue = []); // closed
      this.queued -= written;
      if (written < head.length) return void (this.queue[0] = head.subarray(written)); // the rest waits for drain()
      this.queue.shift();
    }
  }
}

// ── B3 · Redis: yours, or a redis-server of our own that never outlives us ───

/** The URL to link through, once Redis answers there; "own": a redis-server we start. */
async function reachRedis(url: string): Promise<string> {
  if (url === "own") return startOwnRedis();
  if (await answers(url)) return url;
  cli.warn(`cannot reach Redis at ${url} (is redis-server running there?)`, `连不上 ${url} 的 Redis（那里有 redis-server 在运行吗？）`);
  process.exit(1);
}

async function answers(url: string): Promise<boolean> {
  const client = new RedisClient(url, { autoReconnect: false, connectionTimeout: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    client.close();
  }
}

/** A redis-server of our own, without persistence, on a free port (never 6379: yours may run there). */
async function startOwnRedis(): Promise<string> {
  const binary = Bun.which("redis-server");
  if (!binary) {
    cli.warn(
      "redis-server is not installed (sudo apt-get install redis-server); or pass --redis URL",
      "没有安装 redis-server（sudo apt-get install redis-server）；或者用 --redis URL 指定一个",
    );
    process.exit(1);
  }
  // Only on this machine (127.0.0.1), whatever --host says: it has no password.
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
  const server: Subprocess = Bun.spawn([binary, ...args], { stdout: "ignore", stderr: "ignore" });
  // Whatever ends this program (Ctrl+C, kill, an error, the code below), our
  // redis-server ends with it. Only kill -9 can leave it behind.
  process.on("exit", () => server.kill());
  const url = `redis://127.0.0.1:${port}`;
  for (const started = Date.now(); Date.now() - started < 5000; await Bun.sleep(50)) {
    if (await answers(url)) return url;
  }
  cli.warn(`our redis-server did not start on port ${port}`, `自己的 redis-server 没能在端口 ${port} 上启动`);
  process.exit(1);
}

// ── B4 · The tour's members, and what it prints ──────────────────────────────
// A member is a client of one hub, as nc would be. Over TCP it reads a stream:
// one read may end inside a line, or inside a character, so it keeps a decoder
// and the unfinished tail (lesson 01 §3). Its lines are printed once a step has
// waited for what it should bring, member by member: the output reads the same
// on every run, however the sockets' events interleave.

interface Member {
  name: string;
  seen: string[]; // every line received, cleaned
  shown: number; // how many of them are printed
  send(line: string): void;
  close(): void;
}
const members: Member[] = [];

async function member(name: string, hub: Hub): Promise<Member> {
  const m: Member = { name, seen: [], shown: 0, send() {}, close() {} };
  members.push(m);
  const hear = (line: string) => void m.seen.push(clean(line.replace(/\r$/, "")));
  if (transport === "tcp") {
    const decoder = new TextDecoder();
    const out = new Outbox();
    let buffered = "";
    const s = await Bun.connect({
      hostname: HOST,
      port: hub.port,
      socket: {
        data(_s, chunk) {
          const lines = (buffered + decoder.decode(chunk, { stream: true })).split("\n");
          buffered = lines.pop() ?? "";
          lines.forEach(hear);
        },
        drain: (s) => out.flush(s),
        error() {},
      },
    });
    return Object.assign(m, { send: (line: string) => out.send(s, line), close: () => s.end() });
  }
  const s = await Bun.udpSocket({
    connect: { hostname: HOST, port: hub.port },
    socket: {
      data: (_s, buf) => new TextDecoder().decode(buf).replace(/\n$/, "").split("\n").forEach(hear),
      error() {},
    },
  });
  const send = (line: string) => void s.send(line + "\n");
  send(""); // a UDP hub only knows who has written: an empty line joins
  return Object.assign(m, { send, close: () => (send("/quit"), s.close()) });
}

/**
 * Waits (at most 3 s each) until every [member, text] has arrived: a line not yet
 * printed that contains `text`. Then prints what each member received: those named
 * here in that order, then the others.
 */
async function sees(...expected: [Member, string][]): Promise<void> {
  for (const [m, text] of expected) {
    const arrived = () => m.seen.slice(m.shown).some((line) => line.includes(text));
    for (let waited = 0; !arrived() && waited < 3000; waited += 10) await Bun.sleep(10);
  }
  for (const m of new Set([...expected.map(([m]) => m), ...members])) {
    const who = `   ${m.name.padEnd(5)} ${say("sees ", "看到")} `;
    for (const line of m.seen.slice(m.shown)) console.log(cli.fit(who, line));
    m.shown = m.seen.length;
  }
}

const saw = (m: Member, text: string) => m.seen.some((line) => line.includes(text));

function type(m: Member, line: string) {
  console.log(cli.fit(`   ${m.name.padEnd(5)} ${say("types", "输入")} `, line));
  m.send(line);
}

const step = (en: string, zh: string) => console.log(`\n${cli.fit("── ", say(en, zh))}`);
const note = (en: string, zh: string) => console.log(cli.fit("   -> ", say(en, zh)));

// ── B5 · Stopping: last words to every client, and nothing left running ──────

function trapSignals() {
  // SIGHUP too: closing the terminal window must not leave our redis-server running.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => stop());
}

function stop(): never {
  for (const hub of hubs) {
    hub.link?.close();
    hub.stop(); // "*** hub A is shutting down" to its clients
  }
  log("bye", "再见");
  process.exit(0); // and the exit hook of B3 stops our redis-server
}

function endOfTour(tourMembers: Member[]) {
  step("what the real program adds: bun src/server.ts --redis (src/link/, docs/LINKING.md)", "真正的程序还做了什么：bun src/server.ts --redis（src/link/，docs/LINKING.md）");
  note(
    "lines are held while Redis itself is away and sent after; each line arrives once even when sent twice; nicks are unique across hubs; a hub that dies is noticed",
    "Redis 本身不在时先保存消息、回来后再发；消息即使发了两次也只到一次；昵称在所有中心之间唯一；能发现死掉的中心",
  );
  console.log();
  for (const m of tourMembers) m.close();
  if (cli.opts.exit) {
    log("tour over.", "导览结束。");
    stop();
  }
  const nc = transport === "udp" ? "nc -u" : "nc";
  cli.suggest(
    "tour over. The hubs stay linked by the stream; try them from two terminals:",
    "导览结束。两个中心仍通过流连在一起；在两个终端里试试：",
    hubs.map((hub) => `${nc} ${HOST} ${hub.port}`),
  );
  if (transport === "udp") log("with nc -u, press Enter once to join; /quit leaves", "用 nc -u 时先按一次回车才算加入；/quit 离开");
  log("Ctrl+C stops both hubs", "按 Ctrl+C 停止两个中心");
}

function cannotListen(err: unknown, port: number): never {
  const code = (err as { code?: string }).code ?? (err as Error).message;
  if (code === "EADDRINUSE") {
    cli.warn(
      `cannot listen on ${HOST}:${port}: the port is in use (EADDRINUSE). Is another lesson running? Stop it, or try --port 0`,
      `无法监听 ${HOST}:${port}：端口已被占用（EADDRINUSE）。是不是另一课还在运行？先停掉它，或者试试 --port 0`,
    );
  } else {
    cli.warn(`cannot listen on ${HOST}:${port} (${code})`, `无法监听 ${HOST}:${port}（${code}）`);
  }
  process.exit(1); // the exit hook of B3 stops our redis-server
}

// ── B6 · The command line: options, defaults and --help, in two languages ────

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
      host: {
        type: "string", value: "<address>", default: DEFAULT_HOST,
        help: ["address the hubs listen on", "中心监听的地址"],
      },
      port: {
        type: "string", value: "<n>", default: process.env.PORT ?? String(DEFAULT_PORT),
        help: [
          "hub A's port; hub B takes the next one; 0: any free ports (or set env PORT)",
          "中心 A 的端口，中心 B 用下一个；0 表示任选空闲端口（也可以设环境变量 PORT）",
        ],
      },
      udp: { type: "boolean", help: ["UDP instead of TCP", "用 UDP 而不是 TCP"] },
      redis: {
        type: "string", value: "<url>", default: "own",
        help: [
          "the Redis to link through; own: start a redis-server of our own on a free port",
          "连接所用的 Redis；own 表示自己在空闲端口上启动一个 redis-server",
        ],
      },
      exit: { type: "boolean", help: ["stop after the tour instead of staying open", "导览结束后退出，而不是继续运行"] },
    },
  } as const;
}

// ── Run ──────────────────────────────────────────────────────────────────────
await tour();
