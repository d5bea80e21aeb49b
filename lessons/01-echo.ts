/**
 * Lesson 01 · An echo server and its client (article chapter 1: socket basics)
 *
 * Run:    bun lessons/01-echo.ts            (TCP)   ·   bun lessons/01-echo.ts --udp
 * Try:    nc 127.0.0.1 9009      or   bun lessons/01-echo.ts --client
 *         nc -u 127.0.0.1 9009   or   bun lessons/01-echo.ts --client --udp
 * Prints: echo: listening on 127.0.0.1:9009 (tcp)
 *         and answers every line you type with   [Mon Nov 30 00:51:13 2026] your line
 * Help:   bun lessons/01-echo.ts --help        (--lang zh: 中文)
 *
 * A server is a socket that is bound to an address (host + port) and waits.
 * Over TCP it listens, and every client that connects becomes a socket of its own
 * (Python's accept()). Over UDP nothing connects: a datagram arrives together with
 * the address it came from, and we send the answer back to that address. A UDP
 * "client" is just an address.
 *
 * TCP is a stream of bytes, not of messages: one read may hold half a line or three
 * lines, so we cut the stream into lines at "\n" ourselves (framing). The article
 * treats one recv(1024) as one message, which works on a quiet machine and fails
 * on a busy one. UDP keeps boundaries: one datagram is one message, or nothing.
 *
 * Sections 1-6 are the article's chapter. "Beyond the article" (B1-B6, at the end)
 * is what a real network adds; the code above calls it by name. The walkthrough is
 * in lessons/README.md (中文: lessons/README.zh-CN.md).
 */
import { createInterface, type Interface } from "node:readline";
import type { Socket } from "bun";
import { DEFAULT_HOST, DEFAULT_PORT, readCommandLine } from "./cli.ts";

// ── 1 · Settings: the article's HOST and PORT, from the command line ─────────

// The options and their help, in English and Chinese, are at the end (B6).
const cli = readCommandLine(commandLine());
const { log, warn, say } = cli;
const host = cli.opts.host;
const port = cli.port(0);
const transport = cli.opts.udp ? "udp" : "tcp";

// ── 2 · The reply: "[" + time.ctime() + "] " + the line ──────────────────────

// Python's time.ctime() is "Mon Nov 30 00:51:13 2026", the day of the month padded
// with a space ("Mon Nov  2 ..."). Date's toString() has the same parts in another
// order ("Mon Nov 02 2026 00:51:13 GMT..."), so we put them back in ctime's.
function ctime(): string {
  const [weekday, month, day, year, time] = new Date().toString().split(" ");
  return `${weekday} ${month} ${String(Number(day)).padStart(2, " ")} ${time} ${year}`;
}

// The "\n" at the end is our message boundary: the client reads up to it.
const reply = (line: string) => `[${ctime()}] ${line}\n`;

// ── 3 · The TCP server: bind + listen, accept, recv, send ────────────────────

type Conn = {
  name: string; // "127.0.0.1:50312": the peer's address is its only name
  decoder: TextDecoder; // remembers half a UTF-8 character between reads
  buffered: string; // text after the last "\n": a line still arriving
  queue: Uint8Array[]; // bytes the kernel has not taken yet (B1)
};

const newConn = (name: string): Conn => ({ name, decoder: new TextDecoder(), buffered: "", queue: [] });

function serveTcp() {
  // socket() + bind() + listen() in one call. Each client that connects calls open().
  const server = Bun.listen<Conn>({
    hostname: host,
    port,
    socket: {
      // accept(). Bun.listen shares ONE `data` object between all sockets: give each its own.
      open(s) {
        s.data = newConn(`${s.remoteAddress}:${s.remotePort}`);
        log(`${s.data.name} connected`, `${s.data.name} 连上了`);
      },
      // recv(): a piece of the stream. Answer every complete line in it.
      data(s, chunk) {
        for (const line of takeLines(s.data, chunk)) send(s, reply(line));
        refuseEndlessLine(s); // B2
      },
      drain: flush, // the kernel has room again: write what waits (B1)
      close: (s) => log(`${s.data.name} disconnected`, `${s.data.name} 断开了`),
      error: closeOnError, // B5
    },
  });
  return { port: server.port, stop: () => server.stop(true) };
}

