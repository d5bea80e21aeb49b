/**
 * Between hubs, pure: what one hub tells the others, and how a hub reads it back
 * without trusting it.
 *
 * A linked hub sends its share of the room in batches (what it published while
 * its previous batch was on its way to Redis: src/link/sender.ts), numbered 1,
 * 2, 3 ... by that hub. A batch is one entry of the hub's own Redis stream, with
 * four fields:
 *
 *   v     "1", the version of this format
 *   hub   the sending hub's id: 16 hex digits, new each time a server starts
 *   seq   the batch's number (from 1, one more each batch)
 *   msgs  the batch's messages, a JSON array of LinkMessage
 *
 * Anything that can write to the Redis can write an entry, so every field is
 * checked and bounded before it is used: a malformed entry is skipped (and
 * counted), never delivered and never a crash. Each message of an entry is
 * checked on its own: one that is not one is dropped (and counted), and the
 * rest of its batch is delivered, so that one bad message never costs the
 * others theirs. Texts are sanitised again on arrival, as if they came from a
 * client. docs/LINKING.md is the specification.
 */
import type { Notice, SkipReason } from "../notices.ts";
import { checkNick, sanitize } from "../protocol.ts";

/** The format's version, the `v` field of every entry. */
const WIRE_VERSION = "1";
/** Longest `msgs` field accepted, in characters (a sender cuts its batches well below it). */
export const MAX_ENTRY_CHARS = 4 * 1024 * 1024;
/** A sender starts a new batch past this many characters of JSON. */
export const BATCH_CHARS = 512 * 1024;
/** Most messages in one batch, sent or accepted. */
export const MAX_BATCH_MESSAGES = 8192;
/**
 * Longest text (a chat line, a reason) in characters. A relayed line can be
 * three times the bytes it came in as (bad bytes become U+FFFD) plus a nick:
 * the server's ceiling of 21,000 bytes per line stays under this.
 */
export const MAX_TEXT_CHARS = 65_536;
/** Members named in one roster message; a bigger roster goes in several parts. */
export const ROSTER_PART = 2048;

/** A hub's id: 16 hex digits. */
export const HUB_ID = /^[0-9a-f]{16}$/;
/** A member's id, as its hub numbers it (src/hub.ts makes "3/17"). */
export const MEMBER_ID = /^[0-9A-Za-z/_.-]{1,32}$/;
/** A batch number: 1 to 2^53 - 1, written plainly. */
const SEQ = /^[1-9][0-9]{0,15}$/;

/** One thing a hub tells the others. */
export type LinkMessage =
  /** A line for every member of the room (a chat line, an action, a notice). */
  | { k: "line"; text: string }
  /** A private line for one member of one hub. */
  | { k: "private"; hub: string; member: string; text: string }
  /** Membership notices: each hub words them in its own language. */
  | { k: "joined"; nick: string }
  | { k: "left"; nick: string; reason: string }
  | { k: "renamed"; from: string; to: string }
  /** In a big room: how many came and went on the sending hub in the last `seconds`. */
  | { k: "summary"; joined: number; left: number; seconds: number }
  /** The roster: member `id` of the sending hub holds `nick` (it arrived, or was renamed). */
  | { k: "member"; id: string; nick: string }
  /** The roster: member `id` of the sending hub has gone. */
  | { k: "gone"; id: string }
  /** The sending hub's whole roster, after it (re)joins the link; `more` when another part follows. */
  | { k: "roster"; members: [id: string, nick: string][]; more: boolean };

/** A batch as read back: who sent it, its number, and what it says. */
export interface Batch {
  hub: string;
  seq: number;
  messages: LinkMessage[];
}

/** The fields of one stream entry, as XADD takes them (name, value, name, value ...). */
export function entryFields(hub: string, seq: number, body: string): string[] {
  return ["v", WIRE_VERSION, "hub", hub, "seq", String(seq), "msgs", body];
}

/** A batch's `msgs` field. */
export function encodeMessages(messages: LinkMessage[]): string {
  return JSON.stringify(messages);
}

/** The fields of an entry of the arrivals stream: hub `hub` has joined the link (again). */
export function arrivalFields(hub: string): string[] {
  return ["hub", hub];
}

/** The hub an entry of the arrivals stream names, if it is a hub's id. */
export function arrivalHub(fields: unknown): string | undefined {
  const hub = entryHub(fields);
  return hub !== undefined && HUB_ID.test(hub) ? hub : undefined;
}

/** The `hub` field of an entry, without reading the rest (only a hub's own stream holds its entries). */
export function entryHub(fields: unknown): string | undefined {
  if (!Array.isArray(fields)) return undefined;
  for (let i = 0; i + 1 < fields.length && i < 32; i += 2) {
    if (fields[i] === "hub") return typeof fields[i + 1] === "string" ? fields[i + 1] : undefined;
  }
  return undefined;
}

/** A stream entry read: its batch (and a sample of each message dropped from it), or why it was skipped whole. */
export type Decoded = { ok: true; batch: Batch; dropped: string[] } | { ok: false; why: SkipReason };

/**
 * Reads one stream entry's fields (as XREAD returns them: a flat array of
 * names and values) into a batch, or says why it cannot be trusted. A message
 * that is not one is dropped alone: the batch keeps the others, and its number.
 */
