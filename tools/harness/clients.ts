/**
 * Test clients, like `nc` and `nc -u`: they send exactly what they are told (or,
 * disturbed, what an unkind network would make of it) and record every byte in a
 * wire log.
 */
import type { Socket } from "bun";
import { HOST, type Transport } from "./ports.ts";
import type { WireLog } from "./wire.ts";

/**
 * How a test client mistreats its own traffic, as an unkind network would (the
 * grader's seeded one is in tools/grader/disturb.ts). Without one, a client
 * sends each write or datagram exactly as given, like `nc`.
 */
export interface Disturbance {
  /** TCP: how many of the `left` bytes go in the next write, and the pause after it (ms). */
  piece(left: number): { size: number; pauseMs: number };
  /** TCP: after a read, stop reading for this many ms (0: read on). */
  readPause(): number;
  /** UDP: send a datagram, send it twice, or hold it back so the next one overtakes it. */
  datagram(): "send" | "twice" | "hold";
}

/** One side of a conversation with a program under test, over either transport. */
export interface Peer {
  readonly name: string;
  readonly transport: Transport;
  /** Our own port: the program sees us as 127.0.0.1:localPort. */
  readonly localPort: number;
  /** TCP: the program closed the connection. UDP: we closed our socket. */
  readonly closed: boolean;
  /**
   * These bytes: one write (TCP), or one datagram (UDP). A disturbed client cuts
   * and merges writes, and duplicates and reorders datagrams.
   */
  send(data: string | Uint8Array): void;
  /** A line, as `nc` sends it: text + "\n", through send(). */
  sendLine(text: string): void;
  /** Exactly these bytes in one write or one datagram, never disturbed. */
  sendExact(data: string | Uint8Array): void;
  /**
   * Complete lines received, without "\n" or "\r\n". TCP: the stream framed on
   * "\n" (a partial last line is not included). UDP: each datagram, minus one
   * trailing newline, split on "\n".
   */
  lines(): string[];
  /** Everything received, decoded. */
  text(): string;
  /** Resolves when every write so far has been handed to the kernel. */
  flushed(): Promise<void>;
  /** TCP: stop reading (true) or read again (false): a reader that falls behind. */
  hold(on: boolean): void;
  /** TCP: close with a reset (RST) instead of a normal close. UDP: close. */
  reset(): void;
  close(): void;
}

export type ClientOptions = { name: string; wire: WireLog; host?: string; disturb?: Disturbance };

const encoder = new TextEncoder();
const toBytes = (data: string | Uint8Array) => (typeof data === "string" ? encoder.encode(data) : data);

/** Split text received into lines, by transport. */
export function framedLines(transport: Transport, pieces: string[]): string[] {
  if (transport === "tcp") {
    const all = pieces.join("").split("\n");
    all.pop(); // unfinished, or "" after the last "\n"
    return all.map((l) => l.replace(/\r$/, ""));
  }
  return pieces.flatMap((d) => d.replace(/\r?\n$/, "").split("\n").map((l) => l.replace(/\r$/, "")));
}

/**
 * A TCP client. Writes are honest: what the kernel does not take at once is
 * queued and written on drain, so a test never loses bytes it thinks it sent.
 * Disturbed, the writes of one turn of the event loop are merged, then cut into
 * pieces sent a moment apart, and reads pause now and then.
 */
