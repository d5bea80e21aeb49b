/**
 * The kit's own chat server, and the chat protocol's words over the line client:
 * a member of the room as a test (or the soak) sees it. `say` a line, `waitFor`
 * one, look at those `matching` so far; `joinRoom` joins (TCP: the welcome; UDP:
 * the handshake of docs/PROTOCOL.md, "Joining over UDP") in whatever language
 * the server speaks: the notices are read as the kit's client reads them.
 */
import { join } from "node:path";
import { MESSAGES } from "../../src/i18n.ts";
import { isAlreadyJoined, parseChallenge } from "../../src/protocol.ts";
import { noticeMeaning } from "../../src/render.ts";
import { connectPeer, type ClientOptions, type Peer } from "./clients.ts";
import { ROOT, type Command } from "./command.ts";
import type { Transport } from "./ports.ts";
import { startProgram, type Program, type ProgramOptions } from "./program.ts";
import type { Session } from "./session.ts";
import { until } from "./until.ts";

/** The kit's chat server (src/server.ts of the checkout at `root`), run by this Bun. */
export function chatServerCommand(root = ROOT): Command {
  return { argv: [process.execPath, join(root, "src/server.ts")], label: "bun src/server.ts", custom: false };
}

/** `bun src/client.ts`: the kit's terminal client, for startTerminal. */
export function chatClientCommand(root = ROOT): Command {
  return { argv: [process.execPath, join(root, "src/client.ts")], label: "bun src/client.ts", custom: false };
}

/**
 * The server's ready line for one transport, in any of its languages (the one
 * group is the port it listens on): each language's line cut at the port, the
 * parts before it and after it each one of those.
 */
function readyLine(transport: Transport): RegExp {
  const [host, port] = ["\u0000host\u0000", "\u0000port\u0000"];
  const quote = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(host, "\\S*");
  const cut = Object.values(MESSAGES).map((t) => t.listening(host, port as unknown as number, transport).split(port));
  const anyOf = (parts: string[]) => `(?:${[...new Set(parts.map(quote))].join("|")})`;
  return new RegExp(`${anyOf(cut.map((c) => c[0]!))}(\\d+)${anyOf(cut.map((c) => c[1]!))}`);
}

/** Whatever a test starts may belong to its Session, which closes it at the end. */
export type InSession = {
  /** Started (or connected) through this session: in its report, and closed by its `close()`. */
  session?: Session;
};

/**
 * The kit's chat server in a child process, serving every one of `transports` (one
 * room), with `args` added, on `port` (default 0: it picks one). Resolves once it
 * printed every ready line; `port` is the first transport's (see listeningPort).
 */
export function startChatServer(
  transports: Transport[],
  o: Omit<ProgramOptions, "command" | "transport" | "ready"> & InSession = {},
): Promise<Program> {
  const { session, ...rest } = o;
  const [first] = transports as [Transport];
  const options = { port: 0, cwd: ROOT, ...rest, ready: transports.map(readyLine) };
  const flags = transports.map((t) => `--${t}`);
  if (!session) {
    const args = [...flags, ...(o.args ?? [])];
    return startProgram({ ...options, command: chatServerCommand(), transport: first, args });
  }
  // A session runs a command over a transport, adding `--udp` itself for UDP.
  const added = first === "udp" ? ["--udp"] : [];
  const args = [...flags.filter((f) => !added.includes(f)), ...(o.args ?? [])];
  return session.start(chatServerCommand(), first, { ...options, args });
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

/** The token of a UDP challenge line (`/join TOKEN`, bare or in a sentence, any language), or undefined. */
export const challengeToken = (line: string): string | undefined => parseChallenge(line);

/** The server's welcome, in any of its languages. */
export const isWelcomeLine = (line: string): boolean => isWelcome(line);

const isWelcome = (line: string) => noticeMeaning(line).kind === "welcome";
/** The notice that someone is now called `nick`, in any language. */
const renamedTo = (nick: string) => (line: string) => {
  const meaning = noticeMeaning(line);
  return meaning.kind === "renamed" && meaning.to === nick;
};

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
        else if (isWelcome(line) || isAlreadyJoined(line)) return line;
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
 * renamed to `nick` when one is given. Closed again if it could not join. With a
 * session, the session's client (named `name`, else `nick`) and wire log.
 */
export async function joinRoom(
  transport: Transport,
  port: number,
  o: ClientOptions & JoinOptions & InSession & { nick?: string } = {},
): Promise<ChatClient> {
  const name = o.name ?? o.nick ?? "client";
  const c = o.session
    ? new ChatClient(await o.session.connect(transport, port, name))
    : await chatClient(transport, port, o);
  /** The first line that `is` what we wait for, or a TimeoutError saying `what`. */
  const heard = (is: (line: string) => boolean, what: string) =>
    until(
      () => c.lines.find(is),
      o.ms ?? 3000,
      () => `${what} (got: ${JSON.stringify(c.lines.slice(-8))})`,
    );
  try {
    const joined = transport === "tcp" ? await heard(isWelcome, "the welcome") : await udpJoin(c, o.nick, o);
    if (o.nick) {
      // Over UDP the nick rides on the join request; a member taken over keeps its old one.
      if (transport === "tcp" || !isWelcome(joined)) c.say(`/nick ${o.nick}`);
      await heard(renamedTo(o.nick), `the notice that it is now ${o.nick}`);
    }
    return c;
  } catch (err) {
    c.close();
    throw err;
  }
}
