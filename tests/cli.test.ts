/**
 * src/cli.ts: usage errors are one line, in the person's language, naming where
 * to look. (Its help wraps by display width: tests/wrap.test.ts.)
 */
import { describe, expect, test } from "bun:test";
import { ROOT } from "../tools/harness/command.ts";

const NO_LOCALE = { LANG: "C", LC_ALL: "", LC_MESSAGES: "" };

async function run(args: string[]) {
  const proc = Bun.spawn([process.execPath, ...args], {
    cwd: ROOT,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, ...NO_LOCALE },
  });
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  return { stderr, code };
}

describe.each(["src/server.ts", "src/client.ts"])("a usage error of %s", (file) => {
  test.each([
    ["en", ["extra"], "error: unexpected argument: extra; options start with -- (run with --help for the options)"],
    ["en", ["--port", "abc"], "(run with --help for the options)"],
    ["en", ["--port"], "error: option '-p, --port <n>' needs a value (run with --help for the options)"],
    ["en", ["--no-such-option"], "error: unknown option '--no-such-option'"],
    ["zh", ["extra"], "错误：多余的参数：extra；选项以 -- 开头（用 --help 查看所有选项）"],
    ["zh", ["--port", "abc"], "（用 --help 查看所有选项）"],
  ] as const)("in %s, %p: one line, exit 2", async (lang, args, expected) => {
    const { stderr, code } = await run([file, "--lang", lang, ...args]);
    expect(code).toBe(2);
    expect(stderr.endsWith("\n")).toBe(true);
    expect(stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(stderr).toContain(expected);
  });
});
