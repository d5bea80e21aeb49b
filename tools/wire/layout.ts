/**
 * Text laid out in a drawing by display width. An SVG does not wrap text, so
 * the drawing does it before the browser sees it: every label in a monospace
 * font, where a Latin character takes one column and a Chinese one two
 * (Bun.stringWidth, the measure src/wrap.ts wraps by), so a label's width on
 * the page is known here, and two labels can be kept apart.
 */
import { wrapText } from "../../src/wrap.ts";
import { escapeBytes } from "../harness/wire.ts";

/** The font every drawing uses: monospace, with a Chinese one to fall back on. */
export const MONO = `ui-monospace, "DejaVu Sans Mono", "Noto Sans Mono CJK SC", "Noto Sans Mono", Menlo, Consolas, monospace`;
/**
 * One column, in em of the font size: DejaVu Sans Mono's Latin letters are
 * 0.60 em wide and a CJK character (2 columns) at most 1 em; 0.62 errs on the
 * wide side, so a label is never wider than the room it was given.
 */
export const COLUMN_EM = 0.62;

/** Columns a text takes: a CJK character two, an ASCII one one. */
export const columnsOf = (text: string): number => Bun.stringWidth(text);

/** Pixels a text takes at `fontPx`. */
export const pixelsOf = (text: string, fontPx: number): number => columnsOf(text) * fontPx * COLUMN_EM;

/** How many columns fit in `pixels` at `fontPx` (at least one). */
export const columnsIn = (pixels: number, fontPx: number): number =>
  Math.max(1, Math.floor(pixels / (fontPx * COLUMN_EM)));

/**
 * One piece never cut: an escape as escapeBytes writes it ("\n", "\x1b",
 * "\u{202e}"), or one character.
 */
const PIECE = /\\(?:x[0-9a-f]{2}|u\{[0-9a-f]+\}|[^])|[^]/gu;

/** `text` as lines of at most `columns`, broken anywhere (bytes have no words), never inside an escape. */
function breakAnywhere(text: string, columns: number): string[] {
  const rows: string[] = [];
  let row = "";
  for (const piece of text.match(PIECE) ?? []) {
    if (row !== "" && columnsOf(row + piece) > columns) {
      rows.push(row);
      row = "";
    }
    row += piece;
  }
  rows.push(row);
  return rows;
}

/**
 * `text` wrapped to `columns`: at spaces, and between any two Chinese
 * characters (src/wrap.ts's rules); a word longer than a line, or quoted
 * bytes, broken wherever they must be.
 */
export function wrapLines(text: string, columns: number): string[] {
  return wrapText(text, columns)
    .split("\n")
    .flatMap((line) => (columnsOf(line) > columns ? breakAnywhere(line, columns) : [line]));
}

/** `text` in at most `columns`, its middle cut out for "…" when it must be. */
export function elide(text: string, columns: number): string {
  if (columnsOf(text) <= columns) return text;
  const pieces = text.match(PIECE) ?? [];
  /** The pieces of `from`, in its order, that fit in `room` columns. */
  const keep = (from: string[], room: number) => {
    const out: string[] = [];
    let used = 0;
    for (const p of from) {
      if (used + columnsOf(p) > room) break;
      out.push(p);
      used += columnsOf(p);
    }
    return out;
  };
  const room = Math.max(1, columns - 1);
  const head = keep(pieces, Math.ceil((room * 2) / 3)).join("");
  const tail = keep([...pieces].reverse(), room - columnsOf(head))
    .reverse()
    .join("");
  return `${head}…${tail}`;
}

/** `bytes` as one quoted string, its `head` first bytes and the rest with "…" between. */
const ends = (bytes: Uint8Array, head: number) =>
  `${escapeBytes(bytes.subarray(0, head)).slice(0, -1)}…${escapeBytes(bytes.subarray(head)).slice(1)}`;

/**
 * Bytes escaped as the text timeline shows them; only their start and end
 * when they are many (or when `cut` says they are already only those of more).
 */
export function quoteBytes(
  bytes: Uint8Array,
  columns: number,
  size: (n: number) => string,
  cut?: { size: number; head: number },
): string {
  // Escape no more than can be shown: a write of a megabyte is shown by its ends.
  const most = Math.max(64, columns * 4);
  const whole = !cut && bytes.length <= most;
  const all = cut
    ? ends(bytes, cut.head)
    : whole
      ? escapeBytes(bytes)
      : ends(Buffer.concat([bytes.subarray(0, most / 2), bytes.subarray(-most / 4)]), most / 2);
  if (whole && columnsOf(all) <= columns) return all;
  // Cut: with its size after it, when there is room for both.
  const words = size(cut?.size ?? bytes.length);
  const room = columns - columnsOf(words) - 1;
  return room >= 12 ? `${elide(all, room)} ${words}` : elide(all, columns);
}
