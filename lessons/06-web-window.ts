/**
 * Lesson 06 · A window on the room (article chapter 3: the tkinter window, reborn)
 *
 * Run:    bun lessons/02-hub.ts              in one terminal (the hub; --udp for UDP)
 *         bun lessons/06-web-window.ts       in another (this bridge; --udp if the hub has it)
 * Try:    open http://127.0.0.1:8080/ in two browser tabs, and nc 127.0.0.1 9009 in a
 *         terminal: one room. Type in a tab, read it in nc, and back.
 * Prints: bridge: the room's page: http://127.0.0.1:8080/ (the hub: 127.0.0.1:9009, tcp)
 *         and in the page, as in nc:  <127.0.0.1:50312> a line from nc
 * Help:   bun lessons/06-web-window.ts --help        (--lang zh: 中文)
 *
 * The article's chapter 3 gave its client a window with tkinter. Today's window
 * is a browser tab, on every phone in the room. But a page cannot open a TCP (or
 * a UDP) socket: it speaks HTTP, and WebSocket, which begins as HTTP. So a
 * browser joins our chat through a bridge, which this lesson is:
 *
 *   1. The upgrade. The page asks `GET /ws` with `Upgrade: websocket` and a random
 *      `Sec-WebSocket-Key`; the server answers `101 Switching Protocols` with
 *      `Sec-WebSocket-Accept` (base64 of the SHA-1 of that key and a fixed GUID,
 *      proof that it speaks WebSocket). The same TCP connection then carries
 *      frames, both ways. Bun.serve does all this in `server.upgrade(req)`.
 *   2. Frames versus lines. A frame arrives whole: never split, never merged with
 *      the next, since each frame says how long it is. So a frame is a message, not
 *      a line. From the browser, one frame is one line, WITHOUT "\n": we add it for
 *      the hub (and a frame holding "\n" is several lines). From the hub comes a
 *      stream: one read may hold two lines, or half of one. We frame it on "\n", as
 *      in lesson 01, and send each whole line as one frame.
 *   3. Text frames are UTF-8 (RFC 6455). Bun closes a connection that sends
 *      anything else, with code 1007, before we see it; a binary frame is not chat.
 *   4. One room. Each browser is one client of the hub, with a TCP connection of
 *      its own (with --udp, a UDP socket of its own): the hub cannot tell it from
 *      nc. So a browser that stops reading stalls nobody: only its own lines wait.
 *
 * Sections 1-6 are that idea; "Beyond the article" (B1-B6, at the end) is what a
 * real network adds. The walkthrough is in lessons/README.md (中文:
 * lessons/README.zh-CN.md). The kit's own server serves a fuller page itself:
 * bun src/server.ts --web (docs/PROTOCOL.md).
 */
import type { Server, ServerWebSocket, Socket, udp } from "bun";
import { DEFAULT_HOST, DEFAULT_PORT, readCommandLine } from "./cli.ts";

// ── 1 · Settings: where the page is served, and where the hub is ────────────

// The options and their help, in English and Chinese, are at the end (B6).
const cli = readCommandLine(commandLine());
const { log, warn, say } = cli;
const host = cli.opts.host;
const port = cli.port(0); // the page's port (8080 unless told)
const hubPort = Number(cli.opts["hub-port"]);
if (!/^\d+$/.test(cli.opts["hub-port"]) || hubPort < 1 || hubPort > 65535) cli.fail(`--hub-port must be a number from 1 to 65535, not "${cli.opts["hub-port"]}"`, `--hub-port 必须是 1 到 65535 之间的整数，不能是 "${cli.opts["hub-port"]}"`);
const transport = cli.opts.udp ? "udp" : "tcp";

// ── 2 · The page: a log, a field, and a few lines of script ──────────────────

// Every line from the network is shown with textContent, never innerHTML: a line
// "<img src=x onerror=...>" shows as those characters and runs nothing. The
// Content-Security-Policy (B2) forbids inline and foreign scripts on top of that.
const PAGE = `<!doctype html>
<html lang="${say("en", "zh")}"><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${say("Chat room", "聊天室")}</title>
<ul id="log" role="log" aria-live="polite"></ul>
<form id="form"><label>${say("Message", "消息")} <input id="line" autocomplete="off" autofocus></label> <button>${say("Send", "发送")}</button></form>
<script src="/page.js"></script>`;
const SCRIPT = `const log = document.getElementById("log"), form = document.getElementById("form"), line = document.getElementById("line");
const show = (text) => { const li = document.createElement("li"); li.textContent = text; log.append(li); li.scrollIntoView(); };
const ws = new WebSocket("ws://" + location.host + "/ws"); // the same host and port: the upgrade (section 3)
ws.onmessage = (e) => show(e.data); // one frame, one line
ws.onclose = (e) => show("*** " + ${JSON.stringify(say("disconnected", "连接已断开"))} + " (" + e.code + (e.reason ? " " + e.reason : "") + ")");
form.onsubmit = (e) => { e.preventDefault(); if (!line.value) return; ws.send(line.value); show("> " + line.value); line.value = ""; };`;

