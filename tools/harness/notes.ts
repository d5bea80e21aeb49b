/**
 * The words the harness writes into the wire log beside the bytes ("closed by
 * the program", "we reset the connection (RST)"), kept as data: a note is an id
 * and its values, worded in English or Chinese when a report shows it. The log
 * also keeps the English wording, for the kit's own test reports.
 */
import type { WireEvent, WireKind, WireLog } from "./wire.ts";

type Values = Record<string, string>;
type Words = { en: (v: Values) => string; zh: (v: Values) => string };

/** Every note the harness's clients and stand-in servers write. */
const WIRE_NOTES = {
  /** A TCP client's connection: its address, then the program's. */
  connected: { en: (v) => `${v.from} -> ${v.to}`, zh: (v) => `${v.from} -> ${v.to}` },
  /** A UDP client's socket, and whom it talks to. */
  "udp-opened": {
    en: (v) => `udp ${v.local}, talking to ${v.remote}`,
    zh: (v) => `udp ${v.local}，对方是 ${v.remote}`,
  },
  "closed-by-program": {
    en: (v) => `closed by the program${v.why ? ` (${v.why})` : ""}`,
    zh: (v) => `程序关闭了连接${v.why ? `（${v.why}）` : ""}`,
  },
  "we-closed": { en: () => "we closed", zh: () => "我们关闭了连接" },
  "we-reset": { en: () => "we reset the connection (RST)", zh: () => "我们重置了连接（RST）" },
  "we-half-closed": {
    en: () => "we closed our sending side, and keep reading",
    zh: () => "我们关闭了发送方向，仍在读取",
  },
  "we-closed-socket": { en: () => "we closed our socket", zh: () => "我们关闭了自己的套接字" },
  "stop-reading": { en: () => "we stop reading", zh: () => "我们停止读取" },
  "read-again": { en: () => "we read again", zh: () => "我们重新开始读取" },
  duplicate: { en: () => "duplicate", zh: () => "重复发送" },
  reordered: { en: () => "sent late: reordered", zh: () => "晚发：顺序被打乱" },
  from: { en: (v) => `from ${v.address}`, zh: (v) => `来自 ${v.address}` },
  to: { en: (v) => `to ${v.address}`, zh: (v) => `发往 ${v.address}` },
  accepted: { en: (v) => `accepted ${v.address}`, zh: (v) => `接受了 ${v.address}` },
  "client-closed": { en: () => "the client closed", zh: () => "客户端关闭了连接" },
  error: { en: (v) => `error: ${v.message}`, zh: (v) => `错误：${v.message}` },
  "send-failed": { en: (v) => `send failed: ${v.message}`, zh: (v) => `发送失败：${v.message}` },
} satisfies Record<string, Words>;

export type WireNoteId = keyof typeof WIRE_NOTES;

/** Record an event with a note: the note's id and values, and its English words. */
export function recordNote(
  wire: WireLog | undefined,
  peer: string,
  kind: WireKind,
  note: WireNoteId,
  values: Values = {},
  bytes?: Uint8Array,
): void {
  wire?.record(peer, kind, bytes, WIRE_NOTES[note].en(values), { id: note, values });
}

/** An event's note in `lang`: from its id and values when it has them, else as it was written. */
export function noteIn(e: WireEvent, lang: "en" | "zh"): string | undefined {
  const words = e.said ? (WIRE_NOTES as Record<string, Words>)[e.said.id] : undefined;
  return words ? words[lang](e.said!.values) : e.note;
}
