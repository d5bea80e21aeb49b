/**
 * The short view of the wire, for a report that fits on a screen: the writes or
 * reads of one peer that follow each other are one row, their pieces shown side
 * by side (the boundaries stay visible), rows that only differ in their numbers
 * ("ready? ann #1" ... "#12") collapse into one, and only the last rows are
 * shown. The full timeline is WireLog.format(), shown by --verbose.
 */
import { escapeBytes, type WireEvent } from "../harness/index.ts";
import { noteIn } from "../harness/notes.ts";
import { clip, elide, padTo, width, type Lang } from "./text.ts";

type Row = {
  at: number;
  peer: string;
  kind: WireEvent["kind"];
  /** Each read or write, quoted. */
  pieces: string[];
  /** The first bytes of them all, cut anywhere: what the row is about. */
  start: string;
  note?: string;
  like: number;
};

const ARROWS: Record<Lang, Record<WireEvent["kind"], string>> = {
  en: { open: "open", sent: "->", recv: "<-", close: "close", note: "note" },
  zh: { open: "打开", sent: "->", recv: "<-", close: "关闭", note: "注" },
};

/** Bytes as a quoted string, the start of them only when there are more than `max`. */
function quoted(bytes: Uint8Array, max: number, lang: Lang): string {
  if (bytes.length <= max) return elide(escapeBytes(bytes), lang);
  const size = lang === "zh" ? `（共 ${bytes.length} 字节）` : `(${bytes.length} bytes)`;
  return `${elide(escapeBytes(bytes.subarray(0, max)), lang)}…${size}`;
}

/** Every event, one a row, for --verbose: the last `limit` of them, notes in `lang`. */
export function fullTimeline(events: readonly WireEvent[], o: { limit: number; width: number; lang: Lang }): string[] {
  const rows = events.slice(-o.limit);
  const who = Math.max(4, ...rows.map((e) => width(e.peer)));
  const lines = rows.map((e) => {
    const note = noteIn(e, o.lang);
    const what = [e.bytes ? quoted(e.bytes, o.width, o.lang) : "", e.bytes && note ? `(${note})` : (note ?? "")]
      .filter(Boolean)
      .join("  ");
    return `${e.at.toFixed(1).padStart(8)} ms  ${padTo(e.peer, who)}  ${padTo(ARROWS[o.lang][e.kind], 5)}  ${what}`;
  });
  const left = events.length - rows.length;
  if (left > 0)
    lines.unshift(o.lang === "zh" ? `  （省略了更早的 ${left} 个事件）` : `  (${left} earlier events left out)`);
  return lines;
}

/**
 * What a row looks like with its numbers blurred and the cuts between its pieces
 * ignored: rows that only differ there are repeats (line 5600 of a flood, read
 * in 7 pieces, is like line 5800, read in 2).
 */
const shape = (r: Row) => `${r.peer} ${r.kind} ${r.note ?? ""} ${r.start}`.replace(/\d+/g, "#");
const START = 80;
const decoder = new TextDecoder();

/**
 * Repeats: a row like the one before, or a block of two or three rows like the
 * block before (a line sent, the line relayed; again and again), is counted on
 * the rows kept, not shown.
 */
function collapse(rows: Row[]): Row[] {
  const kept: Row[] = [];
  next: for (let i = 0; i < rows.length;) {
    for (const size of [1, 2, 3]) {
      const block = kept.slice(-size);
      const coming = rows.slice(i, i + size);
      if (block.length === size && coming.length === size && block.every((b, k) => shape(b) === shape(coming[k]!))) {
        for (const b of block) b.like++;
        i += size;
        continue next;
      }
    }
    kept.push(rows[i]!);
    i++;
  }
  return kept;
}

/**
 * The rows of a timeline, by events and language: a report tries several levels
 * of detail, and each would compact the same megabytes again.
 */
const compacted = new WeakMap<readonly WireEvent[], Partial<Record<Lang, { rows: Row[]; from: number }>>>();

function rowsOf(events: readonly WireEvent[], lang: Lang): Row[] {
  const known = compacted.get(events) ?? {};
  // Made from as many events as there are now: a log still growing is compacted again.
  const cached = known[lang];
  if (cached && cached.from === events.length) return cached.rows;
  const rows = compact(events, lang);
  compacted.set(events, { ...known, [lang]: { rows, from: events.length } });
  return rows;
}

export function compactTimeline(
  events: readonly WireEvent[],
  o: { rows: number; width: number; lang: Lang },
): { lines: string[]; hidden: number } {
  const kept = rowsOf(events, o.lang);
  return formatRows(kept, kept.slice(-o.rows), o);
}

/** Events as rows: the pieces of one write side by side, repeats counted (see collapse). */
function compact(events: readonly WireEvent[], lang: Lang): Row[] {
  const rows: Row[] = [];
  for (const e of events) {
    const last = rows[rows.length - 1];
    // Only the start of a big write is ever shown: escape no more than that.
    const bytes = e.bytes ? quoted(e.bytes, 160, lang) : undefined;
    const note = noteIn(e, lang);
    // A disturbed write goes out in pieces a moment apart: one row, pieces side by side.
    if (
      bytes &&
      last &&
      last.peer === e.peer &&
      last.kind === e.kind &&
      !last.note &&
      !note &&
      e.at - last.at < 50 &&
      last.pieces.length < 40
    ) {
      last.pieces.push(bytes);
      if (last.start.length < START) last.start += decoder.decode(e.bytes!.subarray(0, START));
      continue;
    }
    const start = e.bytes ? decoder.decode(e.bytes.subarray(0, START)) : "";
    rows.push({ at: e.at, peer: e.peer, kind: e.kind, pieces: bytes ? [bytes] : [], start, note, like: 0 });
  }
  return collapse(rows);
}

/** The rows shown, one line each within `o.width`; how many earlier ones are not. */
function formatRows(kept: Row[], shown: Row[], o: { width: number; lang: Lang }): { lines: string[]; hidden: number } {
  const who = Math.max(4, ...shown.map((r) => r.peer.length));
  const lines = shown.map((r) => {
    const head = `${r.at.toFixed(1).padStart(7)} ms  ${padTo(r.peer, who)}  ${padTo(ARROWS[o.lang][r.kind], 5)}  `;
    const zh = o.lang === "zh";
    const unit = r.kind === "sent" ? (zh ? "次写入" : " writes") : zh ? "次读取" : " reads";
    const many = r.pieces.length > 1 ? `  (${r.pieces.length}${unit})` : "";
    const again = r.like > 0 ? (zh ? `  （另有 ${r.like} 行相同）` : `  (+${r.like} like it)`) : "";
    const what = [r.pieces.join(" "), r.note && r.pieces.length > 0 ? `(${r.note})` : r.note]
      .filter(Boolean)
      .join("  ");
    const tail = many + again;
    return head + clip(what, Math.max(20, o.width - width(head) - width(tail))) + tail;
  });
  return { lines, hidden: kept.length - shown.length };
}