export async function tcpClient(port: number, o: ClientOptions): Promise<Peer> {
  const host = o.host ?? HOST;
  const decoder = new TextDecoder();
  const received: string[] = [];
  let pending: Uint8Array[] = []; // disturbed: not yet cut into writes
  const kernelQueue: Uint8Array[] = []; // writes the kernel has not taken yet
  let pumping = false;
  let closed = false;
  const waiters: (() => void)[] = [];
  const settled = () => !pumping && pending.length === 0 && kernelQueue.length === 0;
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };

  const writeNow = (s: Socket<undefined>, bytes: Uint8Array) => {
    o.wire.record(o.name, "sent", bytes);
    kernelQueue.push(bytes);
    drainKernel(s);
  };
  const drainKernel = (s: Socket<undefined>) => {
    while (kernelQueue.length > 0) {
      const head = kernelQueue[0]!;
      const n = s.write(head);
      if (n < 0) return void kernelQueue.splice(0);
      if (n < head.length) return void (kernelQueue[0] = head.subarray(n));
      kernelQueue.shift();
    }
    if (settled()) wake();
  };
  const pump = async (s: Socket<undefined>, d: Disturbance) => {
    if (pumping) return;
    pumping = true;
    await Bun.sleep(0); // let the writes of this turn gather: lines merge
    while (pending.length > 0 && !closed) {
      const all = Buffer.concat(pending);
      pending = [];
      for (let at = 0; at < all.length && !closed; ) {
        const { size, pauseMs } = d.piece(all.length - at);
        writeNow(s, all.subarray(at, Math.min(all.length, at + size)));
        at += size;
        await Bun.sleep(pauseMs);
      }
    }
    pumping = false;
    if (settled()) wake();
  };

  const sock = await Bun.connect({
    hostname: host,
    port,
    socket: {
      binaryType: "uint8array",
      data(s, chunk) {
        o.wire.record(o.name, "recv", chunk);
        received.push(decoder.decode(chunk, { stream: true }));
        const pauseMs = o.disturb?.readPause() ?? 0;
        if (pauseMs > 0 && typeof s.pause === "function") {
          s.pause();
          setTimeout(() => s.resume(), pauseMs);
        }
      },
      drain: (s) => drainKernel(s),
      close(_s, err) {
        if (!closed) o.wire.record(o.name, "close", undefined, err ? `closed by the program (${err.message})` : "closed by the program");
        closed = true;
        wake();
      },
      error(_s, err) {
        o.wire.record(o.name, "note", undefined, `error: ${err.message}`);
      },
    },
  });
  sock.setNoDelay(true); // each write leaves as its own segment: splits stay split
  o.wire.record(o.name, "open", undefined, `${HOST}:${sock.localPort} -> ${host}:${port}`);
  const sendExact = (data: string | Uint8Array) => {
    if (!closed) writeNow(sock, toBytes(data));
  };
  const send = (data: string | Uint8Array) => {
    if (closed) return;
    if (!o.disturb) return writeNow(sock, toBytes(data));
    pending.push(toBytes(data));
    void pump(sock, o.disturb);
  };
  const end = (how: "close" | "reset") => {
    if (closed) return;
    closed = true;
    o.wire.record(o.name, "close", undefined, how === "reset" ? "we reset the connection (RST)" : "we closed");
    if (how === "reset") sock.terminate();
    else sock.end();
  };
  return {
    name: o.name,
    transport: "tcp",
    localPort: sock.localPort,
    get closed() {
      return closed;
    },
    send,
    sendLine: (text) => send(text + "\n"),
    sendExact,
    lines: () => framedLines("tcp", received),
    text: () => received.join(""),
    flushed: () => (settled() ? Promise.resolve() : new Promise<void>((r) => waiters.push(r))),
    hold(on) {
      if (on) sock.pause();
      else sock.resume();
      o.wire.record(o.name, "note", undefined, on ? "we stop reading" : "we read again");
    },
    reset: () => end("reset"),
    close: () => end("close"),
  };
}

/**
 * A UDP client on its own port. Unconnected, like a program that uses sendto():
 * it records who each datagram came from, and a vanished program does not make
 * it fail. Disturbed, datagrams are sometimes sent twice or overtaken by the next.
 */
export async function udpClient(port: number, o: ClientOptions): Promise<Peer> {
  const host = o.host ?? HOST;
  const datagrams: string[] = [];
  let closed = false;
  let held: { bytes: Uint8Array; timer: Timer } | undefined;
  const sock = await Bun.udpSocket({
    hostname: HOST,
    port: 0,
    binaryType: "uint8array",
    socket: {
      data(_s, buf, fromPort, fromAddress) {
        const note = fromPort === port && fromAddress === host ? undefined : `from ${fromAddress}:${fromPort}`;
        o.wire.record(o.name, "recv", buf, note);
        datagrams.push(new TextDecoder().decode(buf));
      },
      error(...args: unknown[]) {
        const err = args.find((a) => a instanceof Error);
        o.wire.record(o.name, "note", undefined, `error: ${err?.message ?? "unknown"}`);
      },
    },
  });
  o.wire.record(o.name, "open", undefined, `udp ${HOST}:${sock.port}, talking to ${host}:${port}`);
  const out = (bytes: Uint8Array, note?: string) => {
    if (closed) return;
    o.wire.record(o.name, "sent", bytes, note);
    try {
      sock.send(bytes, port, host);
    } catch (err) {
      o.wire.record(o.name, "note", undefined, `send failed: ${(err as Error).message}`);
    }
  };
  const release = () => {
    if (!held) return;
    clearTimeout(held.timer);
    const { bytes } = held;
    held = undefined;
    out(bytes, "sent late: reordered");
  };
  const send = (data: string | Uint8Array) => {
    const bytes = toBytes(data);
    if (!o.disturb) return out(bytes);
    const fate = o.disturb.datagram();
    if (fate === "hold" && !held) {
      held = { bytes, timer: setTimeout(release, 3) };
      return;
    }
    out(bytes);
    if (fate === "twice") out(bytes, "duplicate");
    release();
  };
  const close = () => {
    if (closed) return;
    release();
    closed = true;
    o.wire.record(o.name, "close", undefined, "we closed our socket");
    sock.close();
  };
  return {
    name: o.name,
    transport: "udp",
    localPort: sock.port,
    get closed() {
      return closed;
    },
    send,
    sendLine: (text) => send(text + "\n"),
    sendExact: (data) => {
      release();
      out(toBytes(data));
    },
    lines: () => framedLines("udp", datagrams),
    text: () => datagrams.join(""),
    flushed: async () => release(),
    hold() {},
    reset: close,
    close,
  };
}
