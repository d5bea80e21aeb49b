/**
 * Words on a screen, in English or Chinese: a text in both languages, and lines
 * wrapped by display width (a CJK character takes two columns). Chinese may break
 * between any two characters, but never before a closing mark like "，" or after
 * an opening one like "（"; a Latin word, a path or a `code` span never breaks.
 */
import { wrapText } from "../../src/wrap.ts";
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

/**
 * Wrap `text` to `columns` display columns (at least 20 after `indent`); each line
 * then gets `indent` in front. The kit's one rule for it is src/cli.ts's.
 */
export function wrap(text: string, columns: number, indent = ""): string {
  return wrapText(text, Math.max(columns, 20 + width(indent)), indent);
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

/** Below this many characters a repeat is left as it is. */
const REPEAT_SHOWN = 24;

/**
 * Long repeats cut short, as a person would write them: a run of one piece (a
 * character, or up to 16 of them) repeated past 24 characters keeps three copies
 * and says how many more there were: "你你你…(1,021 more)", "你你你…（另有 1,021 个）".
 */
export function elide(text: string, lang: Lang): string {
  if (text.length <= REPEAT_SHOWN) return text;
  return text.replace(/(.{1,16}?)\1{3,}/gsu, (run: string, piece: string) => {
    if (run.length <= REPEAT_SHOWN) return run;
    const more = (run.length / piece.length - 3).toLocaleString("en-US");
    return piece.repeat(3) + (lang === "zh" ? `…（另有 ${more} 个）` : `…(${more} more)`);
  });
}
