/**
 * The wire protocol, pure: bytes -> lines, lines -> commands, events -> lines.
 *
 * Nothing here knows about sockets (and nothing imports from "bun"), so every
 * function is tested with plain arrays of bytes, split at every possible place.
 * docs/PROTOCOL.md is the specification this file implements.
 */

/** The article's BUFFERSIZE: the longest line, in bytes, without its newline. */
export const MAX_LINE_BYTES = 1024;
/** Unterminated input past this many times the line limit closes the connection. */
const HARD_CAP_FACTOR = 16;
/** The largest UDP payload over IPv4 (65,535 − 8 bytes of UDP header − 20 of IP). */
export const MAX_DATAGRAM_BYTES = 65_507;
/**
 * The highest line limit a server accepts. A relayed line can be three times the
 * bytes it came in as (every bad byte becomes U+FFFD, three bytes), plus a nick,
 * and over UDP it must still fit in one datagram.
 */
export const MAX_LINE_BYTES_CEILING = 21_000;

const NEWLINE = 0x0a;
const CR = 0x0d;
/** A TLS record of type handshake (0x16), version 3.x with x at most 4 (SSL 3.0 to TLS 1.3). */
const TLS_HANDSHAKE = [0x16, 0x03, 0x04];

// ---------------------------------------------------------------------------
// Framing: a byte stream in, whole lines out.
// ---------------------------------------------------------------------------

/** What the decoder makes of the bytes it was given. */
export type Frame =
  /** A whole line, newline removed. `invalidUtf8` means some bytes became U+FFFD. */
  | { kind: "line"; text: string; invalidUtf8: boolean }
  /** A line passed the limit. Sent once, as soon as it is known; the rest of that line is skipped. */
  | { kind: "too-long"; bytes: number }
  /**
   * Unterminated input passed the hard cap (`bytes`): the decoder gives up and the
   * peer should go. A "too-long" for the same line in the same push is left out:
   * it would be noise right before the close.
   */
  | { kind: "overflow"; bytes: number }
  /** The input starts like a TLS handshake, not text: the decoder gives up and the peer should go. */
  | { kind: "not-chat"; bytes: number };

/** A whole line (not an overflow or a refusal). */
export type LineFrame = Extract<Frame, { kind: "line" }>;

export interface LineDecoderOptions {
  maxLineBytes?: number;
  /** How many bytes without a newline before giving up (default 16 × maxLineBytes). */
  hardCapBytes?: number;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const lenientUtf8 = new TextDecoder("utf-8");

/**
 * Turns chunks of a byte stream into lines.
 *
 * A stream has no message boundaries: one read may hold half a line, or fifty.
 * We split on the byte 0x0A first and decode each complete line afterwards.
 * That order matters: 0x0A never occurs inside a multibyte UTF-8 character, so a
 * character split across two reads is whole again before it is decoded, and
 * decoding a whole line at once tells us whether its UTF-8 was valid.
 */
export class LineDecoder {
  readonly maxLineBytes: number;
  readonly hardCapBytes: number;
  /** Bytes of the current, unfinished line (kept as the chunks they arrived in). */
  private parts: Uint8Array[] = [];
  private partBytes = 0;
  /** Skipping the rest of a too-long line: how many bytes skipped so far, or -1. */
  private skipped = -1;
  private overflowed = false;
  /** The first bytes of the stream, kept until we know they are not a TLS handshake. */
  private head: number[] | undefined = [];

  constructor(options: LineDecoderOptions = {}) {
    this.maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
    this.hardCapBytes = options.hardCapBytes ?? this.maxLineBytes * HARD_CAP_FACTOR;
  }

  /** Bytes held for a line that has not ended yet. */
  get pendingBytes(): number {
    return this.partBytes;
  }