// Framing: add a chunk, take out every complete line, keep the unfinished tail.
// { stream: true } keeps a multibyte character that was cut in two for the next
// chunk, instead of turning each half into "\uFFFD".
function takeLines(conn: Conn, chunk: Uint8Array): string[] {
  conn.buffered += conn.decoder.decode(chunk, { stream: true });
  const lines = conn.buffered.split("\n");
  conn.buffered = lines.pop() ?? "";
  return lines.map((line) => line.replace(/\r$/, "")); // accept "\r\n" too
}

// ── 4 · The UDP server: bind, recvfrom, sendto ───────────────────────────────

async function serveUdp() {
  // socket() + bind(). No listen(), no accept(): there are no connections.
  const sock = await Bun.udpSocket({
    hostname: host,
    port,
    socket: {
      // recvfrom(): one datagram is one whole message, and it comes with its
      // sender's address. A fresh decoder each time: a datagram never continues another.
      data(s, buf, fromPort, fromAddress) {
        const line = new TextDecoder().decode(buf).replace(/\r?\n$/, "");
        sendTo(s, reply(line), fromPort, fromAddress); // sendto(): the address goes with each message
      },
      error: udpError, // required (B4)
    },
  });
  return { port: sock.port, stop: () => sock.close() };
}

// ── 5 · Start the server, and stop it with Ctrl+C ────────────────────────────

async function runServer() {
  let server: { port: number; stop(): void } | undefined;
  // Trap Ctrl+C (SIGINT) and `kill` (SIGTERM) before listening: the moment the
  // port is open, a client can connect and a signal can arrive.
  const stop = () => {
    server?.stop();
    log("bye", "再见");
    process.exit(0);
  };
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, stop);
  try {
    server = cli.opts.udp ? await serveUdp() : serveTcp();
  } catch (err) {
    cannotListen(err);
  }
  // Port 0 asks the system for any free port: print the real one.
  log(`listening on ${host}:${server.port} (${transport})`, `正在监听 ${host}:${server.port} (${transport})`);
  whatToTry(server.port); // B6
  log("Ctrl+C stops the server", "按 Ctrl+C 停止服务器");
}

// ── 6 · The client: read the keyboard, send each line, print each reply ──────

let keyboard: Interface | undefined; // opened once the socket is ready
let leaving = false;

function show(line: string) {
  console.log(clean(line)); // never print bytes from the network raw (B3)
  if (!leaving) keyboard?.prompt();
}

async function runClient() {
  const link = cli.opts.udp ? await udpClient() : await tcpClient();
  log(`talking to ${host}:${port} (${transport}).`, `正在和 ${host}:${port} (${transport}) 对话。`);
  log("Type a line and press Enter; Ctrl+D or Ctrl+C quits.", "输入一行按回车；Ctrl+D 或 Ctrl+C 退出。");
  // readline reads the keyboard without blocking: replies are printed while we wait.
  // The prompt "> " is for a person at a terminal, not for a pipe.
  keyboard = createInterface({ input: process.stdin, output: process.stdout, prompt: process.stdin.isTTY ? "> " : "" });
  keyboard.on("line", link.send);
  keyboard.on("SIGINT", () => keyboard?.close()); // Ctrl+C
  // Ctrl+D, Ctrl+C, or the end of piped input (try: echo hello | bun lessons/01-echo.ts --client)
  keyboard.on("close", () => {
    leaving = true;
    if (process.stdin.isTTY) console.log(); // step off the prompt's line
    link.leave();
  });
  keyboard.prompt();
}

