/**
 * The grader's checks as `bun test` tests: one test per check and transport,
 * named after the check, all started at once (within the grader's limit) and
 * each test awaiting its own result. A failing test tells the story
 * `bun run grade` tells: expected, arrived, the wire, the misconception.
 *
 * Used by tests/lessons/ (the kit's own programs, or LESSON_0N_CMD). The
 * learner's exercises in workspace/ are tests too, one per exercise, for
 * tests/workspace.test.ts: workspaceExercises().
 */
import { test } from "bun:test";
import { relative } from "node:path";
import pc from "picocolors";
import { stripAnsi, type Command, type Transport } from "../harness/index.ts";
import { type Check, type ExerciseId, type GradeOptions } from "./exam.ts";
import { exercise, lessonProgram } from "./exercises.ts";
import { plan } from "./plan.ts";
import { readProgress, remember } from "./progress.ts";
import { formatExtras, formatFailure, formatVerdict, stateOf } from "./report.ts";
import { checksFor, gradeExercise, runCheck, runCheckInTurn, type CheckResult, type Verdict } from "./run.ts";
import { workspaceTable } from "./screen.ts";
import { pickLang } from "./text.ts";

/** The seed of the tests (the lesson checks, and the grader graded): env LESSON_SEED, else this one, so runs repeat. */
export const TEST_SEED = 20240601;
const seedOf = (env: Record<string, string | undefined>) => (env.LESSON_SEED ? Number(env.LESSON_SEED) : TEST_SEED);

export type SuiteOptions = {
  id: ExerciseId;
  command: Command;
  /** More arguments for the program (the kit's `--worker` variant of lesson 03). */
  args?: string[];
  /** Whose program this is: the kit's must pass its extras too; a learner's extras do not count. */
  kit: boolean;
  /** The command line that grades the same way, for the replay line. */
  replay: string;
};

/** Run one check as a test would; throws the grader's story when it fails. */
export async function runAsTest(check: Check, transport: Transport, o: SuiteOptions, env = process.env): Promise<void> {
  const r = await runCheck(check, transport, optionsOf(o, env));
  assertPassed(r, o, env);
}

function optionsOf(o: SuiteOptions, env: Record<string, string | undefined>): GradeOptions {
  const seed = seedOf(env);
  // The kit's own programs: generous waits, as other test files' servers share the machine.
  // A learner's program: the grader's own waits, so a failing run takes seconds.
  return o.kit
    ? { command: o.command, seed, args: o.args, readyMs: 10_000, waitMs: 5000 }
    : { command: o.command, seed, args: o.args };
}

function assertPassed(r: CheckResult, o: SuiteOptions, env: Record<string, string | undefined>) {
  if (r.status === "pass") return;
  // The person's language (CHAT_KIT_LANG: the tests themselves run in the C locale), else the locale's.
  const lang = pickLang(env.CHAT_KIT_LANG, env);
  const replay = (tr: string = r.transport) =>
    o.replay.replace("{tr}", `--${tr}`).replace("{seed}", `--seed ${r.seed}`);
  const story = formatFailure(r, { lang, width: 100, replay, program: o.command }, false);
  throw new Error(`\n${story}\n  ${replay()}`);
}

/** Tests for every check of an exercise over `transports`, started at once. */
export function checkTests(o: SuiteOptions, transport: Transport, env = process.env): void {
  const results = new Map<Check, Promise<CheckResult>>();
  const result = (check: Check) => {
    if (!results.has(check)) {
      // The first test to ask starts them all; each then awaits its own.
      for (const k of checksFor(o.id, transport)) results.set(k, runCheckInTurn(k, transport, optionsOf(o, env)));
    }
    return results.get(check)!;
  };
  for (const check of checksFor(o.id, transport)) {
    if (check.extra && !o.kit) {
      test.skip(`${check.name.en} (an extra: it does not count for your program; bun run grade shows it)`, () => {});
      continue;
    }
    test(
      check.extra ? `${check.name.en} (extra)` : check.name.en,
      async () => assertPassed(await result(check), o, env),
      60_000,
    );
  }
}

/** The kit's own program for a lesson, or the one LESSON_0N_CMD names. */
export function lessonSuite(id: ExerciseId, env = process.env): SuiteOptions {
  const command = lessonProgram(id, env);
  const replay = command.custom
    ? `bun run grade ${id} {tr} {seed} -- ${command.label}`
    : `bun run grade --reference ${id} {tr} {seed}`;
  return { id, command, kit: !command.custom, replay };
}

