/**
 * Words on a screen, in English or Chinese: a text in both languages, and lines
 * wrapped by display width (a CJK character takes two columns). Chinese may break
 * between any two characters, but never before a closing mark like "，" or after
 * an opening one like "（"; a Latin word, a path or a `code` span never breaks.
 */
import { langFromEnv, type Lang } from "../../src/i18n.ts";

export type { Lang };
/** A text in both languages. */
export type Text = Record<Lang, string>;

export const both = (en: string, zh: string): Text => ({ en, zh });
/** The same words in both languages (a command line, a quoted line). */
export const same = (text: string): Text => ({ en: text, zh: text });

/** The language: --lang, else the locale as src/i18n.ts reads it (LC_ALL, LC_MESSAGES, LANG), else English. */
export function pickLang(flag?: string, env: Record<string, string | undefined> = process.env): Lang {
  if (flag === "zh" || flag === "en") return flag;
  return langFromEnv(env);
}

/** Columns a text takes on a terminal: CJK counts two, colour codes none. */
export const width = (text: string): number => Bun.stringWidth(text);

/** `text` padded with spaces to `columns` display columns. */
export const padTo = (text: string, columns: number): string => text + " ".repeat(Math.max(0, columns - width(text)));

/** The terminal's width, within reason; 80 when it is not a terminal. */
export function screenWidth(): number {
  const columns = process.stdout.isTTY ? process.stdout.columns : undefined;
  return Math.max(60, Math.min(columns ?? 80, 120));
}

const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u;
/** Marks a line may not start with. */
const CLOSING = new Set([..."，。、；：？！）」』】》〉”’…—,.;:?!)]}%"]);
/** Marks a line may not end with. */
const OPENING = new Set([..."（「『【《〈“‘([{"]);

/**
 * The pieces a line may break between: a Latin word (with what sticks to it), or
 * one CJK character with the marks that must stay next to it. `space` says
 * whether a space came before the piece (it is dropped at a line break).
 */
function pieces(text: string): { text: string; space: boolean }[] {
  const out: { text: string; space: boolean }[] = [];
  let space = false;
  let glueNext = false;
  for (const token of text.match(/\s+|`[^`]*`|[^\s]/gu) ?? []) {
    if (/^\s+$/.test(token)) {
      space = true;
      glueNext = false;
      continue;
    }
    const last = out[out.length - 1];
    const wide = WIDE.test(token);
    const previousWide = last !== undefined && WIDE.test([...last.text].pop()!);
    // Glue to the piece before: no space between, and either a closing mark, or
    // Latin after Latin (one word), or anything right after an opening mark.
    const glue =
      last !== undefined &&
      !space &&
      (glueNext || CLOSING.has(token) || (!wide && !previousWide && !OPENING.has(token)));
    if (glue) last.text += token;
    else out.push({ text: token, space });
    glueNext = OPENING.has(token);
    space = false;
  }
  return out;
}

/** Wrap `text` to `columns` display columns; each line then gets `indent` in front. Newlines are kept. */
export function wrap(text: string, columns: number, indent = ""): string {
  const room = Math.max(20, columns - width(indent));
  const rows: string[] = [];
  for (const paragraph of text.split("\n")) {
    let row = "";
    for (const p of pieces(paragraph)) {
      const add = row === "" ? p.text : (p.space ? " " : "") + p.text;
      if (row !== "" && width(row + add) > room) {
        rows.push(row);
        row = p.text;
      } else row += add;
    }
    rows.push(row);
  }
  return rows.map((r) => (r === "" ? "" : indent + r)).join("\n");
}

/** Cut `text` to at most `columns` display columns, with "…" when cut. */
export function clip(text: string, columns: number): string {
  if (width(text) <= columns) return text;
  let out = "";
  let used = 0;
  // A colour code is one piece of no width; an escape as quoted text shows it ("\\n",
  // "\\x1b", "\\u{202e}") is one piece too, never cut; any other character, its own width.
  const PIECE = /\x1b\[[0-9;]*m|\\(?:x[0-9a-f]{2}|u\{[0-9a-f]+\}|[^])|[^]/gu;
  for (const piece of text.slice(0, columns * 4).match(PIECE) ?? []) {
    const w = piece.startsWith("\x1b") ? 0 : width(piece);
    if (used + w > columns - 1) break;
    out += piece;
    used += w;
  }
  return out + "…" + (out.includes("\x1b[") ? "\x1b[0m" : ""); // a colour cut short ends here
}

/**
 * Break `text` into rows of at most `columns` display columns wherever it must
 * (program output: a path or a traceback has no place to break), at a space when
 * there is one near the end of the row; each row gets `indent` in front.
 */
export function breakAt(text: string, columns: number, indent = ""): string {
  const room = Math.max(20, columns);
  const rows: string[] = [];
  let row = "";
  for (const ch of text) {
    if (width(row + ch) > room) {
      const space = row.lastIndexOf(" ");
      const cut = space > room * 0.6 ? space + 1 : row.length;
      rows.push(row.slice(0, cut).trimEnd());
      row = row.slice(cut);
    }
    row += ch;
  }
  rows.push(row);
  return rows.map((r) => indent + r).join("\n");
}