// ── 3 · HTTP, then the upgrade ───────────────────────────────────────────────

type Browser = {
  name: string; // "127.0.0.1:50312": the browser's own address, as the hub names nc
  toHub(line: string): void; // set once the hub connection is open (section 4)
  closeHub(): void;
  waiting: string[]; // lines typed before the hub connection was open
  ready: boolean;
};

function serve(): Server<Browser> {
  return Bun.serve<Browser>({
    hostname: host,
    port,
    fetch(req, server) {
      const path = new URL(req.url).pathname;
      if (path === "/") return page(PAGE, "text/html");
      if (path === "/page.js") return page(SCRIPT, "text/javascript");
      if (path !== "/ws") return new Response(say("not found", "没有这个页面"), { status: 404 });
      if (!sameOrigin(req)) return new Response(say("another site's page may not join this room", "别的网站的网页不能加入这个聊天室"), { status: 403 }); // B2
      const ip = server.requestIP(req);
      const browser: Browser = { name: `${ip?.address}:${ip?.port}`, toHub() {}, closeHub() {}, waiting: [], ready: false };
      // 101 Switching Protocols: from here on, this connection carries frames.
      if (server.upgrade(req, { data: browser })) return undefined;
      return new Response(say("this address is a WebSocket: open / instead", "这个地址是 WebSocket：请打开 /"), { status: 426 });
    },
    websocket: {
      open: joinHub, // section 4
      message: fromBrowser, // section 5
      close: leaveHub, // B3
      perMessageDeflate: false, // chat lines are short: no compression
    },
  });
}

// ── 4 · Each browser: a client of the hub, like nc ──────────────────────────

async function joinHub(ws: ServerWebSocket<Browser>) {
  const b = ws.data;
  try {
    const hub = cli.opts.udp ? await udpLink(ws) : await tcpLink(ws); // udpLink: B4
    b.toHub = hub.send;
    b.closeHub = hub.close;
  } catch (err) {
    return noHub(ws, err); // B5
  }
  b.ready = true;
  for (const line of b.waiting.splice(0)) b.toHub(line);
  if (ws.readyState !== 1) b.closeHub(); // the browser left while we connected
  log(`${b.name} joined through the page`, `${b.name} 通过网页加入了`);
}

// Over TCP the hub sends a stream: frame it on "\n" (section 6).
async function tcpLink(ws: ServerWebSocket<Browser>) {
  const lines = new LineFramer((line) => line !== "" && toBrowser(ws, line));
  const queue = new WriteQueue(); // write() may take only part of a line (B1)
  const s: Socket = await Bun.connect({
    hostname: hubHost(),
    port: hubPort,
    socket: {
      data: (_s, chunk) => lines.push(chunk),
      drain: (s) => queue.flush(s),
      close: () => void (ws.readyState === 1 && ws.close(1000, say("the hub closed the connection", "hub 关闭了连接"))),
      error() {},
    },
  });
  return { send: (line: string) => queue.send(s, line + "\n"), close: () => s.end() };
}

// ── 5 · Frames to lines: from the browser to the hub ─────────────────────────

function fromBrowser(ws: ServerWebSocket<Browser>, message: string | Buffer) {
  if (typeof message !== "string") return toBrowser(ws, say("!!! binary frames are not chat: send text", "!!! 二进制帧不是聊天内容：请发送文本")); // B3
  // One frame is one line, without its "\n"; a frame that holds "\n" is several lines.
  for (const line of message.replace(/\r?\n$/, "").split("\n")) {
    const text = line.replace(/\r$/, "");
    if (text === "") continue;
    if (ws.data.ready) ws.data.toHub(text);
    else ws.data.waiting.push(text);
  }
}

// ── 6 · Lines to frames: from the hub to the browser ─────────────────────────

// A read from the hub may end in the middle of a line, or of a character: keep
// the tail for the next read, and the decoder's half character (lesson 01 §3).
class LineFramer {
  private decoder = new TextDecoder(); // invalid bytes become U+FFFD: a text frame is always UTF-8
  private buffered = "";
  constructor(private readonly line: (text: string) => void) {}

