/**
 * The class as pages: class.html (the students × exercises grid, each cell a
 * link to that student's report, the misconception map as bars) and each
 * student's report, with every failing check's wire drawn, in the class's
 * language; ids and replies that carry markup stay text.
 */
import { describe, expect, test } from "bun:test";
import { classPage, reportPath, studentPage } from "../../tools/classroom/html.ts";
import { classSample } from "./fixtures.ts";

describe("class.html", () => {
  const info = classSample("en");
  const page = classPage(info);

  test("has the grid: a row per student, a cell per exercise, each a link to that student's report", () => {
    const rows = page.match(/<tr><th><a href="reports\/[^"]+\.html">/g) ?? [];
    expect(rows).toHaveLength(5);
    expect(page).toContain('<a href="reports/%E6%9D%8E%E9%9B%B7.html#ex-01" class="bad" title="failing">✗ ');
    expect(page).toContain('<a href="reports/alice.html#ex-01" class="good" title="passed">✓ ');
    expect(page).toContain('<a href="reports/empty.html#ex-01" class="dim" title="not handed in">· 0</a>');
    expect(page).toContain('title="the program stopped the grading">! 0</a>');
  });

  test("draws the misconception map as bars, most students first, each leading to who and what to re-teach", () => {
    const bars = [...page.matchAll(/<a href="#m-([\w-]+)" class="bar-link">/g)].map((m) => m[1]);
    expect(bars).toEqual(["one-read-one-message", "udp-like-tcp"]);
    expect(page).toContain(">2 students</text>");
    expect(page).toContain('<li id="m-udp-like-tcp"><strong>UDP treated like TCP</strong>');
  });

  test("keeps a student id that carries markup as text, in the grid and its link", () => {
    expect(page).not.toMatch(/<img[ >]/);
    expect(page).toContain('>&lt;img src=x onerror="document.title=1"&gt;</a>'); // its name
    expect(page).toContain('href="reports/_img%20src%3Dx%20onerror%3D_document.title%3D1__.html"'); // its link
    expect(reportPath('<img src=x onerror="document.title=1">')).toBe(
      "reports/_img src=x onerror=_document.title=1__.html",
    );
  });

  test("speaks the class's language", () => {
    const zh = classPage(classSample("zh"));
    expect(zh).toContain("<h1>全班评分：5 名学生</h1>");
    expect(zh).toContain(">2 名学生</text>");
    expect(zh).toContain('<html lang="zh-CN">');
  });
});

describe("a student's report", () => {
  const li = classSample("zh").grades.find((g) => g.id === "李雷")!;
  const page = studentPage(li, "zh");

  test("draws each failing check's wire, with what was expected marked, and lists each passing check in a line", () => {
    expect(page.match(/<figure class="wire">/g)).toHaveLength(2);
    expect(page).toContain("✗ 期望：小王 收到一行包含");
    expect(page.match(/<li><span class="good">✓ <\/span>01 /g)!.length).toBeGreaterThan(10);
    expect(page).toContain('<progress max="2" value="0" aria-label="进度">');
  });

  test("names the misconception with its advice, the fix in the program's language and what to re-read", () => {
    expect(page).toContain("<strong>这看起来是：</strong>“一次读取就是一条消息”");
    // A Python program: the fix in Python, the article's section to re-read first.
    expect(page).toContain('<p class="dim">修正方法（Python）：</p><pre class="fix">');
    expect(page).toMatch(/重读：原文 [^<]*；lessons\/01-echo.ts/);
  });

  test("shows the program's markup reply as text", () => {
    expect(page).not.toMatch(/<(script|img|b)[ >]/);
    expect(page).toContain("&lt;script&gt;document.title=");
  });
});
