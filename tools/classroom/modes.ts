/**
 * One submission, graded for a course site's own autograder:
 *
 * - Gradescope: the submission in /autograder/submission, results.json written
 *   to /autograder/results/ and nothing else in that file;
 * - GitHub Classroom: the runner's `result` (base64 of { version, status,
 *   max_score, tests }) that classroom-resources/autograding-grading-reporter
 *   sums into "Points X/Y", one test per check so partial credit survives;
 *   written to $GITHUB_OUTPUT as `result=...` when run in a workflow step.
 */
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, relative } from "node:path";
import { say, type ExerciseId, type Lang, type Transport } from "./grading.ts";
import { checkRows, fmtPoints, gradesOf, type StudentGrade } from "./grades.ts";
import { gradescopeResults } from "./gradescope.ts";
import type { Isolation } from "./isolation.ts";
import { gradeStudent } from "./pool.ts";
import type { Rubric } from "./rubric.ts";
import { studentOf } from "./submissions.ts";
import { UsageError } from "./words.ts";

export type OneSubmission = {
  lang: Lang;
  exercises: ExerciseId[];
  transports: Transport[];
  seed: number;
  rubric: Rubric;
  iso: Isolation;
  timeLimitMs: number;
  readyMs?: number;
  waitMs?: number;
};

/** Grade the submission in `dir` as one student. */
async function gradeOne(id: string, dir: string, o: OneSubmission): Promise<{ grade: StudentGrade; seconds: number }> {
  if (!existsSync(dir)) throw new UsageError(say(o.lang, `no such folder: ${dir}`, `没有这个文件夹：${dir}`));
  const started = performance.now();
  const result = await gradeStudent(studentOf(id, dir), { ...o, jobs: 1 });
  const [grade] = gradesOf([[result]], o.rubric, o.exercises, o.transports);
  return { grade: grade!, seconds: (performance.now() - started) / 1000 };
}

export async function gradeGradescope(o: OneSubmission & { submission: string; results: string }): Promise<number> {
  const { grade, seconds } = await gradeOne("submission", o.submission, o);
  const results = gradescopeResults(grade, o.rubric, o.transports, o.lang, seconds);
  mkdirSync(dirname(o.results), { recursive: true });
  writeFileSync(o.results, JSON.stringify(results, null, 2) + "\n");
  console.log(
    say(
      o.lang,
      `${fmtPoints(grade.points)} of ${fmtPoints(grade.max)} points: written to ${o.results}`,
      `得分 ${fmtPoints(grade.points)} / ${fmtPoints(grade.max)}：已写入 ${o.results}`,
    ),
  );
  return 0;
}

export type ClassroomTest = {
  name: string;
  status: "pass" | "fail" | "error";
  message: string;
  test_code: string;
  filename: string;
  line_no: number;
  duration: number;
  score: number;
};

export type ClassroomResult = {
  version: 1;
  status: "pass" | "fail" | "error";
  max_score: number;
  tests: ClassroomTest[];
};

/** GitHub Classroom's runner result for one graded submission. */
export function classroomResult(
  grade: StudentGrade,
  o: Pick<OneSubmission, "rubric" | "transports" | "lang">,
): ClassroomResult {
  const rows = checkRows(grade, o.rubric, o.transports, o.lang);
  const tests = rows.map((r) => ({
    name: `${r.exercise} ${r.transport} · ${r.name[o.lang]}`,
    status:
      r.verdict === "pass"
        ? ("pass" as const)
        : r.verdict === "fail" || r.verdict === "missing"
          ? ("fail" as const)
          : ("error" as const),
    message: r.message,
    test_code: `bun run grade ${r.exercise} --${r.transport} --seed ${grade.seed}`,
    filename: grade.files[r.exercise] ? relative(grade.dir, grade.files[r.exercise]!) : "",
    line_no: 0,
    duration: r.ms,
    score: r.points,
  }));
  // Passed when every check worth points passed: an extra that fails (worth 0) does not fail the run.
  const counted = tests.filter((_, i) => rows[i]!.max > 0);
  const status = grade.stopped ? "error" : counted.every((x) => x.status === "pass") ? "pass" : "fail";
  return { version: 1, status, max_score: grade.max, tests };
}

export async function gradeClassroomRepo(o: OneSubmission & { dir: string }): Promise<number> {
  const { grade } = await gradeOne("repository", o.dir, o);
  const result = classroomResult(grade, o);
  const encoded = Buffer.from(JSON.stringify(result)).toString("base64");
  if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, `result=${encoded}\n`);
  console.log(JSON.stringify(result));
  console.error(
    say(
      o.lang,
      `Points ${fmtPoints(grade.points)}/${fmtPoints(grade.max)}`,
      `得分 ${fmtPoints(grade.points)}/${fmtPoints(grade.max)}`,
    ),
  );
  return 0;
}
