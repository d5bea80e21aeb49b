/**
 * The class grader's one door into the grader (tools/grader/): grade one program
 * as one exercise over TCP and UDP with a seed, and read back, as plain data that
 * crosses a process boundary, what a class needs of each check: its verdict,
 * name, misconceptions, the wire, and the learner's own report.
 *
 * Everything else in tools/classroom/ speaks through this file only, so that a
 * change in the grader's internals is mended here, in one place.
 */
import { limiter, type Limiter, type Transport } from "../harness/index.ts";
import { CHECKS } from "../grader/checks/index.ts";
import type { ExerciseId } from "../grader/exam.ts";
import { EXERCISE_IDS, exercise } from "../grader/exercises.ts";
import { MISCONCEPTIONS, type MisconceptionId } from "../grader/misconceptions.ts";
import { formatExtras, formatVerdict } from "../grader/report.ts";
import { allMisconceptions, checksFor, runCheck, verdictOf, type CheckResult, type Verdict } from "../grader/run.ts";
import { both, pickLang, type Lang, type Text } from "../grader/text.ts";
import { fullTimeline } from "../grader/timeline.ts";
import { gradedSequence } from "../wire/from-grader.ts";
import { toRecord, type SequenceRecord } from "../wire/record.ts";

export { both, pickLang, EXERCISE_IDS, type ExerciseId, type Lang, type Text, type Transport };

/** pass; fail (its own failure, or an earlier step's); unknown: the grader could not tell. */
export type CheckVerdict = "pass" | "fail" | "unknown";

/** One check over one transport, as the class grader keeps it. */
export type CheckOutcome = {
  /** "01.reply" */
  check: string;
  transport: Transport;
  name: Text;
  /** Shown, but it does not fail the exercise (and is worth 0 points by default). */
  extra: boolean;
  verdict: CheckVerdict;
  /** Failed before it reached its own subject: an earlier step failed. */
  blocked: boolean;
  misconceptions: string[];
  expected?: Text;
  arrived?: Text;
  /** The wire across all peers, one row a line (empty when it passed). */
  timeline: string;
  /** The wire as a sequence to draw (tools/wire), kept small; none when it passed. */
  wire?: SequenceRecord;
  ms: number;
};

/** What a program hit, as far as its output and its end show. */
export type LimitHit = "memory" | "processes" | "cpu" | "file-size";

export type ExerciseOutcome = {
  exercise: ExerciseId;
  /** Every check that counts passed. */
  passed: boolean;
  checks: CheckOutcome[];
  /** Every misconception named by a failing check, each once. */
  misconceptions: string[];
  limits: LimitHit[];
  /** The learner's report, as `bun run grade` prints it (no colours); "" when all passed. */
  report: string;
  seed: number;
};

/** The program to grade: how to start it, and how to show it. */
export type Program = { argv: string[]; label: string };

export type GradeSettings = {
  seed: number;
  transports: readonly Transport[];
  lang: Lang;
  readyMs?: number;
  waitMs?: number;
  /** How the learner replays it, "{tr}" and "{seed}" where the transport and seed go. */
  replay: string;
  /** Checks run at once, shared by every exercise graded with it (see checksAtOnce). */
  turns?: Limiter;
};

/**
 * Checks at once in one worker. The grader alone allows 16 per process; a class
 * runs a worker per student, `--jobs` of them at a time, and every check starts
 * a program: fewer per worker keeps a small machine's programs quick to start.
 */
export const checksAtOnce = (n = 6): Limiter => limiter(n);

/** Grade one program as one exercise; never throws for the program's sake. */
export async function gradeProgram(id: ExerciseId, program: Program, s: GradeSettings): Promise<ExerciseOutcome> {
  const command = { argv: program.argv, label: program.label, custom: true };
  const transports = s.transports.filter((t) => exercise(id).transports.includes(t));
  const o = { command, seed: s.seed, readyMs: s.readyMs, waitMs: s.waitMs };
  // As the grader's runChecks does, with this worker's own turns: per transport, the
  // checks share a launch gate (a program that never listens is waited for once).
  const turns = s.turns ?? checksAtOnce();
  const gates = new Map(transports.map((t) => [t, {}]));
  const list = transports.flatMap((transport) => checksFor(id, transport).map((check) => ({ check, transport })));
  const results = await Promise.all(
    list.map(({ check, transport }) => turns(() => runCheck(check, transport, { ...o, gate: gates.get(transport) }))),
  );
  const v = verdictOf(id, transports, results);
  const replay = (tr?: string) => s.replay.replace(" {tr}", tr ? ` --${tr}` : "");
  const ro = { lang: s.lang, width: 80, replay, program: command };
  const report = Bun.stripANSI(v.ok ? formatExtras(v, ro) : formatVerdict(v, ro));
  const limits = limitsOf(v);
  // A fork refused by the limit on processes raises Python's BlockingIOError too: not a short write.
  const notFromLimits = (id: string) => !(id === "writes-assumed-complete" && limits.includes("processes"));
  return {
    exercise: id,
    passed: v.ok,
    checks: v.results.map((r) => outcomeOf(r, s.lang, notFromLimits)),
    misconceptions: allMisconceptions(v)
      .map((m) => m.id)
      .filter(notFromLimits),
    limits,
    report,
    seed: s.seed,
  };
}

