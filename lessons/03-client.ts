/**
 * Lesson 03 · A client that types and listens at once (article chapter 3: threading)
 *
 * Run:    bun lessons/02-hub.ts        in one terminal, then in two others:
 *         bun lessons/03-client.ts     (TCP)  ·  --udp  ·  --worker (the receiving side in a Worker)
 * Try:    type in one client while the other one is half-way through a line.
 * Prints: client: connected to 127.0.0.1:9009 (tcp). Type and press Enter; exit, Ctrl+D or Ctrl+C leaves.
 *         <127.0.0.1:50312> a line from someone else, printed above your prompt
 * Help:   bun lessons/03-client.ts --help        (--lang zh: 中文)
 *
 * A chat client must wait for two things at once: the keyboard and the socket.
 * Python's input() and recv() each block the thread that calls them, so the
 * article starts a second thread to sit in recv() while the main thread sits in
 * input(). In Bun nothing blocks: node:readline and the socket both raise events
 * on ONE event loop, and whichever has something to say runs its handler. No
 * thread, no lock.
 *
 * When a line arrives while you are typing, we clear the prompt line, print the
 * message, and ask readline to redraw the prompt with your half-typed text.
 *
 * The file reads from the top down: section 1 is the whole program, sections 2-4
 * the pieces it uses. "Beyond the article" (B1-B6, at the end) is what a real
 * network adds. `--worker` mirrors the article's receiving thread literally: it is
 * in 03-client-worker.ts. The walkthrough is in lessons/README.md (中文:
 * lessons/README.zh-CN.md).
 */
import { createInterface, clearLine, cursorTo, type Interface } from "node:readline";
import type { Socket } from "bun";
import { DEFAULT_HOST, DEFAULT_PORT, readCommandLine, wrapLine } from "./cli.ts";

// ── 1 · The program: settings, connect, then the keyboard ────────────────────

let say = (en: string, _zh: string) => en; // set from --lang by main()
const log = (en: string, zh: string) => console.log(wrapLine("client: ", say(en, zh)).join("\n"));

async function main() {
  // The options and their help, in English and Chinese, are at the end (B6).
  const cli = readCommandLine(commandLine());
  say = cli.say;
  const o: LinkOptions = { host: cli.opts.host, port: cli.port(1), udp: cli.opts.udp };
  const events: LinkEvents = {
    line: (text) => print(clean(text)), // clean(): never print the network's bytes raw (B3)
    notice: (en, zh) => print(`client: ${clean(say(en, zh))}`),
    closed: hubGone,
  };
  // The article's receiving thread, if you ask for it: 03-client-worker.ts.
  const open = cli.opts.worker ? (await import("./03-client-worker.ts")).openLinkInWorker : openLink;
  const link = await open(o, events).catch((err) => cannotConnect(err, o)); // B5
  const transport = o.udp ? "udp" : "tcp";
  const inWorker = cli.opts.worker ? [", socket in a Worker", "，socket 在 Worker 里"] : ["", ""];
  // Over UDP nothing was exchanged yet: "connected" would promise too much.
  log(
    `${o.udp ? "talking" : "connected"} to ${o.host}:${o.port} (${transport}${inWorker[0]}).`,
    `${o.udp ? "开始和" : "已连接到"} ${o.host}:${o.port}（${transport}${inWorker[1]}）${o.udp ? "对话" : ""}。`,
  );
  log("Type and press Enter; exit, Ctrl+D or Ctrl+C leaves.", "输入后按回车发送；exit、Ctrl+D 或 Ctrl+C 离开。");

  // input(), without blocking: readline calls us for each line typed. Created
  // only now, so nothing typed (or piped in) is read before we can send it.
  // The prompt "> " is for a person at a terminal, not for a pipe.
  keyboard = createInterface({ input: process.stdin, output: process.stdout, prompt: process.stdin.isTTY ? "> " : "" });
  keyboard.on("line", (line) => {
    if (line.trim() === "exit") {
      keyboard?.close(); // the article's "exit"
    } else {
      link.send(line);
      keyboard?.prompt();
    }
  });
  keyboard.on("SIGINT", () => keyboard?.close()); // Ctrl+C: readline turns it into an event
  keyboard.on("close", () => leave(link)); // Ctrl+D, "exit", Ctrl+C, or the end of piped input
  process.on("SIGTERM", () => leave(link));
  keyboard.prompt();
}

// Leaving: let the link say goodbye (TCP: send what waits, then close; UDP: "/quit").
async function leave(link: Link) {
  if (leaving) return;
  leaving = true;
  await link.close();
  wipePromptLine();
  log("bye", "再见");
  process.exit(0);
}

// The hub went away. Say so, and draw no prompt after it: the program ends here.
function hubGone(en: string, zh: string) {
  leaving = true;
  print(wrapLine("client: ", say(en, zh)).join("\n"));
  process.exit(0);
}

// ── 2 · The screen: print above what is being typed ─────────────────────────

let keyboard: Interface | undefined;
let leaving = false; // once set, the prompt is not drawn again

