/**
 * UDP: the only file that knows Bun.udpSocket.
 *
 * There are no connections: a client is an address and a port we have heard
 * from. Three things follow, and this file handles all of them:
 *
 * 1. Anyone can forge a source address. So a new address is only a *stranger*:
 *    we relay nothing from it, and never send it more than 3× the bytes it sent
 *    us (QUIC's rule; else we could be used to flood a victim: reflection). Within
 *    that budget it is told, at once, the line to type to join, `/join TOKEN`;
 *    only a client that really receives at that address can send it back and
 *    become a member.
 * 2. Nobody tells us when a client leaves. Members send heartbeats; one silent
 *    for half of `timeoutMs` is asked whether it is still there, one silent for
 *    all of it is told it left, and removed with a leave notice. Its address is
 *    remembered a while: if it speaks again, it is told that line was not sent.
 * 3. Sending to a client that vanished makes the kernel report "port
 *    unreachable", sometimes on a LATER send to someone else. Every send is
 *    guarded, retried once, and an error never reaches the other members.
 *
 * Why one file, past 400 lines: the server's side and the client's side of the
 * join, the heartbeats and the loss counts must agree byte for byte, so they are
 * read side by side, in the one file that knows Bun.udpSocket.
 */
import type { udp } from "bun";
import { hostPort } from "../address.ts";
import type { Hub } from "../hub.ts";
import type { Peer } from "../hub/member.ts";
import { MESSAGES } from "../i18n.ts";
import {
  challengeLine,
  format,
  framesOfDatagram,
  heartbeatAnswer,
  heartbeatLine,
  MAX_DATAGRAM_BYTES,
  OutLine,
  parseChallenge,
  parseCommand,
  parseHeartbeat,
  parseHeartbeatAnswer,
} from "../protocol.ts";
import type { ConnectionHandlers, LineConnection, RunningServer } from "./types.ts";

export interface UdpServerOptions {
  host: string;
  port: number;
  maxLineBytes: number;
  /** A member silent this long (ms) is removed. */
  timeoutMs: number;
  log?: (line: string) => void;
}

/** Strangers remembered at once (their tokens and byte budgets); the oldest are forgotten first. */
const MAX_STRANGERS = 4096;
/** A stranger's token expires after this long. */
const STRANGER_TTL_MS = 60_000;
/** A stranger is sent at most this many times the bytes received from it (QUIC, RFC 9000 §8.1). */
const AMPLIFICATION_LIMIT = 3;
/** Members removed for their silence, remembered this long (and at most MAX_STRANGERS of them). */
const REMOVED_TTL_MS = 10 * 60_000;

interface Stranger {
  token: string;
  /** 3× the bytes received, less what we sent it: the most we may send it now. */
  budget: number;
  wantedNick: string | undefined;
  seenAt: number;
}