function outcomeOf(r: CheckResult, lang: Lang, keep: (id: string) => boolean): CheckOutcome {
  const rows = r.status === "pass" ? [] : fullTimeline(r.events, { limit: 200, width: 100, lang });
  return {
    check: r.check.id,
    transport: r.transport,
    name: r.check.name,
    extra: Boolean(r.check.extra),
    verdict: r.status === "pass" ? "pass" : r.status === "unsure" ? "unknown" : "fail",
    blocked: r.status === "blocked",
    misconceptions: [...new Set(r.symptoms)].filter((s) => s in MISCONCEPTIONS && keep(s)),
    expected: r.expected,
    arrived: r.arrived,
    timeline: Bun.stripANSI(rows.join("\n")),
    wire: r.status === "pass" ? undefined : toRecord(gradedSequence({ ...r, name: r.check.name }, lang)),
    ms: Math.round(r.ms),
  };
}

/** Limits a program ran into, read from how it ended and what it printed. */
function limitsOf(v: Verdict): LimitHit[] {
  const seen = new Set<LimitHit>();
  for (const r of v.results) {
    const text = [r.arrived?.en ?? "", ...r.outputs.filter((o) => !o.whose).map((o) => o.text)].join("\n");
    if (/SIGXCPU/.test(text)) seen.add("cpu");
    if (/SIGXFSZ|File too large/.test(text)) seen.add("file-size");
    if (/MemoryError|Cannot allocate memory|[Oo]ut of memory|ENOMEM/.test(text)) seen.add("memory");
    if (/fork[\s\S]{0,300}(Resource temporarily unavailable|EAGAIN)|EAGAIN[\s\S]{0,100}(fork|spawn)/.test(text))
      seen.add("processes");
  }
  return [...seen];
}

/** A check of the catalogue: what a rubric can give points to. */
export type CatalogueCheck = {
  check: string;
  exercise: ExerciseId;
  transports: Transport[];
  name: Text;
  extra: boolean;
};

export const catalogue = (): CatalogueCheck[] =>
  CHECKS.map((k) => ({
    check: k.id,
    exercise: k.lesson,
    transports: [...k.transports],
    name: k.name,
    extra: Boolean(k.extra),
  }));

/**
 * A misconception's name, what it means, its fix in Python and TypeScript (when
 * it has one) and the lesson section to re-teach (in `exercise`, as it says
 * them there); undefined for an id the grader does not know.
 */
export function misconception(
  id: string,
  exercise?: ExerciseId,
):
  | { name: Text; explain: Text; fix: Partial<Record<"python" | "bun", string>>; reread: Text; rereadPy?: Text }
  | undefined {
  const found = MISCONCEPTIONS[id as MisconceptionId];
  // In an exercise of its own, its own words (a client's fix, its lesson's section), as the grader says them.
  const m = found && { ...found, ...(exercise ? found.in?.[exercise] : undefined) };
  return m && { name: m.name, explain: m.explain, fix: m.fix ?? {}, reread: m.reread, rereadPy: m.rereadPy };
}

/** An exercise's title, its starter and its lesson (files, from the kit's root). */
export function exerciseInfo(id: ExerciseId): { title: Text; starter: string; lesson: string; reference: string } {
  const e = exercise(id);
  return { title: e.title, starter: `lessons/starters/${e.starter}`, lesson: e.lesson, reference: e.reference };
}

/** The text a learner reads, with both languages in it, picked: `pick(both(en, zh), lang)`. */
export const say = (lang: Lang, en: string, zh: string): string => (lang === "zh" ? zh : en);
