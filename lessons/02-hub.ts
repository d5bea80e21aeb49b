/**
 * Lesson 02 · A hub for many clients (article chapter 2: select)
 *
 * Run:    bun lessons/02-hub.ts          (TCP)   ·   bun lessons/02-hub.ts --udp
 * Try:    nc 127.0.0.1 9009      in two terminals, and type in one of them
 *         nc -u 127.0.0.1 9009   (over UDP, type a line first: that is how you join; /quit leaves)
 * Prints: hub: listening on 127.0.0.1:9009 (tcp)
 *         and to the other clients:  <127.0.0.1:50312> your line
 *                                    *** 127.0.0.1:50312 joined   /   *** 127.0.0.1:50312 left
 * Help:   bun lessons/02-hub.ts --help        (--lang zh: 中文, the notices too)
 *
 * The echo server talked to one client at a time. A hub keeps every client in a
 * Set and forwards each line to all the OTHERS (never back to its sender). Python
 * needed select() to wait on many sockets at once and then find out which one was
 * ready; Bun's event loop already waits on all of them and calls our handler for
 * the socket that has data. So there is no select() and no loop of our own here.
 *
 * Each TCP client keeps its own state (its half-received line, its unsent bytes)
 * in `s.data`. When a client leaves we remove it from the Set, or the next
 * broadcast would write to a dead socket. (The article's final server never adds
 * clients to its table at all, so its broadcast reaches nobody.)
 *
 * Over UDP there is no connection: a client is just an address we have heard from.
 * Any datagram joins, "/quit" leaves, and since nobody tells us when a UDP client
 * disappears, a client that stays silent for --idle seconds is forgotten (B4).
 *
 * Sections 1-6 are the article's chapter. "Beyond the article" (B1-B6, at the end)
 * is what a real network adds; the code above calls it by name. The walkthrough is
 * in lessons/README.md (中文: lessons/README.zh-CN.md).
 */
import type { Socket, udp } from "bun";
import { DEFAULT_HOST, DEFAULT_PORT, readCommandLine } from "./cli.ts";

// ── 1 · Settings: HOST, PORT, and how long a silent UDP client is kept ───────

// The options and their help, in English and Chinese, are at the end (B6).
const cli = readCommandLine(commandLine());
const { log, warn, say } = cli;
const host = cli.opts.host;
const port = cli.port(0);
const idleSeconds = Number(cli.opts.idle);
if (!(idleSeconds > 0)) cli.fail(`--idle must be a number of seconds above 0, not "${cli.opts.idle}"`, `--idle 必须是大于 0 的秒数，不能是 "${cli.opts.idle}"`);
const transport = cli.opts.udp ? "udp" : "tcp";

// ── 2 · The clients table, and broadcast ─────────────────────────────────────

type Client = {
  name: string; // "127.0.0.1:50312": host:port is the only name a client has yet
  decoder: TextDecoder; // keeps half a UTF-8 character for the next read
  buffered: string; // the line that is still arriving
  queue: Uint8Array[]; // bytes the kernel has not taken yet (B1)
  queued: number; // their total size
};
const clients = new Set<Socket<Client>>();

// To everyone except `from`: the sender already knows what it typed.
function broadcast(line: string, from?: Socket<Client>) {
  for (const c of clients) if (c !== from) send(c, line);
}

// ── 3 · TCP: a client joins, says a line, leaves ─────────────────────────────

// accept(): a new connection. Give it its own state (Bun.listen shares ONE `data`
// object between all sockets), greet it, tell the others, add it to the table.
function join(s: Socket<Client>) {
  const name = `${s.remoteAddress}:${s.remotePort}`;
  s.data = { name, decoder: new TextDecoder(), buffered: "", queue: [], queued: 0 };
  send(s, say(`*** welcome ${s.data.name}; ${clients.size} other(s) here`, `*** 欢迎 ${s.data.name}；这里还有 ${clients.size} 人`));
  broadcast(say(`*** ${s.data.name} joined`, `*** ${s.data.name} 加入了`), s);
  clients.add(s);
  log(`${s.data.name} joined (${clients.size} here)`, `${s.data.name} 加入了（现在 ${clients.size} 人）`);
}

// What select() reported as "readable": this socket has data. TCP is a stream,
// so a chunk may hold half a line or several: frame on "\n", relay each line.
function receive(s: Socket<Client>, chunk: Uint8Array) {
  const c = s.data;
  c.buffered += c.decoder.decode(chunk, { stream: true });
  const lines = c.buffered.split("\n");
  c.buffered = lines.pop() ?? "";
  for (const line of lines) {
    const text = line.replace(/\r$/, ""); // accept "\r\n" too
    if (text !== "") broadcast(`<${c.name}> ${clean(text)}`, s); // clean(): B3
  }
  refuseEndlessLine(s); // B2
}

