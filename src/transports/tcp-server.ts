/**
 * TCP, the server's side: the hub served with Bun.listen. Each connection becomes
 * a `Peer` for the hub: bytes in go through a LineDecoder into `hub.receive`,
 * lines out go through a per-client queue. (The client's side is tcp-client.ts.)
 *
 * Why a queue: Bun's `socket.write()` does not buffer. It returns how many bytes
 * the kernel took and forgets the rest. So every byte the kernel did not take is
 * kept here and written again when the socket says `drain`.
 *
 * Why batching: a hub's work is fan-out, one line in and one line out per member.
 * Instead of one write (one system call) per line per member, `send` only appends
 * to the member's pending bytes, and at the end of the turn every member with
 * something pending gets ONE write holding all of it. When lines come thousands
 * a second, a turn apart each, flushes keep a pace of their own (src/pace.ts): about
 * one a millisecond, so a write carries several lines.
 *
 * Why a cap: a client that never reads would make its queue grow without end.
 * Past `maxQueueBytes` it is disconnected, and everyone else carries on.
 */
import type { Socket, TCPSocketListener } from "bun";
import { hostPort } from "../address.ts";
import type { Hub } from "../hub.ts";
import type { Peer } from "../hub/member.ts";
import { FlushPacer } from "../pace.ts";
import { format, LineDecoder, OutLine } from "../protocol.ts";
import { concatBytes } from "./bytes.ts";
import type { RunningServer } from "./types.ts";

export interface TcpServerOptions {
  host: string;
  port: number;
  maxLineBytes: number;
  maxQueueBytes: number;
  /** A member silent this long (ms) is asked whether it is still there, then closed; 0 = never. */
  idleTimeoutMs?: number;
  log?: (line: string) => void;
}

interface Conn {
  peer: TcpPeer;
  decoder: LineDecoder;
  /** When its last bytes came (performance.now()), and when it was asked if it is still there. */
  heardAt: number;
  probedAt: number | undefined;
  /** Input read after the turn's budget was spent: handled, in order, next turn. */
  deferred: Uint8Array[] | undefined;
}

/** How long a closing connection may take to write what is queued before it is cut. */
const CLOSE_GRACE_MS = 2000;

/**
 * TCP keepalive: after this long with nothing on the wire, the kernel probes the
 * peer (Bun then sends 10 probes, one a second). A peer whose machine crashed or
 * dropped off the network never sends FIN or RST; this is how we learn it is gone,
 * about 70 s later, without asking a person at `nc` to type anything.
 */
const KEEPALIVE_MS = 60_000;

/**
 * Bytes of fan-out queued in one turn, all members together, past which the
 * hub handles no more input until that turn's writes are done. One read can
 * hold a thousand lines, and each goes to every other member: without a budget,
 * a whole room sending at once is read in a single turn, queues hundreds of
 * megabytes, and puts every member past the slow-consumer cap though none of
 * them is slow. With it, input waits: a chunk already read is deferred to the next
 * turn, and the socket is paused, so the rest stays in the kernel and the
 * sender feels TCP's own backpressure.
 */
const TURN_BUDGET_BYTES = 1 << 20;

/**
 * The hub's rhythm, one event-loop turn at a time: input is handled until the
 * turn's budget is spent, then every member with something pending gets one
 * write (at the end of the turn, or at the pacer's next beat when busy), then
 * deferred input is handled, and so on.
 */
class Flusher {
  private dirty = new Set<TcpPeer>();
  private flushing = new Set<TcpPeer>();
  private readonly pacer = new FlushPacer(() => this.flushAll());
  /** Bytes queued this turn, all members. */
  private turnBytes = 0;
  /** Paused sockets (some with deferred input), in the order they were paused. */
  private waiting: Socket<Conn>[] = [];

  constructor(private readonly handle: (socket: Socket<Conn>, chunk: Uint8Array) => void) {}

  mark(peer: TcpPeer, bytes = 0): void {
    this.turnBytes += bytes;
    this.dirty.add(peer);
    this.schedule();
  }

