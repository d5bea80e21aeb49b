/**
 * Lesson 03 · A client that types and listens at once (article chapter 3: threading)
 *
 * Run:    bun lessons/02-hub.ts        in one terminal, then in two others:
 *         bun lessons/03-client.ts     (TCP)  ·  --udp  ·  --worker (the receiving side in a Worker)
 * Try:    type in one client while the other one is half-way through a line.
 * Prints: client: connected to 127.0.0.1:9009 (tcp). Type and press Enter; exit, Ctrl+D or Ctrl+C leaves.
 *         <127.0.0.1:50312> a line from someone else, printed above your prompt
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
 * Text from the network is never printed raw: control characters (colours, cursor
 * moves, a fake "password:" prompt) are shown as "\uFFFD".
 *
 * `--worker` mirrors the article's receiving thread literally: a Worker owns the
 * socket (a socket can live in a Worker but cannot be posted to one), posts each
 * received line to the main thread, and the main thread posts typed lines back.
 * It works, and shows what a thread costs: two event loops, every line copied
 * between them, and leaving has to be agreed on (see 03-client-worker.ts).
 *
 * Options: --host 127.0.0.1, --port 9009 (or env PORT), --udp, --worker.
 */
import { parseArgs } from "node:util";
import { createInterface, clearLine, cursorTo, type Interface } from "node:readline";
import type { Socket } from "bun";

// ---------------------------------------------------------------------------
// The network side: a "link" to the hub, over TCP or UDP. It is exported because
// the --worker variant runs this same code inside the Worker.

export type LinkOptions = { host: string; port: number; udp: boolean };
export type LinkEvents = {
  line(text: string): void; // a line from the hub (still raw: clean it before printing)
  notice(text: string): void; // something the client itself wants to say
  closed(why: string): void; // the hub is gone
};
export type Link = { send(line: string): void; close(): Promise<void> };

export function openLink(o: LinkOptions, on: LinkEvents): Promise<Link> {
  return o.udp ? openUdp(o, on) : openTcp(o, on);
}

// A hub that never sends "\n" should not make us hoard its bytes forever.
const MAX_LINE = 64 * 1024;
const encoder = new TextEncoder();

async function openTcp(o: LinkOptions, on: LinkEvents): Promise<Link> {
  const decoder = new TextDecoder(); // keeps half a UTF-8 character for the next read
  let buffered = ""; // the line still arriving
  const queue: Uint8Array[] = []; // bytes the kernel has not taken yet
  let whenSent: (() => void) | undefined; // set by close(): runs once the queue is empty

  // write() returns how many bytes the kernel took and drops the rest: keep the
  // rest and write it again from drain().
  function flush(s: Socket) {
    while (queue.length > 0) {
      const head = queue[0]!;
      const n = s.write(head);
      if (n < 0) {
        queue.splice(0); // closed: nothing more will go out
        break;
      }
      if (n < head.length) return void (queue[0] = head.subarray(n));
      queue.shift();
    }
    whenSent?.();
  }

  const sock = await Bun.connect({
    hostname: o.host,
    port: o.port,
    socket: {
      data(_s, chunk) {
        // TCP is a stream: frame it into lines ourselves.
        buffered += decoder.decode(chunk, { stream: true });
        const lines = buffered.split("\n");
        buffered = lines.pop() ?? "";
        for (const line of lines) on.line(line.endsWith("\r") ? line.slice(0, -1) : line);
        if (buffered.length > MAX_LINE) {
          on.line(buffered);
          buffered = "";
        }
      },
      drain: flush,
      close() {
        if (!whenSent) on.closed("the hub closed the connection");
      },
      error(_s, err) {
        on.notice(err.message);
      },
    },
  });
  return {
    send(line) {
      queue.push(encoder.encode(line + "\n")); // "\n" marks where our message ends
      if (queue.length === 1) flush(sock);
    },
    close: () =>
      new Promise((resolve) => {
        whenSent = () => {
          sock.end();
          resolve();
        };
        flush(sock);
      }),
  };
}

async function openUdp(o: LinkOptions, on: LinkEvents): Promise<Link> {
  // "connect" on UDP sends nothing: it only fixes where send() goes, and filters
  // out datagrams from anyone else.
  const sock = await Bun.udpSocket({
    hostname: o.host.startsWith("127.") ? "127.0.0.1" : "0.0.0.0",
    connect: { hostname: o.host, port: o.port },
    socket: {
      data(_s, buf) {
        // One datagram is one message; a fresh decoder, as datagrams never continue.
        const text = new TextDecoder().decode(buf).replace(/\r?\n$/, "");
        for (const line of text.split("\n")) on.line(line);
      },
      // Nobody listening shows up only later, as an ICMP error (ECONNREFUSED).
      error(...args: unknown[]) {
        const err = args.find((a) => a instanceof Error) as (Error & { code?: string }) | undefined;
        if (err?.code === "ECONNREFUSED") on.notice(`nobody answers at ${o.host}:${o.port}: is the hub running with --udp?`);
        else on.notice(err?.message ?? "udp error");
      },
    },
  });
  const send = (text: string) => {
    try {
      sock.send(text); // one line, one datagram: no "\n" needed
    } catch (err) {
      on.notice(`could not send: ${(err as Error).message}`);
    }
  };
  // The hub only knows an address it has heard from: say hello with an empty
  // datagram, and keep saying it, or the hub forgets us after its --idle time.
  send("");
  const keepAlive = setInterval(() => send(""), 20_000);
  return {
    send,
    async close() {
      clearInterval(keepAlive);
      send("/quit"); // no connection to close: tell the hub we are going
      sock.close();
    },
  };
}

