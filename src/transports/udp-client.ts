/**
 * UDP, the client's side: join a chat server over UDP (the challenge round trip
 * of docs/PROTOCOL.md), keep the membership alive with heartbeats, and make loss
 * visible. The server's side is src/transports/udp-server.ts.
 */
import {
  framesOfDatagram,
  heartbeatLine,
  isAlreadyJoined,
  joinCommand,
  parseChallenge,
  parseHeartbeatAnswer,
} from "../protocol.ts";
import type { ConnectionHandlers, LineConnection } from "./types.ts";

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

/**
 * A challenge once we are in says the server has forgotten us (it restarted), or
 * someone forged it: anyone on the path can send a datagram from the server's
 * address. So it is believed only if the heartbeat sent then goes unanswered this long.
 */
const CHALLENGE_DOUBT_MS = 1000;

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
  // A challenge came once we were in: when (a heartbeat went out then, to ask whether the server still knows us).
  let doubtedAt: number | undefined;
  /** The server's address and port, as the socket is connected to them. */
  let server: { address: string; port: number } | undefined;

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
      data(_s, datagram, port, address) {
        // Connected, the socket hears only its server's address (the kernel sees to it); said here too.
        if (!server || port !== server.port || address !== server.address) return;
        heardAt = Date.now();
        for (const frame of framesOfDatagram(datagram, 64 * 1024)) {
          if (frame.kind !== "line" || closed) continue;
          const text = frame.text;
          if (!joined) {
            const token = parseChallenge(text);
            if (token !== undefined) {
              sendRaw(joinCommand(token));
              continue;
            }
            joined = true;
            resolveJoin();
            if (isAlreadyJoined(text)) {
              // Our welcome was lost and a retried request got this instead: we are in all the same.
              received++;
              continue;
            }
          } else if (parseChallenge(text) !== undefined) {
            // The server forgot us, or someone forged this: a heartbeat now asks the server.
            if (doubtedAt === undefined) {
              doubtedAt = Date.now();
              ping();
            }
            continue;
          }
          const answer = parseHeartbeatAnswer(text);
          if (answer) {
            doubtedAt = undefined; // the server answers: it knows us, the challenge was not its
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

  server = socket.remoteAddress;

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
      // A challenge, and the heartbeat sent then unanswered: the server restarted, and no longer knows us.
      if (doubtedAt !== undefined && now - doubtedAt >= CHALLENGE_DOUBT_MS) return finish(false, "restarted");
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
      if (closed) return false;
      sentLines++;
      recent.push({ seq: sentLines, line, at: Date.now() });
      if (recent.length > KEEP_LINES) recent.shift();
      sendRaw(line);
      confirmTimer ??= setTimeout(() => {
        confirmTimer = undefined;
        ping();
      }, options.confirmMs ?? 200);
      return true;
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
