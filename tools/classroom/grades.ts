/**
 * From workers' results to grades: each student's points per exercise and in
 * all, the misconceptions named for them, the limits hit, and, when the class
 * was graded several times (--repeat), every check whose verdict changed.
 */
import {
  catalogue,
  misconception,
  type CheckOutcome,
  type CheckVerdict,
  type ExerciseId,
  type ExerciseOutcome,
  type Lang,
  type LimitHit,
  type Text,
} from "./grading.ts";
import type { Stopped, StudentResult } from "./pool.ts";
import { earned, exercisePoints, maxOf, worth, type Rubric } from "./rubric.ts";
import type { Note } from "./submissions.ts";
import { colon, w } from "./words.ts";

export type ExerciseState = "passed" | "failing" | "missing" | "stopped";

export type ExerciseGrade = { state: ExerciseState; points: number; max: number; outcome?: ExerciseOutcome };

/** A check whose verdict was not the same in every run. */
export type Unstable = { exercise: ExerciseId; check: string; transport: string; verdicts: CheckVerdict[] };

export type StudentGrade = {
  id: string;
  dir: string;
  seed: number;
  notes: Note[];
  /** Per exercise, the file graded. */
  files: Partial<Record<ExerciseId, string>>;
  exercises: Partial<Record<ExerciseId, ExerciseGrade>>;
  points: number;
  max: number;
  misconceptions: string[];
  limits: LimitHit[];
  stopped?: Stopped;
  /** Runs in which the grading stopped, of how many (with --repeat). */
  stoppedRuns: number;
  runs: number;
  unstable: Unstable[];
};

/** The verdict most runs gave; a tie goes to the first run's. */
function majority<T>(values: T[]): T {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = values[0] as T;
  for (const [v, n] of counts) if (n > counts.get(best)!) best = v;
  return best;
}

/** One student's runs (the same student, graded `runs.length` times) as one outcome per exercise. */
function merge(runs: StudentResult[]): { outcomes: ExerciseOutcome[]; unstable: Unstable[] } {
  const kept = runs.filter((r) => !r.stopped);
  const first = kept[0];
  if (!first) return { outcomes: [], unstable: [] };
  const unstable: Unstable[] = [];
  const outcomes = first.outcomes.map((o) => {
    const others = kept.map((r) => r.outcomes.find((x) => x.exercise === o.exercise));
    const checks = o.checks.map((c) => {
      const verdicts = others.map(
        (x) => x?.checks.find((y) => y.check === c.check && y.transport === c.transport)?.verdict ?? "unknown",
      );
      if (new Set(verdicts).size > 1)
        unstable.push({ exercise: o.exercise, check: c.check, transport: c.transport, verdicts });
      return { ...c, verdict: majority(verdicts) };
    });
    const passed = checks.every((c) => c.verdict === "pass" || c.extra);
    return { ...o, checks, passed };
  });
  return { outcomes, unstable };
}

/**
 * Grades from one or more runs of the whole class (each run: one result per
 * student, in the same order).
 */
export function gradesOf(
  runs: StudentResult[][],
  rubric: Rubric,
  exercises: readonly ExerciseId[],
  transports: readonly string[],
): StudentGrade[] {
  return runs[0]!.map((r, i) => {
    const all = runs.map((run) => run[i]!);
    const stoppedRuns = all.filter((x) => x.stopped).length;
    const stopped =
      stoppedRuns * 2 > all.length || (stoppedRuns * 2 === all.length && r.stopped) ? r.stopped : undefined;
    const { outcomes, unstable } = stopped ? { outcomes: [], unstable: [] } : merge(all);
    const grades: StudentGrade["exercises"] = {};
    for (const id of exercises) {
      const max = maxOf(rubric, id, transports);
      const handedIn = Boolean(r.student.files[id]);
      const outcome = outcomes.find((o) => o.exercise === id);
      const state: ExerciseState = !handedIn
        ? "missing"
        : stopped || !outcome
          ? "stopped"
          : outcome.passed
            ? "passed"
            : "failing";
      grades[id] = { state, points: exercisePoints(rubric, outcome), max, outcome };
    }
    const list = Object.values(grades);
    return {
      id: r.student.id,
      dir: r.student.dir,
      seed: r.seed,
      notes: r.student.notes,
      files: r.student.files,
      exercises: grades,
      points: list.reduce((s, g) => s + g.points, 0),
      max: list.reduce((s, g) => s + g.max, 0),
      misconceptions: [...new Set(outcomes.flatMap((o) => o.misconceptions))],
      limits: [...new Set(outcomes.flatMap((o) => o.limits))],
      stopped,
      stoppedRuns,
      runs: all.length,
      unstable,
    };
  });
}

