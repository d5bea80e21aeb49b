/**
 * src/cli.ts: usage errors are one line, in the person's language, naming where
 * to look; help text wraps by display width, between CJK characters but never
 * inside a Latin word.
 */
import { describe, expect, test } from "bun:test";
import { wrapText } from "../src/cli.ts";
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

describe("wrapText", () => {
  const width = (s: string) => Bun.stringWidth(s);

  test("breaks English at spaces and keeps a long word whole", () => {
    expect(wrapText("the quick brown fox jumps over", 10)).toBe("the quick\nbrown fox\njumps over");
    expect(wrapText("a supercalifragilistic word", 8)).toBe("a\nsupercalifragilistic\nword");
  });

  test("breaks Chinese between characters, by display width", () => {
    const text = "与连到这个服务器的所有服务器相连共用一个聊天室";
    const lines = wrapText(text, 20).split("\n");
    expect(lines.join("")).toBe(text);
    for (const l of lines) expect(width(l)).toBeLessThanOrEqual(20);
    expect(lines.length).toBe(3);
  });

  test("breaks after CJK punctuation, never before it, and never inside a Latin word among Chinese", () => {
    const lines = wrapText("通知的语言：en 或 zh，默认跟随区域设置Redis服务器", 12).split("\n");
    for (const l of lines) {
      expect(width(l)).toBeLessThanOrEqual(12);
      expect(l).not.toMatch(/^[：，。、）]/); // no line starts with closing punctuation
    }
    expect(lines.some((l) => l.includes("Redis"))).toBe(true); // the word stayed whole
  });

  test("keeps paragraphs", () => {
    expect(wrapText("one two\n\nthree", 3)).toBe("one\ntwo\n\nthree");
  });
});