  push(chunk: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    if (this.overflowed) return frames;
    if (this.head && this.sniff(chunk)) {
      this.overflowed = true;
      return [{ kind: "not-chat", bytes: TLS_HANDSHAKE.length }];
    }
    let start = 0;
    /** Where this push reported the current line too long, if it did. */
    let tooLongAt = -1;
    while (start < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, start);
      const end = nl === -1 ? chunk.length : nl;
      const piece = chunk.subarray(start, end);
      if (this.skipped >= 0) {
        this.skipped += piece.length;
      } else if (this.partBytes + piece.length > this.maxLineBytes + 1) {
        // +1 leaves room for the \r of a \r\n that is within the limit.
        this.skipped = this.partBytes + piece.length;
        this.parts = [];
        this.partBytes = 0;
        tooLongAt = frames.push({ kind: "too-long", bytes: this.skipped }) - 1;
      } else if (piece.length > 0) {
        // Copy only what we keep: the caller may reuse its buffer.
        this.parts.push(nl === -1 ? piece.slice() : piece);
        this.partBytes += piece.length;
      }
      if (nl === -1) {
        if (this.skipped > this.hardCapBytes) {
          this.overflowed = true;
          if (tooLongAt >= 0) frames.splice(tooLongAt, 1);
          frames.push({ kind: "overflow", bytes: this.hardCapBytes });
        }
        return frames;
      }
      if (this.skipped >= 0) {
        this.skipped = -1;
        tooLongAt = -1;
      } else {
        const line = this.takeLine();
        if (line) frames.push(line);
      }
      start = nl + 1;
    }
    return frames;
  }

  /**
   * A TLS client (https://, an IRC client set to TLS) opens with a binary
   * handshake that holds newlines: decoded as text, it would be relayed as lines
   * of garbage. Its first three bytes are 0x16 0x03 0x00..0x04, which no typed line
   * starts with. True when the stream starts that way.
   */
  private sniff(chunk: Uint8Array): boolean {
    const head = this.head!;
    for (let i = 0; i < chunk.length && head.length < TLS_HANDSHAKE.length; i++) head.push(chunk[i]!);
    const matched = head.every((b, i) => (i === 2 ? b <= TLS_HANDSHAKE[2]! : b === TLS_HANDSHAKE[i]));
    if (!matched || head.length === TLS_HANDSHAKE.length) this.head = undefined;
    return matched && head.length === TLS_HANDSHAKE.length;
  }

  /** The whole line collected so far (its newline already consumed). */
  private takeLine(): Frame | undefined {
    let bytes: Uint8Array;
    if (this.parts.length === 1) bytes = this.parts[0]!;
    else {
      bytes = new Uint8Array(this.partBytes);
      let at = 0;
      for (const p of this.parts) {
        bytes.set(p, at);
        at += p.length;
      }
    }
    this.parts = [];
    this.partBytes = 0;
    if (bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, -1);
    if (bytes.length > this.maxLineBytes) return { kind: "too-long", bytes: bytes.length };
    return decodeLine(bytes);
  }
}

/** Decodes one line's bytes, noting whether they were valid UTF-8. */
function decodeLine(bytes: Uint8Array): Frame {
  try {
    return { kind: "line", text: strictUtf8.decode(bytes), invalidUtf8: false };
  } catch {
    return { kind: "line", text: lenientUtf8.decode(bytes), invalidUtf8: true };
  }
}

/**
 * Frames one UDP datagram. A datagram is a line on its own; a trailing newline is
 * optional, and a datagram holding several lines (a paste through `nc -u`) gives
 * several frames.
 */
export function framesOfDatagram(datagram: Uint8Array, maxLineBytes = MAX_LINE_BYTES): Frame[] {
  // No hard cap: a datagram is already whole and bounded (65,507 bytes at most), so
  // an overlong one is only refused, and its sender stays a member.
  const decoder = new LineDecoder({ maxLineBytes, hardCapBytes: Infinity });
  const frames = decoder.push(datagram);
  if (datagram.length > 0 && datagram[datagram.length - 1] !== NEWLINE) {
    frames.push(...decoder.push(NEWLINE_BYTES));
  }
  return frames;
}
const NEWLINE_BYTES = new Uint8Array([NEWLINE]);

// ---------------------------------------------------------------------------
// Sanitising: nothing that could steer a terminal is relayed raw.
// ---------------------------------------------------------------------------

/**
 * C0 controls but tab (ESC starts every escape sequence; a bare CR rewrites the
 * line; BS and DEL erase), DEL, C1 controls (U+009B is a one-character CSI), and
 * the bidi overrides and isolates that make text read backwards.
 */
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const REPLACEMENT = "\ufffd";

/** Replaces every unsafe character with U+FFFD; `changed` says whether any was found. */
export function sanitize(text: string): { text: string; changed: boolean } {
  UNSAFE.lastIndex = 0;
  if (!UNSAFE.test(text)) return { text, changed: false };
  return { text: text.replace(UNSAFE, REPLACEMENT), changed: true };
}