async function tcpClient() {
  const sock = await Bun.connect<Conn>({
    hostname: host,
    port,
    data: newConn(`${host}:${port}`),
    allowHalfOpen: true, // lets us stop sending and still read the last replies
    socket: {
      data: (s, chunk) => takeLines(s.data, chunk).forEach(show),
      drain: flush,
      end: serverGone, // the server sent FIN: it has nothing more to say (B5)
      close: serverGone,
      error: (_s, err) => warn(err.message, err.message),
    },
  }).catch(cannotConnect);
  // Leaving: flush() sends what is still queued, then FIN (B1).
  return { send: (line: string) => send(sock, line + "\n"), leave: () => flush(sock) };
}

async function udpClient() {
  // "connect" on UDP only fixes the address every send() goes to. Nothing is
  // exchanged, so this succeeds even when no server is running.
  const sock = await Bun.udpSocket({
    connect: { hostname: host, port },
    socket: {
      data: (_s, buf) => show(new TextDecoder().decode(buf).replace(/\r?\n$/, "")),
      error: udpClientError, // B4
    },
  });
  // One line, one datagram: no "\n" needed. UDP has no "end of conversation":
  // when we leave, a late answer gets half a second to arrive.
  return { send: (line: string) => sendDatagram(sock, line), leave: () => setTimeout(() => process.exit(0), 500) };
}

// ═════════════════════════════════════════════════════════════════════════════
// Beyond the article: what a real network adds. The sections above call these.
// ═════════════════════════════════════════════════════════════════════════════

// ── B1 · send(): write() is not Python's sendall() ───────────────────────────
// write() returns how many bytes the kernel took, and whatever did not fit is
// simply not sent. So we queue the rest and write it again when Bun calls drain().
// (A cap on that queue, for a client that never reads, is in lesson 02: there one
// slow reader can hold up a whole room.)

const encoder = new TextEncoder();

function send(s: Socket<Conn>, text: string) {
  s.data.queue.push(encoder.encode(text));
  if (s.data.queue.length === 1) flush(s);
}

function flush(s: Socket<Conn>) {
  const queue = s.data.queue;
  while (queue.length > 0) {
    const head = queue[0]!;
    const written = s.write(head);
    if (written < 0) {
      queue.length = 0; // the socket is closed: nothing more will go out
    } else if (written < head.length) {
      queue[0] = head.subarray(written); // the rest waits for drain()
      return;
    } else {
      queue.shift();
    }
  }
  // The client is leaving and its last line is out: shutdown() sends FIN ("no more
  // from me") but keeps reading, so the server's last replies still arrive; then
  // the server closes and serverGone() ends the program. end() would close both
  // directions at once and lose those replies.
  if (leaving) s.shutdown();
}

// ── B2 · A line that never ends ──────────────────────────────────────────────
// A line longer than this, still without "\n", is a peer that is not speaking our
// protocol: we say so and close that connection instead of buffering forever.

const MAX_LINE = 64 * 1024;

function refuseEndlessLine(s: Socket<Conn>) {
  if (s.data.buffered.length <= MAX_LINE) return;
  warn(`${s.data.name} sent ${MAX_LINE}+ characters without a newline; closing it`, `${s.data.name} 发来 ${MAX_LINE} 多个字符还没有换行，关闭它`);
  s.end();
}

// ── B3 · Never print bytes from the network raw ─────────────────────────────
// A reply may hold terminal escape codes (colours, cursor moves, even a fake
// prompt). Control characters become a visible "\uFFFD". Lesson 03 explains more.

const clean = (text: string) => text.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, "\uFFFD");

// ── B4 · UDP: a reply can bounce ─────────────────────────────────────────────
// A reply to a client that has gone comes back as an ICMP "port unreachable",
// which Bun reports later, as ECONNREFUSED, to the socket's error handler. Without
// that handler the process exits 1. And that pending error can make the NEXT
// send() throw, even to a live client, so one failed send gets one more try.

type Sender = { send(data: string, port: number, address: string): boolean };

function sendTo(s: Sender, text: string, port: number, address: string) {
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      s.send(text, port, address);
      return;
    } catch (err) {
      if (attempt === 2) warn(`could not answer ${address}:${port}: ${(err as Error).message}`, `无法回复 ${address}:${port}：${(err as Error).message}`);
    }
  }
}