// Wipe the prompt line, print, and let readline redraw the prompt and whatever
// was typed so far. (The article's thread just print()s, right into your typing.)
function print(text: string) {
  wipePromptLine();
  process.stdout.write(text + "\n");
  if (!leaving) keyboard?.prompt(true);
}

function wipePromptLine() {
  if (!keyboard || !process.stdout.isTTY) return; // a pipe has no prompt to wipe
  clearLine(process.stdout, 0);
  cursorTo(process.stdout, 0);
}

// ── 3 · The link to the hub over TCP: connect, frame lines, send lines ───────
// The link is what the keyboard side needs from the network. It is exported
// because --worker runs this same code inside a Worker (03-client-worker.ts).

export type LinkOptions = { host: string; port: number; udp: boolean };
export type LinkEvents = {
  line(text: string): void; // a line from the hub (still raw: clean it before printing)
  notice(en: string, zh: string): void; // something the link itself wants to say
  closed(en: string, zh: string): void; // the hub is gone
};
export type Link = { send(line: string): void; close(): Promise<void> };

export function openLink(o: LinkOptions, on: LinkEvents): Promise<Link> {
  return o.udp ? openUdp(o, on) : openTcp(o, on);
}

async function openTcp(o: LinkOptions, on: LinkEvents): Promise<Link> {
  const decoder = new TextDecoder(); // keeps half a UTF-8 character for the next read
  let buffered = ""; // the line still arriving
  const outbox = new Outbox(); // bytes the kernel has not taken yet (B1)
  const sock = await Bun.connect({
    hostname: o.host,
    port: o.port,
    socket: {
      // recv(), the receiving thread's loop body. TCP is a stream: frame it into lines.
      data(_s, chunk) {
        buffered += decoder.decode(chunk, { stream: true });
        const lines = buffered.split("\n");
        buffered = lines.pop() ?? "";
        for (const line of lines) on.line(line.replace(/\r$/, ""));
        buffered = cutEndlessLine(buffered, on); // B2
      },
      drain: (s) => outbox.flush(s),
      close() {
        if (!outbox.closing) on.closed("the hub closed the connection", "hub 关闭了连接");
      },
      error: (_s, err) => on.notice(err.message, err.message),
    },
  });
  return {
    send: (line) => outbox.push(sock, line + "\n"), // "\n" marks where our message ends
    close: () => outbox.finish(sock),
  };
}

// ── 4 · The link over UDP: a hello, datagrams, and "/quit" ───────────────────

async function openUdp(o: LinkOptions, on: LinkEvents): Promise<Link> {
  let heard = false; // anything from the hub yet? (B4)
  // "connect" on UDP sends nothing: it only fixes where send() goes, and filters
  // out datagrams from anyone else.
  const sock = await Bun.udpSocket({
    connect: { hostname: o.host, port: o.port },
    socket: {
      // One datagram is one message; a fresh decoder, as datagrams never continue.
      data(_s, buf) {
        heard = true;
        const text = new TextDecoder().decode(buf).replace(/\r?\n$/, "");
        for (const line of text.split("\n")) on.line(line);
        // No connection, so nothing closes when the hub stops: its last words are the end (B4).
        if (LAST_WORDS.has(text)) on.closed("the hub has stopped", "hub 已经停止");
      },
      error: (...args: unknown[]) => reportUdpError(args, o, on, heard), // required (B4)
    },
  });
  const send = (text: string) => sendDatagram(sock, text, on); // one line, one datagram (B4)
  // The hub only knows an address it has heard from: say hello with an empty datagram.
  send("");
  const keepAlive = keepSayingHello(send); // or the hub forgets us after its --idle (B4)
  return {
    send,
    async close() {
      clearInterval(keepAlive);
      send("/quit"); // no connection to close: tell the hub we are going
      sock.close();
    },
  };
}

// ═════════════════════════════════════════════════════════════════════════════
// Beyond the article: what a real network adds. The sections above call these.
// ═════════════════════════════════════════════════════════════════════════════

// ── B1 · TCP: a queue for what write() did not take ─────────────────────────
// write() returns how many bytes the kernel took and drops the rest: keep the
// rest and write it again from drain(). Leaving waits until the queue is empty,
// or end() would cut off the last line typed.

const encoder = new TextEncoder();

class Outbox {
  private queue: Uint8Array[] = [];
  private whenEmpty: (() => void) | undefined;
  closing = false;

  push(s: Socket, text: string) {
    this.queue.push(encoder.encode(text));
    if (this.queue.length === 1) this.flush(s);
  }

  flush(s: Socket) {
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const written = s.write(head);
      if (written < 0) {
        this.queue = []; // closed: nothing more will go out
      } else if (written < head.length) {
        this.queue[0] = head.subarray(written); // the rest waits for drain()
        return;
      } else {
        this.queue.shift();
      }
    }
    this.whenEmpty?.();
  }

  finish(s: Socket): Promise<void> {
    this.closing = true;
    return new Promise((resolve) => {
      this.whenEmpty = () => {
        s.end();
        resolve();
      };
      this.flush(s);
    });
  }
}

