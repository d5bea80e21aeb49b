/**
 * A disturbed transport: the grader's own clients behave like a real, unkind
 * network, so a program that only works when every write arrives as one read is
 * caught. Everything random comes from one seed, so `--seed N` replays a run.
 *
 *   TCP: each write is cut into pieces (often single bytes) sent a moment apart,
 *        lines sent together leave in one write, and reads pause now and then.
 *   UDP: datagrams are sometimes sent twice and sometimes swapped with the next
 *        one. Nothing is dropped: lessons 01 and 02 promise an answer to every
 *        datagram on the loopback interface, so loss is not something they allow.
 */
import type { Socket } from "bun";
import { HOST, type Peer, type Transport, type WireLog } from "../lessons/harness.ts";

/** mulberry32: a tiny seeded PRNG, returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed for one check, derived from the run's seed and the check's id. */
export function seedFor(seed: number, id: string): number {
  let h = seed >>> 0;
  for (const ch of id) h = Math.imul(h ^ ch.charCodeAt(0), 0x9e3779b1) >>> 0;
  return h;
}

export type Disturbance = { random: () => number; enabled: boolean };

const encoder = new TextEncoder();
const toBytes = (data: string | Uint8Array) => (typeof data === "string" ? encoder.encode(data) : data);

/** Split received text into lines, as the harness's Peer does. */
function framed(transport: Transport, pieces: string[]): string[] {
  if (transport === "tcp") {
    const all = pieces.join("").split("\n");
    all.pop();
    return all.map((l) => l.replace(/\r$/, ""));
  }
  return pieces.flatMap((d) => d.replace(/\r?\n$/, "").split("\n").map((l) => l.replace(/\r$/, "")));
}

/** A Peer with a few more powers the grader needs. */
export interface GraderPeer extends Peer {
  /** Send exactly these bytes in one write / one datagram, undisturbed. */
  sendExact(data: string | Uint8Array): void;
  /** TCP: close with a reset (RST) instead of a normal close. */
  reset(): void;
  /** Resolves when every queued write has been handed to the kernel. */
  flushed(): Promise<void>;
  /** TCP: stop reading (true) or read again (false): a reader that falls behind. */
  hold(on: boolean): void;
}

let capacity: Promise<number> | undefined;
/**
 * How many bytes the kernel buffers on this machine between a writer and a
 * reader that stopped reading (both socket buffers, loopback). Measured once:
 * a program's write() only comes up short after this much.
 */
export function kernelCapacity(): Promise<number> {
  capacity ??= (async () => {
    let total = 0;
    let done!: (n: number) => void;
    const result = new Promise<number>((r) => (done = r));
    const listener = Bun.listen({
      hostname: HOST,
      port: 0,
      socket: {
        async open(s) {
          const chunk = new Uint8Array(64 * 1024);
          for (let i = 0; i < 1024; i++) {
            const n = s.write(chunk);
            if (n > 0) total += n;
            if (n < chunk.length) {
              await Bun.sleep(30); // a moment for the kernel to settle, then once more
              const more = s.write(chunk);
              if (more > 0) total += more;
              if (more < chunk.length) break;
            }
          }
          done(total);
          s.terminate();
        },
        data() {},
      },
    });
    const reader = await Bun.connect({ hostname: HOST, port: listener.port, socket: { open: (s) => void s.pause(), data() {}, error() {} } });
    reader.pause();
    const n = await result;
    reader.terminate();
    listener.stop(true);
    return n;
  })();
  return capacity;
}

/**
 * A TCP client whose writes are split and merged and whose reads are slow.
 * Writes made in the same turn of the event loop are merged before splitting.
 */
