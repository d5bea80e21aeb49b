/**
 * src/wrap.ts, the kit's one rule for fitting text to a terminal (the server's
 * and client's --help, the lessons, the grader): by display width, between CJK
 * characters but never inside a Latin word.
 */
import { describe, expect, test } from "bun:test";
import { unbroken, wrapText } from "../src/wrap.ts";

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

  test("puts its own prefix before the first line, and the indent before the others", () => {
    expect(wrapText("the quick brown fox jumps over the lazy dog", 16, "      ", "echo: ")).toBe(
      "echo: the quick\n      brown fox\n      jumps over\n      the lazy\n      dog",
    );
    expect(wrapText("", 16, "  ", "x: ")).toBe("x: ");
  });

  test("never cuts what is held unbroken, and prints it plainly", () => {
    const text = `options; ${unbroken("default 9009")}, from the locale`;
    expect(wrapText(text, 16)).toBe("options;\ndefault 9009,\nfrom the locale");
    expect(wrapText(`输出用的语言；${unbroken("默认 9009")}，取自系统`, 16)).toBe(
      "输出用的语言；\n默认 9009，取自\n系统",
    );
  });

  test("keeps a Latin word with its brackets whole, and no line starts with a comma or a colon", () => {
    expect(wrapText("call send(line) now", 10)).toBe("call\nsend(line)\nnow");
    expect(wrapText("一二三四,五", 8)).toBe("一二三\n四,五");
    expect(
      wrapText("地址：redis://主机:端口", 16)
        .split("\n")
        .some((l) => l.startsWith(":")),
    ).toBe(false);
  });
});
