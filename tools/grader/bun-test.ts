/**
 * The grader's checks as `bun test` tests: one test per check and transport,
 * named after the check, all started at once (within the grader's limit) and
 * each test awaiting its own result. A failing test tells the story
 * `bun run grade` tells: expected, arrived, the wire, the misconception.
 *
 * Used by tests/lessons/ (the kit's own programs, or LESSON_0N_CMD) and by
 * tests/workspace.test.ts (the learner's exercises in workspace/).
 */
import { describe, test } from "bun:test";
import { relative } from "node:path";
import { ROOT, type Command, type Transport } from "../harness/index.ts";
import { type Check, type ExerciseId, type GradeOptions } from "./exam.ts";
import { EXERCISES, commandFrom, exercise, lessonProgram, workspaceState } from "./exercises.ts";
import { formatFailure } from "./report.ts";
import { checksFor, runCheck, runCheckInTurn, type CheckResult } from "./run.ts";
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

/**
 * The learner's exercises in workspace/, clearly labelled: each started one is
 * graded; an untouched starter is a todo; with no workspace, one skipped test
 * says how to begin.
 */
export function workspaceTests(env = process.env): void {
  const states = EXERCISES.map((e) => workspaceState(e.id));
  if (states.every((s) => s.state === "missing")) {
    test.skip("your workspace: no exercises yet (bun run grade --init writes the starters)", () => {});
    return;
  }
  for (const s of states) {
    const title = `${s.id} ${exercise(s.id).title.en}`;
    if (s.state === "missing") continue;
    const file = relative(ROOT, s.file);
    if (s.state === "untouched") {
      test.todo(`your workspace: ${title}: not started (${file} is the untouched starter)`);
      continue;
    }
    const suite: SuiteOptions = {
      id: s.id,
      command: commandFrom([s.file]),
      kit: false,
      replay: `bun run grade ${s.id} {tr} {seed}`,
    };
    for (const transport of exercise(s.id).transports) {
      describe(`your workspace: ${title} (${file}) over ${transport}`, () => checkTests(suite, transport, env));
    }
  }
}