// ---------------------------------------------------------------------------
// Commands: what a client's line asks for.
// ---------------------------------------------------------------------------

export type Command =
  | { kind: "empty" }
  | { kind: "say"; text: string }
  | { kind: "me"; text: string }
  | { kind: "nick"; name: string }
  | { kind: "who" }
  | { kind: "msg"; to: string; text: string }
  | { kind: "help" }
  | { kind: "quit"; reason: string }
  | { kind: "ping"; token: string }
  | { kind: "join"; arg: string }
  /** A known command without the arguments it needs. */
  | { kind: "usage"; usage: string }
  | { kind: "unknown"; name: string };

/** How each command is written, for `/help` and for usage errors. */
const USAGE = {
  nick: "/nick NAME",
  who: "/who",
  me: "/me ACTION",
  msg: "/msg NICK TEXT",
  help: "/help",
  quit: "/quit [REASON]",
  ping: "/ping [TOKEN]",
} as const;

/** Parses one (already sanitised) line from a client. */
export function parseCommand(line: string): Command {
  if (line.trim() === "") return { kind: "empty" };
  if (!line.startsWith("/")) return { kind: "say", text: line };
  if (line.startsWith("//")) return { kind: "say", text: line.slice(1) };

  const space = line.search(/\s/);
  const name = (space === -1 ? line.slice(1) : line.slice(1, space)).toLowerCase();
  const rest = space === -1 ? "" : line.slice(space + 1).trim();
  switch (name) {
    case "nick":
      return rest ? { kind: "nick", name: rest } : { kind: "usage", usage: USAGE.nick };
    case "who":
      return { kind: "who" };
    case "me":
      return rest ? { kind: "me", text: rest } : { kind: "usage", usage: USAGE.me };
    case "msg": {
      const m = /^(\S+)\s+(.*\S.*)$/s.exec(rest);
      return m ? { kind: "msg", to: m[1]!, text: m[2]!.trim() } : { kind: "usage", usage: USAGE.msg };
    }
    case "help":
      return { kind: "help" };
    case "quit":
      return { kind: "quit", reason: rest };
    case "ping":
      return { kind: "ping", token: rest };
    case "join":
      return { kind: "join", arg: rest };
    default:
      return { kind: "unknown", name };
  }
}

// Nicknames: src/nick.ts.
export { checkNick, MAX_NICK_CHARS, nickKey, type NickProblem } from "./nick.ts";

// ---------------------------------------------------------------------------
// Formatting: what the server sends.
// ---------------------------------------------------------------------------

export const format = {
  chat: (nick: string, text: string) => `<${nick}> ${text}`,
  action: (nick: string, text: string) => `* ${nick} ${text}`,
  privateReceived: (from: string, text: string) => `*${from}* ${text}`,
  privateSent: (to: string, text: string) => `-> *${to}* ${text}`,
  notice: (text: string) => `*** ${text}`,
  error: (text: string) => `!!! ${text}`,
} as const;

/** The line a UDP newcomer types to join: the challenge's fixed, machine-readable part. */
export function joinCommand(token: string): string {
  return `/join ${token}`;
}

/**
 * The UDP join's challenge (docs/PROTOCOL.md, Joining over UDP): the server sends
 * it to a new address, and a client that really receives there answers with the
 * line it names, `/join TOKEN`. The machine part, `/join TOKEN`, is built and read
 * here; the sentence around it, `hint`, is the catalogue's (src/i18n.ts joinHint),
 * in the room's language.
 *
 * A person at `nc -u` must be told what to type, but a stranger may be a forged
 * address, and the server never sends one more than 3× the bytes that came in its
 * name (`budget`). So the challenge comes in two sizes: the sentence
 * (`*** to join, type: /join 65d625df`, 34 bytes) when the budget allows it, else
 * the bare line to type (`/join 65d625df`, 15 bytes: any line of 5 bytes or more
 * pays for it). Undefined when not even that fits.
 */
export function challengeLine(token: string, hint: (command: string) => string, budget = Infinity): string | undefined {
  const command = joinCommand(token);
  const sentence = format.notice(hint(command));
  if (utf8Length(sentence) + 1 <= budget) return sentence;
  if (command.length + 1 <= budget) return command;
  return undefined;
}

