#!/usr/bin/env bun
/**
 * Is the grader's verdict the same, run after run? `bun run stability`
 * (not part of `bun test`, which grades a sample: every fixture twice).
 *
 * Grades every labelled program of the corpus (tools/grader/corpus.ts: the
 * fixtures in tests/fixtures/ that say what they must be graded as, and the
 * kit's own programs), each over its transport, --runs times with one seed and
 * --runs times with a random seed each, first on the machine as it is ("idle")
 * and then with two CPU-burning processes of its own beside it ("busy"). Then it
 * prints, per program, how many runs gave each verdict (what the first failing
 * check names), and every program and check that got more than one verdict, and
 * whether what it named was the label. It exits 1 if any program or check got
 * more than one verdict, or a verdict other than its label.
 *
 *   bun run stability                         every program, 10 + 10 runs, idle then busy
 *   bun run stability -- --runs 2 --no-busy   a quick look
 *   bun run stability -- --only 01-blocking   the programs whose name holds it
 *
 * Options: --runs N (10), --seed N (one seed for the first half), --only TEXT,
 * --no-idle, --no-busy, --at-once N (programs graded at the same time, 1),
 * --lang en|zh.
 */
import { availableParallelism } from "node:os";
import { killAtExit, openingComment, toolArgs, usageError } from "../harness/index.ts";
import { corpus, signature, type Labelled } from "./corpus.ts";
import { gradeExercise } from "./run.ts";
import { both, pickLang, type Text } from "./text.ts";

type Run = {
  program: Labelled;
  seed: number;
  busy: boolean;
  named: string;
  checks: Record<string, string>;
  ms: number;
};

/** Grade one labelled program once, in full over its transport. */
export async function gradeLabelled(p: Labelled, seed: number): Promise<Omit<Run, "busy">> {
  const started = performance.now();
  const v = await gradeExercise(p.lesson, [p.transport], { command: p.command, seed });
  const s = signature(v);
  return { program: p, seed, named: s.named, checks: s.checks, ms: performance.now() - started };
}

/** Two processes that keep a CPU each busy, until stop() (for the "busy" half). */
function burners(count: number): { stop(): void } {
  const procs = Array.from({ length: count }, () => {
    const p = Bun.spawn([process.execPath, "-e", "for (;;) {}"], { stdout: "ignore", stderr: "ignore" });
    killAtExit(p);
    return p;
  });
  return { stop: () => procs.forEach((p) => p.kill("SIGKILL")) };
}

/** Run `jobs` with at most `n` at a time, in order. */
async function inTurns<T>(jobs: (() => Promise<T>)[], n: number, each: (t: T) => void): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      each(await job());
    }
  };
  await Promise.all(Array.from({ length: n }, worker));
}

const key = (p: Labelled) => `${p.name} ${p.lesson} ${p.transport}`;

/** "one-read-one-message ×19, could-not-tell ×1" */
const tally = (words: string[]) => {
  const counts = new Map<string, number>();
  for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
  return [...counts].map(([w, n]) => `${w} ×${n}`).join(", ");
};