// Remove the client BEFORE telling the others. A half line it left in `buffered`
// dies with it: never relay half a message.
function leave(s: Socket<Client>) {
  if (!clients.delete(s)) return; // not in the table: the hub is stopping (section 6)
  broadcast(say(`*** ${s.data.name} left`, `*** ${s.data.name} 离开了`));
  log(`${s.data.name} left (${clients.size} here)`, `${s.data.name} 离开了（现在 ${clients.size} 人）`);
}

function serveTcp() {
  const listener = Bun.listen<Client>({
    hostname: host,
    port,
    socket: { open: join, data: receive, close: leave, drain: flush, error: closeOnError }, // drain, error: B1, B5
  });
  return {
    port: listener.port,
    stop() {
      broadcast(say("*** the hub is shutting down", "*** hub 正在关闭"));
      clients.clear(); // forget everyone first, so that closing them announces nobody as "left"
      listener.stop(true);
    },
  };
}

// ── 4 · UDP: a client is an address we have heard from ───────────────────────

type Member = { name: string; address: string; port: number; lastHeard: number };
const members = new Map<string, Member>(); // "127.0.0.1:50312" -> member
let udpSocket: udp.Socket<"buffer">; // the one socket everybody talks to

// recvfrom(): one datagram, with its sender's address. No accept(): any datagram
// from a new address is a join. One datagram is one whole message: no buffering.
function hear(_sock: unknown, buf: Buffer, fromPort: number, fromAddress: string) {
  const name = `${fromAddress}:${fromPort}`;
  const m = members.get(name) ?? welcome({ name, address: fromAddress, port: fromPort, lastHeard: 0 });
  m.lastHeard = Date.now();
  const message = new TextDecoder().decode(buf).replace(/\r?\n$/, "");
  if (message === "/quit") {
    relay(say(`*** goodbye ${name}`, `*** 再见 ${name}`), [m]); // nc -u shows no "connection closed": say it
    forget(m, say("left", "离开了"));
    return;
  }
  // A program may pack several lines into one datagram: relay each as its own line,
  // so nobody can smuggle in a line that looks like it came from the hub.
  for (const line of message.split("\n")) {
    const text = line.replace(/\r$/, "");
    if (text !== "") relay(`<${name}> ${clean(text)}`, othersThan(m));
  }
}

function welcome(m: Member): Member {
  relay(say(`*** welcome ${m.name}; ${members.size} other(s) here`, `*** 欢迎 ${m.name}；这里还有 ${members.size} 人`), [m]);
  relay(say(`*** ${m.name} joined`, `*** ${m.name} 加入了`), [...members.values()]);
  members.set(m.name, m);
  log(`${m.name} joined (${members.size} here)`, `${m.name} 加入了（现在 ${members.size} 人）`);
  return m;
}

// A UDP client never says goodbye unless it wants to: "/quit", or silence (B4).
function forget(m: Member, why: string) {
  if (!members.delete(m.name)) return;
  relay(`*** ${m.name} ${why}`, [...members.values()]);
  log(`${m.name} ${why} (${members.size} here)`, `${m.name} ${why}（现在 ${members.size} 人）`);
}

const othersThan = (m: Member) => [...members.values()].filter((other) => other !== m);

async function serveUdp() {
  // One socket for everybody: bind, and no listen(). The error handler is required (B4).
  udpSocket = await Bun.udpSocket({ hostname: host, port, socket: { data: hear, error: udpError } });
  forgetTheSilent(); // B4
  return {
    port: udpSocket.port,
    stop() {
      relay(say("*** the hub is shutting down", "*** hub 正在关闭"), [...members.values()]);
      members.clear(); // nobody is announced as "left" after this
      udpSocket.close();
    },
  };
}

// ── 5 · sendto() for each recipient ──────────────────────────────────────────

// The "\n" is only there so that `nc -u` prints each message on its own line.
// trySend() (B4) may fail for an address that has gone: we forget that one.
function relay(line: string, to: Member[]) {
  const dead = to.filter((m) => !trySend(line + "\n", m));
  for (const m of dead) forget(m, say("left (unreachable)", "离开了（联系不上）"));
}

// ── 6 · Start the hub, and stop it with Ctrl+C ───────────────────────────────

