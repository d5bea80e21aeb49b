/**
 * The grader's side of the learner's loop: starters written into workspace/
 * without ever writing over a file (and starting as they are), --watch
 * surviving saves by rename, and `bun run grade` as a learner types it: a
 * failing grade exits 1 without Bun's extra line, a usage error is one line and
 * exit status 2, --help and errors speak the learner's language, and paths are
 * the learner's, from whatever folder.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { commandFrom, untouched, workspaceFile, writeQuietRun, writeStarters } from "../tools/grader/exercises.ts";
import { fingerprint, watchFolder } from "../tools/grader/watch.ts";
import { overTransport, ROOT, runToEnd, startProgram, until } from "../tools/harness/index.ts";

/** A fresh folder for one test, removed when the file's tests are done. */
const folders: string[] = [];
const tempFolder = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  folders.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** `bun run grade ...` as a learner types it, in `cwd`; its output, errors and exit status. */
async function grade(args: string[], o: { cwd?: string; lang?: string } = {}) {
  const r = await runToEnd([process.execPath, "run", "grade", ...args], {
    cwd: o.cwd ?? ROOT,
    env: { LANG: o.lang ?? "C.UTF-8", LC_ALL: "", NO_COLOR: "1" },
  });
  return { out: r.stdout, err: r.stderr, code: r.code };
}

describe("the learner's workspace", () => {
  test("--init writes the starters and never writes over a file, the learner's own names included", () => {
    const dir = tempFolder("workspace-");
    writeFileSync(join(dir, "02-my-hub.py"), "print('mine')\n");
    const first = writeStarters(["01", "02"], dir);
    expect(first.map((r) => r.wrote)).toEqual([true, false]);
    expect(first[1]!.file).toEndWith("02-my-hub.py");
    expect(untouched("01", join(dir, "01-echo.ts"))).toBe(true);
    writeFileSync(join(dir, "01-echo.ts"), "// mine now\n");
    expect(writeStarters(["01"], dir)[0]!.wrote).toBe(false);
    expect(readFileSync(join(dir, "01-echo.ts"), "utf8")).toBe("// mine now\n");
    expect(untouched("01", join(dir, "01-echo.ts"))).toBe(false);
    expect(workspaceFile("02", dir)).toEndWith("02-my-hub.py");
    expect(workspaceFile("03", dir)).toBeUndefined();
    // bun run reads bunfig.toml where it is typed: the workspace gets the root's quiet [run].
    expect(writeQuietRun(dir)).toBe(true);
    expect(readFileSync(join(dir, "bunfig.toml"), "utf8")).toContain("silent = true");
    writeFileSync(join(dir, "bunfig.toml"), "# mine\n");
    expect(writeQuietRun(dir)).toBe(false);
    expect(readFileSync(join(dir, "bunfig.toml"), "utf8")).toBe("# mine\n");
    expect(workspaceFile("01", dir)).toEndWith("01-echo.ts");
  });

  test("--watch grades again after a save by rename, and again after the next one", async () => {
    const dir = tempFolder("watch-");
    const file = join(dir, "01-echo.ts");
    writeFileSync(file, "// one\n");
    let runs = 0;
    const stop = new AbortController();
    const watching = watchFolder(dir, async () => void runs++, { debounceMs: 20, stop: stop.signal });
    const saveByRename = (text: string) => {
      writeFileSync(join(dir, ".01-echo.ts.swp"), text);
      renameSync(join(dir, ".01-echo.ts.swp"), file);
    };
    await until(() => runs === 1, 2000, "the first run");
    saveByRename("// two\n");
    await until(() => runs === 2, 3000, "a run after the first save by rename");
    saveByRename("// three\n");
    await until(() => runs === 3, 3000, "a run after the second save by rename");
    expect(fingerprint(dir)).toContain("01-echo.ts");
    stop.abort();
    await watching;
  });

  test("a failing grade exits 1 without Bun's extra 'script exited' line", async () => {
    const r = await grade(["01", "--tcp", "--", join(ROOT, "tests/fixtures/programs/crash.ts")]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("grading `");
    expect(r.out).toContain("exited with code 3 before it listened");
    expect(r.err).not.toContain('script "grade" exited');
  });

  test("in a Chinese locale, exercise 03 talks to lesson 02's hub in English; the kit's client passes", async () => {
    // The hub is started with --lang en: what the check looks for never depends on the machine's locale.
    const r = await grade(["--reference", "03", "--tcp"], { lang: "zh_CN.UTF-8" });
    expect(r.out).toContain("通过（8 项检查）");
    expect(r.code).toBe(0);
  });

  test("a usage error is one line, in the learner's language, and exit status 2", async () => {
    for (const [args, said] of [
      [["01", "--bogus"], "error: unknown option '--bogus'"],
      [["--wach"], "(did you mean --watch?)"],
      [["01", "--seed", "abc"], "'abc' is invalid"],
      [["01", "--wait-ms", "x"], "'x' is invalid"],
      [["7"], 'the first argument is a lesson (01, 02, 03, 04), got "7"'],
    ] as const) {
      const r = await grade([...args]);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.err.trim().split("\n")).toEqual([expect.stringContaining(said)]);
    }
    const zh = await grade(["--wach"], { lang: "zh_CN.UTF-8" });
    expect(zh.err.trim().split("\n")).toEqual([
      expect.stringContaining("错误：未知选项 '--wach'（你是不是想用 --watch？）"),
    ]);
    expect(zh.code).toBe(2);
  });

  test("--help speaks the learner's language", async () => {
    const r = await grade(["--help", "--lang", "zh"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("用法：");
    expect(r.out).toContain("每次保存时重新打分");
    expect(r.out).not.toMatch(/grade again on every save|Options:|Arguments:/);
  });

  test("lesson 1 is lesson 01, and a file is found from the folder the learner is in", async () => {
    // From a folder below the kit's root, as from inside workspace/: bun run starts the script at the root.
    const r = await grade(["1", "--tcp", "crash.ts"], { cwd: join(ROOT, "tests/fixtures/programs") });
    expect(r.out).toContain("grading `crash.ts` as lesson 01");
    expect(r.out).toContain("exited with code 3 before it listened");
    expect(r.code).toBe(1);
  });

  test("every server starter listens as it is, and a port that is not a number names where it came from", async () => {
    const starters = ["01-echo.ts", "02-hub.ts", "04-chat.ts"].map((f) => join(ROOT, "lessons/starters", f));
    const started = await Promise.all(
      starters.flatMap((file) =>
        (["tcp", "udp"] as const).map((transport) =>
          startProgram({ command: overTransport(commandFrom([file]), transport), transport, readyMs: 10_000 }),
        ),
      ),
    );
    await Promise.all(started.map((p) => p.stop()));
    for (const [file, env, args, from] of [
      [starters[0]!, { PORT: "abc" }, [], "the environment variable PORT"],
      [starters[2]!, {}, ["--port", "99999"], "--port"],
    ] as const) {
      const r = await runToEnd([process.execPath, file, ...args], { env });
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toEqual([expect.stringContaining(`${from} must be a port number`)]);
    }
  });
});