/** One of the learner's exercises, as a test: its title, and its grading (started when asked for). */
export type WorkspaceExercise = {
  id: ExerciseId;
  title: string;
  /** The untouched starter: a todo, not graded. */
  todo: boolean;
  /**
   * Grade it (all of them start at once, with the first asked), remember the
   * verdict as `bun run grade` does, print the report when it fails, and return
   * what failed in one line (undefined when it passed).
   */
  graded: () => Promise<string | undefined>;
};

/**
 * The learner's exercises in workspace/, each one test named in the learner's
 * language, graded as `bun run grade` grades them (the same files, the same
 * report, the same remembered progress); `summary` is the table and progress bar
 * `bun run grade` ends with. With no workspace, `none` says how to begin.
 */
export function workspaceExercises(env = process.env): {
  exercises: WorkspaceExercise[];
  summary: () => string;
  none?: string;
} {
  const lang = pickLang(env.CHAT_KIT_LANG, env);
  const say = (en: string, zh: string) => (lang === "zh" ? zh : en);
  const p = plan(undefined, [], { disturb: true, readyMs: 5000, waitMs: 3000 }, lang);
  const verdicts = new Map<ExerciseId, Verdict>();
  const summary = () => {
    p.progress = readProgress();
    const graded = p.jobs.filter((j) => verdicts.has(j.id));
    const shown = { ...p, jobs: graded };
    return [
      "",
      ...workspaceTable(
        shown,
        graded.map((j) => verdicts.get(j.id)!),
        lang,
        80,
      ),
    ].join("\n");
  };
  if (p.states.every((s) => s.state === "missing"))
    return {
      exercises: [],
      summary,
      none: say(
        "your workspace: no exercises yet (bun run grade --init writes the starters)",
        "你的练习：还没有（bun run grade --init 会写好起步文件）",
      ),
    };
  const seed = seedOf(env);
  let grading: Promise<void> | undefined;
  const gradeAll = () =>
    (grading ??= Promise.all(
      p.jobs.map(async (j) => {
        const v = await gradeExercise(j.id, exercise(j.id).transports, { command: j.command, seed });
        const core = v.results.filter((r) => !r.check.extra);
        const failing = core.filter((r) => r.status !== "pass").length;
        remember(j.id, j.file!, { passed: v.ok, failing, total: core.length, transports: v.transports });
        verdicts.set(j.id, v);
      }),
    ).then(() => undefined));
  const exercises = p.states.flatMap((s): WorkspaceExercise[] => {
    if (s.state === "missing") return [];
    const name = `${s.id} ${exercise(s.id).title[lang]}`;
    const file = relative(process.cwd(), s.file);
    if (s.state === "untouched")
      return [
        {
          id: s.id,
          title: say(
            `your workspace: ${name}: not started (${file} is the untouched starter)`,
            `你的练习：${name}：未开始（${file} 还是原样的起步文件）`,
          ),
          todo: true,
          graded: async () => undefined,
        },
      ];
    const job = p.jobs.find((j) => j.id === s.id)!;
    return [
      {
        id: s.id,
        title: say(`your workspace: ${name} (${file})`, `你的练习：${name}（${file}）`),
        todo: false,
        graded: async () => {
          await gradeAll();
          const v = verdicts.get(s.id)!;
          const replay = (tr?: string) =>
            job.replay.replace(" {tr}", tr ? ` --${tr}` : "").replace(" {seed}", ` --seed ${seed}`);
          const ro = { lang, width: 80, replay, program: job.command, rows: 30 };
          if (v.ok) {
            // Passed, with an extra still to do: one line for it, as bun run grade says it.
            const extras = formatExtras(v, ro);
            if (extras) process.stderr.write(`${pc.green("✓")} ${pc.bold(name)} · ${file}\n${extras}\n`);
            return undefined;
          }
          process.stderr.write(`\n${pc.red("✗")} ${pc.bold(name)} · ${file}\n${formatVerdict(v, ro)}\n\n`);
          return say(`${name} (${file}): `, `${name}（${file}）：`) + stripAnsi(stateOf(v, lang));
        },
      },
    ];
  });
  return { exercises, summary };
}
