/**
 * Gradescope's autograder format: results.json for one submission, a test per
 * check and transport with its own score, so partial credit survives.
 * `{ score, execution_time, output, tests: [{ name, score, max_score, output,
 * visibility, number, tags }] }`
 */
import type { Lang } from "./grading.ts";
import { checkRows, fmtPoints, stoppedWords, type StudentGrade } from "./grades.ts";
import type { Rubric } from "./rubric.ts";
import { w } from "./words.ts";

export type GradescopeTest = {
  name: string;
  score: number;
  max_score: number;
  output: string;
  visibility: "hidden" | "after_due_date" | "after_published" | "visible";
  number: string;
  tags: string[];
};

export type GradescopeResults = {
  score: number;
  execution_time: number;
  output: string;
  visibility: "visible";
  tests: GradescopeTest[];
};

export function gradescopeResults(
  g: StudentGrade,
  rubric: Rubric,
  transports: readonly string[],
  lang: Lang,
  seconds: number,
): GradescopeResults {
  const tests = checkRows(g, rubric, transports, lang).map((r, i) => ({
    name: `${r.exercise} ${r.transport} · ${r.name[lang]}${r.extra ? ` (${w(lang, "extra")})` : ""}`,
    score: r.points,
    max_score: r.max,
    output: r.message || w(lang, "passed"),
    visibility: "visible" as const,
    number: `${r.exercise}.${i + 1}`,
    tags: r.misconceptions,
  }));
  const head =
    lang === "zh"
      ? `得分 ${fmtPoints(g.points)} / ${fmtPoints(g.max)}，种子 ${g.seed}`
      : `${fmtPoints(g.points)} of ${fmtPoints(g.max)} points, seed ${g.seed}`;
  const reports = Object.values(g.exercises)
    .map((e) => e?.outcome?.report)
    .filter(Boolean);
  const output = [head, ...(g.stopped ? [stoppedWords(g, lang)] : []), ...reports].join("\n\n");
  return { score: g.points, execution_time: Math.round(seconds), output, visibility: "visible", tests };
}
