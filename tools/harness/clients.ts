/**
 * The kit's one line client, over TCP or UDP, like `nc` and `nc -u`: it sends
 * exactly what it is told (or, disturbed, what an unkind network would make of
 * it), frames what arrives into lines, and records every byte in a wire log when
 * given one. The tests, the grader and the soak all talk through it; chat.ts adds
 * the chat protocol's words (join, member, waitFor) on top.
 */
import type { Socket } from "bun";
import { recordNote, type WireNoteId } from "./notes.ts";
import { HOST, type Transport } from "./ports.ts";
import type { WireKind, WireLog } from "./wire.ts";

/**
 * How a test client mistreats its own traffic, as an unkind network would (the
 * grader's seeded one is in tools/grader/disturb.ts). Without one, a client
 * sends each write or datagram exactly as given, like `nc`.
 */
export interface Disturbance {
  /** TCP: how one write is cut: the size of each piece, in order, and the pause after it (ms). */
  cut(bytes: Uint8Array): { size: number; pauseMs: number }[];
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
  /** TCP: the connection is closed (by the program or by us). UDP: we closed our socket. */
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
  /** Every read (TCP) or datagram (UDP), as it arrived. */
  chunks(): Uint8Array[];
  /**
   * Keep nothing more for lines(), text() and chunks(), and let go of what was
   * kept (onLine still sees every line): for a client that runs for a long time.
   */
  forget(): void;
  /** Resolves when every write so far has been handed to the kernel. */
  flushed(): Promise<void>;
  /**
   * Some write of ours is still to be made (a disturbed one still being cut into
   * pieces, a held datagram); bytes waiting in our queue for the kernel to take
   * them, because the program does not read, do not count.
   */
  readonly sending: boolean;
  /** TCP: stop reading (true) or read again (false): a reader that falls behind. */
  hold(on: boolean): void;
  /**
   * TCP: close our sending side only (the program reads its end), and keep
   * reading what it sends: a client that has left, to a program that keeps
   * writing to it anyway. UDP: close.
   */
  halfClose(): void;
  /** TCP: close with a reset (RST) instead of a normal close. UDP: close. */
  reset(): void;
  close(): void;
}

export type ClientOptions = {
  /** Who this is in the wire log and in messages (default "client"). */
  name?: string;
  /** Record every byte here (default: nothing is recorded). */
  wire?: WireLog;
  host?: string;
  disturb?: Disturbance;
  /** Each complete line as it arrives, framed as in lines(), kept or not. */
  onLine?: (line: string) => void;
  /** TCP: the program closed the connection (not called when we close it). */
  onClose?: () => void;
  /** A socket error, or a datagram that could not be sent (also noted in the wire log). */
  onError?: (message: string) => void;
  /**
   * Disturbed TCP: called just before each piece is written; the wait it returns
   * is awaited after the write, before anything more is written: the program has
   * had its chance to read that piece on its own, so where one read ends does not
   * depend on how busy the machine is. Without it, a piece is followed by the
   * disturbance's own pause only.
   */
  readBy?: (conn: { ours: number; theirs: number; name: string }) => (() => Promise<void>) | undefined;
};

const encoder = new TextEncoder();
const toBytes = (data: string | Uint8Array) => (typeof data === "string" ? encoder.encode(data) : data);

/**
 * Split text received into lines, by transport. A datagram holds its lines: an
 * empty one none (as `nc -u` prints nothing for it), "\n" one empty line.
 */
export function framedLines(transport: Transport, pieces: string[]): string[] {
  if (transport === "tcp") {
    const all = pieces.join("").split("\n");
    all.pop(); // unfinished, or "" after the last "\n"
    return all.map((l) => l.replace(/\r$/, ""));
  }
  const linesOf = (datagram: string) =>
    datagram
      .replace(/\r?\n$/, "")
      .split("\n")
      .map((l) => l.replace(/\r$/, ""));
  return pieces.filter((d) => d !== "").flatMap(linesOf);
}

/**
 * What a client received, framed as it arrives (so that lines() costs the same
 * after a million lines as after one), and kept until forget().
 */
class Inbox {
  private keep = true;
  private readonly kept = { lines: [] as string[], chunks: [] as Uint8Array[], text: "" };
  private partial = ""; // TCP: decoded text after the last "\n"
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly transport: Transport,
    private readonly onLine?: (line: string) => void,
  ) {}

  receive(bytes: Uint8Array): void {
    // TCP is one stream: a character may be cut between two reads. A datagram stands alone.
    const text = this.decoder.decode(bytes, { stream: this.transport === "tcp" });
    if (this.keep) {
      this.kept.chunks.push(bytes.slice());
      this.kept.text += text;
    }
    let lines: string[];
    if (this.transport === "tcp") {
      lines = (this.partial + text).split("\n");
      this.partial = lines.pop()!;
      lines = lines.map((l) => l.replace(/\r$/, ""));
    } else lines = framedLines("udp", [text]);
    if (this.keep) this.kept.lines.push(...lines);
    if (this.onLine) for (const line of lines) this.onLine(line);
  }

  lines = () => [...this.kept.lines];
  text = () => this.kept.text;
  chunks = () => [...this.kept.chunks];
  forget = () => {
    this.keep = false;
    Object.assign(this.kept, { lines: [], chunks: [], text: "" });
  };
}

