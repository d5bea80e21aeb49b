/**
 * Lesson 02 · A hub for many clients (article chapter 2: select)
 *
 * Run:    bun lessons/02-hub.ts          (TCP)   ·   bun lessons/02-hub.ts --udp
 * Try:    nc 127.0.0.1 9009      in two terminals, and type in one of them
 *         nc -u 127.0.0.1 9009   (over UDP, type a line first: that is how you join)
 * Prints: hub: listening on 127.0.0.1:9009 (tcp)
 *         and to the other clients:  <127.0.0.1:50312> your line
 *                                    *** 127.0.0.1:50312 joined   /   *** 127.0.0.1:50312 left
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
 * disappears, a client that stays silent for --idle seconds is forgotten.
 *
 * Options: --host 127.0.0.1, --port 9009 (or env PORT; 0 picks a free port),
 *          --udp, --idle 60 (seconds, UDP only).
 */
import { parseArgs } from "node:util";
import type { Socket } from "bun";

const { values: opts } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: process.env.PORT ?? "9009" },
    udp: { type: "boolean", default: false },
    idle: { type: "string", default: "60" },
  },
});
const host = opts.host;
const port = Number(opts.port);
const idleSeconds = Number(opts.idle);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`hub: --port must be a number from 0 to 65535, not "${opts.port}"`);
  process.exit(2);
}
if (!(idleSeconds > 0)) {
  console.error(`hub: --idle must be a number of seconds above 0, not "${opts.idle}"`);
  process.exit(2);
}
const transport = opts.udp ? "udp" : "tcp";

// A client that sends this many characters without a newline is not chatting: we
// tell it and close it, instead of buffering its bytes forever.
const MAX_LINE = 8 * 1024;
// Bytes we keep for a client that does not read. Past this it is dropped, so one
// stuck client cannot eat the hub's memory.
const MAX_QUEUE_BYTES = 1024 * 1024;

// Never pass terminal control codes from one user to the others: an ESC sequence
// relayed raw can recolour their screens or draw a fake prompt (CVE-2024-28085).
// C0 controls except tab, DEL, C1 controls and bidi overrides become "\uFFFD".
const clean = (text: string) =>
  text.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, "\uFFFD");

// ---------------------------------------------------------------------------
// TCP: every client is a connection, with its own state in s.data.

type Client = {
  name: string; // "127.0.0.1:50312": host:port is the only name a client has yet
  decoder: TextDecoder; // keeps half a UTF-8 character for the next read
  buffered: string; // the line that is still arriving
  queue: Uint8Array[]; // bytes the kernel has not taken yet
  queued: number; // their total size
  dropped: boolean; // too slow to read: being closed, send it nothing more
};
const clients = new Set<Socket<Client>>();
const encoder = new TextEncoder();

// One write per recipient per line: simple, and the baseline the kit's benchmark
// compares a faster hub against. But write() returns how many bytes the kernel took
// and DROPS the rest, so whatever did not fit waits in the client's queue and is
// written again from drain(). Without it, a busy client would silently miss
// the ends of lines.
function send(c: Socket<Client>, line: string) {
  if (c.data.dropped) return;
  const bytes = encoder.encode(line + "\n");
  c.data.queue.push(bytes);
  c.data.queued += bytes.length;
  if (c.data.queue.length === 1) flush(c);
  if (c.data.queued > MAX_QUEUE_BYTES) {
    console.error(`hub: ${c.data.name} is not reading; dropping it`);
    c.data.dropped = true;
    c.data.queue = [];
    c.data.queued = 0;
    // Closing now would run close() (and its own broadcast) in the middle of the
    // broadcast that called us. Close right after it instead.
    queueMicrotask(() => c.end());
  }
}
function flush(c: Socket<Client>) {
  const q = c.data.queue;
  while (q.length > 0) {
    const head = q[0]!;
    const n = c.write(head);
    if (n < 0) break; // closed: close() will remove it
    c.data.queued -= Math.max(n, 0);
    if (n < head.length) return void (q[0] = head.subarray(n)); // rest waits for drain()
    q.shift();
  }
}

// To everyone except `from`: the sender already knows what it typed.
function broadcast(line: string, from?: Socket<Client>) {
  for (const c of clients) if (c !== from) send(c, line);
}

function serveTcp() {
  const listener = Bun.listen<Client>({
    hostname: host,
    port,
    socket: {
      open(s) {
        // Bun.listen shares ONE `data` object between all sockets: each client gets a fresh one.
        s.data = {
          name: `${s.remoteAddress}:${s.remotePort}`,
          decoder: new TextDecoder(),
          buffered: "",
          queue: [],
          queued: 0,
          dropped: false,
        };
        send(s, `*** welcome ${s.data.name}; ${clients.size} other(s) here`);
        broadcast(`*** ${s.data.name} joined`, s);
        clients.add(s);
        console.log(`hub: ${s.data.name} joined (${clients.size} here)`);
      },
      // This handler is what select() returned in Python: "this socket has data".
      data(s, chunk) {
        const c = s.data;
        // TCP is a stream: a chunk may hold half a line or several lines. Frame on "\n".
        c.buffered += c.decoder.decode(chunk, { stream: true });
        const lines = c.buffered.split("\n");
        c.buffered = lines.pop() ?? "";
        for (let line of lines) {
          if (line.endsWith("\r")) line = line.slice(0, -1);
          if (line !== "") broadcast(`<${c.name}> ${clean(line)}`, s);
        }
        if (c.buffered.length > MAX_LINE) {
          console.error(`hub: ${c.name} sent ${MAX_LINE}+ characters without a newline; closing it`);
          send(s, `*** line too long (over ${MAX_LINE} characters); bye`);
          s.end();
        }
      },
      drain: flush,
      // Remove the client BEFORE telling the others. A half line it left in
      // `buffered` dies with it: never relay half a message.
      close(s) {
        if (!clients.delete(s)) return;
        broadcast(`*** ${s.data.name} left`);
        console.log(`hub: ${s.data.name} left (${clients.size} here)`);
      },
      error(s, err) {
        console.error(`hub: ${s.data.name}: ${err.message}; closing it`);
        s.end();
      },
    },
  });
  return {
    port: listener.port,
    stop() {
      broadcast("*** the hub is shutting down");
      listener.stop(true);
    },
  };
}