async function main() {
  const v = toolArgs(
    "stability",
    {
      options: {
        runs: { type: "string", default: "10" },
        seed: { type: "string" },
        only: { type: "string" },
        "no-idle": { type: "boolean" },
        "no-busy": { type: "boolean" },
        "at-once": { type: "string", default: "1" },
        lang: { type: "string" },
      },
    },
    () => openingComment(import.meta.path),
  );
  const lang = pickLang(v.lang);
  const say = (t: Text) => t[lang];
  const runs = Number(v.runs);
  const atOnce = Number(v["at-once"]);
  if (!Number.isInteger(runs) || runs < 1)
    usageError("stability", `--runs must be a whole number from 1, not ${v.runs}`);
  if (!Number.isInteger(atOnce) || atOnce < 1) usageError("stability", `--at-once must be a whole number from 1`);
  const seed = v.seed !== undefined ? Number(v.seed) : Math.floor(Math.random() * 2 ** 31);
  const programs = corpus().filter((p) => !v.only || p.name.includes(v.only));
  if (programs.length === 0) usageError("stability", `no labelled program's name holds ${JSON.stringify(v.only)}`);
  const halves = [...(v["no-idle"] ? [] : [false]), ...(v["no-busy"] ? [] : [true])];
  console.log(
    say(
      both(
        `${programs.length} gradings, each ${runs}× with seed ${seed} and ${runs}× with a random seed, ` +
          `${halves.map((b) => (b ? "busy" : "idle")).join(" then ")}; ${atOnce} at once, ` +
          `${availableParallelism()} CPUs`,
        `${programs.length} 项打分，每项用种子 ${seed} ${runs} 次、用随机种子 ${runs} 次，` +
          `${halves.map((b) => (b ? "忙" : "闲")).join("，然后")}；同时 ${atOnce} 项，${availableParallelism()} 个 CPU`,
      ),
    ),
  );
  const all: Run[] = [];
  const done: boolean[] = [];
  let bad = 0;
  for (const busy of halves) {
    const burning = busy ? burners(2) : undefined;
    const started = performance.now();
    const jobs = programs.flatMap((p) =>
      Array.from({ length: 2 * runs }, (_, i) => async () => {
        const s = i < runs ? seed : Math.floor(Math.random() * 2 ** 31);
        return { ...(await gradeLabelled(p, s)), busy };
      }),
    );
    let count = 0;
    await inTurns(jobs, atOnce, (r) => {
      all.push(r);
      if (++count % 20 === 0 || count === jobs.length)
        process.stderr.write(`\r${busy ? "busy" : "idle"} ${count}/${jobs.length}`);
    });
    burning?.stop();
    process.stderr.write(`  ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
    done.push(busy);
    // The table so far, after each half: a long run says what it found as it goes.
    bad = summary(programs, all, done, say);
  }
  console.log(
    "\n" +
      say(
        bad === 0
          ? both(
              "every program and check got one verdict, its label",
              "每个程序、每项检查都只得到一个结论，且与标注相同",
            )
          : both(
              `${bad} program(s) got more than one verdict, or not their label`,
              `${bad} 个程序得到了不止一个结论，或与标注不同`,
            ),
      ),
  );
  process.exit(bad === 0 ? 0 : 1);
}

/**
 * Per program: the verdicts of each half, and each check that got more than one
 * (with its verdicts per half). How many programs got more than one verdict, or
 * one that is not their label.
 */
function summary(programs: Labelled[], all: Run[], halves: boolean[], say: (t: Text) => string): number {
  let bad = 0;
  const half = (busy: boolean) => (busy ? "busy" : "idle");
  console.log(
    `\n${say(both(`after the ${halves.map(half).join(" and ")} runs:`, `${halves.map((b) => (b ? "忙" : "闲")).join("、")}时的结果：`))}`,
  );
  for (const p of programs) {
    const mine = all.filter((r) => key(r.program) === key(p));
    const verdicts = new Set(mine.map((r) => r.named));
    const wrong = [...verdicts].some((n) => n !== p.expect);
    const checks = new Map<string, Run[]>();
    for (const r of mine) for (const id of Object.keys(r.checks)) checks.set(id, [...(checks.get(id) ?? []), r]);
    const unsteady = [...checks].filter(([id, rs]) => new Set(rs.map((r) => r.checks[id])).size > 1);
    const ok = verdicts.size === 1 && !wrong && unsteady.length === 0;
    if (!ok) bad++;
    const ms = mine.map((r) => r.ms).sort((a, b) => a - b);
    const median = ms.length > 0 ? (ms[Math.floor(ms.length / 2)]! / 1000).toFixed(1) : "-";
    console.log(`${ok ? "✓" : "✗"} ${p.name} (${p.lesson} ${p.transport}) -> ${p.expect}   median ${median} s`);
    for (const busy of halves)
      console.log(`    ${half(busy)}: ${tally(mine.filter((r) => r.busy === busy).map((r) => r.named))}`);
    for (const [id, rs] of unsteady) {
      const per = halves.map((b) => `${half(b)}: ${tally(rs.filter((r) => r.busy === b).map((r) => r.checks[id]!))}`);
      console.log(`    ${say(both("check", "检查"))} ${id}: ${per.join("; ")}`);
    }
  }
  return bad;
}

if (import.meta.main) await main();
