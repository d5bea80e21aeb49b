/**
 * `bun run grade --html` as a learner types it: the page of the run, its path
 * on the last line, every failing check's wire drawn in the learner's
 * language, the fix in the program's own language; and with --watch, the page
 * written again on every save (writing it into the watched folder is no save).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fingerprint } from "../../tools/grader/watch.ts";
import { ROOT, runToEnd, until } from "../../tools/harness/index.ts";
import { writePage } from "../../tools/wire/page.ts";

const dir = mkdtempSync(join(tmpdir(), "grade-html-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { LANG: "C.UTF-8", LC_ALL: "", NO_COLOR: "1" };
const mutant = (name: string) => join(ROOT, "tests/fixtures/mutants", name);

describe("bun run grade --html", () => {
  test("writes the run as a page, every failing check drawn, in the learner's language, its path on the last line", async () => {
    const page = join(dir, "one-read.html");
    const argv = ["run", "grade", "01", "--tcp", "--seed", "7", "--lang", "zh", "--html", page];
    const r = await runToEnd([process.execPath, ...argv, "--", "bun", mutant("01-one-read.ts")], { cwd: ROOT, env });
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split("\n").at(-1)).toBe(page);
    const html = readFileSync(page, "utf8");
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('<progress max="1" value="0" aria-label="进度">');
    const failing = Number(/未通过 (\d+) \/ \d+ 项检查/.exec(r.stdout)![1]);
    expect(html.match(/<figure class="wire">/g)!.length).toBe(failing);
    expect(html).toContain("✗ 期望：alice 收到一行以");
    expect(html).toContain("<strong>这看起来是：</strong>“一次读取就是一条消息”");
    expect(html).toContain("精确重放：<code>bun run grade 01 --seed 7 -- bun ");
  }, 30_000);

  test("gives the fix in the program's own language, and lists each passing check in a line", async () => {
    const page = join(dir, "no-sigterm.html");
    const argv = [
      "run",
      "grade",
      "01",
      "--tcp",
      "--seed",
      "7",
      "--html",
      page,
      "--",
      "bun",
      mutant("01-no-sigterm.ts"),
    ];
    const r = await runToEnd([process.execPath, ...argv], { cwd: ROOT, env });
    expect(r.code).toBe(0); // an extra does not fail the exercise
    const html = readFileSync(page, "utf8");
    expect(html).toContain('<pre class="fix">process.on("SIGTERM", () =&gt; process.exit(0));</pre>');
    expect(html).not.toContain("signal.signal(");
    expect(html).toContain("the fix, in TypeScript");
    expect(html).toContain("(extra, does not count)");
    expect(html.match(/<li><span class="good">✓ <\/span>01 tcp /g)!.length).toBe(11);
  }, 30_000);

  test("with --watch, writes the page again on every save", async () => {
    const program = join(dir, "01-echo.ts");
    copyFileSync(join(ROOT, "tests/fixtures/programs/crash.ts"), program);
    const page = join(dir, "report.html");
    const stamp = `${page}.stamp.js`;
    const argv = ["run", "grade", "01", program, "--tcp", "--watch", "--html", page, "--ready-ms", "2000"];
    const proc = Bun.spawn([process.execPath, ...argv], { cwd: ROOT, env, stdout: "pipe", stderr: "pipe" });
    let out = "";
    void (async () => {
      for await (const chunk of proc.stdout) out += new TextDecoder().decode(chunk);
    })();
    // Each run ends with the page's path.
    const runs = () => out.split("\n").filter((line) => line === page).length;
    try {
      await until(() => runs() === 1 && existsSync(stamp), 20_000, "the first page");
      const first = readFileSync(stamp, "utf8");
      expect(first).toMatch(/^wireStamp\("[0-9a-f]{16}"\);\n$/);
      expect(readFileSync(page, "utf8")).toContain("<script data-stamp=");
      writeFileSync(program, readFileSync(program, "utf8").replace("something is wrong", "something else is wrong"));
      await until(() => runs() === 2 && readFileSync(stamp, "utf8") !== first, 20_000, "the page written again");
      expect(readFileSync(page, "utf8")).toContain("something else is wrong");
    } finally {
      proc.kill("SIGINT");
      await proc.exited;
    }
  }, 60_000);

  test("a watched folder does not count the page and its stamp as a change: writing them starts no grading", () => {
    const folder = mkdtempSync(join(dir, "workspace-"));
    writeFileSync(join(folder, "01-echo.py"), "print('mine')\n");
    const before = fingerprint(folder);
    writePage(join(folder, "report.html"), () => "<!doctype html>", true);
    expect(existsSync(join(folder, "report.html.stamp.js"))).toBe(true);
    expect(fingerprint(folder)).toBe(before);
    writeFileSync(join(folder, "02-hub.py"), "print('mine')\n");
    expect(fingerprint(folder)).not.toBe(before);
  });
});
