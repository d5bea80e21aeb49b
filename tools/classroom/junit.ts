/**
 * junit.xml: one testsuite per student, one testcase per check and transport
 * (classname "student.01.tcp"), a failure with the real message, and the wire
 * timeline in system-out: what CI dashboards and test viewers read.
 */
import type { Lang } from "./grading.ts";
import { checkRows, type StudentGrade } from "./grades.ts";
import type { Rubric } from "./rubric.ts";

/** Text as XML wants it: escaped, without the characters XML 1.0 cannot hold. */
export const xml = (text: string): string =>
  text
    .replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");

export function junitXml(grades: StudentGrade[], rubric: Rubric, transports: readonly string[], lang: Lang): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const suites = grades.map((g) => {
    const rows = checkRows(g, rubric, transports, lang);
    const failures = rows.filter((r) => r.verdict === "fail").length;
    const errors = rows.filter((r) => r.verdict === "stopped" || r.verdict === "unknown").length;
    const skipped = rows.filter((r) => r.verdict === "missing").length;
    const time = rows.reduce((s, r) => s + r.ms, 0) / 1000;
    const cases = rows.map((r) => {
      const attrs = `classname="${xml(`${g.id}.${r.exercise}.${r.transport}`)}" name="${xml(r.name[lang])}" time="${(r.ms / 1000).toFixed(3)}"`;
      const first = r.message.split("\n")[0] ?? "";
      const body =
        r.verdict === "fail"
          ? `<failure message="${xml(first)}" type="${xml(r.misconceptions.join(" ") || r.check)}">${xml(r.message)}</failure>`
          : r.verdict === "stopped" || r.verdict === "unknown"
            ? `<error message="${xml(first)}" type="${r.verdict}">${xml(r.message)}</error>`
            : r.verdict === "missing"
              ? `<skipped message="${xml(first)}"/>`
              : "";
      const wire = r.timeline ? `<system-out>${xml(r.timeline)}</system-out>` : "";
      return body || wire ? `    <testcase ${attrs}>${body}${wire}</testcase>` : `    <testcase ${attrs}/>`;
    });
    return [
      `  <testsuite name="${xml(g.id)}" tests="${rows.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time.toFixed(3)}">`,
      ...cases,
      "  </testsuite>",
    ].join("\n");
  });
  const total = (k: "tests" | "failures" | "errors") =>
    suites.reduce((s, x) => s + Number(new RegExp(`${k}="(\\d+)"`).exec(x)![1]), 0);
  out.push(
    `<testsuites name="socket-chat-kit" tests="${total("tests")}" failures="${total("failures")}" errors="${total("errors")}">`,
    ...suites,
    "</testsuites>",
    "",
  );
  return out.join("\n");
}
