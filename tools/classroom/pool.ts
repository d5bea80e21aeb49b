/**
 * Grading a class in parallel, bounded: at most `jobs` workers at once, one per
 * student, each with a time limit. A worker that dies or runs out of time costs
 * only its own student, whose verdict is then "the program stopped the grading".
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { killAtExit, seedFor } from "../harness/index.ts";
import type { ExerciseId, ExerciseOutcome, Lang, Transport } from "./grading.ts";
import type { Isolation } from "./isolation.ts";
import type { Student } from "./submissions.ts";
import type { WorkerJob, WorkerResult } from "./worker.ts";

const WORKER = join(import.meta.dir, "worker.ts");

export type Stopped = { how: "ended" | "time-limit"; detail: string };

export type StudentResult = {
  student: Student;
  seed: number;
  outcomes: ExerciseOutcome[];
  /** The grading of this student's programs did not finish. */
  stopped?: Stopped;
  ms: number;
};

export type PoolOptions = {
  jobs: number;
  seed: number;
  exercises: readonly ExerciseId[];
  transports: Transport[];
  lang: Lang;
  readyMs?: number;
  waitMs?: number;
  /** Per student, for everything. */
  timeLimitMs: number;
  iso: Isolation;
  onDone?: (r: StudentResult) => void;
};

/** A student's seed: the class's, and the student's id. */
export const studentSeed = (classSeed: number, id: string): number => seedFor(classSeed, `student:${id}`);

/** Grade one student in a worker of their own. */
export async function gradeStudent(student: Student, o: PoolOptions, slot = 0): Promise<StudentResult> {
  const started = performance.now();
  const seed = studentSeed(o.seed, student.id);
  const files = o.exercises.flatMap((exercise) => {
    const file = student.files[exercise];
    return file ? [{ exercise, file }] : [];
  });
  const done = (rest: Partial<StudentResult>): StudentResult => ({
    student,
    seed,
    outcomes: [],
    ...rest,
    ms: performance.now() - started,
  });
  if (files.length === 0) return done({});
  const job: WorkerJob = {
    nonce: randomUUID(),
    student: student.id,
    dir: student.dir,
    files,
    seed,
    transports: o.transports,
    lang: o.lang,
    readyMs: o.readyMs,
    waitMs: o.waitMs,
    sandbox: o.iso.sandboxed,
    slot,
  };
  // A result line that is not whole is the grader's fault, not the student's: graded again, once
  // (a second broken line is reported as the grading having ended, with what was wrong).
  for (let attempt = 1; ; attempt++) {
    const run = await runWorker(job, o);
    if ("outcomes" in run) return done({ outcomes: run.outcomes });
    if (run.how !== "broken") return done({ stopped: { how: run.how, detail: run.detail } });
    if (attempt === 2) return done({ stopped: { how: "ended", detail: run.detail } });
  }
}

type WorkerRun = { outcomes: WorkerResult["outcomes"] } | { how: "time-limit" | "ended" | "broken"; detail: string };

/** One worker for one student: its outcomes, or how it stopped. */
async function runWorker(job: WorkerJob, o: PoolOptions): Promise<WorkerRun> {
  const proc = Bun.spawn(o.iso.network([process.execPath, WORKER]), {
    stdin: new TextEncoder().encode(JSON.stringify(job)),
    stdout: "pipe",
    stderr: "pipe",
  });
  killAtExit(proc);
  let late = false;
  const timer = setTimeout(() => {
    late = true;
    proc.kill("SIGTERM");
    setTimeout(() => proc.kill("SIGKILL"), 3000).unref();
  }, o.timeLimitMs);
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  await proc.exited;
  clearTimeout(timer);
  const line = out.split("\n").find((l) => l.startsWith(job.nonce));
  const exit = proc.signalCode ? `killed by ${proc.signalCode}` : `exit code ${proc.exitCode}`;
  if (line && !late) {
    try {
      return { outcomes: (JSON.parse(line.slice(job.nonce.length)) as WorkerResult).outcomes };
    } catch {
      return { how: "broken", detail: `${exit}: the grader's result line was not whole (${line.length} characters)` };
    }
  }
  const tail = err.trim().split("\n").slice(-3).join("\n");
  return { how: late ? "time-limit" : "ended", detail: tail ? `${exit}: ${tail}` : exit };
}

/** Grade every student, `jobs` at a time; results in the students' order. */
export async function gradeClass(students: Student[], o: PoolOptions): Promise<StudentResult[]> {
  const results: StudentResult[] = new Array(students.length);
  let next = 0;
  const lane = async (slot: number) => {
    while (next < students.length) {
      const i = next++;
      results[i] = await gradeStudent(students[i]!, o, slot);
      o.onDone?.(results[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.jobs, students.length)) }, (_, slot) => lane(slot)));
  return results;
}