type Sock = udp.Socket<"uint8array">;

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
function sendGuarded(socket: Sock, bytes: Uint8Array, port: number, address: string): "sent" | "dropped" | "failed" {
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
class Outbox {
  private packets: (Uint8Array | number | string)[] = [];
  private peers: UdpPeer[] = [];
  private scheduled = false;

  constructor(private readonly socket: Sock) {}

  add(peer: UdpPeer, bytes: Uint8Array): void {
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
    const failed = new Set<UdpPeer>();
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

class UdpPeer implements Peer {
  readonly label: string;
  heardAt = Date.now();
  gone = false;
  /** Datagrams handed to the kernel for it (heartbeat answers not counted): what the kit's client checks for loss. */
  sent = 0;
  /** Asked whether it is still there, in this silence. */
  asked = false;

  constructor(
    private readonly outbox: Outbox,
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
    // Queued, not sent: the outbox sends the whole turn's datagrams at once.
    this.sent++;
    this.outbox.add(this, line.bytes);
  }

  /** The answer to a heartbeat, in order behind everything sent before it, and not itself counted. */
  answerHeartbeat(clientSent: number): void {
    if (this.gone) return;
    this.outbox.add(this, encoder.encode(heartbeatAnswer(clientSent, this.sent) + "\n"));
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

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const encoder = new TextEncoder();

/** Serves the hub over UDP on host:port. */
export async function serveUdp(hub: Hub, options: UdpServerOptions): Promise<RunningServer> {
  const log = options.log ?? (() => {});
  const members = new Map<string, UdpPeer>();
  const strangers = new Map<string, Stranger>();
  /** Addresses removed for their silence: when, and after how long a silence (text, for the notice). */
  const removed = new Map<string, { at: number; silence: string }>();
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
  const outbox = new Outbox(socket);

  function meetStranger(sock: Sock, key: string, datagram: Uint8Array, port: number, address: string): void {
    const now = Date.now();
    const frames = framesOfDatagram(datagram, options.maxLineBytes);
    if (removed.has(key)) {
      const { at, silence: was } = removed.get(key)!;
      removed.delete(key);
      // It was a member until its silence, so it has proved it receives here: once, it is
      // told its line went nowhere, with the challenge to join again, whatever its budget.
      const chat = (text: string) => parseCommand(text).kind !== "join" && parseHeartbeat(text) === undefined;
      const said = frames.some((f) => f.kind !== "line" || chat(f.text));
      if (said && now - at <= REMOVED_TTL_MS) return tellRemoved(sock, key, port, address, was);
    }
    let stranger = strangers.get(key);
    if (!stranger || now - stranger.seenAt > STRANGER_TTL_MS) {
      if (strangers.size >= MAX_STRANGERS) strangers.delete(strangers.keys().next().value!);
      stranger = { token: randomToken(), budget: 0, wantedNick: undefined, seenAt: now };
      strangers.delete(key);
      strangers.set(key, stranger);
    }
    stranger.seenAt = now;
    stranger.budget += AMPLIFICATION_LIMIT * datagram.length;

    for (const frame of frames) {
      if (frame.kind !== "line") continue;
      const command = parseCommand(frame.text);
      if (command.kind !== "join") continue;
      if (command.arg === stranger.token) {
        // It received our token at this address: it is who it says it is.
        strangers.delete(key);
        const peer = new UdpPeer(outbox, address, port, gone);
        members.set(key, peer);
        if (!hub.join(peer, stranger.wantedNick)) gone(peer, false);
        return;
      }
      if (command.arg) stranger.wantedNick = command.arg.split(/\s+/)[0];
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
    const stranger = { token: randomToken(), budget: 0, wantedNick: undefined, seenAt: Date.now() };
    if (strangers.size >= MAX_STRANGERS) strangers.delete(strangers.keys().next().value!);
    strangers.set(key, stranger);
    const text =
      format.error(hub.messages.udpLineNotSent(was)) +
      "\n" +
      challengeLine(stranger.token, hub.messages.joinHint)! +
      "\n";
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
          if (removed.size >= MAX_STRANGERS) removed.delete(removed.keys().next().value!);
          removed.set(key, { at: now, silence });
        } else if (quiet >= options.timeoutMs / 2 && !peer.asked) {
          peer.asked = true;
          const ask = hub.messages.udpStillThere(seconds(quiet), seconds(options.timeoutMs - quiet));
          peer.send(new OutLine(format.notice(ask)));
        }
      }
      const stale = now - STRANGER_TTL_MS;
      for (const [key, s] of strangers) if (s.seenAt < stale) strangers.delete(key);
      for (const [key, r] of removed) if (now - r.at > REMOVED_TTL_MS) removed.delete(key);
    },
    Math.min(1000, Math.max(50, options.timeoutMs / 4)),
  );

  return {
    transport: "udp",
    host: options.host,
    port: socket.port,
    async stop() {
      clearInterval(sweep);
      outbox.flush(); // the goodbyes of hub.shutdown() are still queued
      socket.close();
    },
  };
}

// ---------------------------------------------------------------------------
// Client side: join a chat server over UDP and keep the membership alive.
// ---------------------------------------------------------------------------

export interface UdpClientOptions {
  /** Nick to ask for while joining. */
  nick?: string;
  /** How often to send a heartbeat when nothing else is going on (ms). */
  heartbeatMs: number;
  /** Once lines have arrived, ask for the server's count this soon (ms), so that loss shows promptly. */
  lossCheckMs?: number;
  /** Once a line is sent, ask whether the server has it this soon (ms). */
  confirmMs?: number;
  /** Give up joining after this long (ms). */
  joinTimeoutMs?: number;
}

export interface UdpConnection extends LineConnection {
  /**
   * Lines sent that the server has not confirmed (no heartbeat answer came back
   * after them): after a restart of the server, these are the lines it never had.
   */
  unconfirmed(): string[];
}

/** Lines kept for `unconfirmed()`: at most this many, and this young. */
const KEEP_LINES = 20;
const KEEP_MS = 30_000;

/** "You are already in the room", in every language: a retried join request reached a server that had let us in. */
const ALREADY_JOINED = new Set(Object.values(MESSAGES).map((t) => format.error(t.alreadyJoined)));

/**
 * Joins a chat server over UDP (the challenge round trip of docs/PROTOCOL.md)
 * and returns once the server has welcomed us. Rejects if nobody answers.
 *
 * Then it keeps the membership alive and makes loss visible: it counts the
 * datagrams that arrive, and its heartbeats (`/ping hbN`) are answered with the
 * number the server sent; the difference is reported to `handlers.lost`. A
 * heartbeat also follows every line sent (within `confirmMs`), so the client
 * knows which of its lines the server has: after a server restart, the rest
 * can be sent again (`unconfirmed()`).
 */
export async function connectUdp(
  host: string,
  port: number,
  handlers: ConnectionHandlers,
  options: UdpClientOptions,
): Promise<UdpConnection> {
  let joined = false;
  let closed = false;
  let heardAt = Date.now();
  let resolveJoin!: () => void;
  let rejectJoin!: (e: Error) => void;
  const joinedPromise = new Promise<void>((res, rej) => {
    resolveJoin = res;
    rejectJoin = rej;
  });

  // Loss: datagrams received since joining (heartbeat answers not counted), and loss already reported.
  let received = 0;
  let lostShown = 0;
  // Lines received since the last heartbeat answer: a loss check is due.
  let checkDue = false;
  let pingedAt = 0;
  // Our lines: how many sent, how many the server has confirmed, and the recent ones.
  let sentLines = 0;
  let confirmed = 0;
  const recent: { seq: number; line: string; at: number }[] = [];
  let confirmTimer: ReturnType<typeof setTimeout> | undefined;
  const lossCheckMs = options.lossCheckMs ?? 1000;

  let ticker: ReturnType<typeof setInterval> | undefined;
  /** The end, whatever caused it: `code` says why when we never got in. */
  const finish = (byUs: boolean, code = "ECONNREFUSED") => {
    if (closed) return;
    closed = true;
    clearInterval(ticker);
    clearTimeout(confirmTimer);
    socket.close();
    if (joined) handlers.closed(byUs, code === "restarted" ? "restarted" : undefined);
    else rejectJoin(Object.assign(new Error(code === "ETIMEDOUT" ? "no answer" : "connection refused"), { code }));
  };

  const answered = (answer: { sentLines: number; count: number | undefined }) => {
    checkDue = false;
    if (answer.sentLines > confirmed && answer.sentLines <= sentLines) confirmed = answer.sentLines;
    while (recent.length > 0 && recent[0]!.seq <= confirmed) recent.shift();
    if (answer.count === undefined) return; // a server that does not count
    const lost = answer.count - received;
    if (lost > lostShown) {
      handlers.lost?.(lost - lostShown);
      lostShown = lost;
    }
  };

  const socket = await Bun.udpSocket({
    // Any local address: the kernel picks the one that reaches `host`.
    hostname: host.includes(":") ? "::" : "0.0.0.0",
    binaryType: "uint8array",
    connect: { hostname: host, port },
    socket: {
      data(_s, datagram) {
        heardAt = Date.now();
        for (const frame of framesOfDatagram(datagram, 64 * 1024)) {
          if (frame.kind !== "line" || closed) continue;
          const text = frame.text;
          if (!joined) {
            const token = parseChallenge(text);
            if (token !== undefined) {
              sendRaw(`/join ${token}`);
              continue;
            }
            joined = true;
            resolveJoin();
            if (ALREADY_JOINED.has(text)) {
              // Our welcome was lost and a retried request got this instead: we are in all the same.
              received++;
              continue;
            }
          } else if (parseChallenge(text) !== undefined) {
            // A challenge once we are in: the server no longer knows us (it restarted).
            return finish(false, "restarted");
          }
          const answer = parseHeartbeatAnswer(text);
          if (answer) {
            answered(answer);
            continue;
          }
          received++;
          checkDue = true;
          handlers.line(text);
        }
      },
      error(...args: unknown[]) {
        // On a connected UDP socket, "port unreachable" means the server is not there.
        const err = args.find((a): a is Error => a instanceof Error);
        if ((err as NodeJS.ErrnoException | undefined)?.code === "ECONNREFUSED") finish(false);
      },
    },
  });

  const sendRaw = (line: string) => {
    if (closed) return;
    try {
      socket.send(line + "\n");
    } catch {
      finish(false);
    }
  };
  const ping = () => {
    pingedAt = Date.now();
    sendRaw(heartbeatLine(sentLines));
  };

  // The join request is padded so that the server may answer it at once, with
  // the whole sentence: it never sends a stranger more than 3× what it received.
  const hello = `/join ${options.nick ?? ""}`.padEnd(16, " ");
  sendRaw(hello);
  // Asked again every 500 ms until welcomed: the request or its answer may be lost.
  const retry = setInterval(() => {
    if (joined || closed) clearInterval(retry);
    else sendRaw(hello);
  }, 500);
  const giveUp = setTimeout(() => {
    if (!joined) finish(false, "ETIMEDOUT");
  }, options.joinTimeoutMs ?? 5000);

  pingedAt = Date.now();
  ticker = setInterval(
    () => {
      if (!joined) return;
      const now = Date.now();
      // Three heartbeats without any answer: the server has gone.
      if (now - heardAt > options.heartbeatMs * 3) return finish(false);
      if ((checkDue && now - pingedAt >= lossCheckMs) || now - pingedAt >= options.heartbeatMs) ping();
    },
    Math.max(10, Math.min(250, lossCheckMs / 2, options.heartbeatMs / 2)),
  );

  try {
    await joinedPromise;
  } finally {
    clearInterval(retry);
    clearTimeout(giveUp);
  }

  return {
    send(line) {
      if (closed) return;
      sentLines++;
      recent.push({ seq: sentLines, line, at: Date.now() });
      if (recent.length > KEEP_LINES) recent.shift();
      sendRaw(line);
      confirmTimer ??= setTimeout(() => {
        confirmTimer = undefined;
        ping();
      }, options.confirmMs ?? 200);
    },
    close() {
      if (closed) return;
      sendRaw("/quit");
      finish(true);
    },
    unconfirmed() {
      const young = Date.now() - KEEP_MS;
      return recent.filter((r) => r.seq > confirmed && r.at >= young).map((r) => r.line);
    },
  };
}
