import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { catalogue, type CheckOutcome, type ExerciseOutcome } from "../../tools/classroom/grading.ts";
import { gradesOf } from "../../tools/classroom/grades.ts";
import { studentSeed, type StudentResult } from "../../tools/classroom/pool.ts";
import { maxOf, readRubric, RubricError, worth } from "../../tools/classroom/rubric.ts";

const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});
const rubricFile = (text: string) => {
  const dir = mkdtempSync(join(tmpdir(), "kit-rubric-"));
  made.push(dir);
  writeFileSync(join(dir, "rubric.toml"), text);
  return join(dir, "rubric.toml");
};

describe("the rubric", () => {
  test("the kit's own gives each core check a point per transport and extras none", () => {
    const r = readRubric();
    const core = catalogue().filter((k) => k.exercise === "01" && !k.extra);
    expect(maxOf(r, "01", ["tcp", "udp"])).toBe(core.reduce((n, k) => n + k.transports.length, 0));
    const extra = catalogue().find((k) => k.extra)!;
    expect(worth(r, extra.check, extra.transports[0]!, true)).toBe(0);
  });

  test("a teacher's rubric sets a check's points, over both transports or one", () => {
    const r = readRubric(rubricFile('[default]\ncore = 2\n[checks]\n"01.reply" = 5\n"01.sigterm/tcp" = 1\n'));
    expect(worth(r, "01.reply", "tcp", false)).toBe(5);
    expect(worth(r, "01.reply", "udp", false)).toBe(5);
    expect(worth(r, "01.time", "udp", false)).toBe(2);
    expect(worth(r, "01.sigterm", "tcp", true)).toBe(1);
    expect(worth(r, "01.sigterm", "udp", true)).toBe(0);
  });

  test("a check that does not exist, or points that are not a number, are named", () => {
    expect(() => readRubric(rubricFile('[checks]\n"01.nope" = 1\n'))).toThrow(RubricError);
    expect(() => readRubric(rubricFile('[checks]\n"01.nope" = 1\n'))).toThrow('no check "01.nope"');
    expect(() => readRubric(rubricFile('[default]\ncore = "one"\n'))).toThrow("must be a number of points");
  });
});

describe("seeds and runs", () => {
  test("a student's seed comes from the class's seed and their id: the same on every run, different per student", () => {
    expect(studentSeed(1, "李雷")).toBe(studentSeed(1, "李雷"));
    expect(studentSeed(1, "李雷")).not.toBe(studentSeed(1, "bob"));
    expect(studentSeed(1, "bob")).not.toBe(studentSeed(2, "bob"));
  });

  const run = (verdict: "pass" | "fail", stopped = false): StudentResult => {
    const checks: CheckOutcome[] = [
      {
        check: "01.reply",
        transport: "tcp",
        name: { en: "r", zh: "r" },
        extra: false,
        verdict,
        blocked: false,
        misconceptions: [],
        timeline: "",
        ms: 1,
      },
      {
        check: "01.time",
        transport: "tcp",
        name: { en: "t", zh: "t" },
        extra: false,
        verdict: "pass",
        blocked: false,
        misconceptions: [],
        timeline: "",
        ms: 1,
      },
    ];
    const o: ExerciseOutcome = {
      exercise: "01",
      passed: verdict === "pass",
      checks,
      misconceptions: [],
      limits: [],
      report: "",
      seed: 3,
    };
    return {
      student: { id: "bob", dir: "/x", files: { "01": "/x/01-echo.py" }, notes: [] },
      seed: 3,
      outcomes: stopped ? [] : [o],
      stopped: stopped ? { how: "time-limit", detail: "" } : undefined,
      ms: 1,
    };
  };

  test("--repeat: a check whose verdict changed between runs is reported, and the most runs' verdict counts", () => {
    const [g] = gradesOf([[run("pass")], [run("fail")], [run("pass")]], readRubric(), ["01"], ["tcp"]);
    expect(g!.unstable).toEqual([
      { exercise: "01", check: "01.reply", transport: "tcp", verdicts: ["pass", "fail", "pass"] },
    ]);
    expect(g!.exercises["01"]!.outcome!.checks[0]!.verdict).toBe("pass");
    const [steady] = gradesOf([[run("fail")], [run("fail")]], readRubric(), ["01"], ["tcp"]);
    expect(steady!.unstable).toEqual([]);
  });

  test("--repeat: a grading that stopped in one run of three is counted, and graded by the others", () => {
    const [g] = gradesOf([[run("pass")], [run("pass", true)], [run("pass")]], readRubric(), ["01"], ["tcp"]);
    expect(g!.stopped).toBeUndefined();
    expect(g!.stoppedRuns).toBe(1);
    expect(g!.exercises["01"]!.state).not.toBe("stopped");
  });
});
