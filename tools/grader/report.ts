/**
 * Saying what grading found, in English or Chinese, on one screen by default:
 * per exercise the first failing check in full (expected, arrived, a short wire
 * timeline, the misconception it looks like and what to re-read), then one line
 * per other failing check. `verbose` shows every failure in full.
 */
import pc from "picocolors";
import type { Command } from "../harness/index.ts";
import { exercise } from "./exercises.ts";
import type { ExerciseId } from "./exam.ts";
import { diagnose, type Misconception, type ProgramKind } from "./misconceptions.ts";
import { firstFailing, type CheckResult, type Verdict } from "./run.ts";
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
  replay: { en: "replay exactly", zh: "精确重放" },
  more: { en: "--verbose shows every failure in full", zh: "加 --verbose 查看每个失败的完整信息" },
  passed: { en: "passed", zh: "通过" },
  failing: { en: "failing", zh: "未通过" },
  checks: { en: "checks", zh: "项检查" },
  of: { en: "of", zh: "/" },
} as const satisfies Record<string, Text>;

const t = (lang: Lang, k: keyof typeof M): string => M[k][lang];
/** A label and what follows it: "expected: ..." / "期望：..." */
const colon = (lang: Lang) => (lang === "zh" ? "：" : ": ");
const paren = (lang: Lang, text: string) => (lang === "zh" ? `（${text}）` : ` (${text})`);
/** A misconception's name, quoted as each language quotes. */
const quoted = (m: Misconception, lang: Lang) => (lang === "zh" ? `“${m.name.zh}”` : `"${m.name.en}"`);

/** Rows of the short wire timeline: the last ones, where a failure shows. */
const WIRE_ROWS = 8;
/** Other failing checks listed one a line; past this, a count. */
const MAX_OTHERS = 12;

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

const counts = (results: CheckResult[]) => {
  const core = results.filter((r) => !r.check.extra);
  return { failing: core.filter((r) => r.status !== "pass").length, total: core.length };
};

/** "failing 11 of 24 checks" / "未通过 11 / 24 项检查", or "passed". */
export function stateOf(v: Verdict, lang: Lang): string {
  const { failing, total } = counts(v.results);
  if (v.ok) return pc.green(`${t(lang, "passed")}${paren(lang, `${total} ${t(lang, "checks")}`)}`);
  return pc.red(lang === "zh" ? `未通过 ${failing} / ${total} 项检查` : `failing ${failing} of ${total} checks`);
}

/**
 * How much of each part a report shows. The first level that fits the screen is
 * used; each next one gives up the least useful part first: the wire's older rows,
 * the program's older output, the list of other failures, a second explanation.
 */