/**
 * A challenge, in any language: the bare `/join TOKEN`, or a notice whose
 * sentence ends with a colon (":" or "：") right before it. Not a `*** pong`:
 * that notice repeats whatever the member typed after `/ping`.
 */
const CHALLENGE = /^(?:\*\*\* (?!pong )[^/]*[:：] ?)?\/join ([0-9a-f]{8})$/u;

/** The token of a challenge line, or undefined when the line is not one. */
export function parseChallenge(line: string): string | undefined {
  return CHALLENGE.exec(line.replace(/\r?\n?$/, ""))?.[1];
}

/**
 * "You are already in the room": the server's answer to a `/join` from a member
 * (over UDP: a join request sent again after its welcome was lost on the way, or
 * from an address a vanished member used). Its fixed, machine-readable part is
 * `!!! /join: `, the command it answers, before the sentence in the room's
 * language (src/i18n.ts alreadyJoined): a client knows it by that part, in any
 * language, never by the wording.
 */
const ALREADY_JOINED = "/join: ";

export function alreadyJoinedLine(sentence: string): string {
  return format.error(ALREADY_JOINED + sentence);
}

/** Is this line the server's "you are already in the room"? */
export function isAlreadyJoined(line: string): boolean {
  return line.startsWith(format.error(ALREADY_JOINED));
}

/**
 * The kit's UDP client says it is still there, and asks how many lines the server
 * has sent it, with `/ping hbN` (N: how many lines it has sent so far). The server
 * answers `*** pong hbN COUNT` itself, in the transport: COUNT is the number of
 * datagrams it has sent this member, answers not counted. The client counts what
 * arrives; the difference is what was lost (docs/PROTOCOL.md, Loss). A person at
 * `nc -u` never sends this, and never gets an extra line.
 */
export function heartbeatLine(sentLines: number): string {
  return `/ping hb${sentLines}`;
}

/** The N of a heartbeat (`/ping hbN`), or undefined when the line is not one. */
export function parseHeartbeat(line: string): number | undefined {
  const m = /^\/ping hb(\d{1,15})$/.exec(line);
  return m ? Number(m[1]) : undefined;
}

export function heartbeatAnswer(sentLines: number, count: number): string {
  return format.notice(`pong hb${sentLines} ${count}`);
}

/** A heartbeat's answer: the client's N, and the server's count (undefined from a server that sends none). */
export function parseHeartbeatAnswer(line: string): { sentLines: number; count: number | undefined } | undefined {
  const m = /^\*\*\* pong hb(\d{1,15})(?: (\d{1,15}))?\r?$/.exec(line);
  if (!m) return undefined;
  return { sentLines: Number(m[1]), count: m[2] === undefined ? undefined : Number(m[2]) };
}

const encoder = new TextEncoder();

/** Bytes of `text` in UTF-8: the unit of every limit on the wire. */
export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

export type ServerLine =
  | { kind: "chat" | "action" | "private" | "private-sent"; nick: string; text: string }
  | { kind: "notice" | "error" | "other"; text: string };

/** Tells the kinds of server line apart (the client colours them by kind). */
export function parseServerLine(line: string): ServerLine {
  let m: RegExpExecArray | null;
  if (line.startsWith("*** ")) return { kind: "notice", text: line.slice(4) };
  if (line.startsWith("!!! ")) return { kind: "error", text: line.slice(4) };
  if ((m = /^<([^\s>]+)> (.*)$/s.exec(line))) return { kind: "chat", nick: m[1]!, text: m[2]! };
  if ((m = /^-> \*([^\s*]+)\* (.*)$/s.exec(line))) return { kind: "private-sent", nick: m[1]!, text: m[2]! };
  if ((m = /^\*([^\s*]+)\* (.*)$/s.exec(line))) return { kind: "private", nick: m[1]!, text: m[2]! };
  if ((m = /^\* (\S+) (.*)$/s.exec(line))) return { kind: "action", nick: m[1]!, text: m[2]! };
  return { kind: "other", text: line };
}

/**
 * A line on its way out. It is encoded (with its newline) at most once, however
 * many members it goes to: fan-out is the hub's hot path.
 */
export class OutLine {
  private encoded: Uint8Array | undefined;
  constructor(readonly text: string) {}
  get bytes(): Uint8Array {
    return (this.encoded ??= encoder.encode(this.text + "\n"));
  }
}
