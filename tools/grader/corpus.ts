/**
 * The labelled corpus: every program in tests/fixtures/ that says, in a line of
 * its own, how the grader must judge it, and the kit's own programs, which must
 * pass. A label reads
 *
 *   # expect: 01 tcp -> one-client-at-a-time      (Python)
 *   // expect: 02 udp -> udp-stale-error          (TypeScript)
 *   // expect: 01 tcp -> pass
 *
 * the lesson, the transport, and the verdict when graded in full over that
 * transport: the misconception the first failing check names (the one a learner
 * reads first), `pass` when every check passes, or `unnamed` when a check
 * fails for a reason the catalogue has no name for (its own words say it). A
 * label may name a misconception that only an extra check finds: the exercise
 * then passes.
 *
 * What the grader names is `named()`; a verdict's whole story, check by check,
 * is `signature()`, so that two runs can be compared (tools/grader/stability.ts).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ROOT, type Command, type Transport } from "../harness/index.ts";
import type { ExerciseId } from "./exam.ts";
import { commandFrom, EXERCISE_IDS, exercise, referenceCommand } from "./exercises.ts";
import { diagnose, MISCONCEPTIONS, type MisconceptionId } from "./misconceptions.ts";
import { firstFailing, type Verdict } from "./run.ts";

/** What a program must be graded as: a misconception's id, "pass", or "unnamed". */
export type Expected = MisconceptionId | "pass" | "unnamed";

export type Labelled = {
  /** Its path from the kit's root, or the reference program's command. */
  name: string;
  command: Command;
  lesson: ExerciseId;
  transport: Transport;
  expect: Expected;
};

const FIXTURES = join(ROOT, "tests", "fixtures");
const LABEL = /^\s*(?:#|\/\/)\s*expect:\s*(\d\d)\s+(tcp|udp)\s*->\s*([a-z-]+)\s*$/;

/** The labels in one program's text, in order; a line that looks like a label but is not one throws. */
export function labelsIn(
  text: string,
  where: string,
): { lesson: ExerciseId; transport: Transport; expect: Expected }[] {
  const out: { lesson: ExerciseId; transport: Transport; expect: Expected }[] = [];
  for (const line of text.split("\n")) {
    if (!/^\s*(?:#|\/\/)\s*expect:/.test(line)) continue;
    const m = LABEL.exec(line);
    const lesson = m?.[1] as ExerciseId | undefined;
    const expect = m?.[3];
    if (
      !m ||
      !EXERCISE_IDS.includes(lesson!) ||
      !(expect === "pass" || expect === "unnamed" || expect! in MISCONCEPTIONS)
    )
      throw new Error(`${where}: not a label: ${line.trim()}`);
    out.push({ lesson: lesson!, transport: m[2] as Transport, expect: expect as Expected });
  }
  return out;
}

/** Every labelled fixture, then every reference program over each of its transports (expected to pass). */
export function corpus(o: { fixtures?: boolean; references?: boolean } = {}): Labelled[] {
  const out: Labelled[] = [];
  if (o.fixtures !== false) {
    for (const folder of readdirSync(FIXTURES).sort()) {
      for (const file of readdirSync(join(FIXTURES, folder)).sort()) {
        if (!/\.(py|ts)$/.test(file)) continue;
        const path = join(FIXTURES, folder, file);
        const name = relative(ROOT, path);
        for (const label of labelsIn(readFileSync(path, "utf8"), name))
          out.push({ name, command: commandFrom([path]), ...label });
      }
    }
  }
  if (o.references !== false) {
    for (const id of EXERCISE_IDS) {
      for (const transport of exercise(id).transports)
        out.push({
          name: referenceCommand(id).label,
          command: referenceCommand(id),
          lesson: id,
          transport,
          expect: "pass",
        });
    }
  }
  return out;
}

/** Which fixtures carry no label at all (each program in tests/fixtures/mutants must carry one). */
export function unlabelled(): string[] {
  const folder = join(FIXTURES, "mutants");
  return readdirSync(folder)
    .filter((f) => /\.(py|ts)$/.test(f) && labelsIn(readFileSync(join(folder, f), "utf8"), f).length === 0)
    .map((f) => relative(ROOT, join(folder, f)));
}

/**
 * What the grader named: the first misconception of the first failing check (a
 * core check's, else an extra's), "pass" when nothing failed, "unnamed" when
 * the first failing check names nothing, "could-not-tell" when it could not tell.
 */
export function named(v: Verdict): string {
  const first = firstFailing(v);
  if (!first) return "pass";
  if (first.status === "unsure") return "could-not-tell";
  return diagnose(first.symptoms)[0]?.id ?? "unnamed";
}

/** One check's verdict, in a word: pass, could-not-tell, or its status and what it named. */
export function checkVerdict(r: Verdict["results"][number]): string {
  if (r.status === "pass") return "pass";
  if (r.status === "unsure") return "could-not-tell";
  const ids = diagnose(r.symptoms).map((m) => m.id);
  return `${r.status}${ids.length > 0 ? ` ${ids.join("+")}` : ""}`;
}

/** A verdict as a whole: passed or not, what it named, and each check's own verdict. */
export function signature(v: Verdict): { named: string; ok: boolean; checks: Record<string, string> } {
  const checks: Record<string, string> = {};
  for (const r of v.results) checks[`${r.check.id}/${r.transport}`] = checkVerdict(r);
  return { named: named(v), ok: v.ok, checks };
}
