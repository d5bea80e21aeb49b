/**
 * grades.csv: one row per student: student, points, max_points, one column per
 * exercise (its points), misconceptions (ids, ";"-separated). UTF-8 with a byte
 * order mark, so that a spreadsheet opened on it shows 李雷 as 李雷.
 */
import type { ExerciseId } from "./grading.ts";
import { fmtPoints, type StudentGrade } from "./grades.ts";

const BOM = "\uFEFF";

/** A field as RFC 4180 wants it: quoted when it holds a comma, a quote or a line break. */
export const csvField = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

export function gradesCsv(grades: StudentGrade[], exercises: readonly ExerciseId[]): string {
  const header = ["student", "points", "max_points", ...exercises, "misconceptions"];
  const rows = grades.map((g) => [
    g.id,
    fmtPoints(g.points),
    fmtPoints(g.max),
    ...exercises.map((id) => fmtPoints(g.exercises[id]?.points ?? 0)),
    g.misconceptions.join(";"),
  ]);
  return BOM + [header, ...rows].map((r) => r.map(csvField).join(",")).join("\r\n") + "\r\n";
}

/** Read grades.csv back: rows of fields by column name (for tests, and for a teacher's own scripts). */
export function readCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  const s = text.replace(/^\uFEFF/, "");
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quoted) {
      if (ch === '"' && s[i + 1] === '"') ((field += '"'), i++);
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") (row.push(field), (field = ""));
    else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && s[i + 1] === "\n") i++;
      (row.push(field), rows.push(row), (row = []), (field = ""));
    } else field += ch;
  }
  if (field !== "" || row.length > 0) (row.push(field), rows.push(row));
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ""])));
}