// ── B2 · A line that never ends ──────────────────────────────────────────────
// A hub that never sends "\n" should not make us hoard its bytes forever: past
// this many characters, what has arrived is shown as a line of its own.

const MAX_LINE = 64 * 1024;

function cutEndlessLine(buffered: string, on: LinkEvents): string {
  if (buffered.length <= MAX_LINE) return buffered;
  on.line(buffered);
  return "";
}

// ── B3 · Never print the network's bytes raw ────────────────────────────────
// An ESC from the network could recolour the screen, move the cursor, or draw a
// fake "password:" prompt; a U+202E could make text read backwards. C0 controls
// (except tab), DEL, C1 controls and bidi overrides become a visible "\uFFFD".

const clean = (text: string) => text.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, "\uFFFD");

// ── B4 · UDP: errors come later, and silence means "gone" ────────────────────

// Over TCP the hub's close tells us it stopped. Over UDP nothing does: lesson
// 02's hub sends these last words, each in a datagram of its own (02 §3, §4),
// and we take them as the end. A hub that dies without a word is noticed only
// by the error below, once we send it something (a line, or the hello).
const LAST_WORDS = new Set(["*** the hub is shutting down", "*** hub 正在关闭"]);

// Nobody listening shows up only later, as an ICMP error (ECONNREFUSED), in the
// error handler. Bun passes just the error (the types say (socket, error)).
// Before the hub has said anything, that means "no hub here (yet)"; after, the
// hub that was there has gone, and the client ends as it does over TCP.
function reportUdpError(args: unknown[], o: LinkOptions, on: LinkEvents, heard: boolean) {
  const err = args.find((a) => a instanceof Error) as (Error & { code?: string }) | undefined;
  if (err?.code !== "ECONNREFUSED") {
    on.notice(err?.message ?? "udp error", err?.message ?? "udp 出错");
  } else if (heard) {
    on.closed(`${o.host}:${o.port} no longer answers: the hub has gone (stopped?)`, `${o.host}:${o.port} 不再回应：hub 已经不在了（停掉了？）`);
  } else {
    on.notice(`nobody answers at ${o.host}:${o.port}: is the hub running with --udp?`, `${o.host}:${o.port} 没有回应：hub 是用 --udp 启动的吗？`);
  }
}

// That same error can make the next send() throw: report it, and carry on.
function sendDatagram(sock: { send(data: string): boolean }, text: string, on: LinkEvents) {
  try {
    sock.send(text);
  } catch (err) {
    on.notice(`could not send: ${(err as Error).message}`, `发送失败：${(err as Error).message}`);
  }
}

// Lesson 02's hub forgets an address it has not heard from for --idle seconds
// (60 by default): an empty datagram every 20 s keeps us in the room.
function keepSayingHello(send: (text: string) => void) {
  return setInterval(() => send(""), 20_000);
}

// ── B5 · When the hub is not there ───────────────────────────────────────────

function cannotConnect(err: unknown, o: LinkOptions): never {
  const code = (err as { code?: string }).code ?? (err as Error).message;
  const en = `cannot reach the hub at ${o.host}:${o.port} (${code}). Is bun lessons/02-hub.ts running?`;
  console.error(`client: ${say(en, `连不上 ${o.host}:${o.port} 的 hub（${code}）。bun lessons/02-hub.ts 在运行吗？`)}`);
  process.exit(1);
}

// ── B6 · The command line: options, defaults and --help, in two languages ────

function commandLine() {
  return {
    name: "client",
    file: "lessons/03-client.ts",
    about: ["a chat client that types and listens at once (the article's chapter 3).", "一边输入、一边接收的聊天客户端（原文第 3 章）。"],
    examples: [
      ["bun lessons/03-client.ts", "talk to lesson 02's hub (start it first: bun lessons/02-hub.ts)", "连上第 02 课的 hub（先启动它：bun lessons/02-hub.ts）"],
      ["bun lessons/03-client.ts --udp", "the same over UDP (bun lessons/02-hub.ts --udp)", "同样的事，走 UDP（bun lessons/02-hub.ts --udp）"],
      ["bun lessons/03-client.ts --worker", "the socket in a Worker thread, as the article's thread", "把 socket 放进 Worker 线程，像原文的线程那样"],
    ],
    options: {
      host: { type: "string", value: "<address>", default: DEFAULT_HOST, help: ["the hub's address", "hub 的地址"] },
      port: {
        type: "string", value: "<n>", default: process.env.PORT ?? String(DEFAULT_PORT),
        help: ["the hub's port (or set env PORT)", "hub 的端口（也可以设环境变量 PORT）"],
      },
      udp: { type: "boolean", help: ["UDP instead of TCP", "用 UDP 而不是 TCP"] },
      worker: { type: "boolean", help: ["receive in a Worker thread (03-client-worker.ts)", "在 Worker 线程里接收（03-client-worker.ts）"] },
    },
  } as const;
}

// ── Run ──────────────────────────────────────────────────────────────────────
// Only when started as a program: the Worker of --worker imports this file for openLink().
if (import.meta.main) await main();
