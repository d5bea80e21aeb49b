/**
 * The sequence diagram and the charts as markup, without a browser: a lane
 * per party, every flow drawn with its marks, the first divergence banded with
 * what was expected, bytes that stay text, and labels that, measured as the
 * drawing measures them (monospace, by display width), never overlap and never
 * leave the drawing, in English and Chinese, at a phone's width and a wide one.
 */
import { describe, expect, test } from "bun:test";
import { overlapping, type Box } from "../../tools/harness/index.ts";
import { barChart, cdfChart, cdfOf } from "../../tools/wire/charts.ts";
import { drawSequence } from "../../tools/wire/diagram.ts";
import { NARROW, NARROW_LANES, sequenceFigure, timelineText, WIDE } from "../../tools/wire/figure.ts";
import { pixelsOf } from "../../tools/wire/layout.ts";
import { render } from "../../tools/wire/markup.ts";
import type { Sequence } from "../../tools/wire/model.ts";
import { HOSTILE, hubSequence, udpSequence } from "./fixtures.ts";

const unescape = (s: string) =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");

/** Every <text> of an SVG, with the box the drawing meant it to take (12 px monospace, ascent 11, descent 3). */
function textBoxes(svg: string): Box[] {
  const boxes: Box[] = [];
  for (const m of svg.matchAll(
    /<text class="([^"]*)" x="([\d.-]+)" y="([\d.-]+)"(?: text-anchor="(\w+)")?>([^<]*)<\/text>/g,
  )) {
    const [, , x, y, anchor, content] = m;
    const text = unescape(content!);
    const width = pixelsOf(text, 12);
    const left = anchor === "middle" ? Number(x) - width / 2 : anchor === "end" ? Number(x) - width : Number(x);
    boxes.push({ x: left, y: Number(y) - 11, width, height: 14, text });
  }
  return boxes;
}

const size = (svg: string) => {
  const [, w, h] = /<svg[^>]* width="([\d.]+)" height="([\d.]+)"/.exec(svg)!;
  return { width: Number(w), height: Number(h) };
};

