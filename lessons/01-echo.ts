/**
 * Lesson 01 · An echo server and its client (article chapter 1: socket basics)
 *
 * Run:    bun lessons/01-echo.ts            (TCP)   ·   bun lessons/01-echo.ts --udp
 * Try:    nc 127.0.0.1 9009      or   bun lessons/01-echo.ts --client
 *         nc -u 127.0.0.1 9009   or   bun lessons/01-echo.ts --client --udp
 * Prints: echo: listening on 127.0.0.1:9009 (tcp)
 *         and answers every line you type with   [Thu Nov 26 2026 03:45:00] your line
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
 * Options: --host 127.0.0.1, --port 9009 (or env PORT; 0 picks a free port),
 *          --udp, --client.
 */
import { parseArgs } from "node:util";
import { createInterface, type Interface } from "node:readline";
import type { Socket } from "bun";

const { values: opts } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: process.env.PORT ?? "9009" },
    udp: { type: "boolean", default: false },
    client: { type: "boolean", default: false },
  },
});
const host = opts.host;
const port = Number(opts.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`echo: --port must be a number from 0 to 65535, not "${opts.port}"`);
  process.exit(2);
}
const transport = opts.udp ? "udp" : "tcp";

// A line longer than this, still without "\n", is a peer that is not speaking our
// protocol: we say so and close that connection instead of buffering forever.
const MAX_LINE = 64 * 1024;
// Bytes we keep for a client that does not read its replies. Past this, we give up on it.
const MAX_QUEUE_BYTES = 1024 * 1024;

// Python's time.ctime(), near enough: "Thu Nov 26 2026 03:45:00".
const ctime = () => new Date().toString().slice(0, 24);

// Bytes from the network may contain terminal escape codes (colours, cursor moves,
// even a fake prompt). Replace control characters with a visible "\uFFFD" before
// printing. Lesson 03 explains this.
const clean = (text: string) =>
  text.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, "\uFFFD");

// ---------------------------------------------------------------------------
// What we keep for one TCP connection, and the two helpers every TCP program needs.

type Conn = {
  name: string; // "127.0.0.1:50312": the peer's address is its only name
  decoder: TextDecoder; // remembers half a UTF-8 character between reads
  buffered: string; // text after the last "\n": a line still arriving
  queue: Uint8Array[]; // bytes the kernel has not taken yet
  ending: boolean; // say goodbye (shutdown) once the queue is empty
};

const newConn = (name: string): Conn => ({
  name,
  decoder: new TextDecoder(),
  buffered: "",
  queue: [],
  ending: false,
});

// Framing: add a chunk, take out every complete line, keep the unfinished tail.
// { stream: true } keeps a multibyte character that was cut in two for the next
// chunk, instead of turning each half into "\uFFFD".
function takeLines(conn: Conn, chunk: Uint8Array): string[] {
  conn.buffered += conn.decoder.decode(chunk, { stream: true });
  const lines = conn.buffered.split("\n");
  conn.buffered = lines.pop() ?? "";
  return lines.map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line)); // accept "\r\n" too
}

// write() is not Python's sendall(): it returns how many bytes the kernel took, and
// whatever did not fit is simply not sent. So we keep the rest and write it again
// when Bun calls drain(). Never lose bytes silently.
const encoder = new TextEncoder();
function send(s: Socket<Conn>, text: string) {
  const q = s.data.queue;
  q.push(encoder.encode(text));
  if (q.length === 1) flush(s);
  const waiting = q.reduce((sum, bytes) => sum + bytes.length, 0);
  if (waiting > MAX_QUEUE_BYTES) {
    console.error(`echo: ${s.data.name} does not read its replies; closing it`);
    s.terminate();
  }
}
function flush(s: Socket<Conn>) {
  const q = s.data.queue;
  while (q.length > 0) {
    const head = q[0]!;
    const n = s.write(head);
    if (n < 0) return void q.splice(0); // socket already closed: nothing to keep
    if (n < head.length) return void (q[0] = head.subarray(n)); // the rest waits for drain()
    q.shift();
  }
  // shutdown() sends FIN ("no more from me") but keeps reading, so the last
  // replies still arrive. end() would close both directions at once.
  if (s.data.ending) s.shutdown();
}