  /** Input arrived: handle it now, or (over budget, or behind deferred input) defer it to the next turn. */
  input(socket: Socket<Conn>, chunk: Uint8Array): void {
    const conn = socket.data;
    if (conn.deferred === undefined && this.turnBytes < TURN_BUDGET_BYTES) {
      this.handle(socket, chunk);
      if (this.turnBytes < TURN_BUDGET_BYTES) return;
      conn.deferred = [];
    } else if (conn.deferred === undefined) {
      conn.deferred = [chunk.slice()]; // the caller may reuse its buffer
    } else {
      conn.deferred.push(chunk.slice());
      return;
    }
    socket.pause();
    this.waiting.push(socket);
    this.schedule();
  }

  /** The socket is closing: what it sent before it went is still handled, in order. */
  release(socket: Socket<Conn>): void {
    const deferred = socket.data.deferred;
    socket.data.deferred = undefined;
    for (const chunk of deferred ?? []) this.handle(socket, chunk);
  }

  /** The flush's pace follows the load (src/pace.ts); a turn past its budget flushes at once. */
  private schedule(): void {
    this.pacer.schedule(this.turnBytes >= TURN_BUDGET_BYTES);
  }

  private readonly flushAll = (): void => {
    // Swap the sets: a flush may close a socket, and the hub's leave notice marks others anew.
    const peers = this.dirty;
    this.dirty = this.flushing;
    this.flushing = peers;
    for (const peer of peers) peer.flush();
    peers.clear();
    this.turnBytes = 0;
    // Then the deferred input, oldest first, until the new turn's budget is spent.
    const waiting = this.waiting;
    this.waiting = [];
    for (let i = 0; i < waiting.length; i++) {
      if (this.turnBytes >= TURN_BUDGET_BYTES) {
        this.waiting = waiting.slice(i).concat(this.waiting);
        this.schedule();
        return;
      }
      const socket = waiting[i]!;
      this.release(socket);
      socket.resume();
    }
  };
}

class TcpPeer implements Peer {
  readonly label: string;
  readonly address: string;
  /** Lines sent this turn, not yet written. */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** What the kernel did not take last time: written on `drain`, before anything newer. */
  private unsent: Uint8Array | undefined;
  private closing = false;
  /** Gone: the socket closed, or we gave up on it. Nothing more is sent. */
  gone = false;
  /** Bytes it had waiting when it was dropped as too slow to read (0: not dropped). */
  droppedWithBytes = 0;

  constructor(
    readonly socket: Socket<Conn>,
    private readonly flusher: Flusher,
    private readonly maxQueueBytes: number,
    private readonly onDrop: (peer: TcpPeer) => void,
  ) {
    this.address = socket.remoteAddress;
    this.label = `tcp ${hostPort(socket.remoteAddress, socket.remotePort)}`;
  }

  get queuedBytes(): number {
    return this.pendingBytes + (this.unsent?.length ?? 0);
  }

  /** How full its queue is, of the cap past which it is dropped (the hub's link waits above half). */
  backlog(): number {
    return this.queuedBytes / this.maxQueueBytes;
  }

  get isClosing(): boolean {
    return this.closing || this.gone;
  }

  send(line: OutLine): void {
    if (this.gone || this.closing) return;
    const bytes = line.bytes;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.queuedBytes > this.maxQueueBytes) {
      // Too slow to read. Do not call the hub from here (we may be inside its
      // broadcast loop): mark it, and let the flusher finish it off.
      this.droppedWithBytes = this.queuedBytes;
      this.gone = true;
      this.pending = [];
      this.pendingBytes = 0;
      this.unsent = undefined;
      this.onDrop(this);
      return;
    }
    this.flusher.mark(this, bytes.length);
  }

  close(): void {
    if (this.closing || this.gone) return;
    this.closing = true;
    this.flusher.mark(this);
    // A client that never reads must not keep a closing connection alive.
    setTimeout(() => this.end(), CLOSE_GRACE_MS).unref();
  }

  /** One write of everything pending (called once per turn, and on drain). */
  flush(): void {
    if (this.gone) return;
    if (this.unsent === undefined && this.pendingBytes > 0) {
      this.unsent = concatBytes(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
    }
    if (this.unsent !== undefined) {
      const wrote = this.socket.write(this.unsent);
      if (wrote < 0) return; // closed; the close handler tidies up
      // Keep what the kernel did not take; `drain` calls flush again.
      this.unsent = wrote === this.unsent.length ? undefined : this.unsent.subarray(wrote);
    }
    if (this.closing && this.unsent === undefined && this.pendingBytes === 0) this.end();
  }

  /** The kernel has room again: first the unsent rest, then what queued meanwhile. */
  drain(): void {
    this.flush();
    if (this.unsent === undefined && this.pendingBytes > 0) this.flush();
  }

  private ended = false;

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.gone = true;
    this.socket.end();
  }
}