  push(chunk: Uint8Array) {
    const lines = (this.buffered + this.decoder.decode(chunk, { stream: true })).split("\n");
    this.buffered = lines.pop() ?? ""; // half a line waits for the rest
    for (const line of lines) this.line(line.replace(/\r$/, ""));
  }
}

// One whole line, one text frame. A browser that is too far behind is let go (B1).
function toBrowser(ws: ServerWebSocket<Browser>, line: string) {
  if (ws.readyState !== 1) return;
  ws.send(line);
  if (ws.getBufferedAmount() > MAX_BEHIND) dropSlowBrowser(ws);
}

// ═════════════════════════════════════════════════════════════════════════════
// Beyond the article: what a real network adds. The sections above call these.
// ═════════════════════════════════════════════════════════════════════════════

// ── B1 · Slow readers, both ways ─────────────────────────────────────────────
// Toward the hub, write() takes what the kernel has room for and drops the rest
// (lesson 02 B1): what it did not take waits here for drain(). Toward a browser,
// ws.send() never drops: Bun keeps what the browser has not read yet. A tab that
// is stuck would make us keep every line of the room for it, so past MAX_BEHIND
// we close it, and its hub connection: the hub tells the room it left. The
// other members never wait for it: each has its own connection and queue.

const MAX_BEHIND = 256 * 1024;
const encoder = new TextEncoder();

class WriteQueue {
  private queue: Uint8Array[] = [];

  send(s: Socket, text: string) {
    this.queue.push(encoder.encode(text));
    if (this.queue.length === 1) this.flush(s);
  }

  flush(s: Socket) {
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const written = s.write(head);
      if (written < 0) return void (this.queue = []); // closed
      if (written < head.length) return void (this.queue[0] = head.subarray(written)); // the rest waits for drain()
      this.queue.shift();
    }
  }
}

function dropSlowBrowser(ws: ServerWebSocket<Browser>) {
  warn(`${ws.data.name} is not reading (over ${MAX_BEHIND} bytes behind); closing it`, `${ws.data.name} 不读数据（落后超过 ${MAX_BEHIND} 字节），关闭它`);
  ws.terminate(); // a close frame would wait behind all it has not read; its close() handler ends its hub connection
}

// ── B2 · Who may open the WebSocket: the page's own origin ───────────────────
// A browser sends cookies and its own address with a WebSocket opened by ANY
// page: evil.example could open ours from a student's laptop, behind the lab's
// firewall (cross-site WebSocket hijacking). A browser always says which page
// asks, in Origin: we take only our own. A program that is not a browser sends
// no Origin, and could send any: the check protects browsers, not the room.
// The page's headers forbid every script but /page.js, and any framing.

function sameOrigin(req: Request): boolean {
  const origin = req.headers.get("origin");
  return origin === null || origin === `http://${req.headers.get("host")}`;
}

const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
};
const page = (body: string, type: string) => new Response(body, { headers: { ...SECURITY_HEADERS, "content-type": `${type}; charset=utf-8` } });

// ── B3 · Frames that are not chat, and leaving ──────────────────────────────
// A browser encodes its text frames itself: they are always UTF-8. A program may
// send any bytes; the WebSocket standard says to fail such a connection, and Bun
// does: it sends the browser a close frame with code 1007, before message() sees
// the frame, and tells close() "Received invalid UTF-8". We say so in our log.
// (fromBrowser() refuses a binary frame, and the member stays.)

function leaveHub(ws: ServerWebSocket<Browser>, _code: number, reason: string) {
  if (/UTF-8/.test(reason)) warn(`${ws.data.name} sent a text frame that is not UTF-8: closed (1007)`, `${ws.data.name} 发来的文本帧不是 UTF-8：已关闭（1007）`);
  ws.data.closeHub(); // the hub tells the room this member left
}

// ── B4 · Over UDP: a socket per browser, one datagram per line ───────────────
// The hub knows a UDP member by its address, so each browser gets a socket of its
// own. An empty datagram joins (lesson 02 §4); "/quit" leaves. A datagram is
// already whole, but may hold several lines: each is its own frame. Like nc -u,
// a browser silent for the hub's --idle is forgotten, and is welcomed again when
// it next speaks.

async function udpLink(ws: ServerWebSocket<Browser>) {
  const sock: udp.ConnectedSocket<"buffer"> = await Bun.udpSocket({
    connect: { hostname: hubHost(), port: hubPort },
    socket: {
      data(_s, buf) {
        for (const line of new TextDecoder().decode(buf).split("\n")) {
          const text = line.replace(/\r$/, "");
          if (text !== "") toBrowser(ws, text);
        }
      },
      error() {}, // required: a hub that has gone bounces our datagrams (lesson 02 B4)
    },
  });
  const send = (line: string) => void sock.send(line + "\n");
  send(""); // join
  return { send, close: () => (send("/quit"), sock.close()) };
}

