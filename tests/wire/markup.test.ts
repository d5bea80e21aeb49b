/**
 * The drawing's building blocks, without a browser: markup that keeps every
 * string as text, and text laid out by display width (a Chinese character is
 * two columns), cut without breaking an escape.
 */
import { describe, expect, test } from "bun:test";
import { columnsOf, elide, quoteBytes, wrapLines } from "../../tools/wire/layout.ts";
import { escapeAttr, h, render, trusted } from "../../tools/wire/markup.ts";
import { HOSTILE } from "./fixtures.ts";

describe("markup", () => {
  test("writes text and attribute values escaped: a hostile reply stays text", () => {
    const out = render(h("text", { "data-said": HOSTILE, x: 4 }, HOSTILE));
    expect(out).not.toContain("<script");
    expect(out).not.toContain("<img");
    expect(out).not.toContain("<b>");
    expect(out).toContain("&lt;script&gt;document.title=&quot;owned&quot;&lt;/script&gt;"); // the attribute
    expect(out).toContain("&lt;img src=x onerror=\"document.title='owned'\"&gt;"); // the text: quotes need no escape there
    expect(out.startsWith('<text data-said="')).toBe(true);
    // An attribute value cannot end its quotes.
    expect(escapeAttr(`"><script>x</script>`)).toBe("&quot;&gt;&lt;script&gt;x&lt;/script&gt;");
  });

  test("nests elements, leaves out nothing-values, self-closes SVG shapes and HTML's void elements", () => {
    const out = render(
      h(
        "svg",
        { width: 10, hidden: false, open: true, gone: undefined },
        [h("line", { x1: 0 }), null, false],
        h("br"),
        7,
      ),
    );
    expect(out).toBe('<svg width="10" open><line x1="0"/><br>7</svg>');
  });

  test("refuses a tag or attribute name that is not a plain name, and any event handler", () => {
    expect(() => h("img src=x", {})).toThrow(/not a tag name/);
    expect(() => h("rect", { 'x="1" onclick': "1" })).toThrow(/not an attribute name/);
    expect(() => h("rect", { onClick: "alert(1)" })).toThrow(/no event handler/);
    expect(() => h("svg", { onload: "" })).toThrow(/no event handler/);
  });

  test("writes the kit's own style as is, but never one that closes its element", () => {
    expect(render(h("style", {}, trusted("a > b { color: red }")))).toBe("<style>a > b { color: red }</style>");
    expect(() => trusted("x</style><script>alert(1)</script>")).toThrow(/may not close/);
    expect(() => trusted("x</SCRIPT >")).toThrow(/may not close/);
  });

  test("shows characters no page may hold as U+FFFD", () => {
    expect(render(h("p", {}, "a\u0000b\u001bc\ud800d\tok\n"))).toBe("<p>a\ufffdb\ufffdc\ufffdd\tok\n</p>");
  });
});

describe("layout by display width", () => {
  test("wraps Chinese by columns, two a character, and English at spaces", () => {
    const zh = wrapLines("期望：小王收到一行包含大家好的内容，然后继续等待下一行", 10);
    expect(zh.length).toBeGreaterThan(4);
    for (const line of zh) expect(columnsOf(line)).toBeLessThanOrEqual(10);
    expect(zh.join("")).toBe("期望：小王收到一行包含大家好的内容，然后继续等待下一行");
    // A line never starts with a closing mark.
    for (const line of zh) expect(line.startsWith("，")).toBe(false);
    expect(wrapLines("bob receives a line", 12)).toEqual(["bob receives", "a line"]);
  });

  test("breaks quoted bytes anywhere they must, but never inside an escape", () => {
    const lines = wrapLines('"abcdefgh\\x1bijklm\\u{202e}nopq\\n"', 10);
    for (const line of lines) expect(columnsOf(line)).toBeLessThanOrEqual(10);
    expect(lines.join("")).toBe('"abcdefgh\\x1bijklm\\u{202e}nopq\\n"');
    expect(lines.some((l) => /\\x1b|\\u\{202e\}/.test(l))).toBe(true);
    expect(lines.some((l) => l.endsWith("\\") || /^x1b|^u\{/.test(l))).toBe(false);
  });

  test("cuts the middle out of a long text, never an escape or half a character", () => {
    const cut = elide("你好你好你好你好你好\\x00abcdefghij", 12);
    expect(columnsOf(cut)).toBeLessThanOrEqual(12);
    expect(cut).toContain("…");
    expect(cut.startsWith("你好")).toBe(true);
    expect(cut).toBe("你好你好…hij");
    expect(elide("short", 12)).toBe("short");
  });

  test("quotes a megabyte write by its two ends and its size, quickly", () => {
    const big = new Uint8Array(1 << 20).fill(0x61);
    big[0] = 0x3c; // "<"
    big[big.length - 2] = 0x7a;
    big[big.length - 1] = 0x0a;
    const started = performance.now();
    const q = quoteBytes(big, 40, (n) => `(${n} bytes)`);
    expect(performance.now() - started).toBeLessThan(50);
    expect(columnsOf(q)).toBeLessThanOrEqual(40);
    expect(q).toStartWith('"<aaa');
    expect(q).toContain('z\\n"');
    expect(q).toEndWith("(1048576 bytes)");
    expect(quoteBytes(new TextEncoder().encode("hi\n"), 40, () => "")).toBe('"hi\\n"');
  });
});
