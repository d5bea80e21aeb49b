/**
 * Every output format, written from grades made by hand (no program runs here)
 * and read back as its reader would: grades.csv as a spreadsheet, results.json
 * as Gradescope, junit.xml as an XML parser, GitHub Classroom's result as its
 * reporter, class.md and feedback as a teacher and a learner.
 */
import { describe, expect, test } from "bun:test";
import { classMarkdown, misconceptionMap } from "../../tools/classroom/class-md.ts";
import { gradesCsv, readCsv } from "../../tools/classroom/csv.ts";
import { feedbackMarkdown } from "../../tools/classroom/feedback.ts";
import { catalogue, type CheckOutcome, type ExerciseOutcome } from "../../tools/classroom/grading.ts";
import { checkRows, gradesOf, type StudentGrade } from "../../tools/classroom/grades.ts";
import { gradescopeResults } from "../../tools/classroom/gradescope.ts";
import { junitXml } from "../../tools/classroom/junit.ts";
import { classroomResult } from "../../tools/classroom/modes.ts";
import type { StudentResult } from "../../tools/classroom/pool.ts";
import { readRubric } from "../../tools/classroom/rubric.ts";
import type { Student } from "../../tools/classroom/submissions.ts";
import { python3, runPython } from "./python.ts";

const rubric = readRubric();
const TR = ["tcp", "udp"] as const;

/** Exercise 01 graded: every check passes but those in `failing` ("01.reply/tcp"), which name `why`. */
function outcome(failing: string[] = [], why: string[] = []): ExerciseOutcome {
  const checks: CheckOutcome[] = catalogue()
    .filter((k) => k.exercise === "01")
    .flatMap((k) =>
      k.transports.map((transport) => {
        const bad = failing.includes(`${k.check}/${transport}`);
        return {
          check: k.check,
          transport,
          name: k.name,
          extra: k.extra,
          verdict: bad ? ("fail" as const) : ("pass" as const),
          blocked: false,
          misconceptions: bad ? why : [],
          expected: bad ? { en: 'alice receives "hello" & <more>', zh: "alice 收到 hello" } : undefined,
          arrived: bad ? { en: "alice received nothing", zh: "alice 什么也没收到" } : undefined,
          timeline: bad ? '   1.0 ms  alice  ->     "hello\\n"\n   2.0 ms  alice  close' : "",
          ms: 10,
        };
      }),
    );
  return {
    exercise: "01",
    passed: checks.every((c) => c.verdict === "pass" || c.extra),
    checks,
    misconceptions: why,
    limits: [],
    report: failing.length ? "✗ 01 tcp  answers a line\n    expected: ..." : "",
    seed: 7,
  };
}

const student = (id: string, files: Student["files"] = { "01": `/class/${id}/01-echo.py` }): Student => ({
  id,
  dir: `/class/${id}`,
  files,
  notes: [],
});
const result = (s: Student, outcomes: ExerciseOutcome[], stopped?: StudentResult["stopped"]): StudentResult => ({
  student: s,
  seed: 7,
  outcomes,
  stopped,
  ms: 100,
});

const grades: StudentGrade[] = gradesOf(
  [
    [
      result(student("alice"), [outcome()]),
      result(student("李雷"), [outcome(["01.reply/tcp", "01.split/tcp"], ["one-read-one-message"])]),
      result(student('Ann, "the" Lee'), [outcome(["01.reply/udp"], ["udp-like-tcp", "one-read-one-message"])]),
      result(student("empty", {}), []),
      result(student("oscar"), [], { how: "ended", detail: "killed by SIGKILL" }),
    ],
  ],
  rubric,
  ["01", "02"],
  TR,
);
const max01 = catalogue()
  .filter((k) => k.exercise === "01" && !k.extra)
  .reduce((n, k) => n + k.transports.length, 0);