describe("a sequence diagram", () => {
  for (const lang of ["en", "zh"] as const)
    for (const width of [NARROW, WIDE])
      test(`lays every label out apart from every other, inside the drawing (${lang}, ${width} px)`, () => {
        for (const seq of [hubSequence(lang), udpSequence(lang)]) {
          const at = width === NARROW ? NARROW_LANES : { width };
          const svg = render(drawSequence(seq, { lang, ...at, id: "d" }));
          const boxes = textBoxes(svg);
          expect(boxes.length).toBeGreaterThan(15);
          expect(overlapping(boxes)).toEqual([]);
          const { width: drawn, height } = size(svg);
          for (const b of boxes) {
            expect(b.x).toBeGreaterThanOrEqual(0);
            expect(b.x + b.width).toBeLessThanOrEqual(drawn);
            expect(b.y + b.height).toBeLessThanOrEqual(height);
          }
        }
      });

  test("fits a phone's width with three lanes, and takes a wide screen's room with more", () => {
    const two = { ...udpSequence("en") };
    expect(size(render(drawSequence(two, { lang: "en", ...NARROW_LANES, id: "d" }))).width).toBeLessThanOrEqual(NARROW);
    const three: Sequence = { ...hubSequence("en"), parties: hubSequence("en").parties.slice(0, 3) };
    three.flows = three.flows.filter((f) => f.from !== "c" && f.to !== "c");
    expect(size(render(drawSequence(three, { lang: "en", ...NARROW_LANES, id: "d" }))).width).toBeLessThanOrEqual(
      NARROW,
    );
    const wide = size(render(drawSequence(hubSequence("en"), { lang: "en", width: WIDE, id: "d" }))).width;
    expect(wide).toBeGreaterThan(700);
    expect(wide).toBeLessThanOrEqual(WIDE);
  });

  test("has a lane per party, named, and an arrow per flow between two of them", () => {
    const seq = hubSequence("en");
    const svg = render(drawSequence(seq, { lang: "en", width: WIDE, id: "d" }));
    expect(svg.match(/<g class="lane-head /g)).toHaveLength(4);
    for (const name of ["your program", "alice", "bob", "carol"]) expect(svg).toContain(`>${name}</text>`);
    const arrows = seq.flows.filter((f) => f.to !== undefined).length - 1; // the split send is one arrow
    expect(svg.match(/<g class="arrow /g)).toHaveLength(arrows);
    expect(svg).toMatch(/<g class="arrow rst">/);
    expect(svg).toMatch(/<g class="arrow fin">/);
    expect(svg.match(/<g class="arrow connect">/g)).toHaveLength(3);
  });

  test("shows a split line as one row of its pieces, a merged write, a duplicate and a late datagram", () => {
    const hub = render(drawSequence(hubSequence("en"), { lang: "en", width: WIDE, id: "d" }));
    expect(hub).toContain('write "hel" "lo\\n"');
    expect(hub).toContain("split: one line in 2 writes");
    expect(hub).toContain("merged: one write with bytes of 2 lines");
    const udp = render(drawSequence(udpSequence("zh"), { lang: "zh", width: WIDE, id: "d" }));
    expect(udp).toContain("发送了两次：重复");
    expect(udp).toContain("晚发：顺序被打乱");
  });

  test("bands the first divergence, the flow where it happened, with what was expected beside it", () => {
    const svg = render(drawSequence(hubSequence("en"), { lang: "en", width: WIDE, id: "d" }));
    const band = /<g class="row divergence read">(.*?)<\/g><g class="row /.exec(svg)?.[1] ?? "";
    expect(band).toContain('<rect class="band"');
    expect(band).toContain("✗ expected: carol receives a line containing");
    expect(band).toContain("&lt;script&gt;");
    expect(svg.match(/class="row divergence/g)).toHaveLength(1);
  });

  test("draws what never came as a dashed arrow to the one who waited, then the time it waited", () => {
    const svg = render(drawSequence(udpSequence("en"), { lang: "en", width: WIDE, id: "d" }));
    const band = /<g class="row divergence missing">(.*?)<\/g>(?=<\/svg>)/.exec(svg)?.[1] ?? "";
    expect(band).toContain("? nothing arrived");
    expect(band).toContain("waited 3 s");
    expect(band).toContain("✗ expected: alice receives");
    expect(band).toContain(">3006.0</text>");
    expect(svg).toContain('<g class="arrow missing">');
    // A long silence before it is shown as such.
    expect(svg).toContain(">+3.0 s</text>");
  });

  test("ends the program's lane where it exited, and says how", () => {
    const svg = render(drawSequence(hubSequence("en"), { lang: "en", width: WIDE, id: "d" }));
    expect(svg).toContain("your program exited with code 1");
    const exit = /<path class="exit" d="M[\d.]+ ([\d.]+)/.exec(svg)!;
    const lifeline = /<line class="lifeline program" [^>]*y2="([\d.]+)"/.exec(svg)!;
    expect(Number(lifeline[1])).toBeCloseTo(Number(exit[1]) + 5, 0);
    expect(size(svg).height).toBeGreaterThan(Number(lifeline[1]) + 10);
  });

  test("keeps a markup-carrying reply as text, in the drawing, its title, and the text timeline", () => {
    const seq = hubSequence("en");
    seq.title = HOSTILE;
    const page = render(sequenceFigure(seq, { lang: "en", id: "x" }));
    expect(page).not.toMatch(/<(script|img|b)[ >]/);
    expect(page).toContain("&lt;img src=x onerror=");
    expect(page.match(/<title id="x-(wide|narrow)-title">&lt;script&gt;/g)).toHaveLength(2);
    expect(timelineText(seq, "en")).toContain(`read  "${HOSTILE.replaceAll('"', '\\"')}\\n"`);
  });

  test("shows only the first rows, those around the divergence and the last, saying how many were left out", () => {
    const seq = hubSequence("en");
    // Reads of carol's before the reply, and after it.
    const flood = Array.from({ length: 500 }, (_, i) => ({
      at: i < 250 ? 7.6 + i / 1000 : 8 + i / 1000,
      kind: "read" as const,
      from: "p",
      to: "a",
      bytes: new TextEncoder().encode(`line ${i}\n`),
    }));
    seq.flows = [...seq.flows.slice(0, 6), ...flood.slice(0, 250), seq.flows[6]!, ...flood.slice(250)];
    seq.divergence!.flow = 256;
    const svg = render(drawSequence(seq, { lang: "en", width: WIDE, maxRows: 30, id: "d" }));
    expect(svg.match(/<g class="row /g)!.length).toBeLessThanOrEqual(34);
    expect(svg).toContain("… 247 events left out …");
    expect(svg).toContain("… 229 events left out …");
    expect(svg).toContain("&lt;script&gt;"); // the divergence is kept
    expect(svg).toContain('"line 499\\n"'); // and the end
    expect(svg).toContain('"line 0\\n"'); // and the start
  });

  test("has a title and a description, named by the drawing's role", () => {
    const svg = render(drawSequence(hubSequence("zh"), { lang: "zh", width: NARROW, id: "d7" }));
    expect(svg).toMatch(/^<svg class="sequence" role="img" aria-labelledby="d7-title d7-desc"/);
    expect(svg).toContain('<title id="d7-title">把一行转发给其他每个成员</title>');
    expect(svg).toContain("你的程序、小红、老李、小王 之间的时序图");
  });
});

describe("the charts", () => {
  test("draw bars in proportion, each under its label, its value after it, linked when asked", () => {
    const svg = render(
      barChart({
        id: "b",
        title: "deliveries/s",
        desc: "two hubs",
        bars: [
          { label: "the kit's hub, a long label that has to wrap at a phone's width", value: 9_500_000 },
          { label: HOSTILE, value: 214_000, href: "students/x.html" },
        ],
        unit: "/s",
      }),
    );
    const widths = [...svg.matchAll(/<rect class="bar s\d" x="8" y="[\d.]+" width="([\d.]+)"/g)].map((m) =>
      Number(m[1]),
    );
    expect(widths).toHaveLength(2);
    expect(widths[1]! / widths[0]!).toBeCloseTo(214_000 / 9_500_000, 2);
    expect(svg).toContain(">9,500,000 /s</text>");
    expect(svg).toContain('<a href="students/x.html" class="bar-link">');
    expect(svg).not.toMatch(/<(script|img)[ >]/);
    expect(overlapping(textBoxes(svg))).toEqual([]);
  });

  test("draw a distribution as rising steps on a log axis, a decade a tick, with a legend", () => {
    const svg = render(
      cdfChart({
        id: "c",
        title: "latency",
        desc: "latency per scenario",
        lang: "en",
        unit: "milliseconds, log scale",
        series: [
          { name: "burst", points: cdfOf([0.3, 0.5, 0.8, 1.2, 40]), note: "p50 0.80 ms, p99 40 ms" },
          { name: "steady rate", points: cdfOf([0.2, 0.25, 0.3]) },
        ],
      }),
    );
    for (const t of ["0.1", "1", "10", "100"]) expect(svg).toContain(`>${t}</text>`);
    expect(svg).toContain(">90%</text>");
    expect(svg.match(/<path class="step s\d"/g)).toHaveLength(2);
    expect(svg).toContain("burst: p50 0.80 ms, p99 40 ms");
    expect(overlapping(textBoxes(svg))).toEqual([]);
  });
});