/** Serves the hub over TCP. Throws (EADDRINUSE) at once if the port is taken. */
export function serveTcp(hub: Hub, options: TcpServerOptions): RunningServer {
  const log = options.log ?? (() => {});
  const flusher = new Flusher((socket, chunk) => {
    const { peer, decoder } = socket.data;
    for (const frame of decoder.push(chunk)) {
      if (peer.isClosing) break; // it quit or overflowed: ignore what followed
      hub.receive(peer, frame);
    }
  });
  const open = new Set<TcpPeer>();
  const dropped = (peer: TcpPeer) =>
    queueMicrotask(() => {
      hub.leave(peer, hub.messages.reasonTooSlow(peer.droppedWithBytes));
      peer.socket.terminate();
    });

  const listener: TCPSocketListener<Conn> = Bun.listen<Conn>({
    hostname: options.host,
    port: options.port,
    socket: {
      open(socket) {
        // Bun shares one `data` object between all accepted sockets: make a fresh one.
        const peer = new TcpPeer(socket, flusher, options.maxQueueBytes, dropped);
        socket.data = {
          peer,
          decoder: new LineDecoder({ maxLineBytes: options.maxLineBytes }),
          heardAt: performance.now(),
          probedAt: undefined,
          deferred: undefined,
        };
        socket.setNoDelay(true);
        socket.setKeepAlive(true, KEEPALIVE_MS);
        open.add(peer);
        if (!hub.join(peer)) peer.close();
      },
      data(socket, chunk) {
        socket.data.heardAt = performance.now();
        socket.data.probedAt = undefined;
        flusher.input(socket, chunk);
      },
      drain(socket) {
        socket.data.peer.drain();
      },
      close(socket, error) {
        const { peer } = socket.data;
        flusher.release(socket);
        peer.gone = true;
        open.delete(peer);
        // Whatever half line it had is dropped with the decoder: never relayed.
        hub.leave(peer, error ? hub.messages.reasonReset : hub.messages.reasonClosed);
      },
      error(socket, error) {
        log(`server: ${socket.data?.peer.label ?? "tcp"}: ${error.message}`);
      },
    },
  });

  // The idle timeout (off unless asked for), as IRC servers do it: a member
  // silent for idleMs is asked whether it is still there; silent for as long
  // again, it is closed. Any bytes count, so at `nc` pressing Enter is enough.
  // (Bun's socket.timeout() is no idle timer: traffic does not reset it.)
  const idleMs = options.idleTimeoutMs ?? 0;
  const idleSeconds = Math.round(idleMs / 100) / 10;
  const idleSweep =
    idleMs > 0
      ? setInterval(
          () => {
            const now = performance.now();
            for (const peer of open) {
              const conn = peer.socket.data;
              if (peer.isClosing || now - conn.heardAt < idleMs) continue;
              if (conn.probedAt === undefined) {
                conn.probedAt = now;
                peer.send(new OutLine(format.notice(hub.messages.idleProbe(idleSeconds))));
              } else if (now - conn.probedAt >= idleMs) {
                peer.send(new OutLine(format.error(hub.messages.idleClosing(idleSeconds * 2))));
                hub.leave(peer, hub.messages.reasonTimedOut);
                peer.close();
              }
            }
          },
          Math.min(1000, Math.max(20, idleMs / 4)),
        )
      : undefined;

  return {
    transport: "tcp",
    host: options.host,
    port: listener.port,
    async stop(graceMs = CLOSE_GRACE_MS) {
      clearInterval(idleSweep);
      listener.stop();
      const deadline = Date.now() + graceMs;
      while (open.size > 0 && Date.now() < deadline) await Bun.sleep(10);
      listener.stop(true);
    },
  };
}