// ── B5 · When the hub is not there ───────────────────────────────────────────

// 0.0.0.0 and :: mean "every address" to listen on, not an address to connect to.
const hubHost = () => (cli.opts["hub-host"] === "0.0.0.0" || cli.opts["hub-host"] === "::" ? "127.0.0.1" : cli.opts["hub-host"]);

function noHub(ws: ServerWebSocket<Browser>, err: unknown) {
  const code = (err as { code?: string }).code ?? (err as Error).message;
  const where = `${hubHost()}:${hubPort}`;
  warn(`cannot reach the hub at ${where} (${code}): is bun lessons/02-hub.ts running?`, `连不上 ${where} 的 hub（${code}）：bun lessons/02-hub.ts 在运行吗？`);
  toBrowser(ws, say(`*** no hub at ${where} (${code}): start one (bun lessons/02-hub.ts), then reload`, `*** ${where} 上没有 hub（${code}）：先启动一个（bun lessons/02-hub.ts），再刷新`));
  ws.close(1011, say("no hub", "没有 hub"));
}

function cannotListen(err: unknown): never {
  const code = (err as { code?: string }).code ?? (err as Error).message;
  if (code === "EADDRINUSE") warn(`cannot serve the page on ${host}:${port}: the port is in use (EADDRINUSE). Try --port 0`, `无法在 ${host}:${port} 上提供网页：端口已被占用（EADDRINUSE）。试试 --port 0`);
  else warn(`cannot serve the page on ${host}:${port} (${code})`, `无法在 ${host}:${port} 上提供网页（${code}）`);
  process.exit(1);
}

// ── B6 · The command line, starting and stopping ─────────────────────────────

function commandLine() {
  return {
    name: "bridge",
    file: "lessons/06-web-window.ts",
    about: [
      "a bridge that lets browsers into a chat hub: each browser becomes one of its clients (the article's chapter 3 window).",
      "让浏览器进入聊天 hub 的桥：每个浏览器都成为 hub 的一个客户端（原文第 3 章的窗口）。",
    ],
    examples: [
      ["bun lessons/06-web-window.ts", "to lesson 02's hub; then open http://127.0.0.1:8080/", "连到第 02 课的 hub；然后打开 http://127.0.0.1:8080/"],
      ["bun lessons/06-web-window.ts --udp", "to a hub run with --udp", "连到用 --udp 运行的 hub"],
      ["bun lessons/06-web-window.ts --hub-port 9010", "to a hub on another port", "连到另一个端口上的 hub"],
    ],
    options: {
      host: { type: "string", value: "<address>", default: DEFAULT_HOST, help: ["address the page is served on", "提供网页的地址"] },
      port: {
        type: "string", value: "<n>", default: process.env.PORT ?? "8080",
        help: ["the page's port, 0 picks a free one (or set env PORT)", "网页的端口，0 表示任选一个空闲端口（也可以设环境变量 PORT）"],
      },
      "hub-host": { type: "string", value: "<address>", default: DEFAULT_HOST, help: ["the hub's address", "hub 的地址"] },
      "hub-port": { type: "string", value: "<n>", default: String(DEFAULT_PORT), help: ["the hub's port", "hub 的端口"] },
      udp: { type: "boolean", help: ["talk to the hub over UDP", "用 UDP 和 hub 通信"] },
    },
  } as const;
}

function start() {
  let server: Server<Browser>;
  try {
    server = serve();
  } catch (err) {
    cannotListen(err);
  }
  const stop = () => {
    server.stop(true); // closes every browser, and with it (section 3) its hub connection
    log("bye", "再见");
    process.exit(0);
  };
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, stop);
  const url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${server.port}/`;
  log(`the room's page: ${url} (the hub: ${hubHost()}:${hubPort}, ${transport})`, `聊天室网页：${url}（hub：${hubHost()}:${hubPort}，${transport}）`);
  cli.suggest("next: start a hub if none runs, then open the page in two tabs:", "下一步：如果还没有 hub 就先启动一个，然后在两个标签页里打开网页：", [
    `bun lessons/02-hub.ts${cli.opts.udp ? " --udp" : ""}${hubPort === DEFAULT_PORT ? "" : ` --port ${hubPort}`}`,
    url,
  ]);
  log("Ctrl+C stops the bridge", "按 Ctrl+C 停止桥");
}

// ── Run ──────────────────────────────────────────────────────────────────────
start();