// Messages between the main thread and the Worker of the --worker variant.
export type ToWorker = ({ type: "open" } & LinkOptions) | { type: "send"; line: string } | { type: "close" };
export type FromWorker =
  | { type: "open" }
  | { type: "failed"; message: string }
  | { type: "line"; text: string }
  | { type: "notice"; text: string }
  | { type: "closed"; why: string }
  | { type: "bye" };

// The same Link, but the socket lives in a Worker and we only exchange messages.
function openLinkInWorker(o: LinkOptions, on: LinkEvents): Promise<Link> {
  const worker = new Worker(new URL("./03-client-worker.ts", import.meta.url).href);
  const post = (msg: ToWorker) => worker.postMessage(msg);
  let bye = () => {};
  return new Promise((resolve, reject) => {
    worker.onmessage = ({ data: msg }: MessageEvent<FromWorker>) => {
      if (msg.type === "open") resolve({ send: (line) => post({ type: "send", line }), close });
      else if (msg.type === "failed") reject(new Error(msg.message));
      else if (msg.type === "line") on.line(msg.text);
      else if (msg.type === "notice") on.notice(msg.text);
      else if (msg.type === "closed") on.closed(msg.why);
      else if (msg.type === "bye") bye();
    };
    post({ type: "open", ...o });
  });
  // Leaving is a conversation now: ask the Worker to close its socket and wait
  // for its answer, or our exit would kill it before it has said goodbye.
  function close() {
    return new Promise<void>((resolve) => {
      bye = () => {
        worker.terminate();
        resolve();
      };
      post({ type: "close" });
    });
  }
}

// ---------------------------------------------------------------------------
// The keyboard side, and the screen.

// Replace C0 controls (except tab), DEL, C1 controls and bidi overrides with a
// visible mark. An ESC from the network could recolour the screen, move the
// cursor, or draw a fake prompt; a U+202E could make text read backwards.
const clean = (text: string) =>
  text.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, "\uFFFD");

async function main() {
  const { values: opts } = parseArgs({
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: process.env.PORT ?? "9009" },
      udp: { type: "boolean", default: false },
      worker: { type: "boolean", default: false },
    },
  });
  const o: LinkOptions = { host: opts.host, port: Number(opts.port), udp: opts.udp };
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) {
    console.error(`client: --port must be a number from 1 to 65535, not "${opts.port}"`);
    process.exit(2);
  }
  const where = `${o.host}:${o.port} (${o.udp ? "udp" : "tcp"}${opts.worker ? ", socket in a Worker" : ""})`;

  let rl: Interface | undefined;
  let leaving = false;
  // Print above the prompt without destroying what the user is typing: wipe the
  // prompt line, print, and let readline redraw the prompt and the typed text.
  const print = (text: string) => {
    if (rl && process.stdout.isTTY) {
      clearLine(process.stdout, 0);
      cursorTo(process.stdout, 0);
    }
    process.stdout.write(text + "\n");
    if (!leaving) rl?.prompt(true);
  };
  const events: LinkEvents = {
    line: (text) => print(clean(text)),
    notice: (text) => print(`client: ${clean(text)}`),
    closed(why) {
      print(`client: ${why}`);
      process.exit(0);
    },
  };

  let link: Link;
  try {
    link = await (opts.worker ? openLinkInWorker(o, events) : openLink(o, events));
  } catch (err) {
    const code = (err as { code?: string }).code ?? (err as Error).message;
    console.error(`client: cannot reach the hub at ${o.host}:${o.port} (${code}). Is bun lessons/02-hub.ts running?`);
    process.exit(1);
  }
  // Over UDP nothing was exchanged yet: "connected" would promise too much.
  console.log(`client: ${o.udp ? "talking" : "connected"} to ${where}. Type and press Enter; exit, Ctrl+D or Ctrl+C leaves.`);

  // Created only now, so nothing typed (or piped in) is read before we can send it.
  rl = createInterface({ input: process.stdin, output: process.stdout, prompt: "> " });
  const leave = async () => {
    if (leaving) return;
    leaving = true;
    await link.close();
    if (process.stdin.isTTY) console.log(); // step off the prompt line
    console.log("client: bye");
    process.exit(0);
  };
  rl.on("line", (line) => {
    if (line.trim() === "exit") return void rl?.close();
    link.send(line);
    rl?.prompt();
  });
  rl.on("SIGINT", () => rl?.close()); // Ctrl+C: readline turns it into an event
  rl.on("close", leave); // Ctrl+D, "exit", or the end of piped input
  process.on("SIGTERM", leave);
  rl.prompt();
}

// Run only when started as a program, not when the Worker imports openLink().
if (import.meta.main) main();
