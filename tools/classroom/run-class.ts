/**
 * A whole class, from its submissions to every output: find the students,
 * grade them (in parallel, bounded, as many times as --repeat says), compare
 * them (--similar), and write grades.csv, gradescope/, junit.xml, feedback/,
 * class.md, class.html and reports/ into the output folder; then class.md in
 * short.
 */
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { classMarkdown, type ClassInfo } from "./class-md.ts";
import { gradesCsv } from "./csv.ts";
import { feedbackMarkdown } from "./feedback.ts";
import { say, type ExerciseId, type Lang, type Transport } from "./grading.ts";
import { fileNameOf, gradesOf, type StudentGrade } from "./grades.ts";
import { gradescopeResults } from "./gradescope.ts";
import { classPage, reportPath, studentPage } from "./html.ts";
import type { Isolation } from "./isolation.ts";
import { junitXml } from "./junit.ts";
import { gradeClass, type StudentResult } from "./pool.ts";
import type { Rubric } from "./rubric.ts";
import { similarPairs } from "./similar.ts";
import { findClass } from "./submissions.ts";
import { progress, summary } from "./terminal.ts";
import { UsageError } from "./words.ts";

export type WholeClass = {
  input: string;
  out: string;
  lang: Lang;
  exercises: ExerciseId[];
  transports: Transport[];
  seed: number;
  rubric: Rubric;
  jobs: number;
  repeat: number;
  similar: boolean;
  iso: Isolation;
  timeLimitMs: number;
  readyMs?: number;
  waitMs?: number;
  /** Print the progress and the summary (default true). */
  quiet?: boolean;
};

/** Write every output of a graded class into `out`. */
export function writeOutputs(out: string, info: ClassInfo, rubric: Rubric): void {
  mkdirSync(out, { recursive: true });
  for (const sub of ["gradescope", "feedback", "reports"]) rmSync(join(out, sub), { recursive: true, force: true });
  writeFileSync(join(out, "grades.csv"), gradesCsv(info.grades, info.exercises));
  writeFileSync(join(out, "junit.xml"), junitXml(info.grades, rubric, info.transports, info.lang));
  writeFileSync(join(out, "class.md"), classMarkdown(info));
  writeFileSync(join(out, "class.html"), classPage(info));
  mkdirSync(join(out, "reports"), { recursive: true });
  for (const g of info.grades) {
    const name = fileNameOf(g.id);
    const seconds = Object.values(g.exercises).reduce(
      (s, e) => s + (e?.outcome?.checks.reduce((x, c) => x + c.ms, 0) ?? 0) / 1000,
      0,
    );
    mkdirSync(join(out, "gradescope", name), { recursive: true });
    const results = gradescopeResults(g, rubric, info.transports, info.lang, seconds);
    writeFileSync(join(out, "gradescope", name, "results.json"), JSON.stringify(results, null, 2) + "\n");
    mkdirSync(join(out, "feedback"), { recursive: true });
    writeFileSync(join(out, "feedback", `${name}.md`), feedbackMarkdown(g, info.lang));
    writeFileSync(join(out, reportPath(g.id)), studentPage(g, info.lang));
  }
}

export async function gradeWholeClass(o: WholeClass): Promise<number> {
  if (!existsSync(o.input))
    throw new UsageError(say(o.lang, `no such folder or zip: ${o.input}`, `没有这个文件夹或 zip 文件：${o.input}`));
  const isZip = statSync(o.input).isFile();
  const found = findClass(o.input, join(o.out, "submissions"));
  if (found.students.length === 0)
    throw new UsageError(
      say(o.lang, `no student's folder in ${o.input}`, `${o.input} 里没有学生的文件夹`) +
        (isZip ? "" : say(o.lang, " (one folder per student)", "（每名学生一个文件夹）")),
    );
  // A folder the sandbox's user cannot read fails every one of that student's checks: say so first.
  for (const s of found.students) {
    try {
      if (Object.keys(s.files).length > 0) o.iso.jail(["true"], s.dir, 0);
    } catch (err) {
      throw new UsageError(`${s.id}: ${(err as Error).message}`);
    }
  }
  const started = performance.now();
  const bar = o.quiet ? undefined : progress(found.students.length, o.lang, o.repeat);
  const runs: StudentResult[][] = [];
  for (let run = 0; run < o.repeat; run++)
    runs.push(
      await gradeClass(found.students, {
        jobs: o.jobs,
        seed: o.seed,
        exercises: o.exercises,
        transports: o.transports,
        lang: o.lang,
        readyMs: o.readyMs,
        waitMs: o.waitMs,
        timeLimitMs: o.timeLimitMs,
        iso: o.iso,
        onDone: (r) => bar?.tick(r.student.id),
      }),
    );
  bar?.end();
  const grades: StudentGrade[] = gradesOf(runs, o.rubric, o.exercises, o.transports);
  const similar = o.similar ? await similarPairs(found.students, o.exercises) : undefined;
  const info: ClassInfo = {
    grades,
    exercises: o.exercises,
    transports: o.transports,
    lang: o.lang,
    seed: o.seed,
    sandboxed: o.iso.sandboxed,
    runs: o.repeat,
    seconds: (performance.now() - started) / 1000,
    similar,
  };
  writeOutputs(o.out, info, o.rubric);
  const shown = relative(process.cwd(), o.out);
  if (!o.quiet) console.log(summary(info, shown === "" ? "." : shown.startsWith("..") ? o.out : shown));
  return 0;
}
