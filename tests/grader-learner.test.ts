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
import { overTransport, ROOT, runToEnd, startProgram, stripAnsi, until } from "../tools/harness/index.ts";

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

/** `bun run grade ...` as a learner types it, in `cwd` (with `workspace` as the workspace); its output, errors and exit status. */
async function grade(args: string[], o: { cwd?: string; lang?: string; workspace?: string } = {}) {
  // In a workspace of a test's own, from inside it, as a learner in workspace/: the grader itself (no package.json there).
  const argv = o.workspace
    ? [process.execPath, join(ROOT, "tools/grader/grade.ts"), ...args]
    : [process.execPath, "run", "grade", ...args];
  const r = await runToEnd(argv, {
    cwd: o.workspace ?? o.cwd ?? ROOT,
    env: { LANG: o.lang ?? "C.UTF-8", LC_ALL: "", NO_COLOR: "1", GRADER_WORKSPACE: o.workspace },
    timeoutMs: 60_000,
  });
  return { out: stripAnsi(r.stdout), err: r.stderr, code: r.code };
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

  test("a starter --init wrote stays untouched when the kit's starter changes later, until the learner edits it", () => {
    const dir = tempFolder("starters-");
    writeStarters(["01"], dir);
    const file = join(dir, "01-echo.ts");
    // As if the kit's starter were changed after --init wrote this one.
    const older = "// the starter of an older kit\n";
    const record = JSON.parse(readFileSync(join(dir, ".starters.json"), "utf8"));
    record["01-echo.ts"] = new Bun.CryptoHasher("sha1").update(older).digest("hex");
    writeFileSync(join(dir, ".starters.json"), JSON.stringify(record));
    writeFileSync(file, older);
    expect(untouched("01", file)).toBe(true);
    writeFileSync(file, older + "// mine now\n");
    expect(untouched("01", file)).toBe(false);
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
    await until(() => runs === 2, 10_000, "a run after the first save by rename");
    saveByRename("// three\n");
    await until(() => runs === 3, 10_000, "a run after the second save by rename");
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
      [["7"], 'the first argument is a lesson (01, 02, 03, 04, 06), got "7"'],
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

  test("--help speaks the learner's language, the names of its arguments and values included", async () => {
    const r = await grade(["--help", "--lang", "zh"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("用法：");
    expect(r.out).toContain("每次保存时重新打分");
    expect(r.out).toContain("--seed <数字>");
    expect(r.out).toContain("--init [课程编号]");
    expect(r.out).not.toMatch(/grade again on every save|Options:|Arguments:|\[lesson\]|<n>|<ms>|<lang>/);
  });

  test("a file that is not there is one line, in the learner's language, and exit status 2", async () => {
    for (const [args, lang, said] of [
      [["01", "nosuch.py"], "C.UTF-8", "grade: nosuch.py: no such file"],
      [["01", "--", "python3", "nosuch.py"], "zh_CN.UTF-8", "grade: nosuch.py：没有这个文件"],
    ] as const) {
      const r = await grade([...args], { lang });
      expect({ args, code: r.code, out: r.out }).toEqual({ args, code: 2, out: "" });
      expect(r.err.trim().split("\n")).toEqual([said]);
    }
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

describe("progress, remembered in workspace/.progress.json", () => {
  /** A workspace of its own: exercise 01 a correct echo server (a mutant without a SIGTERM handler: an extra). */
  const workspace = () => {
    const dir = tempFolder("progress-");
    writeFileSync(join(dir, "01-echo.ts"), readFileSync(join(ROOT, "tests/fixtures/mutants/01-no-sigterm.ts")));
    writeStarters(["02"], dir);
    return dir;
  };
  // The grader's own waits (a passing program never waits for them), room to start on a busy machine.
  const roomy = ["--ready-ms", "20000"];
  /** The table's row for an exercise: the last line that starts with its mark and number (the table comes last). */
  const row = (out: string, id: string) =>
    out.split("\n").findLast((l) => l.startsWith("  ") && l.trimStart().slice(2).startsWith(`${id} `)) ?? "";

  test("after 01 passes, grading 02 shows 01 passed and counts it; saved again, 01 is changed since it passed", async () => {
    const dir = workspace();
    const first = await grade(["01", ...roomy], { workspace: dir });
    expect(first.code).toBe(0);
    expect(row(first.out, "01")).toContain("passed (18 checks)");
    const remembered = JSON.parse(readFileSync(join(dir, ".progress.json"), "utf8"));
    expect(remembered["01"]).toMatchObject({ file: "01-echo.ts", passed: true, failing: 0, total: 18 });

    const second = await grade(["02", "--tcp", ...roomy], { workspace: dir });
    expect(second.code).toBe(1);
    expect(row(second.out, "01")).toMatch(/✓ 01 echo server +passed \(18 checks\)/);
    expect(second.out).toContain("1/5 exercises passed");
    expect(second.out).not.toContain("not graded");

    writeFileSync(join(dir, "01-echo.ts"), readFileSync(join(dir, "01-echo.ts"), "utf8") + "// one more line\n");
    const third = await grade(["02", "--tcp", ...roomy], { workspace: dir, lang: "zh_CN.UTF-8" });
    expect(row(third.out, "01")).toContain("通过之后又改过");
    expect(third.out).toContain("0/5 个练习已通过");
  }, 120_000);

  test("with two files for one exercise, the one graded last stays, the screen says so, and naming the other picks it", async () => {
    const dir = workspace();
    await grade(["01", "--tcp", ...roomy], { workspace: dir });
    // A newer file for exercise 01: the one graded before is still the one graded.
    writeFileSync(join(dir, "01-echo.py"), "import sys\nsys.exit(3)\n");
    const again = await grade(["01", "--tcp", ...roomy], { workspace: dir });
    expect(again.out).toContain(`✓ 01 echo server`);
    expect(row(again.out, "01")).toContain("01-echo.ts");
    expect(again.out).toMatch(/01 is graded from \S*01-echo\.ts; \S*01-echo\.py is there too/);
    // Named, the other one is graded, and from now on.
    const picked = await grade(["01", join(dir, "01-echo.py"), "--tcp", ...roomy], { workspace: dir });
    expect(picked.code).toBe(1);
    expect(picked.out).toContain("exited with code 3 before it listened");
    expect(row(picked.out, "01")).toContain("01-echo.py");
    const after = await grade(["02", "--tcp", ...roomy], { workspace: dir });
    expect(row(after.out, "01")).toMatch(/failing (\d+) of \1 checks.*01-echo\.py/);
  }, 120_000);

  test("--watch says when each grading ran", async () => {
    const dir = workspace();
    const proc = Bun.spawn(
      [process.execPath, join(ROOT, "tools/grader/grade.ts"), "01", "--tcp", "--watch", ...roomy],
      {
        cwd: dir,
        env: { ...process.env, LANG: "C.UTF-8", LC_ALL: "", NO_COLOR: "1", GRADER_WORKSPACE: dir },
        stdout: "pipe",
        stderr: "ignore",
      },
    );
    let out = "";
    void (async () => {
      for await (const chunk of proc.stdout) out += new TextDecoder().decode(chunk);
    })();
    try {
      await until(
        () => /graded at \d\d:\d\d:\d\d/.test(out) && out.includes("exercises passed"),
        60_000,
        "a first grading",
      );
      expect(out).toMatch(/watching workspace\/ \(Ctrl\+C stops\) · graded at \d\d:\d\d:\d\d/);
    } finally {
      proc.kill();
      await proc.exited;
    }
  }, 90_000);
});

describe("bun test workspace, for the learner", () => {
  test("a failing exercise tells the grader's story first, in the learner's language, with no stack of the kit's code; the table comes last", async () => {
    const dir = tempFolder("bun-test-");
    writeFileSync(join(dir, "01-echo.ts"), readFileSync(join(ROOT, "tests/fixtures/mutants/01-no-sigterm.ts")));
    writeFileSync(join(dir, "02-hub.ts"), readFileSync(join(ROOT, "tests/fixtures/mutants/02-echo-to-sender.ts")));
    writeStarters(["03"], dir);
    const r = await runToEnd([process.execPath, "test", "tests/workspace.test.ts"], {
      cwd: ROOT,
      env: { GRADER_WORKSPACE: dir, CHAT_KIT_LANG: "zh", NO_COLOR: "1" },
      timeoutMs: 120_000,
    });
    const out = stripAnsi(r.stdout + r.stderr);
    expect(r.code).toBe(1);
    // The story, then the test's own line: the story comes first.
    const story = out.indexOf("✗ 02 聊天中心（hub）");
    const failed = out.indexOf("(fail) 你的练习：02 聊天中心（hub）");
    expect(story).toBeGreaterThanOrEqual(0);
    expect(failed).toBeGreaterThan(story);
    expect(out.slice(story, failed)).toContain("这看起来是：“把消息发回给了发送者”");
    expect(out).toContain("(pass) 你的练习：01 回声服务器");
    expect(out).toContain("(todo) 你的练习：03 客户端：未开始");
    // No frame of the kit's own code: only the test file's own line.
    expect(out).not.toMatch(/tools\/grader\/|tools\/harness\//);
    // The same table as bun run grade, last.
    const table = out.lastIndexOf("你的练习（workspace/）");
    expect(table).toBeGreaterThan(failed);
    expect(out.slice(table)).toContain("1/5 个练习已通过");
    expect(out.slice(table)).toMatch(/✗ 02 聊天中心（hub） +未通过 \d+ \/ \d+ 项检查/);
  }, 150_000);
});
