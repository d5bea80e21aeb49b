/**
 * One failing check, as a learner reads it: the check, what was expected and
 * what arrived, a short wire timeline, the misconception it looks like with the
 * fix in the program's own language and what to re-read, and the program's
 * output; as much of each as a level of detail shows (report.ts picks the level
 * that fits the screen). The words every part of a report shares are here too.
 */
import pc from "picocolors";
import type { Command } from "../harness/index.ts";
import { diagnose, type Misconception, type ProgramKind } from "./misconceptions.ts";
import type { CheckResult } from "./run.ts";
import { breakAt, clip, elide, padTo, width as widthOf, wrap, type Lang, type Text } from "./text.ts";
import { compactTimeline, fullTimeline } from "./timeline.ts";

const M = {
  expected: { en: "expected", zh: "期望" },
  arrived: { en: "arrived", zh: "实际" },
  looksLike: { en: "this looks like", zh: "这看起来是" },
  reread: { en: "re-read", zh: "重读" },
  fixPy: { en: "the fix, in Python", zh: "修正方法（Python）" },
  fixTs: { en: "the fix, in TypeScript", zh: "修正方法（TypeScript）" },
  wire: { en: "wire (-> sent by the grader, <- from your program)", zh: "线路（-> 评分器发出，<- 来自你的程序）" },
  output: { en: "your program's output", zh: "你的程序的输出" },
  screen: { en: "your program's screen", zh: "你的程序的屏幕" },
  none: {
    en: "no named misconception matches: compare expected and arrived above, and re-read",
    zh: "没有匹配到已命名的误解：对照上面的期望与实际，并重读",
  },
  mute: {
    en: "your program never sent anything back, to any client: start with the TODOs that answer a line",
    zh: "你的程序从来没有给任何客户端回过任何东西：先完成回复一行的那些 TODO",
  },
  notReachedShort: { en: "not reached: an earlier step failed", zh: "没走到：前面的一步先失败了" },
  nothingBack: { en: "nothing came back", zh: "什么也没收到" },
  sameAsAbove: { en: "the same misconception as above", zh: "同上" },
  alsoFailing: { en: "also failing", zh: "其他未通过的检查" },
  firstFailing: { en: "first failing check", zh: "第一个未通过的检查" },
  notReached: { en: "could not reach", zh: "没能走到" },
  earlierFailed: { en: "an earlier step failed first", zh: "前面的一步先失败了" },
  extra: { en: "extra, does not count", zh: "附加项，不计分" },
  extraShort: { en: "extra", zh: "附加" },
  neverListened: { en: "every check: your program never listened", zh: "所有检查：你的程序从未开始监听" },
  everyCheck: { en: "every check", zh: "所有检查" },
  replay: { en: "replay exactly", zh: "精确重放" },
  couldNotTell: { en: "could not tell", zh: "无法判断" },
  runAgain: { en: "run again", zh: "再运行一次" },
  more: { en: "--verbose shows every failure in full", zh: "加 --verbose 查看每个失败的完整信息" },
  passed: { en: "passed", zh: "通过" },
  failing: { en: "failing", zh: "未通过" },
  checks: { en: "checks", zh: "项检查" },
  of: { en: "of", zh: "/" },
} as const satisfies Record<string, Text>;

export const t = (lang: Lang, k: keyof typeof M): string => M[k][lang];
/** A label and what follows it: "expected: ..." / "期望：..." */
export const colon = (lang: Lang) => (lang === "zh" ? "：" : ": ");
export const paren = (lang: Lang, text: string) => (lang === "zh" ? `（${text}）` : ` (${text})`);
/** A misconception's name, quoted as each language quotes. */
export const quoted = (m: Misconception, lang: Lang) => (lang === "zh" ? `“${m.name.zh}”` : `"${m.name.en}"`);

/** Rows of the short wire timeline: the last ones, where a failure shows. */
export const WIRE_ROWS = 8;
/** Other failing checks listed one a line; past this, a count. */
export const MAX_OTHERS = 12;

export type ReportOptions = {
  lang: Lang;
  verbose?: boolean;
  /** Columns to fit in. */
  width: number;
  /** The command line that replays one transport's checks (or both's), "{seed}" where the seed goes. */
  replay: (transport?: string) => string;
  program: Command;
  /** The most lines the report may take (default 30): it gives up detail, never the failing check, to fit. */
  rows?: number;
};

/** Python or Bun, from the command line, to show the fix in the learner's language. */
export function programKind(command: Command): ProgramKind | undefined {
  const words = command.argv.join(" ");
  if (/(^|\/)python[\d.]*( |$)|\.py( |$)/.test(words)) return "python";
  if (command.argv[0] === process.execPath || /(^|\/)bun( |$)|\.(ts|js|mjs)( |$)/.test(words)) return "bun";
  return undefined;
}

