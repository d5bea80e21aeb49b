/**
 * The fixture class (tests/fixtures/class/), graded as a teacher grades it: in
 * the sandbox, in parallel, into every output; each student's grade checked
 * against the expected one, and each output read back. Then the programs that
 * attack the grading, graded without the sandbox: there they get away with it,
 * which is what the sandbox is for.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../../tools/harness/index.ts";
import { readCsv } from "../../tools/classroom/csv.ts";
import { layOutClass, type Manifest } from "../../tools/classroom/generate.ts";
import { gradesOf, type StudentGrade } from "../../tools/classroom/grades.ts";
import { isolation } from "../../tools/classroom/isolation.ts";
import { gradeClass } from "../../tools/classroom/pool.ts";
import { readRubric } from "../../tools/classroom/rubric.ts";
import { gradeWholeClass } from "../../tools/classroom/run-class.ts";
import { sandboxAvailable } from "../../tools/classroom/sandbox.ts";
import { classInFolder } from "../../tools/classroom/submissions.ts";
import { python3, runPython } from "./python.ts";

type Expected = {
  points?: number;
  pointsAtMost?: number;
  "01"?: string;
  "02"?: string;
  misconceptions?: string[];
  limits?: string[];
  notes?: string[];
};
const FIXTURE = join(ROOT, "tests/fixtures/class");
const manifest = JSON.parse(readFileSync(join(FIXTURE, "class.json"), "utf8")) as Manifest & {
  expected: Record<string, Expected>;
};

const sandbox = sandboxAvailable();
const canRun = (sandbox.ok && python3) || process.env.CI === "true";
if (!canRun)
  console.log(
    `classroom: the fixture class needs the sandbox and python3: skipping it (${sandbox.ok ? "no python3" : sandbox.why})`,
  );

const settings = { readyMs: 10_000, waitMs: 4_000, timeLimitMs: 120_000 };
let dir: string;
const out = () => join(dir, "grades");

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kit-fixture-class-"));
  await layOutClass(manifest, join(dir, "class"), FIXTURE);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!canRun)("the fixture class, graded in the sandbox", () => {
  let csv: Record<string, string>[];
  beforeAll(async () => {
    await gradeWholeClass({
      input: join(dir, "class"),
      out: out(),
      lang: "en",
      exercises: ["01", "02"],
      transports: ["tcp", "udp"],
      seed: 1,
      rubric: readRubric(),
      jobs: 4,
      repeat: 1,
      similar: false,
      iso: await isolation(true, "en"),
      quiet: true,
      ...settings,
    });
    csv = readCsv(readFileSync(join(out(), "grades.csv"), "utf8"));
  }, 240_000);

  test("every student gets the expected grade", () => {
    const gradescope = (id: string) => JSON.parse(readFileSync(join(out(), "gradescope", id, "results.json"), "utf8"));
    expect(csv.map((r) => r.student).sort()).toEqual(Object.keys(manifest.expected).sort());
    for (const [id, want] of Object.entries(manifest.expected)) {
      const row = csv.find((r) => r.student === id)!;
      const points = Number(row.points);
      const named = row.misconceptions!.split(";").filter(Boolean);
      const g = gradescope(id);
      const states = Object.fromEntries(
        ["01", "02"].map((ex) => {
          const tests = g.tests.filter((t: { name: string }) => t.name.startsWith(`${ex} `));
          const core = tests.filter((t: { max_score: number }) => t.max_score > 0);
          const state = tests.every((t: { output: string }) => t.output.startsWith("no file"))
            ? "missing"
            : core.every((t: { score: number; max_score: number }) => t.score === t.max_score)
              ? "passed"
              : "failing";
          return [ex, state];
        }),
      );
      if (want.points !== undefined) expect({ id, points }).toEqual({ id, points: want.points });
      if (want.pointsAtMost !== undefined) expect(points).toBeLessThanOrEqual(want.pointsAtMost);
      for (const ex of ["01", "02"] as const)
        if (want[ex]) expect({ id, ex, state: states[ex] }).toEqual({ id, ex, state: want[ex] });
      for (const m of want.misconceptions ?? []) expect(named).toContain(m);
      expect(Number(row.max_points)).toBe(40);
      expect(g.score).toBe(points);
    }
  });

  test("class.md names the limits hit, the files not graded and the class's misconceptions", () => {
    const md = readFileSync(join(out(), "class.md"), "utf8");
    for (const [id, want] of Object.entries(manifest.expected)) {
      if (want.limits) expect(md).toContain(`- ${id}: hit a limit: ${want.limits.join(", ")}`);
    }
    expect(md).toContain("- empty: the folder is empty");
    expect(md).toContain("- erin: echo.py: not named as an exercise");
    const map = md.slice(md.indexOf("## The misconception map"), md.indexOf("## Programs that"));
    for (const m of ["one-read-one-message", "no-newline", "crash-on-reset", "ignores-sigterm"])
      expect(map).toContain(`\`${m}\``);
    expect(md).toContain("| 01 echo server | 3 | 6 | 2 | 0 |");
  });

  test("a program cannot write outside its folder, and reading another student's folder gets it nothing", () => {
    expect(existsSync(join(dir, "class", "mallory-was-here.txt"))).toBe(false);
    const feedback = readFileSync(join(out(), "feedback", "mallory.md"), "utf8");
    expect(feedback).not.toContain("read alice's folder");
  });

  test("a program that forges a pass and kills its parent gets no point, and its grading is not stopped", () => {
    const row = csv.find((r) => r.student === "oscar")!;
    expect(row.points).toBe("0");
    const md = readFileSync(join(out(), "class.md"), "utf8");
    expect(md).not.toContain("- oscar: the program stopped the grading");
  });

  test("each student's feedback is their own report", () => {
    const files = readdirSync(join(out(), "feedback")).sort();
    expect(files).toEqual(
      Object.keys(manifest.expected)
        .map((id) => `${id}.md`)
        .sort(),
    );
    const bob = readFileSync(join(out(), "feedback", "bob.md"), "utf8");
    expect(bob).toContain("# Feedback for bob");
    expect(bob).toContain("one read is one message");
    expect(bob).toContain("replay exactly: bun run grade 01");
  });

  test.skipIf(!python3)("junit.xml has a testsuite per student and a testcase per check", async () => {
    const xml = readFileSync(join(out(), "junit.xml"), "utf8");
    const counts = JSON.parse(
      await runPython(
        `import json, sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
print(json.dumps({s.get("name"): [len(s.findall("testcase")), int(s.get("failures")),
  [c.get("classname") + " " + c.get("name") + ": " + c.find("failure").text for c in s.findall("testcase") if c.find("failure") is not None]]
  for s in root.findall("testsuite")}))`,
        xml,
      ),
    );
    expect(Object.keys(counts).sort()).toEqual(Object.keys(manifest.expected).sort());
    // A failure of alice's names its check, so that a verdict that flipped is seen for what it is.
    expect({ alice: counts.alice[2] }).toEqual({ alice: [] });
    expect(counts.alice[1]).toBe(0);
    expect(counts.carol[1]).toBeGreaterThan(0);
    const sizes = new Set(Object.values(counts).map((c) => (c as number[])[0]));
    expect(sizes.size).toBe(1);
  });
});

describe.skipIf(!canRun)("the programs that attack the grading, without the sandbox", () => {
  let grades: StudentGrade[];
  beforeAll(async () => {
    const students = classInFolder(join(dir, "class")).students.filter((s) => ["mallory", "oscar"].includes(s.id));
    const results = await gradeClass(students, {
      jobs: 2,
      seed: 1,
      exercises: ["01"],
      transports: ["tcp", "udp"],
      lang: "en",
      iso: await isolation(false, "en"),
      ...settings,
    });
    grades = gradesOf([results], readRubric(), ["01"], ["tcp", "udp"]);
  }, 120_000);

  test("a program reads another student's folder and writes outside its own", () => {
    expect(existsSync(join(dir, "class", "mallory-was-here.txt"))).toBe(true);
    const mallory = grades.find((g) => g.id === "mallory")!;
    expect(mallory.points).toBeLessThan(manifest.expected.mallory!.points!);
  });

  test("a program that kills its parent stops its own grading", () => {
    const oscar = grades.find((g) => g.id === "oscar")!;
    expect(oscar.stopped?.how).toBe("ended");
    expect(oscar.points).toBe(0);
  });
});
