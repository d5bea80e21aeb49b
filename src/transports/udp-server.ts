/**
 * UDP, the server's side: the hub served on one UDP socket.
 *
 * There are no connections: a client is an address and a port we have heard
 * from. Three things follow:
 *
 * 1. Anyone can forge a source address. So a new address is only a *stranger*
 *    until it sends back the token it was told (src/transports/udp-strangers.ts).
 * 2. Nobody tells us when a client leaves. Members send heartbeats; one silent
 *    for half of `timeoutMs` is asked whether it is still there, one silent for
 *    all of it is told it left, and removed with a leave notice. Its address is
 *    remembered a while: if it speaks again, it is told that line was not sent.
 * 3. Sending to a client that vanished makes the kernel report "port
 *    unreachable", sometimes on a LATER send to someone else. Every send is
 *    guarded, retried once, and an error never reaches the other members
 *    (src/transports/udp-send.ts).
 *
 * The client's side, which must agree with this one byte for byte (the join,
 * the heartbeats, the loss counts), is src/transports/udp-client.ts; the lines
 * both sides build and read are src/protocol.ts's.
 */
import { hostPort } from "../address.ts";
import type { Hub } from "../hub.ts";
import type { Peer } from "../hub/member.ts";
import {
  challengeLine,
  format,
  framesOfDatagram,
  heartbeatAnswer,
  MAX_DATAGRAM_BYTES,
  OutLine,
  parseCommand,
  parseHeartbeat,
} from "../protocol.ts";
import type { RunningServer } from "./types.ts";
import { DatagramQueue, sendGuarded, type Sock } from "./udp-send.ts";
import { Strangers } from "./udp-strangers.ts";

export interface UdpServerOptions {
  host: string;
  port: number;
  maxLineBytes: number;
  /** A member silent this long (ms) is removed. */
  timeoutMs: number;
  /** How long a stranger's token lives (default 60 s; shorter only for tests). */
  tokenLifeMs?: number;
  log?: (line: string) => void;
}

/** A member over UDP: its address and port, and what the hub sends it. */
class UdpPeer implements Peer {
  readonly label: string;
  heardAt = Date.now();
  gone = false;
  /** Datagrams handed to the kernel for it (heartbeat answers not counted): what the kit's client checks for loss. */
  sent = 0;
  /** Asked whether it is still there, in this silence. */
  asked = false;

  constructor(
    private readonly queue: DatagramQueue,
    readonly address: string,
    readonly port: number,
    private readonly onGone: (peer: UdpPeer, failed: boolean) => void,
  ) {
    this.label = `udp ${hostPort(address, port)}`;
  }

  send(line: OutLine): void {
    if (this.gone) return;
    // Too big for any datagram: `send` would fail, and that failure says nothing
    // about this peer. The server's --max-line-bytes ceiling keeps relayed lines
    // under it; this is the guard for a hub built with a higher limit.
    if (line.bytes.length > MAX_DATAGRAM_BYTES) return;
    // A datagram keeps its boundaries, so one line is one datagram (with its \n, for nc).
    // Queued, not sent: the queue sends the whole turn's datagrams at once.
    this.sent++;
    this.queue.add(this, line.bytes);
  }

  /** The answer to a heartbeat, in order behind everything sent before it, and not itself counted. */
  answerHeartbeat(clientSent: number): void {
    if (this.gone) return;
    this.queue.add(this, encoder.encode(heartbeatAnswer(clientSent, this.sent) + "\n"));
  }

  /** Its datagram could not be sent, twice: take it to be gone. */
  fail(): void {
    this.onGone(this, true);
  }

  close(): void {
    if (this.gone) return;
    this.onGone(this, false);
  }
}

/** Milliseconds as seconds for a person: "120", "0.3". */
function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

const encoder = new TextEncoder();