// Bun passes just the error (the types say (socket, error)): pick it out.
function udpError(...args: unknown[]) {
  const err = args.find((a) => a instanceof Error);
  warn(`udp: ${err?.message ?? "error"} (a client went away; we carry on)`, `udp：${err?.message ?? "出错"}（有客户端走了；我们继续）`);
}

// For the client, that bounce is the only sign that nobody listens.
function udpClientError(...args: unknown[]) {
  const err = args.find((a) => a instanceof Error) as (Error & { code?: string }) | undefined;
  if (err?.code === "ECONNREFUSED") show(say(`echo: nobody answers at ${host}:${port} (is the server running with --udp?)`, `echo: ${host}:${port} 没有回应（服务器是用 --udp 启动的吗？）`));
  else show(`echo: ${err?.message ?? say("udp error", "udp 出错")}`);
}

// The same bounce can make a connected send() throw: say so, and carry on.
function sendDatagram(sock: { send(data: string): boolean }, line: string) {
  try {
    sock.send(line);
  } catch (err) {
    show(say(`echo: could not send: ${(err as Error).message}`, `echo: 发送失败：${(err as Error).message}`));
  }
}

// ── B5 · Starting and finishing: the errors a beginner meets first ───────────

// The server went away (or answered our FIN by closing): say so, unless we are the ones leaving.
function serverGone() {
  if (!leaving) console.log(say("\necho: the server closed the connection", "\necho: 服务器关闭了连接"));
  process.exit(0);
}

// A socket error (a reset, say) ends that one connection, never the server.
function closeOnError(s: Socket<Conn>, err: Error) {
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

function cannotConnect(err: unknown): never {
  const code = (err as { code?: string }).code ?? (err as Error).message;
  warn(`cannot connect to ${host}:${port} (${code}). Is the server running?`, `无法连接 ${host}:${port}（${code}）。服务器在运行吗？`);
  process.exit(1);
}

// ── B6 · The command line: options, defaults and --help, in two languages ────

// What to type in another terminal, one command a line: --port only when it is not 9009.
function whatToTry(port: number) {
  const udp = cli.opts.udp ? " --udp" : "";
  cli.suggest("try it from another terminal, with either of:", "在另一个终端里试试，任选一个：", [
    `${cli.opts.udp ? "nc -u" : "nc"} ${host} ${port}`,
    `bun lessons/01-echo.ts --client${udp}${cli.addressFlags(host, port)}`,
  ]);
}

function commandLine() {
  return {
    name: "echo",
    file: "lessons/01-echo.ts",
    about: ["an echo server and its client (the article's chapter 1).", "回声服务器和它的客户端（原文第 1 章）。"],
    examples: [
      ["bun lessons/01-echo.ts", "the server, over TCP; then try: nc 127.0.0.1 9009", "服务器（TCP）；然后试试：nc 127.0.0.1 9009"],
      ["bun lessons/01-echo.ts --udp", "the server, over UDP; then try: nc -u 127.0.0.1 9009", "服务器（UDP）；然后试试：nc -u 127.0.0.1 9009"],
      ["bun lessons/01-echo.ts --client", "the client: type a line, get it back with the time", "客户端：输入一行，收到带时间的回声"],
    ],
    options: {
      host: {
        type: "string", value: "<address>", default: DEFAULT_HOST,
        help: ["address to listen on, or with --client to connect to", "监听的地址；加 --client 时是要连接的地址"],
      },
      port: {
        type: "string", value: "<n>", default: process.env.PORT ?? String(DEFAULT_PORT),
        help: ["port, 0 picks a free one (or set env PORT)", "端口，0 表示任选一个空闲端口（也可以设环境变量 PORT）"],
      },
      udp: { type: "boolean", help: ["UDP instead of TCP", "用 UDP 而不是 TCP"] },
      client: { type: "boolean", help: ["be the client instead of the server", "当客户端，而不是服务器"] },
    },
  } as const;
}

// ── Run ──────────────────────────────────────────────────────────────────────
if (cli.opts.client) await runClient();
else await runServer();