export async function disturbedTcpClient(port: number, o: { name: string; wire: WireLog; d: Disturbance }): Promise<GraderPeer> {
  const decoder = new TextDecoder();
  const received: string[] = [];
  let pending: Uint8Array[] = []; // not yet cut into writes
  const kernelQueue: Uint8Array[] = []; // accepted writes the kernel has not taken yet
  let pumping = false;
  let closed = false;
  let waiters: (() => void)[] = [];
  const { random, enabled } = o.d;

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
    if (!pumping && pending.length === 0) for (const w of waiters.splice(0)) w();
  };
  const pump = async (s: Socket<undefined>) => {
    if (pumping) return;
    pumping = true;
    await Bun.sleep(0); // let the writes of this turn gather: lines merge
    while (pending.length > 0 && !closed) {
      const all = Buffer.concat(pending);
      pending = [];
      let at = 0;
      while (at < all.length && !closed) {
        const r = random();
        const size = r < 0.35 ? 1 : r < 0.7 ? 1 + Math.floor(random() * 4) : 1 + Math.floor(random() * (all.length - at));
        writeNow(s, all.subarray(at, Math.min(all.length, at + size)));
        at += size;
        await Bun.sleep(random() < 0.5 ? 0 : 1 + Math.floor(random() * 3));
      }
    }
    pumping = false;
    if (kernelQueue.length === 0) for (const w of waiters.splice(0)) w();
  };

  const sock = await Bun.connect({
    hostname: HOST,
    port,
    socket: {
      binaryType: "uint8array",
      data(s, chunk) {
        o.wire.record(o.name, "recv", chunk);
        received.push(decoder.decode(chunk, { stream: true }));
        // A slow reader: now and then stop reading for a few milliseconds.
        if (enabled && random() < 0.2 && typeof s.pause === "function") {
          s.pause();
          setTimeout(() => s.resume(), 2 + Math.floor(random() * 15));
        }
      },
      drain: (s) => drainKernel(s),
      close(_s, err) {
        if (!closed) o.wire.record(o.name, "close", undefined, err ? `closed by the program (${err.message})` : "closed by the program");
        closed = true;
        for (const w of waiters.splice(0)) w();
      },
      error(_s, err) {
        o.wire.record(o.name, "note", undefined, `error: ${err.message}`);
      },
    },
  });
  sock.setNoDelay(true);
  o.wire.record(o.name, "open", undefined, `${HOST}:${sock.localPort} -> ${HOST}:${port}`);
  const send = (data: string | Uint8Array) => {
    if (closed) return;
    if (!enabled) return writeNow(sock, toBytes(data));
    pending.push(toBytes(data));
    void pump(sock);
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
    sendExact: (data) => {
      if (!closed) writeNow(sock, toBytes(data));
    },
    lines: () => framed("tcp", received),
    text: () => received.join(""),
    hold(on) {
      if (on) sock.pause();
      else sock.resume();
      o.wire.record(o.name, "note", undefined, on ? "we stop reading" : "we read again");
    },
    flushed: () => (pumping || pending.length > 0 || kernelQueue.length > 0 ? new Promise<void>((r) => waiters.push(r)) : Promise.resolve()),
    reset() {
      if (closed) return;
      closed = true;
      o.wire.record(o.name, "close", undefined, "we reset the connection (RST)");
      sock.terminate();
    },
    close() {
      if (closed) return;
      closed = true;
      o.wire.record(o.name, "close", undefined, "we closed");
      sock.end();
    },
  };
}

/** A UDP client whose datagrams are sometimes duplicated and sometimes swapped with the next. */
export async function disturbedUdpClient(port: number, o: { name: string; wire: WireLog; d: Disturbance }): Promise<GraderPeer> {
  const datagrams: string[] = [];
  let closed = false;
  let held: { bytes: Uint8Array; timer: Timer } | undefined;
  const { random, enabled } = o.d;
  const sock = await Bun.udpSocket({
    hostname: HOST,
    port: 0,
    binaryType: "uint8array",
    socket: {
      data(_s, buf, fromPort, fromAddress) {
        const note = fromPort === port && fromAddress === HOST ? undefined : `from ${fromAddress}:${fromPort}`;
        o.wire.record(o.name, "recv", buf, note);
        datagrams.push(new TextDecoder().decode(buf));
      },
      error(...args: unknown[]) {
        const err = args.find((a) => a instanceof Error);
        o.wire.record(o.name, "note", undefined, `error: ${err?.message ?? "unknown"}`);
      },
    },
  });
  o.wire.record(o.name, "open", undefined, `udp ${HOST}:${sock.port}, talking to ${HOST}:${port}`);
  const out = (bytes: Uint8Array, note?: string) => {
    if (closed) return;
    o.wire.record(o.name, "sent", bytes, note);
    try {
      sock.send(bytes, port, HOST);
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
    if (!enabled) return out(bytes);
    const r = random();
    if (!held && r < 0.25) {
      // Hold this one back: the next datagram overtakes it.
      held = { bytes, timer: setTimeout(release, 3) };
      return;
    }
    out(bytes);
    if (r > 0.75) out(bytes, "duplicate");
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
    lines: () => framed("udp", datagrams),
    hold() {},
    text: () => datagrams.join(""),
    flushed: async () => release(),
    reset: close,
    close,
  };
}