/** Serves the hub over UDP on host:port. */
export async function serveUdp(hub: Hub, options: UdpServerOptions): Promise<RunningServer> {
  const log = options.log ?? (() => {});
  const members = new Map<string, UdpPeer>();
  const strangers = new Strangers(options.tokenLifeMs);
  const silence = seconds(options.timeoutMs);

  // Called from inside the hub (a failed send, /quit): never re-enter it synchronously.
  const gone = (peer: UdpPeer, failed: boolean) => {
    if (peer.gone) return;
    peer.gone = true;
    members.delete(`${peer.address}|${peer.port}`);
    if (failed) queueMicrotask(() => hub.leave(peer, hub.messages.reasonClosed));
  };

  const socket: Sock = await Bun.udpSocket({
    hostname: options.host,
    port: options.port,
    binaryType: "uint8array",
    socket: {
      data(sock, datagram, port, address, flags) {
        const key = `${address}|${port}`;
        const member = members.get(key);
        if (!member) return meetStranger(sock, key, datagram, port, address);
        member.heardAt = Date.now();
        member.asked = false;
        if (flags?.truncated) {
          return member.send(new OutLine(format.error(hub.messages.truncatedDatagram(options.maxLineBytes))));
        }
        for (const frame of framesOfDatagram(datagram, options.maxLineBytes)) {
          if (member.gone) break;
          // The kit client's heartbeat is the transport's business: answered here, with the count.
          const beat = frame.kind === "line" ? parseHeartbeat(frame.text) : undefined;
          if (beat !== undefined) member.answerHeartbeat(beat);
          else hub.receive(member, frame);
        }
      },
      // Without this handler an ICMP error would end the process (exit 1).
      // Bun passes only the error, with the socket as `this`.
      error(...args: unknown[]) {
        const err = args.find((a): a is Error => a instanceof Error);
        if (err && (err as NodeJS.ErrnoException).code !== "ECONNREFUSED") log(`server: udp: ${err.message}`);
      },
    },
  });
  const queue = new DatagramQueue(socket);

  function meetStranger(sock: Sock, key: string, datagram: Uint8Array, port: number, address: string): void {
    const now = Date.now();
    const frames = framesOfDatagram(datagram, options.maxLineBytes);
    const was = strangers.takeRemoved(key, now);
    if (was !== undefined) {
      // It was a member until its silence, so it has proved it receives here: once, it is
      // told its line went nowhere, with the challenge to join again, whatever its budget.
      const chat = (text: string) => parseCommand(text).kind !== "join" && parseHeartbeat(text) === undefined;
      if (frames.some((f) => f.kind !== "line" || chat(f.text))) return tellRemoved(sock, key, port, address, was);
    }
    const stranger = strangers.heard(key, datagram.length, now);
    const joins: string[] = [];
    for (const frame of frames) {
      const command = frame.kind === "line" ? parseCommand(frame.text) : undefined;
      if (command?.kind === "join") joins.push(command.arg);
    }
    if (strangers.tryJoin(key, stranger, joins, now) === "joined") {
      const peer = new UdpPeer(queue, address, port, gone);
      members.set(key, peer);
      if (!hub.join(peer, stranger.wantedNick)) gone(peer, false);
      return;
    }

    // Answer only what it has paid for: the longest challenge its budget allows, or silence.
    const line = challengeLine(stranger.token, hub.messages.joinHint, stranger.budget);
    if (line === undefined) return;
    const challenge = encoder.encode(line + "\n");
    stranger.budget -= challenge.length;
    sendGuarded(sock, challenge, port, address);
  }

  /** A removed member spoke again: its line was not sent, and here is how to join again (one datagram). */
  function tellRemoved(sock: Sock, key: string, port: number, address: string, was: string): void {
    const stranger = strangers.renew(key, Date.now());
    const t = hub.messages;
    const text = format.error(t.udpLineNotSent(was)) + "\n" + challengeLine(stranger.token, t.joinHint)! + "\n";
    sendGuarded(sock, encoder.encode(text), port, address);
  }

  // Heartbeats: a member silent for half of `timeoutMs` is asked whether it is
  // still there (its address was proved at its join); silent for all of it, it is
  // told it left, and is gone.
  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const [key, peer] of [...members]) {
        const quiet = now - peer.heardAt;
        if (quiet >= options.timeoutMs) {
          peer.send(new OutLine(format.error(hub.messages.udpTimedOut(silence))));
          gone(peer, false);
          hub.leave(peer, hub.messages.reasonTimedOut);
          strangers.removedMember(key, silence, now);
        } else if (quiet >= options.timeoutMs / 2 && !peer.asked) {
          peer.asked = true;
          const ask = hub.messages.udpStillThere(seconds(quiet), seconds(options.timeoutMs - quiet));
          peer.send(new OutLine(format.notice(ask)));
        }
      }
      strangers.sweep(now);
    },
    Math.min(1000, Math.max(50, options.timeoutMs / 4)),
  );

  return {
    transport: "udp",
    host: options.host,
    port: socket.port,
    async stop() {
      clearInterval(sweep);
      queue.flush(); // the goodbyes of hub.shutdown() are still queued
      socket.close();
    },
  };
}
