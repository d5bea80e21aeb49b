/**
 * What the terminal client shows, pure: a line from the server in, display text out.
 *
 * Nothing here touches a socket or the terminal, so every rule is unit-tested
 * with plain strings (tests/render.test.ts). src/client.ts does the printing.
 *
 * Two rules matter more than the colours:
 *
 * 1. **Never print the network raw.** A line from the server goes through
 *    `sanitize()` before anything else, even though the server already cleans
 *    what it relays: a client must not trust its server (it may be an old one,
 *    a buggy one, or `nc -l` run by a prankster). One ESC is enough to retitle
 *    the window, clear the screen, or fake a line from someone else.
 * 2. **Colour is decoration.** Every line reads the same without it, so NO_COLOR,
 *    `--no-color` and pipes lose nothing (picocolors' `createColors(false)` turns
 *    every colour function into plain `String`).
 */
import { createColors } from "picocolors";
import { MESSAGES, type Lang } from "./i18n.ts";
import { format, nickKey, parseChallenge, parseServerLine, sanitize } from "./protocol.ts";

export type Colors = ReturnType<typeof createColors>;
export { createColors };

/** `HH:MM` in local time: enough to tell when a line came, short enough to ignore. */
export function clock(now: Date): string {
  return `${String(now.getHours()).padStart(2, "0")}:${String(now.getMinutes()).padStart(2, "0")}`;
}

/** Nick colours. Red (errors) and yellow (notices) are left out so a nick never looks like either. */
const NICK_COLORS = [
  "cyan",
  "green",
  "blue",
  "magenta",
  "cyanBright",
  "greenBright",
  "blueBright",
  "magentaBright",
] as const;

/**
 * The same nick gets the same colour in every client and every session: the colour
 * comes from a hash of the nick (FNV-1a), not from the order people joined.
 * Case does not count, as for the nicks themselves.
 */
export function nickColorName(nick: string): (typeof NICK_COLORS)[number] {
  let hash = 0x811c9dc5;
  for (const ch of nickKey(nick)) {
    hash ^= ch.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return NICK_COLORS[hash % NICK_COLORS.length]!;
}

function paintNick(c: Colors, nick: string): string {
  return c[nickColorName(nick)](nick);
}

/** Text the client prints of its own (connecting, reconnecting...): a dim notice. */
export function renderLocal(c: Colors, now: Date, text: string): string {
  return `${c.dim(clock(now))} ${c.dim(c.yellow(format.notice(sanitize(text).text)))}`;
}

/** A local error (cannot connect, not sent). */
export function renderLocalError(c: Colors, now: Date, text: string): string {
  return `${c.dim(clock(now))} ${c.red(format.error(sanitize(text).text))}`;
}

/**
 * What you typed, shown as the room sees it: the server never sends your own
 * chat lines and actions back, so the client draws them itself.
 */
export function renderOwn(c: Colors, now: Date, kind: "chat" | "action", nick: string, text: string): string {
  const clean = sanitize(text).text;
  const who = paintNick(c, sanitize(nick).text);
  const body = kind === "chat" ? `<${who}> ${clean}` : `* ${who} ${clean}`;
  return `${c.dim(clock(now))} ${body}`;
}

/** One line from the server, cleaned, timestamped and coloured by its kind. */
export function renderServerLine(c: Colors, now: Date, raw: string): string {
  const line = parseServerLine(sanitize(raw).text);
  let body: string;
  switch (line.kind) {
    case "chat":
      body = `<${paintNick(c, line.nick)}> ${line.text}`;
      break;
    case "action":
      body = `* ${paintNick(c, line.nick)} ${line.text}`;
      break;
    case "private":
      // A message for you alone: it should catch the eye.
      body = c.bold(c.magentaBright(`*${line.nick}*`)) + " " + c.bold(line.text);
      break;
    case "private-sent":
      body = c.magentaBright(`-> *${line.nick}*`) + " " + line.text;
      break;
    case "notice":
      body = c.dim(c.yellow(format.notice(line.text)));
      break;
    case "error":
      body = c.red(format.error(line.text));
      break;
    case "other":
      body = line.text;
      break;
  }
  return `${c.dim(clock(now))} ${body}`;
}

// ---------------------------------------------------------------------------
// Who am I? The server tells us in notices, in ITS language (which need not be
// ours), so we match the notice texts of every language in src/i18n.ts.
// ---------------------------------------------------------------------------

/** A nick in a notice: no spaces (nicks have none), nothing else assumed. */
const NICK = "(\\S+?)";

/** Turns a message template into a regex, with each argument a nick group. */
function templateRegex(fill: (...nicks: string[]) => string, arity: number): RegExp {
  const marks = Array.from({ length: arity }, (_, i) => `\u0000${i}\u0000`);
  const text = fill(...marks);
  let source = text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  for (const mark of marks) source = source.replace(mark, NICK);
  return new RegExp(`^${source}$`, "u");
}

const WELCOMES = (Object.entries(MESSAGES) as [Lang, (typeof MESSAGES)[Lang]][]).map(([lang, t]) => ({
  lang,
  re: templateRegex(t.welcome, 1),
}));
const RENAMES = Object.values(MESSAGES).map((t) => templateRegex(t.renamed, 2));
const SHUTDOWNS = new Set(Object.values(MESSAGES).map((t) => t.shuttingDown));

/** What a notice from the server means to the client, if anything. */
export type NoticeMeaning =
  /** The server's welcome, and the language it speaks. */
  | { kind: "welcome"; nick: string; lang: Lang }
  | { kind: "renamed"; from: string; to: string }
  | { kind: "shutting-down" }
  /** A UDP join challenge after we had joined: the server has forgotten us (it restarted). */
  | { kind: "challenge" }
  | { kind: "none" };

/** Reads a (raw) server line for the few notices the client acts on. */
export function noticeMeaning(raw: string): NoticeMeaning {
  const clean = sanitize(raw).text;
  if (parseChallenge(clean) !== undefined) return { kind: "challenge" };
  const line = parseServerLine(clean);
  if (line.kind !== "notice") return { kind: "none" };
  if (SHUTDOWNS.has(line.text)) return { kind: "shutting-down" };
  for (const { lang, re } of WELCOMES) {
    const m = re.exec(line.text);
    if (m) return { kind: "welcome", nick: m[1]!, lang };
  }
  for (const re of RENAMES) {
    const m = re.exec(line.text);
    if (m) return { kind: "renamed", from: m[1]!, to: m[2]! };
  }
  return { kind: "none" };
}

const LINE_LIMITS = Object.values(MESSAGES).map((t) =>
  templateRegex(t.lineTooLong as unknown as (...a: string[]) => string, 2),
);

/**
 * The server's line limit, read from its refusal of a line (`!!! line too long
 * (1025+ bytes; the limit is 1024) ...`, in any language), or undefined.
 */
export function lineLimitOf(raw: string): number | undefined {
  const line = parseServerLine(sanitize(raw).text);
  if (line.kind !== "error") return undefined;
  for (const re of LINE_LIMITS) {
    const m = re.exec(line.text);
    if (m && /^\d+$/.test(m[2]!)) return Number(m[2]);
  }
  return undefined;
}