type Level = {
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
const LEVELS: Level[] = [
  { wire: WIRE_ROWS, output: 4, others: MAX_OTHERS, said: 4, more: "full", explain: Infinity },
  { wire: 6, output: 3, others: 8, said: 3, more: "full", explain: Infinity },
  { wire: 4, output: 3, others: 5, said: 3, more: "fix", explain: Infinity },
  { wire: 3, output: 2, others: 3, said: 2, more: "name", explain: Infinity },
  { wire: 2, output: 2, others: 2, said: 2, more: "name", explain: 4 },
  { wire: 0, output: 1, others: 1, said: 2, more: "name", explain: 3 },
  { wire: 0, output: 0, others: 0, said: 1, more: "name", explain: 2 },
];
const FULL: Level = { wire: 200, output: 15, others: Infinity, said: Infinity, more: "full", explain: Infinity };

/**
 * What a learner reads about one exercise's verdict: the first failing check in
 * full, one line per other one, the replay line; within `o.rows` lines, every line
 * within `o.width` columns, whatever the program sent.
 */
export function formatVerdict(v: Verdict, o: ReportOptions): string {
  const first = firstFailing(v);
  if (!first) return "";
  if (o.verbose) {
    const out: string[] = [];
    for (const r of v.results)
      if (r.status !== "pass" && !(r.notListening && r !== first)) out.push(...failureLines(r, o, FULL), "");
    out.push(...replayLines(v, first, o));
    return fit(out, o.width).join("\n");
  }
  const rows = o.rows ?? 30;
  let lines: string[] = [];
  for (const level of LEVELS) {
    lines = fit(
      [...failureLines(first, o, level), ...othersLines(v, first, o, level), ...replayLines(v, first, o)],
      o.width,
    );
    if (lines.length <= rows) break;
  }
  // Still too long (a tiny screen): the start, then where the rest is.
  if (lines.length > rows) lines = [...lines.slice(0, Math.max(1, rows - 2)), ...replayLines(v, first, o)];
  return lines.join("\n");
}

/** Every line within `width` columns: a line too wide (a long word, a path) breaks where it must. */
function fit(lines: string[], width: number): string[] {
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

/** The other failing checks, one line each, as many as the level shows, then how many more. */
function othersLines(v: Verdict, first: CheckResult, o: ReportOptions, level: Level): string[] {
  const others = otherLines(v, first, o);
  if (others.length === 0) return [];
  // One line left to say "and 1 more" would say less than the line itself.
  const shown = others.length > level.others + 1 ? others.slice(0, level.others) : others;
  const more = others.length - shown.length;
  const out = ["", `  ${pc.bold(t(o.lang, "alsoFailing"))}${colon(o.lang).trimEnd()}`, ...shown];
  if (more > 0)
    out.push(
      pc.dim(
        o.lang === "zh"
          ? `    ……还有 ${more} 项（加 --verbose 查看）`
          : `    … and ${more} more (--verbose shows them)`,
      ),
    );
  if (shown.length === 0)
    out.splice(
      0,
      2,
      "",
      pc.dim(
        o.lang === "zh"
          ? `  还有 ${more} 项检查未通过（加 --verbose 查看）`
          : `  ${more} more checks failing (--verbose shows them)`,
      ),
    );
  return out;
}

/** The replay line, for the one transport that fails or for both, and where the rest is. */
function replayLines(v: Verdict, first: CheckResult, o: ReportOptions): string[] {
  const failing = v.results.filter((r) => r.status !== "pass");
  const core = failing.filter((r) => !r.check.extra);
  const transports = [...new Set((core.length > 0 ? core : failing).map((r) => r.transport))];
  const replay = o
    .replay(transports.length === 1 ? transports[0] : undefined)
    .replace("{seed}", `--seed ${first.seed}`);
  const out = [pc.dim(`  ${t(o.lang, "replay")}${colon(o.lang)}${replay}`)];
  if (!o.verbose) out.push(pc.dim(`  ${t(o.lang, "more")}`));
  return out;
}

/**
 * A passing exercise's extras that fail, one line each (wrapped only when it
 * must be): the check, and the fix in the program's own language.
 */
export function formatExtras(v: Verdict, o: ReportOptions): string {
  const { lang } = o;
  const out: string[] = [];
  for (const id of new Set(v.results.filter((r) => r.check.extra && r.status !== "pass").map((r) => r.check.id))) {
    const r = v.results.find((x) => x.check.id === id)!;
    const [m] = diagnose(r.symptoms, r.check.lesson);
    const fix = m ? fixFor(m, o.program) : undefined;
    const how = fix ? ` — ${firstStatement(fix)}` : m ? ` — ${quoted(m, lang)}` : "";
    const line = `  ${pc.yellow("◇")} ${t(lang, "extraShort")}${colon(lang)}${r.check.name[lang]}${how}`;
    if (widthOf(line) <= o.width) out.push(line);
    // Too long for one line: the fix on a line of its own, never broken (it is code).
    else out.push(clip(line.slice(0, line.length - how.length), o.width), `    ${how.slice(3)}`);
  }
  return out.join("\n");
}

/** A misconception's fix for this program, in its language; none for a language the catalogue does not write. */
function fixFor(m: Misconception, program: Command): string | undefined {
  const kind = programKind(program);
  return kind ? m.fix?.[kind] : undefined;
}

/** What to re-read: a Python program is sent to the article and the lesson, in words without JavaScript's. */
function rereadFor(m: Misconception, program: Command): Text {
  return programKind(program) === "python" && m.rereadPy ? m.rereadPy : m.reread;
}

/** A fix's first line that is not an import: what a one-line mention shows. */
const firstStatement = (fix: string) => fix.split("\n").find((line) => !/^(import|from)\s/.test(line)) ?? fix;

const checkLabel = (r: CheckResult, lang: Lang) => `${r.check.lesson} ${r.transport}  ${r.check.name[lang]}`;

/** One line per other failing check: its name, and why in a word. */
function otherLines(v: Verdict, first: CheckResult, o: ReportOptions): string[] {
  type Entry = { transport: string; mark: string; label: string; extra: string; why: string };
  const entries: Entry[] = [];
  const told = new Set<string>();
  const firstNames = diagnose(first.symptoms).map((m) => quoted(m, o.lang));
  for (const r of v.results) {
    if (r === first || r.status === "pass") continue;
    if (r.notListening) {
      if (!told.has(r.transport) && first.transport !== r.transport)
        entries.push({
          transport: r.transport,
          mark: pc.red("✗"),
          label: t(o.lang, "neverListened"),
          extra: "",
          why: "",
        });
      told.add(r.transport);
      continue;
    }
    const names = diagnose(r.symptoms).map((m) => quoted(m, o.lang));
    const same = names.length > 0 && names.join() === firstNames.join();
    const silent = names.length === 0 && !r.events.some((e) => e.kind === "recv");
    const why =
      r.status === "blocked"
        ? t(o.lang, "notReachedShort")
        : same
          ? t(o.lang, "sameAsAbove")
          : silent
            ? t(o.lang, "nothingBack")
            : names.join(o.lang === "zh" ? "、" : ", ");
    entries.push({
      transport: r.transport,
      mark: r.check.extra ? pc.yellow("◇") : pc.red("✗"),
      label: r.check.name[o.lang],
      extra: r.check.extra ? paren(o.lang, t(o.lang, "extraShort")) : "",
      why,
    });
  }
  // Many failing over one transport: the checks that fail for the same reason are one line.
  // A check that fails the same way over both transports is one line too.
  const crowded = (tr: string) => entries.filter((e) => e.transport === tr && !e.extra).length > 4;
  const lines: string[] = [];
  const done = new Set<Entry>();
  for (const e of entries) {
    if (done.has(e)) continue;
    const twin = (x: Entry) => x !== e && !done.has(x) && x.label === e.label && x.why === e.why;
    const alike =
      e.why && !e.extra && crowded(e.transport)
        ? entries.filter((x) => x.transport === e.transport && !x.extra && x.why === e.why)
        : [e, ...entries.filter(twin)];
    for (const x of alike) done.add(x);
    const transports = [...new Set(alike.map((x) => x.transport))].join("+");
    const head = `${v.exercise} ${transports}`;
    const checks = new Set(alike.map((x) => x.label)).size;
    const label = checks > 1 ? (o.lang === "zh" ? `${checks} 项检查` : `${checks} checks`) : e.label;
    // The name gives way to the reason: the reason is what differs from line to line.
    const tail = e.why ? ` — ${e.why}` : "";
    const room = Math.max(24, o.width - 6 - widthOf(head) - 2 - widthOf(tail) - widthOf(e.extra));
    lines.push(clip(`    ${e.mark} ${head}  ${clip(label, room)}${pc.dim(e.extra)}${tail}`, o.width));
  }
  return lines;
}

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

function failureLines(r: CheckResult, o: ReportOptions, level: Level): string[] {
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

export type Row = {
  id: ExerciseId;
  /**
   * not-graded: started, never graded (or from another file); changed: saved since
   * its remembered verdict; partial: passed over one transport only. Only "passed"
   * counts in the progress bar.
   */
  state: "passed" | "failing" | "not-started" | "untouched" | "not-graded" | "changed" | "partial";
  detail: string;
  where: string;
};

/** The learner's table of exercises (`rows`), and the progress bar over all of them (`all`, by default the rows). */
export function formatProgress(rows: Row[], lang: Lang, all: Row[] = rows): string {
  const title = (id: ExerciseId) =>
    padTo(
      `${id} ${exercise(id).title[lang]}`,
      Math.max(...rows.map((r) => widthOf(`${r.id} ${exercise(r.id).title[lang]}`))),
    );
  const mark = {
    passed: pc.green("✓"),
    failing: pc.red("✗"),
    "not-started": pc.dim("·"),
    untouched: pc.dim("·"),
    "not-graded": pc.dim("?"),
    changed: pc.yellow("?"),
    partial: pc.yellow("◐"),
  };
  const details = rows.map((r) => r.detail);
  const detailWidth = Math.max(...details.map((d) => widthOf(d.replace(/\x1b\[[0-9;]*m/g, ""))));
  const lines = rows.map(
    (r) => `  ${mark[r.state]} ${title(r.id)}  ${padTo(r.detail, detailWidth)}  ${pc.dim(r.where)}`,
  );
  const passed = all.filter((r) => r.state === "passed").length;
  const cells = 24;
  const full = Math.round((passed / all.length) * cells);
  const bar = pc.green("█".repeat(full)) + pc.dim("░".repeat(cells - full));
  const word = lang === "zh" ? `${passed}/${all.length} 个练习已通过` : `${passed}/${all.length} exercises passed`;
  lines.push(`${lang === "zh" ? "进度" : "progress"} ${bar} ${word}`);
  return lines.join("\n");
}
