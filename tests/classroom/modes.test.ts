/**
 * The class grader's command lines, as a teacher and a course site's autograder
 * type them: `bun run grade --gradescope`, `--classroom`, and the mistakes that
 * get one line and exit status 2.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, runToEnd } from "../../tools/harness/index.ts";

const dir = mkdtempSync(join(tmpdir(), "kit-modes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const grade = (args: string[], env: Record<string, string> = {}) =>
  runToEnd([process.execPath, join(ROOT, "tools/grader/grade.ts"), ...args], { cwd: dir, env, timeoutMs: 90_000 });

// A submission: a correct echo server without a SIGTERM handler (full points; the extra fails).
const submission = join(dir, "submission");
mkdirSync(submission);
copyFileSync(join(ROOT, "tests/fixtures/mutants/01-no-sigterm.ts"), join(submission, "01-echo.ts"));
const QUICK = ["--exercises", "01", "--seed", "1", "--no-sandbox"];

describe("bun run grade --gradescope", () => {
  test("writes Gradescope's results.json for the one submission, and nothing else into it", async () => {
    const results = join(dir, "results", "results.json");
    const r = await grade(["--gradescope", "--submission", submission, "--results", results, ...QUICK]);
    expect(r.code).toBe(0);
    const json = JSON.parse(readFileSync(results, "utf8"));
    expect(json.score).toBe(18);
    expect(json.tests.reduce((s: number, t: { max_score: number }) => s + t.max_score, 0)).toBe(18);
    expect(json.tests.find((t: { name: string }) => t.name.includes("SIGTERM")).tags).toContain("ignores-sigterm");
    expect(r.stdout).toContain("18 of 18 points");
  }, 100_000);
});

describe("bun run grade --classroom", () => {
  test("prints the runner's result and sets the step's output for the grading reporter", async () => {
    const out = join(dir, "github-output");
    const r = await grade(["--classroom", submission, ...QUICK], { GITHUB_OUTPUT: out });
    expect(r.code).toBe(0);
    const line = readFileSync(out, "utf8").trim();
    expect(line.startsWith("result=")).toBe(true);
    const result = JSON.parse(Buffer.from(line.slice("result=".length), "base64").toString("utf8"));
    expect(result).toEqual(JSON.parse(r.stdout));
    expect(result.version).toBe(1);
    expect(result.max_score).toBe(18);
    // autograding-grading-reporter: Points = the sum of tests[].score.
    expect(result.tests.reduce((s: number, t: { score: number }) => s + t.score, 0)).toBe(18);
    // Every check worth points passed; the extra (SIGTERM, worth 0) failed and does not fail the run.
    expect(result.status).toBe("pass");
    expect(result.tests.some((t: { status: string }) => t.status === "fail")).toBe(true);
    expect(r.stderr).toContain("Points 18/18");
  }, 100_000);
});

describe("mistakes on the command line", () => {
  test("a class folder that does not exist is one line, and exit status 2", async () => {
    const r = await grade(["--class", join(dir, "nope"), "--no-sandbox"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n").at(-1)).toBe(`grade: no such folder or zip: ${join(dir, "nope")}`);
  });

  test("an exercise that does not exist is named, in Chinese too", async () => {
    const r = await grade(["--class", submission, "--exercises", "07", "--lang", "zh", "--no-sandbox"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("grade: 没有练习 07（有 01、02、03、04、06）");
  });

  test("where bubblewrap cannot run, one line says why and how to grade without it", async () => {
    // No PATH: bwrap (like every tool the sandbox needs) cannot be found.
    const r = await grade(["--class", submission, "--out", join(dir, "out")], { PATH: "/nonexistent" });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual([
      "grade: no sandbox: bwrap is missing (sudo apt-get install bubblewrap); or grade without it: --no-sandbox",
    ]);
  });

  test("--list-checks prints every check with its points under the rubric", async () => {
    const r = await grade(["--class", ".", "--list-checks"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^01\.reply\/tcp\s+1 /m);
    expect(r.stdout).toMatch(/^01\.sigterm\/udp\s+0 /m);
  });
});