// ---------------------------------------------------------------------------
// UDP: one socket for everybody. A client is an address we have heard from.

type Member = { name: string; address: string; port: number; lastHeard: number };
const members = new Map<string, Member>(); // "127.0.0.1:50312" -> member

async function serveUdp() {
  const sock = await Bun.udpSocket({
    hostname: host,
    port,
    socket: {
      data(_s, buf, fromPort, fromAddress, flags) {
        const name = `${fromAddress}:${fromPort}`;
        let m = members.get(name);
        if (!m) {
          // Any datagram from a new address is a join. No handshake, no accept().
          m = { name, address: fromAddress, port: fromPort, lastHeard: Date.now() };
          relay(`*** welcome ${name}; ${members.size} other(s) here`, [m]);
          relay(`*** ${name} joined`, [...members.values()]);
          members.set(name, m);
          console.log(`hub: ${name} joined (${members.size} here)`);
        }
        m.lastHeard = Date.now();
        if (flags.truncated) console.error(`hub: a datagram from ${name} was too big and was cut short`);

        // One datagram is one whole message: no buffering across datagrams.
        const text = new TextDecoder().decode(buf).replace(/\r?\n$/, "");
        if (text === "/quit") return forget(m, "left");
        // A program may pack several lines into one datagram: relay each as its own
        // line, so nobody can smuggle in a line that looks like it came from the hub.
        for (let line of text.split("\n")) {
          if (line.endsWith("\r")) line = line.slice(0, -1);
          if (line !== "") relay(`<${name}> ${clean(line)}`, othersThan(m));
        }
      },
      // Required: when we send to a client that has gone, the system answers with an
      // ICMP "port unreachable", which Bun reports here later as ECONNREFUSED. With
      // no handler the process would exit 1. (Bun passes just the error.)
      error(...args: unknown[]) {
        const err = args.find((a) => a instanceof Error);
        console.error(`hub: udp: ${err?.message ?? "error"} (someone we sent to has gone)`);
      },
    },
  });

  // sendto() for each recipient. Each send gets its own try: a pending ICMP error
  // from a client that vanished can make the NEXT send() throw, even to a live
  // client. So we try once more, and only if that fails too do we give up on it.
  // One bad address must never stop delivery to the others.
  function relay(line: string, to: Member[]) {
    const dead: Member[] = [];
    for (const m of to) {
      if (!trySend(line, m) && !trySend(line, m)) dead.push(m);
    }
    for (const m of dead) forget(m, "left (unreachable)");
  }
  function trySend(line: string, m: Member): boolean {
    try {
      // The "\n" is only there so `nc -u` prints each message on its own line.
      if (!sock.send(line + "\n", m.port, m.address)) {
        // UDP never waits: a full send buffer just means this datagram is lost.
        console.error(`hub: send buffer full, a datagram to ${m.name} was dropped`);
      }
      return true;
    } catch (err) {
      console.error(`hub: send to ${m.name} failed: ${(err as Error).message}`);
      return false;
    }
  }
  const othersThan = (m: Member) => [...members.values()].filter((other) => other !== m);
  function forget(m: Member, why: string) {
    if (!members.delete(m.name)) return;
    relay(`*** ${m.name} ${why}`, [...members.values()]);
    console.log(`hub: ${m.name} ${why} (${members.size} here)`);
  }

  // Nobody tells us when a UDP client closes its laptop. Forget the silent ones.
  const idleMs = idleSeconds * 1000;
  setInterval(() => {
    for (const m of members.values()) {
      if (Date.now() - m.lastHeard > idleMs) forget(m, `left (silent for ${idleSeconds} s)`);
    }
  }, Math.min(idleMs / 4, 5000));

  return {
    port: sock.port,
    stop() {
      relay("*** the hub is shutting down", [...members.values()]);
      sock.close();
    },
  };
}

// ---------------------------------------------------------------------------

let hub: { port: number; stop(): void } | undefined;
// Trap Ctrl+C (SIGINT) and `kill` (SIGTERM) before listening: the moment the port
// is open, a client can connect and a signal can arrive.
const stop = () => {
  hub?.stop();
  console.log("hub: bye");
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
try {
  hub = opts.udp ? await serveUdp() : serveTcp();
} catch (err) {
  const code = (err as { code?: string }).code ?? (err as Error).message;
  console.error(`hub: cannot listen on ${host}:${port} (${code}). Is another lesson running? Try --port 0`);
  process.exit(1);
}
// Port 0 asks the system for any free port: print the real one.
console.log(`hub: listening on ${host}:${hub.port} (${transport})`);
const nc = opts.udp ? "nc -u" : "nc";
console.log(`hub: try  ${nc} ${host} ${hub.port}   in two terminals, or`);
console.log(`hub:      bun lessons/03-client.ts${opts.udp ? " --udp" : ""} --port ${hub.port}`);
console.log("hub: Ctrl+C stops the hub");