/** A Peer: what both transports do alike, and what each does its own way. */
type Common = Pick<Peer, "name" | "transport" | "localPort" | "send"> & {
  isClosed: () => boolean;
  isSending: () => boolean;
  inbox: Inbox;
};

function peer(
  common: Common,
  own: Pick<Peer, "sendExact" | "flushed" | "hold" | "halfClose" | "reset" | "close">,
): Peer {
  const { name, transport, localPort, isClosed, isSending, send, inbox } = common;
  return {
    name,
    transport,
    localPort,
    get closed() {
      return isClosed();
    },
    get sending() {
      return isSending();
    },
    send,
    sendLine: (text) => send(text + "\n"),
    lines: inbox.lines,
    text: inbox.text,
    chunks: inbox.chunks,
    forget: inbox.forget,
    ...own,
  };
}

/** The wire log's record(), or nothing when there is no log; errors also go to onError. */
function recorder(o: ClientOptions) {
  const name = o.name ?? "client";
  const record = (kind: WireKind, bytes?: Uint8Array, note?: WireNoteId, values?: Record<string, string>) =>
    note ? recordNote(o.wire, name, kind, note, values, bytes) : o.wire?.record(name, kind, bytes);
  const error = (note: "error" | "send-failed", message: string) => {
    record("note", undefined, note, { message });
    o.onError?.(`${note === "error" ? "error" : "send failed"}: ${message}`);
  };
  return { name, record, error };
}

/**
 * A TCP client. Writes are honest: what the kernel does not take at once is
 * queued and written on drain, so a test never loses bytes it thinks it sent.
 * Disturbed, the writes of one turn of the event loop are merged, then cut into
 * pieces sent a moment apart, and reads pause now and then.
 */
export async function tcpClient(port: number, o: ClientOptions): Promise<Peer> {
  const host = o.host ?? HOST;
  const { name, record, error } = recorder(o);
  const inbox = new Inbox("tcp", o.onLine);
  // Disturbed: writes not yet made, in order; the others' are cut into pieces, an exact one is written whole.
  let pending: { bytes: Uint8Array; exact: boolean }[] = [];
  const kernelQueue: Uint8Array[] = []; // writes the kernel has not taken yet
  let pumping = false;
  let closed = false;
  let held = false; // hold(true): not reading until hold(false)
  let napping = false; // disturbed: a short pause after a read
  const waiters: (() => void)[] = [];
  const settled = () => !pumping && pending.length === 0 && kernelQueue.length === 0;
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };

  const writeNow = (s: Socket<undefined>, bytes: Uint8Array) => {
    record("sent", bytes);
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
  /** Write `bytes` and wait until the program has had its chance to read them (see readBy). */
  const writeAndWait = async (s: Socket<undefined>, bytes: Uint8Array) => {
    const wait = o.readBy?.({ ours: s.localPort, theirs: port, name });
    writeNow(s, bytes);
    await wait?.();
  };
  const pump = async (s: Socket<undefined>, d: Disturbance) => {
    if (pumping) return;
    pumping = true;
    await Bun.sleep(0); // let the writes of this turn gather: lines merge
    while (pending.length > 0 && !closed) {
      if (pending[0]!.exact) {
        await writeAndWait(s, pending.shift()!.bytes);
        continue;
      }
      const cut = pending.findIndex((p) => p.exact);
      const batch = pending.splice(0, cut < 0 ? pending.length : cut);
      const all = Buffer.concat(batch.map((p) => p.bytes));
      let at = 0;
      for (const { size, pauseMs } of d.cut(all)) {
        if (closed) break;
        await writeAndWait(s, all.subarray(at, at + size));
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
        record("recv", chunk);
        inbox.receive(chunk);
        const pauseMs = o.disturb?.readPause() ?? 0;
        if (pauseMs > 0 && typeof s.pause === "function") {
          s.pause();
          napping = true;
          setTimeout(() => {
            napping = false;
            if (!held) s.resume(); // a hold(true) since then outlasts the nap
          }, pauseMs);
        }
      },
      drain: (s) => drainKernel(s),
      close(_s, err) {
        const byProgram = !closed;
        if (byProgram) record("close", undefined, "closed-by-program", { why: err?.message ?? "" });
        closed = true;
        wake();
        if (byProgram) o.onClose?.();
      },
      error(_s, err) {
        error("error", err.message);
      },
    },
  });
  sock.setNoDelay(true); // each write leaves as its own segment: splits stay split
  record("open", undefined, "connected", { from: `${HOST}:${sock.localPort}`, to: `${host}:${port}` });
  const sendExact = (data: string | Uint8Array) => {
    if (closed) return;
    // Behind disturbed writes still to be made: after them, in order.
    if (pumping) pending.push({ bytes: toBytes(data), exact: true });
    else writeNow(sock, toBytes(data));
  };
  const send = (data: string | Uint8Array) => {
    if (closed) return;
    if (!o.disturb) return writeNow(sock, toBytes(data));
    pending.push({ bytes: toBytes(data), exact: false });
    void pump(sock, o.disturb);
  };
  const end = (how: "close" | "reset") => {
    if (closed) return;
    closed = true;
    record("close", undefined, how === "reset" ? "we-reset" : "we-closed");
    if (how === "reset") sock.terminate();
    else sock.end();
  };
  return peer(
    {
      name,
      transport: "tcp",
      localPort: sock.localPort,
      isClosed: () => closed,
      // Writes of our own still to make; not bytes the kernel holds for a program that does not read.
      isSending: () => !closed && (pumping || pending.length > 0),
      send,
      inbox,
    },
    {
      sendExact,
      flushed: () => (settled() ? Promise.resolve() : new Promise<void>((r) => waiters.push(r))),
      hold(on) {
        held = on;
        if (on) sock.pause();
        else if (!napping) sock.resume();
        record("note", undefined, on ? "stop-reading" : "read-again");
      },
      halfClose() {
        if (closed) return;
        record("close", undefined, "we-half-closed");
        sock.shutdown(); // our sending side only: what the program sends still arrives
      },
      reset: () => end("reset"),
      close: () => end("close"),
    },
  );
}

