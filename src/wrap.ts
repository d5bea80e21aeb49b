/**
 * Text cut into lines that fit a terminal, by display width (Bun.stringWidth: a
 * CJK character takes two columns): the one rule for the server's and client's
 * --help (src/cli.ts), the lessons (lessons/cli.ts) and the grader.
 */

/** Characters as wide as two Latin ones, between any two of which a line may break. */
const WIDE = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}\p{sc=Bopomofo}\u3000-\u303f\uff00-\uffef]/u;
/** Marks that stay with what follows them: no line ends with one. */
const OPENING = new Set([..."（「『《〈【〔［｛“‘([{"]);
/** Marks that stay with what precedes them: no line starts with one. */
const CLOSING = new Set([..."，。、；：！？）」』》〉】〕］｝”’…～·,.;:!?)]"]);
/** A no-break space: printed as a space, never broken at. */
const GLUE = "\u00a0";
/** A word joiner: holds its neighbours together, printed as nothing. */
const JOIN = "\u2060";

/** `text` as one piece that is never cut: "default 9009", "默认 9009". */
export function unbroken(text: string): string {
  return [...text.replaceAll(" ", GLUE)].join(JOIN);
}

/**
 * The pieces a line may break between: a Latin word (with what sticks to it),
 * or one CJK character with the marks that must stay next to it; a `code span`,
 * and anything held together by `unbroken`, is one piece. `gap` is the
 * whitespace before a piece (dropped at a break).
 */
function pieces(text: string): { text: string; gap: string }[] {
  const out: { text: string; gap: string }[] = [];
  let gap = "";
  let glueNext = false;
  for (const token of text.match(/[^\S\u00a0]+|`[^`]*`|\S|\u00a0/gu) ?? []) {
    if (/^[^\S\u00a0]/.test(token)) {
      gap = token;
      glueNext = false;
      continue;
    }
    const last = out.at(-1);
    const wide = WIDE.test(token);
    const afterWide = last !== undefined && WIDE.test([...last.text].at(-1)!);
    const holds = token === GLUE || token === JOIN;
    // Glued to the piece before: no space between, and a closing mark, or Latin
    // after Latin (one word, "f(x)" too), or anything right after an opening mark or a joiner.
    const latinWord = !wide && !afterWide && !(OPENING.has(token) && WIDE.test(token));
    const glue = last !== undefined && gap === "" && (glueNext || holds || CLOSING.has(token) || latinWord);
    if (glue) last.text += token;
    else out.push({ text: token, gap });
    glueNext = OPENING.has(token) || holds;
    gap = "";
  }
  return out;
}

/**
 * Wraps `text` to `columns` display columns, each line after `indent` (the
 * first after `first`, when given). Latin text breaks at spaces, and a word
 * longer than a line stays whole; Chinese, Japanese and Korean, which have no
 * spaces, break between any two characters, after CJK punctuation but never
 * before it. Newlines are kept, and so is the whitespace a paragraph starts with.
 * (Commander's own wrapping breaks only at spaces: a Chinese description would
 * come out as one line.)
 */
export function wrapText(text: string, columns: number, indent = "", first?: string): string {
  /** Room on row `n`, after its indent. */
  const room = (n: number) => columns - Bun.stringWidth(n === 0 && first !== undefined ? first : indent);
  const rows: string[] = [];
  for (const paragraph of text.split("\n")) {
    let row = "";
    let started = false;
    for (const p of pieces(paragraph)) {
      const add = p.gap + p.text;
      if (started && Bun.stringWidth(row + add) > room(rows.length)) {
        rows.push(row);
        row = p.text;
      } else row += add;
      started = true;
    }
    rows.push(row);
  }
  return rows
    .map((r, n) => (n === 0 && first !== undefined ? first + r : r === "" ? "" : indent + r))
    .join("\n")
    .replaceAll(GLUE, " ")
    .replaceAll(JOIN, "");
}