let hub: { port: number; stop(): void } | undefined;

function stop() {
  hub?.stop(); // one last notice to everyone; no "left" notices after it
  log("bye", "再见");
  process.exit(0);
}

async function start() {
  // Trap Ctrl+C (SIGINT) and `kill` (SIGTERM) before listening: the moment the
  // port is open, a client can connect and a signal can arrive.
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, stop);
  try {
    hub = cli.opts.udp ? await serveUdp() : serveTcp();
  } catch (err) {
    cannotListen(err); // B5
  }
  // Port 0 asks the system for any free port: print the real one.
  log(`listening on ${host}:${hub.port} (${transport})`, `正在监听 ${host}:${hub.port} (${transport})`);
  whatToTry(hub.port); // B6
  log("Ctrl+C stops the hub", "按 Ctrl+C 停止 hub");
}

// ═════════════════════════════════════════════════════════════════════════════
// Beyond the article: what a real network adds. The sections above call these.
// ═════════════════════════════════════════════════════════════════════════════

// ── B1 · send(): a queue per client, and a cap on it ─────────────────────────
// write() returns how many bytes the kernel took and DROPS the rest, so whatever
// did not fit waits in the client's queue and is written again from drain().
// Without it, a busy client would silently miss the ends of lines. One write per
// recipient per line: simple, and the baseline the kit's benchmark compares a
// faster hub against.
//
// Fan-out is where the queue needs a cap: every line is copied to every client,
// so one client that never reads would make the hub hold every line for it,
// forever. Past MAX_QUEUE_BYTES we give up on that client.

const MAX_QUEUE_BYTES = 1024 * 1024;
const encoder = new TextEncoder();

function send(c: Socket<Client>, line: string) {
  const bytes = encoder.encode(line + "\n");
  c.data.queue.push(bytes);
  c.data.queued += bytes.length;
  if (c.data.queue.length === 1) flush(c);
  if (c.data.queued > MAX_QUEUE_BYTES) dropSlowReader(c);
}

function flush(c: Socket<Client>) {
  const queue = c.data.queue;
  while (queue.length > 0) {
    const head = queue[0]!;
    const written = c.write(head);
    if (written < 0) return; // closed: leave() removes it
    c.data.queued -= written;
    if (written < head.length) {
      queue[0] = head.subarray(written); // the rest waits for drain()
      return;
    }
    queue.shift();
  }
}

// end() runs leave() at once, inside this call: the client is out of the table,
// and the others hear that it left, before the broadcast that got here goes on.
function dropSlowReader(c: Socket<Client>) {
  warn(`${c.data.name} is not reading; dropping it`, `${c.data.name} 不读数据，断开它`);
  c.data.queue = [];
  c.data.queued = 0;
  c.end();
}

// ── B2 · A line that never ends ──────────────────────────────────────────────
// A client that sends this many characters without a newline is not chatting: we
// tell it and close it, instead of buffering its bytes forever.

const MAX_LINE = 8 * 1024;

function refuseEndlessLine(s: Socket<Client>) {
  if (s.data.buffered.length <= MAX_LINE) return;
  warn(`${s.data.name} sent ${MAX_LINE}+ characters without a newline; closing it`, `${s.data.name} 发来 ${MAX_LINE} 多个字符还没有换行，关闭它`);
  send(s, say(`*** line too long (over ${MAX_LINE} characters); bye`, `*** 这一行太长了（超过 ${MAX_LINE} 个字符）；再见`));
  s.end();
}

// ── B3 · Never relay terminal control codes ──────────────────────────────────
// An ESC sequence relayed raw can recolour the others' screens or draw a fake
// prompt (CVE-2024-28085, "WallEscape"); a bidi override can make text read
// backwards. C0 controls except tab, DEL, C1 controls and bidi overrides become "\uFFFD".

const clean = (text: string) => text.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, "\uFFFD");

// ── B4 · UDP: bounces, one retry, and the silent ─────────────────────────────
// Sending to a client that has gone makes the system answer with an ICMP "port
// unreachable", which Bun reports later, as ECONNREFUSED, to the error handler.
// Without that handler the process exits 1. Worse, that pending error can make
// the NEXT send() throw, even to a live client. So each send gets its own try,
// and one more; only if both fail do we give up on that address. One bad address
// must never stop delivery to the others.

