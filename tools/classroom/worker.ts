/**
 * A grading worker: grades one student's programs and prints one JSON line.
 *
 * The class grader starts one per student (in a network of its own when
 * sandboxed), gives it the job on stdin, and reads its verdicts from the line on
 * stdout that starts with the job's nonce. The student's programs run jailed,
 * their output piped to this worker, never to its stdout: they cannot write a
 * verdict, and a program that ends this worker ends only its own grading.
 *
 *   bun tools/classroom/worker.ts < job.json
 */
import { writeSync } from "node:fs";
import {
  checksAtOnce,
  gradeProgram,
  type ExerciseId,
  type ExerciseOutcome,
  type Lang,
  type Transport,
} from "./grading.ts";
import { isolation } from "./isolation.ts";
import { runnerFor } from "./programs.ts";

export type WorkerJob = {
  /** Starts the result line: a program that guesses the format still cannot guess this. */
  nonce: string;
  student: string;
  dir: string;
  files: { exercise: ExerciseId; file: string }[];
  seed: number;
  transports: Transport[];
  lang: Lang;
  readyMs?: number;
  waitMs?: number;
  sandbox: boolean;
  /** Checks run at once in this worker (default 6). */
  checksAtOnce?: number;
  /** The lane this worker grades in (0 to jobs - 1): its programs' user in the sandbox. */
  slot: number;
};

export type WorkerResult = { student: string; outcomes: ExerciseOutcome[] };

/** Grade a job here, in this process. */
export async function gradeJob(job: WorkerJob): Promise<WorkerResult> {
  const iso = await isolation(job.sandbox, job.lang);
  const turns = checksAtOnce(job.checksAtOnce);
  const outcomes = await Promise.all(
    job.files.map(({ exercise, file }) => {
      const run = runnerFor(file);
      return gradeProgram(
        exercise,
        { argv: iso.jail(run.argv, job.dir, job.slot), label: run.label },
        {
          seed: job.seed,
          transports: job.transports,
          lang: job.lang,
          readyMs: job.readyMs,
          waitMs: job.waitMs,
          replay: `bun run grade ${exercise} {tr} {seed} -- ${run.label}`,
          turns,
        },
      );
    }),
  );
  return { student: job.student, outcomes };
}

if (import.meta.main) {
  const job = (await Bun.stdin.json()) as WorkerJob;
  const result = await gradeJob(job);
  await writeAll(1, `${job.nonce}${JSON.stringify(result)}\n`);
  process.exit(0);
}

/**
 * Writes all of `text` to a file descriptor before the worker exits (a class's
 * wires make the line megabytes). Not process.stdout.write: to a pipe it returns
 * before a large line is out, and process.exit cuts it. Not Bun.write(Bun.stdout):
 * when the pipe fills, Bun 1.4.5 may send the first part twice (oven-sh/bun#35953),
 * seen here as a result line broken in the middle by a second copy of itself.
 * Each write takes what the pipe has room for; while it is full, wait and go on.
 */
export async function writeAll(fd: number, text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  while (at < bytes.length) {
    try {
      at += writeSync(fd, bytes, at, bytes.length - at);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
      await Bun.sleep(1);
    }
  }
}