describe("grades.csv", () => {
  const text = gradesCsv(grades, ["01", "02"]);
  const rows = readCsv(text);

  test("has a row per student with the columns a gradebook imports", () => {
    expect(Object.keys(rows[0]!)).toEqual(["student", "points", "max_points", "01", "02", "misconceptions"]);
    expect(rows.map((r) => r.student)).toEqual(["alice", "李雷", 'Ann, "the" Lee', "empty", "oscar"]);
  });

  test("gives partial credit per check and the misconceptions named for each student", () => {
    const li = rows[1]!;
    expect(Number(li["01"])).toBe(max01 - 2);
    expect(Number(li.points)).toBe(max01 - 2);
    expect(li.misconceptions).toBe("one-read-one-message");
    expect(rows[2]!.misconceptions!.split(";").sort()).toEqual(["one-read-one-message", "udp-like-tcp"]);
    expect(rows[0]!.points).toBe(String(max01));
    expect(rows[3]!.points).toBe("0");
    expect(rows[4]!.points).toBe("0");
  });

  test("is UTF-8 with a byte order mark, so a spreadsheet shows Chinese names", () => {
    const bytes = new TextEncoder().encode(text);
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(text).toContain("李雷");
  });
});

describe("Gradescope's results.json", () => {
  const r = JSON.parse(JSON.stringify(gradescopeResults(grades[1]!, rubric, TR, "en", 12)));

  test("has a test per check, each with its own score, so partial credit survives", () => {
    expect(Array.isArray(r.tests)).toBe(true);
    for (const t of r.tests) {
      expect(Object.keys(t).sort()).toEqual(["max_score", "name", "number", "output", "score", "tags", "visibility"]);
      expect(["hidden", "after_due_date", "after_published", "visible"]).toContain(t.visibility);
    }
    const sum = r.tests.reduce((s: number, t: { score: number }) => s + t.score, 0);
    expect(sum).toBe(r.score);
    expect(r.score).toBe(max01 - 2);
  });

  test("says why a check failed, and tags it with the misconception", () => {
    const failed = r.tests.find(
      (t: { name: string; score: number; max_score: number }) =>
        t.name.startsWith("01 tcp · ") && t.score === 0 && t.max_score === 1,
    );
    expect(failed.output).toContain("expected:");
    expect(failed.output).toContain("looks like: one read is one message");
    expect(failed.tags).toEqual(["one-read-one-message"]);
  });

  test("gives every check of an exercise not handed in, at 0, saying so", () => {
    const hub = r.tests.filter((t: { name: string }) => t.name.startsWith("02 "));
    expect(hub.length).toBeGreaterThan(0);
    expect(hub.every((t: { score: number; output: string }) => t.score === 0 && t.output.includes("no file"))).toBe(
      true,
    );
  });
});

describe("junit.xml", () => {
  const xml = junitXml(grades, rubric, TR, "en");

  test.skipIf(!python3)(
    "parses as XML: a testsuite per student, a testcase per check, failures with their message",
    async () => {
      const script = `
import json, sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
out = []
for s in root.findall("testsuite"):
    cases = s.findall("testcase")
    fails = [c for c in cases if c.find("failure") is not None]
    out.append({"name": s.get("name"), "tests": int(s.get("tests")), "cases": len(cases),
      "failures": int(s.get("failures")), "failed": len(fails), "errors": int(s.get("errors")),
      "classname": cases[0].get("classname") if cases else "",
      "message": fails[0].find("failure").get("message") if fails else "",
      "out": fails[0].findtext("system-out") if fails else ""})
print(json.dumps(out))`;
      const suites = JSON.parse(await runPython(script, xml));
      expect(suites.map((s: { name: string }) => s.name)).toEqual(grades.map((g) => g.id));
      for (const s of suites) expect(s.cases).toBe(s.tests);
      const li = suites[1];
      expect(li.failed).toBe(2);
      expect(li.failures).toBe(2);
      expect(li.classname).toBe("李雷.01.tcp");
      expect(li.message).toContain('expected: alice receives "hello" & <more>');
      expect(li.out).toContain('"hello\\n"');
      // The program that stopped the grading: every check an error, none a failure.
      const checks01 = catalogue()
        .filter((k) => k.exercise === "01")
        .reduce((n, k) => n + k.transports.length, 0);
      expect(suites[4].errors).toBe(checks01);
      expect(suites[4].failures).toBe(0);
    },
  );
});