function trySend(text: string, m: Member): boolean {
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      // UDP never waits: a full send buffer (false) just means this datagram is lost.
      if (udpSocket.send(text, m.port, m.address)) return true;
      warn(`send buffer full, a datagram to ${m.name} was dropped`, `发送缓冲区满了，发给 ${m.name} 的一个数据报丢了`);
      return true;
    } catch (err) {
      warn(`send to ${m.name} failed: ${(err as Error).message}`, `发给 ${m.name} 失败：${(err as Error).message}`);
    }
  }
  return false;
}

// Bun passes just the error (the types say (socket, error)): pick it out.
function udpError(...args: unknown[]) {
  const err = args.find((a) => a instanceof Error);
  warn(`udp: ${err?.message ?? "error"} (someone we sent to has gone)`, `udp：${err?.message ?? "出错"}（有个收件人已经走了）`);
}

// Nobody tells us when a UDP client closes its laptop: forget the silent ones.
function forgetTheSilent() {
  const idleMs = idleSeconds * 1000;
  setInterval(() => {
    for (const m of members.values()) {
      if (Date.now() - m.lastHeard <= idleMs) continue;
      forget(m, say(`left (silent for ${idleSeconds} s)`, `离开了（${idleSeconds} 秒没有说话）`));
    }
  }, Math.min(idleMs / 4, 5000));
}

// ── B5 · Errors: one client's, and the port's ────────────────────────────────

// A socket error (a reset, say) ends that one connection, never the hub.
function closeOnError(s: Socket<Client>, err: Error) {
  warn(`${s.data.name}: ${err.message}; closing it`, `${s.data.name}：${err.message}，关闭它`);
  s.end();
}

function cannotListen(err: unknown): never {
  const code = (err as { code?: string }).code ?? (err as Error).message;
  if (code === "EADDRINUSE") {
    warn(`cannot listen on ${host}:${port}: the port is in use (EADDRINUSE). Is another lesson running? Stop it, or try --port 0`, `无法监听 ${host}:${port}：端口已被占用（EADDRINUSE）。是不是另一课还在运行？先停掉它，或者试试 --port 0`);
  } else {
    warn(`cannot listen on ${host}:${port} (${code})`, `无法监听 ${host}:${port}（${code}）`);
  }
  process.exit(1);
}

// ── B6 · The command line: options, defaults and --help, in two languages ────

// What to type in two other terminals, one command a line: --port only when it is
// not 9009. Over UDP the hub knows a client once it has heard from it: say so.
function whatToTry(port: number) {
  cli.suggest("try it from two other terminals, each with one of:", "在另外两个终端里试试，每个任选一个：", [
    `${cli.opts.udp ? "nc -u" : "nc"} ${host} ${port}`,
    `bun lessons/03-client.ts${cli.opts.udp ? " --udp" : ""}${cli.addressFlags(host, port)}`,
  ]);
  if (cli.opts.udp) log("with nc -u, press Enter once to join; /quit leaves", "用 nc -u 时先按一次回车才算加入；/quit 离开");
}

function commandLine() {
  return {
    name: "hub",
    file: "lessons/02-hub.ts",
    about: ["a chat hub: every line a client sends goes to all the others (the article's chapter 2).", "聊天中心（hub）：每个客户端发来的行，都转发给其他所有人（原文第 2 章）。"],
    examples: [
      ["bun lessons/02-hub.ts", "the hub, over TCP; then in two terminals: nc 127.0.0.1 9009", "hub（TCP）；然后在两个终端里：nc 127.0.0.1 9009"],
      ["bun lessons/02-hub.ts --udp", "over UDP; then: nc -u 127.0.0.1 9009, and press Enter to join", "hub（UDP）；然后：nc -u 127.0.0.1 9009，按一次回车加入"],
      ["bun lessons/03-client.ts", "lesson 03's client, in another terminal", "第 03 课的客户端，在另一个终端里"],
    ],
    options: {
      host: { type: "string", value: "<address>", default: DEFAULT_HOST, help: ["address to listen on", "监听的地址"] },
      port: {
        type: "string", value: "<n>", default: process.env.PORT ?? String(DEFAULT_PORT),
        help: ["port, 0 picks a free one (or set env PORT)", "端口，0 表示任选一个空闲端口（也可以设环境变量 PORT）"],
      },
      udp: { type: "boolean", help: ["UDP instead of TCP", "用 UDP 而不是 TCP"] },
      idle: {
        type: "string", value: "<seconds>", default: "60",
        help: ["UDP: forget a client silent this long", "UDP：客户端沉默这么久就忘掉它"],
      },
    },
  } as const;
}

// ── Run ──────────────────────────────────────────────────────────────────────
await start();