// ---------------------------------------------------------------------------
// The servers. TCP and UDP side by side.

function serveTcp() {
  // socket() + bind() + listen() in one call. Each accepted client calls open().
  const server = Bun.listen<Conn>({
    hostname: host,
    port,
    socket: {
      // Bun.listen shares ONE `data` object between all sockets: give each its own.
      open(s) {
        s.data = newConn(`${s.remoteAddress}:${s.remotePort}`);
        console.log(`echo: ${s.data.name} connected`);
      },
      data(s, chunk) {
        for (const line of takeLines(s.data, chunk)) send(s, `[${ctime()}] ${line}\n`);
        if (s.data.buffered.length > MAX_LINE) {
          console.error(`echo: ${s.data.name} sent ${MAX_LINE}+ characters without a newline; closing it`);
          s.end();
        }
      },
      drain: flush,
      // A half line left in `buffered` is dropped: its sender is gone.
      close(s) {
        console.log(`echo: ${s.data.name} disconnected`);
      },
      error(s, err) {
        console.error(`echo: ${s.data.name}: ${err.message}; closing it`);
        s.end();
      },
    },
  });
  return { port: server.port, stop: () => server.stop(true) };
}

async function serveUdp() {
  // socket() + bind(). No listen(), no accept(): there are no connections.
  const sock = await Bun.udpSocket({
    hostname: host,
    port,
    socket: {
      // Every datagram comes with its sender's address: that is the whole "client".
      data(s, buf, fromPort, fromAddress, flags) {
        if (flags.truncated) console.error(`echo: a datagram from ${fromAddress}:${fromPort} was cut short`);
        // One datagram is one whole message: no buffering, no framing. A fresh decoder
        // each time, since a datagram never continues another one.
        const text = new TextDecoder().decode(buf).replace(/\r?\n$/, "");
        const reply = `[${ctime()}] ${text}\n`;
        // sendto(): the address goes with each message. A reply to a client that has
        // gone bounces back as an ICMP error, and that error can make the NEXT send()
        // throw, even to a live client. So one failed send gets one more try.
        for (let attempt = 1; attempt <= 2; attempt++) {
          try {
            s.send(reply, fromPort, fromAddress);
            break;
          } catch (err) {
            if (attempt === 2) console.error(`echo: could not answer ${fromAddress}:${fromPort}: ${(err as Error).message}`);
          }
        }
      },
      // A UDP socket must have an error handler: an answer to a client that has gone
      // reports ECONNREFUSED later, and without a handler the process exits 1.
      error(...args: unknown[]) {
        const err = args.find((a) => a instanceof Error);
        console.error(`echo: udp error: ${err?.message ?? "unknown"} (a client went away; we carry on)`);
      },
    },
  });
  return { port: sock.port, stop: () => sock.close() };
}

