/**
 * The kit's own chat server, and the chat protocol's words over the line client:
 * a member of the room as a test (or the soak) sees it. `say` a line, `waitFor`
 * one, look at those `matching` so far; `joinRoom` joins (TCP: the welcome; UDP:
 * the handshake of docs/PROTOCOL.md, "Joining over UDP").
 */
import { join } from "node:path";
import { parseChallenge } from "../../src/protocol.ts";
import { connectPeer, type ClientOptions, type Peer } from "./clients.ts";
import { ROOT, type Command } from "./command.ts";
import type { Transport } from "./ports.ts";
import { startProgram, type Program, type ProgramOptions } from "./program.ts";
import { until } from "./until.ts";

/** The kit's chat server (src/server.ts of the checkout at `root`), run by this Bun. */
export function chatServerCommand(root = ROOT): Command {
  return { argv: [process.execPath, join(root, "src/server.ts")], label: "bun src/server.ts", custom: false };
}

/** The server's ready line for one transport; its group is the port it listens on. */
const readyLine = (transport: Transport) => new RegExp(`listening on \\S*:(\\d+) \\(${transport}\\)`);

/**
 * The kit's chat server in a child process, serving every one of `transports` (one
 * room), with `args` added, on `port` (default 0: it picks one). Resolves once it
 * printed every ready line; `port` is the first transport's (see listeningPort).
 */
export function startChatServer(
  transports: Transport[],
  o: Omit<ProgramOptions, "command" | "transport" | "ready"> = {},
): Promise<Program> {
  return startProgram({
    port: 0,
    cwd: ROOT,
    ...o,
    command: chatServerCommand(),
    transport: transports[0]!,
    args: [...transports.map((t) => `--${t}`), ...(o.args ?? [])],
    ready: transports.map(readyLine),
  });
}

/**
 * The port the server reported for `transport` in its ready line. Over UDP it may
 * differ from TCP's: with port 0, UDP takes TCP's number unless that is taken.
 */
export function listeningPort(server: Program, transport: Transport): number {
  const line = server.lines().find((l) => readyLine(transport).test(l));
  if (!line) throw new Error(`\`${server.label}\` printed no ready line for ${transport}`);
  return Number(readyLine(transport).exec(line)![1]);
}

const matches = (line: string, match: string | RegExp) =>
  typeof match === "string" ? line.includes(match) : match.test(line);

/** A client of the chat server, speaking its protocol by hand, like a person at `nc`. */
export class ChatClient {
  constructor(readonly peer: Peer) {}

  get transport(): Transport {
    return this.peer.transport;
  }
  get localPort(): number {
    return this.peer.localPort;
  }
  get closed(): boolean {
    return this.peer.closed;
  }
  /** Every line received so far, newline removed. */
  get lines(): string[] {
    return this.peer.lines();
  }
  /** Every read (TCP) or datagram (UDP) received, as it arrived. */
  get chunks(): Uint8Array[] {
    return this.peer.chunks();
  }

  /** Send text as is (add "\n" yourself) or raw bytes: one write, or one datagram. */
  write(data: string | Uint8Array): void {
    this.peer.send(data);
  }
  /** Send one line (newline added). */
  say(line: string): void {
    this.peer.sendLine(line);
  }
  /** Lines matching (a substring or a RegExp), so far. */
  matching(match: string | RegExp): string[] {
    return this.lines.filter((l) => matches(l, match));
  }
  /** Wait for a line matching `match` that arrived after the first `from` lines; return it. */
  waitFor(match: string | RegExp, ms = 3000, from = 0): Promise<string> {
    return until(
      () => this.lines.slice(from).find((l) => matches(l, match)),
      ms,
      () => `a line matching ${match} (got: ${JSON.stringify(this.lines.slice(-8))})`,
    );
  }
  close(): void {
    this.peer.close();
  }
  /** TCP: close with a RST instead of a FIN, as a killed process may. UDP: close. */
  reset(): void {
    this.peer.reset();
  }
}

/** A client that has not joined: over TCP connected (and so joined), over UDP only a socket. */
export async function chatClient(transport: Transport, port: number, o: ClientOptions = {}): Promise<ChatClient> {
  return new ChatClient(await connectPeer(transport, port, o));
}

export type JoinOptions = {
  /** How long each step may take (default 3 s). */
  ms?: number;
  /**
   * UDP: ask again every `retryMs` until welcomed, as a datagram may be lost
   * (default: ask once, as a test on loopback does).
   */
  retryMs?: number;
};

/**
 * The UDP join of docs/PROTOCOL.md, by hand: a request padded to pay for its
 * challenge, the token back, then the welcome. Resolves with the line that ended
 * it: the welcome, or "you are already in the room" when this socket's address
 * is one a vanished member used, still remembered by the server (UDP knows
 * addresses, not sockets: this socket simply is that member).
 */
export async function udpJoin(
  client: Pick<ChatClient, "lines" | "say">,
  nick = "",
  o: JoinOptions = {},
): Promise<string> {
  const from = client.lines.length;
  const hello = `/join ${nick}`.padEnd(24, " ");
  let read = from;
  let asked = -Infinity;
  return until(
    () => {
      const lines = client.lines;
      for (; read < lines.length; read++) {
        const line = lines[read]!;
        const token = parseChallenge(line);
        if (token !== undefined) client.say(`/join ${token}`);
        else if (line.includes("welcome") || line.includes("you are already in the room")) return line;
      }
      if (performance.now() - asked >= (o.retryMs ?? Infinity)) {
        asked = performance.now();
        client.say(hello);
      }
      return undefined;
    },
    o.ms ?? 3000,
    () => `the UDP join's welcome (heard: ${JSON.stringify(client.lines.slice(from, from + 4))})`,
  );
}

/**
 * A client that has joined the room (TCP: welcomed; UDP: the handshake done),
 * renamed to `nick` when one is given. Closed again if it could not join.
 */
export async function joinRoom(
  transport: Transport,
  port: number,
  o: ClientOptions & JoinOptions & { nick?: string } = {},
): Promise<ChatClient> {
  const c = await chatClient(transport, port, o);
  try {
    const joined = transport === "tcp" ? await c.waitFor("welcome", o.ms) : await udpJoin(c, o.nick, o);
    if (o.nick) {
      // Over UDP the nick rides on the join request; a member taken over keeps its old one.
      if (transport === "tcp" || !joined.includes("welcome")) c.say(`/nick ${o.nick}`);
      await c.waitFor(`is now ${o.nick}`, o.ms);
    }
    return c;
  } catch (err) {
    c.close();
    throw err;
  }
}