/** "12.5" rather than "12.500000001"; whole numbers without a point. */
export const fmtPoints = (n: number): string => String(Math.round(n * 100) / 100);

/** One check over one transport, for every student alike (the same list whatever they handed in). */
export type CheckRow = {
  exercise: ExerciseId;
  check: string;
  transport: string;
  name: Text;
  extra: boolean;
  verdict: CheckVerdict | "missing" | "stopped";
  points: number;
  max: number;
  /** Why it did not pass, in the class's language ("" when it passed). */
  message: string;
  misconceptions: string[];
  timeline: string;
  ms: number;
};

/** Every check of the graded exercises for one student, in the catalogue's order. */
export function checkRows(g: StudentGrade, rubric: Rubric, transports: readonly string[], lang: Lang): CheckRow[] {
  const rows: CheckRow[] = [];
  for (const [id, eg] of Object.entries(g.exercises) as [ExerciseId, ExerciseGrade][]) {
    for (const k of catalogue().filter((x) => x.exercise === id)) {
      for (const t of k.transports.filter((x) => transports.includes(x))) {
        const max = worth(rubric, k.check, t, k.extra);
        const c = eg.outcome?.checks.find((x) => x.check === k.check && x.transport === t);
        const base = { exercise: id, check: k.check, transport: t, name: k.name, extra: k.extra, max };
        if (!c) {
          const verdict = eg.state === "missing" ? "missing" : "stopped";
          const message = verdict === "missing" ? w(lang, "noFile") : stoppedWords(g, lang);
          rows.push({ ...base, verdict, points: 0, message, misconceptions: [], timeline: "", ms: 0 });
          continue;
        }
        rows.push({
          ...base,
          verdict: c.verdict,
          points: earned(rubric, c),
          message: c.verdict === "pass" ? "" : whyText(c, lang),
          misconceptions: c.misconceptions,
          timeline: c.timeline,
          ms: c.ms,
        });
      }
    }
  }
  return rows;
}

/** "the program stopped the grading (it ran past the time limit)" */
export function stoppedWords(g: Pick<StudentGrade, "stopped">, lang: Lang): string {
  const how = g.stopped?.how === "time-limit" ? w(lang, "timeLimit") : w(lang, "ended");
  return lang === "zh" ? `${w(lang, "stopped")}（${how}）` : `${w(lang, "stopped")} (${how})`;
}

/** Expected, arrived, and the misconceptions a failing check names. */
export function whyText(c: CheckOutcome, lang: Lang): string {
  if (c.verdict === "unknown") return w(lang, "unknown");
  const out: string[] = [];
  if (c.blocked) out.push(w(lang, "blocked"));
  if (c.expected) out.push(`${w(lang, "expected")}${colon(lang)}${c.expected[lang]}`);
  if (c.arrived) out.push(`${w(lang, "arrived")}${colon(lang)}${c.arrived[lang]}`);
  for (const id of c.misconceptions) {
    const m = misconception(id);
    if (m)
      out.push(
        `${w(lang, "looksLike")}${colon(lang)}${m.name[lang]} — ${w(lang, "reread")}${colon(lang)}${m.reread[lang]}`,
      );
  }
  return out.join("\n");
}

/** A student's id as a file name: the same, less what no file name may hold. */
export const fileNameOf = (id: string): string => id.replace(/[/\\:*?"<>|\x00-\x1f]/g, "_").replace(/^\.+/, "_");
