/**
 * Sending datagrams from the server's one UDP socket, so that a client that
 * vanished never costs the others a line.
 *
 * Sending to a client that vanished makes the kernel report "port unreachable",
 * sometimes on a LATER send to someone else. So every send is guarded and tried
 * twice, and the datagrams of one event-loop turn go out together
 * (`DatagramQueue`), one system call for many.
 */
import type { udp } from "bun";

export type Sock = udp.Socket<"uint8array">;

/** Where a queued datagram goes, and what to do when it cannot go there. */
export interface DatagramPeer {
  readonly address: string;
  readonly port: number;
  /** Its datagram could not be sent, twice: it is taken to be gone. */
  fail(): void;
}

/**
 * Errors that say a datagram was dropped on this machine (a firewall rule said
 * no: EPERM; no buffer for it: ENOBUFS), not that its peer is gone. The datagram
 * is lost, as it could be on any network; the peer is not blamed for it.
 */
const DROPPED_HERE = new Set(["EPERM", "EACCES", "ENOBUFS"]);

/**
 * Sends one datagram; a stale ICMP error may make the first try throw, so try
 * twice. "failed": twice refused, its peer is taken to be gone; "dropped": this
 * machine dropped it (see DROPPED_HERE).
 */
export function sendGuarded(
  socket: Sock,
  bytes: Uint8Array,
  port: number,
  address: string,
): "sent" | "dropped" | "failed" {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      socket.send(bytes, port, address);
      return "sent";
    } catch (error) {
      // Pending "port unreachable" from some earlier send, or the peer is gone; or a local drop.
      if (DROPPED_HERE.has((error as NodeJS.ErrnoException).code ?? "")) return "dropped";
    }
  }
  return "failed";
}

/** Most datagrams handed to one `sendMany` call. */
const MAX_BATCH = 1024;
/**
 * Once a send has failed in a turn, at most this many more datagrams go out in
 * it. A failure means "port unreachable" errors are coming back from clients that
 * vanished, and the kernel queues each one on our socket, in the same buffer as
 * the datagrams our members send us: on loopback there is no rate limit, and a
 * few hundred fill it. While it is full, every datagram that arrives is dropped.
 * Yielding to the event loop lets Bun empty that queue and read our members
 * before the fan-out goes on.
 */
const AFTER_FAILURE = 128;

/**
 * The datagrams of one event-loop turn, sent together: `sendMany` hands the
 * kernel many datagrams in one system call, where `send` costs one call each.
 *
 * It stops at the first datagram that fails (often because of a stale "port
 * unreachable" left by some other address) and returns how many it sent. That
 * one datagram is then tried alone with `sendGuarded` (twice), its peer is
 * dropped only if that fails too, and the batch goes on after it. So one
 * vanished client never costs the others a line.
 */
export class DatagramQueue {
  private packets: (Uint8Array | number | string)[] = [];
  private peers: DatagramPeer[] = [];
  private scheduled = false;

  constructor(private readonly socket: Sock) {}

  add(peer: DatagramPeer, bytes: Uint8Array): void {
    this.packets.push(bytes, peer.port, peer.address);
    this.peers.push(peer);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  readonly flush = (): void => {
    this.scheduled = false;
    const { packets, peers } = this;
    if (peers.length === 0) return;
    this.packets = [];
    this.peers = [];
    const failed = new Set<DatagramPeer>();
    let i = 0;
    let yieldAt = Infinity;
    while (i < peers.length) {
      if (i >= yieldAt) {
        // The rest goes out next turn, ahead of anything queued since.
        this.packets = packets.slice(i * 3).concat(this.packets);
        this.peers = peers.slice(i).concat(this.peers);
        this.scheduled = true;
        setImmediate(this.flush);
        return;
      }
      const end = Math.min(peers.length, i + MAX_BATCH, yieldAt);
      let sent = 0;
      try {
        sent = this.socket.sendMany(i === 0 && end === peers.length ? packets : packets.slice(i * 3, end * 3));
      } catch {
        // Nothing is known to have gone: try them one at a time, starting with this one.
      }
      i += sent;
      if (i >= end) continue;
      yieldAt = Math.min(yieldAt, i + AFTER_FAILURE);
      const peer = peers[i]!;
      const bytes = packets[i * 3] as Uint8Array;
      if (!failed.has(peer) && sendGuarded(this.socket, bytes, peer.port, peer.address) === "failed") {
        failed.add(peer);
        peer.fail();
      }
      i++;
    }
  };
}