/**
 * How much of each part a report shows. The first level that fits the screen is
 * used; each next one gives up the least useful part first: the wire's older rows,
 * the program's older output, the list of other failures, a second explanation.
 */
export type Level = {
  wire: number;
  output: number;
  others: number;
  /** Lines of "expected" and of "arrived", each. */
  said: number;
  /** A misconception after the first: in full, its name and fix, or its name only. */
  more: "full" | "fix" | "name";
  /** Lines of the first misconception's explanation (Infinity: all). */
  explain: number;
};
export const LEVELS: Level[] = [
  { wire: WIRE_ROWS, output: 4, others: MAX_OTHERS, said: 4, more: "full", explain: Infinity },
  { wire: 6, output: 3, others: 8, said: 3, more: "full", explain: Infinity },
  { wire: 4, output: 3, others: 5, said: 3, more: "fix", explain: Infinity },
  { wire: 3, output: 2, others: 3, said: 2, more: "name", explain: Infinity },
  { wire: 2, output: 2, others: 2, said: 2, more: "name", explain: Infinity },
  { wire: 0, output: 2, others: 1, said: 2, more: "name", explain: Infinity },
  // The explanation is what a learner reads: the list of other failures goes before it is cut.
  { wire: 0, output: 1, others: 0, said: 2, more: "name", explain: Infinity },
  { wire: 0, output: 0, others: 0, said: 1, more: "name", explain: 4 },
  { wire: 0, output: 0, others: 0, said: 1, more: "name", explain: 2 },
];
export const FULL: Level = { wire: 200, output: 15, others: Infinity, said: Infinity, more: "full", explain: Infinity };

/** Every line within `width` columns: a line too wide (a long word, a path) breaks where it must. */
export function fit(lines: string[], width: number): string[] {
  return lines
    .flatMap((text) => text.split("\n"))
    .flatMap((line) => {
      if (widthOf(line) <= width) return [line];
      const indent = " ".repeat(Math.min(8, line.length - line.trimStart().length) + 2);
      return breakAt(line, width - indent.length, "")
        .split("\n")
        .map((row, k) => (k === 0 ? row : indent + row));
    });
}

/** A misconception's fix for this program, in its language; none for a language the catalogue does not write. */
export function fixFor(m: Misconception, program: Command): string | undefined {
  const kind = programKind(program);
  return kind ? m.fix?.[kind] : undefined;
}

/** What to re-read: a Python program is sent to the article and the lesson, in words without JavaScript's. */
function rereadFor(m: Misconception, program: Command): Text {
  return programKind(program) === "python" && m.rereadPy ? m.rereadPy : m.reread;
}

/** A fix's first line that is not an import, and its imports in a comment: what a one-line mention shows. */
export function firstStatement(fix: string): string {
  const lines = fix.split("\n");
  const isImport = (line: string) => /^(import|from)\s/.test(line);
  const statement = lines.find((line) => !isImport(line)) ?? fix;
  // Its imports, as a comment after it: pasted alone, the line still says what it needs.
  const imports = lines.filter(isImport);
  if (imports.length === 0) return statement;
  const comment = /^from\s|^import\s+[\w.]+(\s*,\s*[\w.]+)*\s*$/.test(imports[0]!) ? "#" : "//";
  return `${statement}  ${comment} ${imports.join("; ")}`;
}

const checkLabel = (r: CheckResult, lang: Lang) => `${r.check.lesson} ${r.transport}  ${r.check.name[lang]}`;

/** One failing check in full, as `bun test` and --verbose show it. */
export function formatFailure(r: CheckResult, o: ReportOptions, verbose: boolean): string {
  return fit(failureLines(r, o, verbose ? FULL : LEVELS[0]!), o.width).join("\n");
}

/** At most `rows` lines of `text` wrapped after `head`; the last one cut with "…" when there is more. */
function said(head: string, text: string, o: ReportOptions, rows: number): string[] {
  const lines = wrap(elide(text, o.lang), o.width, " ".repeat(widthOf(head))).split("\n");
  lines[0] = head + lines[0]!.trimStart();
  if (lines.length <= rows) return lines;
  const kept = lines.slice(0, rows);
  kept[rows - 1] = clip(kept[rows - 1]! + " …", o.width);
  if (!kept[rows - 1]!.endsWith("…")) kept[rows - 1] += "…";
  return kept;
}

