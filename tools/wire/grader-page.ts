/**
 * `bun run grade --html`: what one run of the grader found, as a report page
 * (report.ts): the progress over every exercise, then per graded exercise each
 * failing check with its wire drawn, the misconception it looks like, its fix
 * in the program's own language (Python or TypeScript), and each passing check
 * in a line. In the learner's language, like the terminal's report.
 */
import type { Lang } from "../../src/i18n.ts";
import { exercise } from "../grader/exercises.ts";
import { fixFor, t } from "../grader/failure.ts";
import { diagnose, type Misconception } from "../grader/misconceptions.ts";
import type { Plan } from "../grader/plan.ts";
import { programKind, stateOf, type Row } from "../grader/report.ts";
import type { CheckResult, Verdict } from "../grader/run.ts";
import { workspaceRows } from "../grader/screen.ts";
import type { Command } from "../harness/index.ts";
import { gradedSequence } from "./from-grader.ts";
import type { CheckView, ExerciseView, MisconceptionView, ReportView } from "./report.ts";

/** The page's own words; the rest are the grader's (failure.ts). */
const WORDS = {
  title: { en: "your exercises", zh: "你的练习" },
  neverListened: {
    en: "your program never listened: every other check failed the same way",
    zh: "你的程序从未开始监听：其余检查都以同样的方式失败",
  },
} as const;

/** One exercise's program, graded. */
export type Graded = { verdict: Verdict; program: Command; where: string; replay: string };

/**
 * A misconception as the page shows it, as the terminal does: the fix in the
 * program's language, and for Python the article's section to re-read first.
 */
function misconceptionView(m: Misconception, program: Command, lang: Lang): MisconceptionView {
  const fix = fixFor(m, program);
  const python = programKind(program) === "python";
  const reread = python && m.rereadPy ? m.rereadPy : m.reread;
  return {
    name: m.name[lang],
    explain: m.explain[lang],
    fixes: fix ? [fix] : [],
    fixLabel: t(lang, python ? "fixPy" : "fixTs"),
    reread: reread[lang],
  };
}

function checkView(r: CheckResult, g: Graded, lang: Lang, brief: boolean): CheckView {
  const found = diagnose(r.symptoms, r.check.lesson);
  const mute = !r.events.some((e) => e.kind === "recv") && r.outputs.every((x) => x.kind === "output");
  const colon = lang === "zh" ? "：" : ": ";
  const blocked =
    r.status === "blocked" && r.check.subject
      ? `${t(lang, "notReached")} ${r.check.subject[lang]}${colon}${t(lang, "earlierFailed")}${lang === "zh" ? "。" : "."}`
      : r.status === "unsure"
        ? `${t(lang, "couldNotTell")}${colon}${r.arrived?.[lang] ?? ""}`
        : undefined;
  const unsure = r.status === "unsure";
  return {
    label: `${r.check.lesson} ${r.transport}  ${r.check.name[lang]}`,
    status: r.status,
    extra: r.check.extra,
    brief: brief ? WORDS.neverListened[lang] : undefined,
    blocked,
    expected: unsure ? undefined : r.expected?.[lang],
    arrived: unsure ? undefined : r.arrived?.[lang],
    sequence:
      r.status === "pass" || unsure || r.events.length === 0
        ? undefined
        : gradedSequence({ ...r, name: r.check.name }, lang),
    misconceptions: unsure ? [] : found.map((m) => misconceptionView(m, g.program, lang)),
    hint:
      r.check.extra || r.notListening || unsure
        ? undefined
        : mute
          ? t(lang, "mute")
          : `${t(lang, "none")} ${r.check.reread[lang]}`,
    outputs: r.outputs
      .filter((x) => x.text.trim() !== "")
      .map((x) => ({
        title: x.whose
          ? lang === "zh"
            ? `${x.whose.zh}的输出`
            : `output of ${x.whose.en}`
          : `${t(lang, x.kind === "screen" ? "screen" : "output")} (${x.label})`,
        text: x.text.trimEnd().split("\n").slice(-15).join("\n"),
      })),
  };
}

/** The rows of the run's table: the workspace's every exercise, or the programs graded. */
export function rowsOfRun(p: Plan, verdicts: Verdict[], lang: Lang): Row[] {
  if (p.kind === "workspace") return workspaceRows(p, verdicts, lang);
  return p.jobs.map((j, i) => ({
    id: j.id,
    state: verdicts[i]!.ok ? "passed" : "failing",
    detail: stateOf(verdicts[i]!, lang),
    where: j.where,
  }));
}

/** One graded exercise: a check that never got to listen is drawn once per transport, the others said in a line. */
export function gradedView(g: Graded, row: Row, lang: Lang): ExerciseView {
  const told = new Set<string>();
  const checks = g.verdict.results.map((r) => {
    const again = Boolean(r.notListening) && told.has(r.transport);
    if (r.notListening) told.add(r.transport);
    return checkView(r, g, lang, again);
  });
  const replay = g.replay.replace(" {tr}", "").replace("{seed}", `--seed ${g.verdict.results[0]?.seed ?? 0}`);
  return { ...rowView(row, lang), checks, replay: g.verdict.ok ? undefined : replay };
}

/** An exercise as its row in the table says it (not graded this time: no checks). */
export function rowView(row: Row, lang: Lang): ExerciseView {
  return {
    id: row.id,
    title: exercise(row.id).title[lang],
    state: row.state,
    detail: Bun.stripANSI(row.detail),
    where: row.where,
    checks: [],
  };
}

/**
 * The whole report: every exercise of the run's table, the graded ones in full.
 * `graded` is in the order of the run's jobs, `rows` every row of the table.
 */
export function gradeReport(o: {
  lang: Lang;
  rows: Row[];
  graded: Map<string, Graded>;
  subtitle?: string;
}): ReportView {
  const exercises = o.rows.map((row) => {
    const g = o.graded.get(row.id);
    return g ? gradedView(g, row, o.lang) : rowView(row, o.lang);
  });
  const passed = o.rows.filter((r) => r.state === "passed").length;
  return {
    lang: o.lang,
    title: WORDS.title[o.lang],
    subtitle: o.subtitle,
    exercises,
    progress: { passed, total: o.rows.length },
  };
}
