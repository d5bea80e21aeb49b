import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ROOT } from "../../tools/harness/index.ts";
import { isolation } from "../../tools/classroom/isolation.ts";
import { gradeClass } from "../../tools/classroom/pool.ts";
import { studentOf } from "../../tools/classroom/submissions.ts";

describe("grading in parallel", () => {
  test("a student whose grading runs past its time limit costs that limit, and the others are graded", async () => {
    const spinner = studentOf("victor", join(ROOT, "tests/fixtures/class/victor"));
    const nothing = studentOf("empty", join(ROOT, "tests/fixtures/class/empty"));
    const started = performance.now();
    const [victor, empty] = await gradeClass([spinner, nothing], {
      jobs: 2,
      seed: 1,
      exercises: ["01"],
      transports: ["tcp", "udp"],
      lang: "en",
      iso: await isolation(false, "en"),
      readyMs: 60_000,
      timeLimitMs: 1500,
    });
    expect(victor!.stopped?.how).toBe("time-limit");
    expect(empty!.stopped).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(10_000);
    // The program the worker started ended with it.
    const left = Bun.spawnSync(["pgrep", "-f", join(ROOT, "tests/fixtures/class/victor/01-echo.ts")]);
    expect(left.stdout.toString().trim()).toBe("");
  }, 20_000);
});

describe("a worker's result line", () => {
  test("arrives whole and once through a pipe read slowly, however long (2 MB)", async () => {
    const fields = 200_000;
    const proc = Bun.spawn([process.execPath, join(ROOT, "tests/fixtures/programs/big-line.ts"), String(fields)], {
      stdout: "pipe",
      stderr: "pipe",
    });
    // A slow reader keeps the pipe full, so the writer meets EAGAIN again and again.
    const reader = proc.stdout.getReader();
    const chunks: Uint8Array[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      await Bun.sleep(1);
    }
    expect(await proc.exited).toBe(0);
    const text = new TextDecoder().decode(Buffer.concat(chunks));
    expect(text.endsWith("\n")).toBe(true);
    const got = text.trimEnd().split(",");
    expect(got.length).toBe(fields);
    expect(got.every((f, i) => Number(f) === i)).toBe(true);
  }, 30_000);
});