async function runServer() {
  let server: { port: number; stop(): void } | undefined;
  // Trap Ctrl+C (SIGINT) and `kill` (SIGTERM) before listening: the moment the port
  // is open, a client can connect and a signal can arrive.
  const stop = () => {
    server?.stop();
    console.log("echo: bye");
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  try {
    server = opts.udp ? await serveUdp() : serveTcp();
  } catch (err) {
    const code = (err as { code?: string }).code ?? (err as Error).message;
    console.error(`echo: cannot listen on ${host}:${port} (${code}). Is another lesson running? Try --port 0`);
    process.exit(1);
  }
  // Port 0 asks the system for any free port: print the real one.
  console.log(`echo: listening on ${host}:${server.port} (${transport})`);
  const nc = opts.udp ? "nc -u" : "nc";
  const flags = `${opts.udp ? " --udp" : ""} --port ${server.port}`;
  console.log(`echo: try  ${nc} ${host} ${server.port}   or   bun lessons/01-echo.ts --client${flags}`);
  console.log(`echo: Ctrl+C stops the server`);
}

// ---------------------------------------------------------------------------
// The client: read the keyboard, send each line, print each reply.

async function runClient() {
  let rl: Interface | undefined; // the keyboard, opened once the socket is ready
  let leaving = false;
  const show = (line: string) => {
    console.log(clean(line));
    if (!leaving) rl?.prompt();
  };
  let sendLine: (line: string) => void;
  let close: () => void;

  if (opts.udp) {
    // "connect" on UDP only fixes the address every send() goes to. Nothing is
    // exchanged, so this succeeds even when no server is running.
    const sock = await Bun.udpSocket({
      hostname: host.startsWith("127.") ? "127.0.0.1" : "0.0.0.0", // our own address
      connect: { hostname: host, port },
      socket: {
        data: (_s, buf) => show(new TextDecoder().decode(buf).replace(/\r?\n$/, "")),
        // The only hint that nobody listens: an ICMP "port unreachable", reported
        // later as ECONNREFUSED. (Bun passes just the error, not the socket.)
        error(...args: unknown[]) {
          const err = args.find((a) => a instanceof Error) as (Error & { code?: string }) | undefined;
          if (err?.code === "ECONNREFUSED") show(`echo: nobody answers at ${host}:${port} (is the server running with --udp?)`);
          else show(`echo: ${err?.message ?? "udp error"}`);
        },
      },
    });
    sendLine = (line) => {
      try {
        sock.send(line); // one line, one datagram: no "\n" needed
      } catch (err) {
        // After an ICMP "port unreachable" the next send() throws it: report, go on.
        show(`echo: could not send: ${(err as Error).message}`);
      }
    };
    // UDP has no "end of conversation": allow a late answer half a second to arrive.
    close = () => setTimeout(() => process.exit(0), 500);
  } else {
    const serverGone = () => {
      if (!leaving) console.log("\necho: the server closed the connection");
      process.exit(0);
    };
    let sock: Socket<Conn>;
    try {
      sock = await Bun.connect<Conn>({
        hostname: host,
        port,
        data: newConn(`${host}:${port}`),
        allowHalfOpen: true, // lets us stop sending and still read the last replies
        socket: {
          data: (s, chunk) => takeLines(s.data, chunk).forEach(show),
          drain: flush,
          end: serverGone, // the server sent FIN
          close: serverGone,
          error: (_s, err) => console.error(`echo: ${err.message}`),
        },
      });
    } catch (err) {
      const code = (err as { code?: string }).code ?? (err as Error).message;
      console.error(`echo: cannot connect to ${host}:${port} (${code}). Is the server running?`);
      process.exit(1);
    }
    sendLine = (line) => send(sock, line + "\n"); // the "\n" is our message boundary
    // Finish sending, then wait for the server to close: its last replies arrive first.
    close = () => {
      sock.data.ending = true;
      flush(sock);
    };
  }

  console.log(`echo: talking to ${host}:${port} (${transport}). Type a line; Ctrl+D or Ctrl+C quits.`);
  // readline reads the keyboard without blocking: replies are printed while we wait.
  rl = createInterface({ input: process.stdin, output: process.stdout, prompt: "> " });
  rl.on("line", (line) => sendLine(line));
  rl.on("SIGINT", () => rl?.close()); // Ctrl+C
  // Ctrl+D, Ctrl+C, or the end of piped input (try: echo hello | bun lessons/01-echo.ts --client)
  rl.on("close", () => {
    leaving = true;
    if (process.stdin.isTTY) console.log(); // leave the prompt's line
    close();
  });
  rl.prompt();
}

if (opts.client) await runClient();
else await runServer();