describe("GitHub Classroom's runner result", () => {
  test("is what the grading reporter sums into Points X/Y, partial credit kept", () => {
    const r = classroomResult(grades[1]!, { rubric, transports: [...TR], lang: "en" });
    // As autograding-grading-reporter reads it: base64 of JSON, tests[].score summed over max_score.
    const back = JSON.parse(Buffer.from(Buffer.from(JSON.stringify(r)).toString("base64"), "base64").toString("utf8"));
    expect(back.version).toBe(1);
    expect(back.status).toBe("fail");
    const total = back.tests.reduce((s: number, t: { score: number }) => s + t.score, 0);
    expect(total).toBe(max01 - 2);
    expect(back.max_score).toBe(grades[1]!.max);
    for (const t of back.tests)
      expect(Object.keys(t).sort()).toEqual([
        "duration",
        "filename",
        "line_no",
        "message",
        "name",
        "score",
        "status",
        "test_code",
      ]);
    expect(back.tests[0].filename).toBe("01-echo.py");
  });

  test("is an error when the program stopped the grading", () => {
    expect(classroomResult(grades[4]!, { rubric, transports: [...TR], lang: "en" }).status).toBe("error");
  });
});

describe("class.md", () => {
  const md = classMarkdown({
    grades,
    exercises: ["01", "02"],
    transports: TR,
    lang: "en",
    seed: 1,
    sandboxed: true,
    runs: 1,
    seconds: 3,
  });

  test("maps each misconception to how many students, who, and what to re-teach, most students first", () => {
    expect(misconceptionMap(grades)).toEqual([
      { id: "one-read-one-message", students: ["李雷", 'Ann, "the" Lee'] },
      { id: "udp-like-tcp", students: ['Ann, "the" Lee'] },
    ]);
    const row = md.split("\n").find((l) => l.includes("`one-read-one-message`"))!;
    expect(row).toContain("| 2 |");
    expect(row).toContain("李雷");
    expect(row).toContain("lessons/01-echo.ts");
  });

  test("counts per exercise, and names the program that stopped the grading", () => {
    expect(md).toContain("| 01 echo server | 1 | 2 | 1 | 1 |");
    expect(md).toContain("- oscar: the program stopped the grading (its grader was ended)");
    expect(md).toContain("- empty: no exercise file found");
  });

  test("reads in Chinese for a Chinese class", () => {
    const zh = classMarkdown({
      grades,
      exercises: ["01"],
      transports: TR,
      lang: "zh",
      seed: 1,
      sandboxed: true,
      runs: 1,
      seconds: 3,
    });
    expect(zh).toContain("## 误解地图");
    expect(zh).toContain("一次读取就是一条消息");
  });
});

describe("feedback", () => {
  test("is the learner's own report with their points, per exercise", () => {
    const md = feedbackMarkdown(grades[1]!, "en");
    expect(md).toContain("# Feedback for 李雷");
    expect(md).toContain(`Points: ${max01 - 2} of ${grades[1]!.max}`);
    expect(md).toContain("## 01 echo server: failing");
    expect(md).toContain("✗ 01 tcp  answers a line");
    expect(md).toContain("## 02 hub: not handed in");
  });
});

describe("check rows", () => {
  test("are the same list for every student, whatever they handed in", () => {
    const names = (g: StudentGrade) => checkRows(g, rubric, TR, "en").map((r) => `${r.check}/${r.transport}`);
    for (const g of grades) expect(names(g)).toEqual(names(grades[0]!));
  });
});