export function decodeEntry(fields: unknown): Decoded {
  if (!Array.isArray(fields) || fields.length % 2 !== 0 || fields.length > 32) return bad({ kind: "not-pairs" });
  const f = new Map<string, string>();
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i];
    const value = fields[i + 1];
    if (typeof name !== "string" || typeof value !== "string") return bad({ kind: "not-text" });
    f.set(name, value);
  }
  if (f.get("v") !== WIRE_VERSION) {
    return bad({ kind: "version", got: JSON.stringify(f.get("v")?.slice(0, 8)) ?? "none", want: WIRE_VERSION });
  }
  const hub = f.get("hub") ?? "";
  if (!HUB_ID.test(hub)) return bad({ kind: "hub" });
  const seqText = f.get("seq") ?? "";
  if (!SEQ.test(seqText) || !Number.isSafeInteger(Number(seqText))) return bad({ kind: "seq" });
  const body = f.get("msgs") ?? "";
  if (body.length > MAX_ENTRY_CHARS) return bad({ kind: "too-long", chars: body.length, max: MAX_ENTRY_CHARS });
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return bad({ kind: "not-json" });
  }
  if (!Array.isArray(raw)) return bad({ kind: "not-list" });
  if (raw.length > MAX_BATCH_MESSAGES) return bad({ kind: "too-many", messages: raw.length, max: MAX_BATCH_MESSAGES });
  const messages: LinkMessage[] = [];
  const dropped: string[] = [];
  for (const item of raw) {
    const m = readMessage(item);
    if (m) messages.push(m);
    else dropped.push(JSON.stringify(item)?.slice(0, 60) ?? String(item));
  }
  return { ok: true, batch: { hub, seq: Number(seqText), messages }, dropped };
}

function bad(why: SkipReason): Decoded {
  return { ok: false, why };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A text from another hub: bounded, and cleaned as a client's line would be. */
function text(v: unknown): string | undefined {
  if (typeof v !== "string" || v.length > MAX_TEXT_CHARS) return undefined;
  return sanitize(v).text;
}

/** A nick from another hub: it must be one this kit would have accepted. */
function nick(v: unknown): string | undefined {
  if (typeof v !== "string" || v.length > 64) return undefined;
  const checked = checkNick(v);
  return checked.ok && checked.nick === v ? v : undefined;
}

/** A count of members: a whole number, 0 to a million. */
function count(v: unknown): number | undefined {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 1_000_000 ? v : undefined;
}

function memberId(v: unknown): string | undefined {
  return typeof v === "string" && MEMBER_ID.test(v) ? v : undefined;
}

/** One message, checked field by field; undefined when it is not one. Unknown fields are ignored. */
function readMessage(m: unknown): LinkMessage | undefined {
  if (!isObject(m)) return undefined;
  switch (m.k) {
    case "line": {
      const t = text(m.text);
      return t === undefined ? undefined : { k: "line", text: t };
    }
    case "private": {
      const t = text(m.text);
      const id = memberId(m.member);
      if (t === undefined || id === undefined || typeof m.hub !== "string" || !HUB_ID.test(m.hub)) return undefined;
      return { k: "private", hub: m.hub, member: id, text: t };
    }
    case "joined": {
      const n = nick(m.nick);
      return n === undefined ? undefined : { k: "joined", nick: n };
    }
    case "left": {
      const n = nick(m.nick);
      const reason = text(m.reason);
      return n === undefined || reason === undefined ? undefined : { k: "left", nick: n, reason };
    }
    case "renamed": {
      const from = nick(m.from);
      const to = nick(m.to);
      return from === undefined || to === undefined ? undefined : { k: "renamed", from, to };
    }
    case "summary": {
      const joined = count(m.joined);
      const left = count(m.left);
      const seconds = typeof m.seconds === "number" && m.seconds >= 0 && m.seconds <= 86_400 ? m.seconds : undefined;
      if (joined === undefined || left === undefined || seconds === undefined) return undefined;
      return { k: "summary", joined, left, seconds };
    }
    case "member": {
      const id = memberId(m.id);
      const n = nick(m.nick);
      return id === undefined || n === undefined ? undefined : { k: "member", id, nick: n };
    }
    case "gone": {
      const id = memberId(m.id);
      return id === undefined ? undefined : { k: "gone", id };
    }
    case "roster": {
      if (!Array.isArray(m.members) || m.members.length > ROSTER_PART || typeof m.more !== "boolean") return undefined;
      for (const pair of m.members) {
        if (!Array.isArray(pair) || pair.length !== 2) return undefined;
        if (memberId(pair[0]) === undefined || nick(pair[1]) === undefined) return undefined;
      }
      // Each pair checked is kept as it was read (two strings): no copy of a big roster.
      return { k: "roster", members: m.members as [string, string][], more: m.more };
    }
    default:
      return undefined;
  }
}

/** The roster of a hub as messages: parts of at most ROSTER_PART members, the last with `more: false`. */
export function rosterMessages(members: { id: string; nick: string }[]): LinkMessage[] {
  const out: LinkMessage[] = [];
  for (let i = 0; i === 0 || i < members.length; i += ROSTER_PART) {
    const part = members.slice(i, i + ROSTER_PART).map((m): [string, string] => [m.id, m.nick]);
    out.push({ k: "roster", members: part, more: i + ROSTER_PART < members.length });
  }
  return out;
}

/** A fresh hub id: 64 random bits. */
export function newHubId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** What another hub needs to know of a notice; news about the link itself stays on this hub. */
export function noticeMessage(n: Notice): LinkMessage | undefined {
  switch (n.kind) {
    case "joined":
      return { k: "joined", nick: n.nick };
    case "left":
      return { k: "left", nick: n.nick, reason: n.reason };
    case "renamed":
      return { k: "renamed", from: n.from, to: n.to };
    case "summary":
      return { k: "summary", joined: n.joined, left: n.left, seconds: n.seconds };
    default:
      return undefined;
  }
}