export function failureLines(r: CheckResult, o: ReportOptions, level: Level): string[] {
  const { lang } = o;
  const out: string[] = [];
  const mark = r.check.extra ? pc.yellow("◇") : pc.red("✗");
  const extra = r.check.extra ? pc.dim(paren(lang, t(lang, "extra"))) : "";
  out.push(`  ${mark} ${wrap(pc.bold(checkLabel(r, lang)) + extra, o.width, "    ").trimStart()}`);
  if (r.status === "blocked") {
    const stop = lang === "zh" ? "。" : ".";
    out.push(
      wrap(
        `${t(lang, "notReached")} ${r.check.subject![lang]}${colon(lang)}${t(lang, "earlierFailed")}${stop}`,
        o.width,
        "    ",
      ),
    );
  }
  if (r.status === "unsure") {
    out.push(wrap(`${t(lang, "couldNotTell")}${colon(lang)}${r.arrived?.[lang] ?? ""}`, o.width, "    "));
    return out;
  }
  const labels = [t(lang, "expected"), t(lang, "arrived")];
  const labelWidth = Math.max(...labels.map(widthOf)) + widthOf(colon(lang));
  const head = (label: string) => `    ${padTo(`${pc.bold(label)}${colon(lang).trimEnd()}`, labelWidth)}`;
  if (r.expected) out.push(...said(head(labels[0]!), r.expected[lang], o, level.said));
  if (r.arrived) out.push(...said(head(labels[1]!), r.arrived[lang], o, level.said));
  if (r.events.length > 0 && level.wire > 0) {
    out.push(`    ${pc.dim(t(lang, "wire"))}`);
    if (level === FULL) {
      const rows = fullTimeline(r.events, { limit: 200, width: Math.max(40, o.width - 30), lang });
      out.push(...rows.map((row) => `    ${row}`));
    } else {
      const { lines, hidden } = compactTimeline(r.events, { rows: level.wire, width: o.width - 4, lang });
      const earlier =
        lang === "zh" ? `（更早的 ${hidden} 行：加 --verbose 查看）` : `(${hidden} earlier rows: --verbose shows them)`;
      if (hidden > 0 && level.wire >= 4) out.push(pc.dim(`      ${earlier}`));
      out.push(...lines.map((l) => `    ${l}`));
    }
  }
  const found = diagnose(r.symptoms, r.check.lesson);
  found.forEach((m, k) => out.push(...misconceptionLines(m, o, k === 0 ? "full" : level.more, level.explain)));
  const mute = !r.events.some((e) => e.kind === "recv") && r.outputs.every((x) => x.kind === "output");
  if (found.length === 0 && !r.check.extra && !r.notListening) {
    const none = mute ? t(lang, "mute") : `${t(lang, "none")} ${r.check.reread[lang]}`;
    out.push(pc.dim(wrap(none, o.width, "    ")));
  }
  const outputs = r.outputs.filter((x) => x.text.trim() !== "");
  if (level.output > 0)
    for (const x of outputs.slice(0, 2)) {
      const rows = x.text.trimEnd().split("\n").slice(-level.output);
      const title = x.whose
        ? lang === "zh"
          ? `${x.whose.zh}的输出`
          : `output of ${x.whose.en}`
        : `${t(lang, x.kind === "screen" ? "screen" : "output")}${paren(lang, clip(x.label, o.width - 30))}`;
      out.push(`    ${pc.dim(`${title}${colon(lang).trimEnd()}`)}`);
      // Cut, the end of a line (the file name, the error's own words) would be lost: wrapped instead.
      for (const row of rows)
        out.push(
          ...breakAt(elide(row, lang), o.width - 6, "      ")
            .split("\n")
            .slice(0, 3),
        );
    }
  return out;
}

/** A misconception: its name, what it means, the fix in the program's language, what to re-read. */
function misconceptionLines(
  m: Misconception,
  o: Pick<ReportOptions, "lang" | "width" | "program">,
  shown: Level["more"],
  explainRows: number,
): string[] {
  const { lang } = o;
  const out = [`    ${pc.yellow(`${t(lang, "looksLike")}${colon(lang)}${quoted(m, lang)}`)}`];
  if (shown === "name") return out;
  if (shown === "full") {
    const rows = wrap(m.explain[lang], o.width, "      ").split("\n");
    if (rows.length > explainRows) {
      rows.length = explainRows;
      rows[explainRows - 1] = clip(rows[explainRows - 1]! + " …", o.width);
    }
    out.push(...rows);
  }
  const fix = fixFor(m, o.program);
  if (fix) {
    const label = programKind(o.program) === "python" ? "fixPy" : "fixTs";
    out.push(`      ${t(lang, label)}${colon(lang).trimEnd()}`);
    out.push(...fix.split("\n").map((line) => `        ${pc.cyan(line)}`));
  }
  out.push(wrap(`${t(lang, "reread")}${colon(lang)}${rereadFor(m, o.program)[lang]}`, o.width, "      "));
  return out;
}