/**
 * A UDP client on its own port. Unconnected, like a program that uses sendto():
 * it records who each datagram came from, and a vanished program does not make
 * it fail. Disturbed, datagrams are sometimes sent twice or overtaken by the next.
 */
export async function udpClient(port: number, o: ClientOptions): Promise<Peer> {
  const host = o.host ?? HOST;
  const { name, record, error } = recorder(o);
  const inbox = new Inbox("udp", o.onLine);
  let closed = false;
  let held: { bytes: Uint8Array; timer: ReturnType<typeof setImmediate> } | undefined; // overtaken by the next send of this turn
  const sock = await Bun.udpSocket({
    hostname: HOST,
    port: 0,
    binaryType: "uint8array",
    socket: {
      data(_s, buf, fromPort, fromAddress) {
        const stranger = fromPort !== port || fromAddress !== host;
        record("recv", buf, stranger ? "from" : undefined, { address: `${fromAddress}:${fromPort}` });
        inbox.receive(buf);
      },
      error(...args: unknown[]) {
        const err = args.find((a) => a instanceof Error);
        error("error", err?.message ?? "unknown");
      },
    },
  });
  record("open", undefined, "udp-opened", { local: `${HOST}:${sock.port}`, remote: `${host}:${port}` });
  const out = (bytes: Uint8Array, note?: "duplicate" | "reordered") => {
    if (closed) return;
    record("sent", bytes, note);
    try {
      sock.send(bytes, port, host);
    } catch (err) {
      error("send-failed", (err as Error).message);
    }
  };
  const release = () => {
    if (!held) return;
    clearImmediate(held.timer);
    const { bytes } = held;
    held = undefined;
    out(bytes, "reordered");
  };
  const send = (data: string | Uint8Array) => {
    const bytes = toBytes(data);
    if (!o.disturb) return out(bytes);
    const fate = o.disturb.datagram();
    if (fate === "hold" && !held) {
      // Only a datagram sent in the same turn of the event loop overtakes it: which one does
      // is decided by the code that sends, never by the machine's speed.
      held = { bytes, timer: setImmediate(release) };
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
    record("close", undefined, "we-closed-socket");
    sock.close();
  };
  return peer(
    {
      name,
      transport: "udp",
      localPort: sock.port,
      isClosed: () => closed,
      isSending: () => held !== undefined,
      send,
      inbox,
    },
    {
      sendExact: (data) => {
        release();
        out(toBytes(data));
      },
      flushed: async () => release(),
      hold() {},
      halfClose: close,
      reset: close,
      close,
    },
  );
}

/** A client over either transport: tcpClient or udpClient. */
export function connectPeer(transport: Transport, port: number, o: ClientOptions = {}): Promise<Peer> {
  return transport === "tcp" ? tcpClient(port, o) : udpClient(port, o);
}
