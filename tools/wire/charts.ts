/**
 * The few charts the kit draws, in SVG: bars (deliveries per second per hub,
 * how many students each misconception was seen in) and a distribution of
 * latencies (the share of deliveries at or under each latency, on a log axis).
 *
 * Laid out like the sequence diagram (layout.ts): monospace labels wrapped by
 * display width, each row below the one before, so labels never overlap; a
 * bar's label sits above it, so the chart reads at a phone's width.
 */
import type { Lang } from "../../src/i18n.ts";
import { columnsIn, MONO, pixelsOf, wrapLines } from "./layout.ts";
import { h, px, type Child, type Element } from "./markup.ts";

const FONT = 12;
const LINE = 18;
const MARGIN = 8;

export type Bar = {
  label: string;
  value: number;
  /** The value as shown beside the bar (default: the number, with the chart's unit). */
  shown?: string;
  /** Where the bar leads (a misconception's section, a student's report), relative to the page. */
  href?: string;
};

type ChartFrame = {
  /** Unique on the page: names the chart's <title> and <desc>. */
  id: string;
  title: string;
  /** What the chart shows, in a sentence or two, for a reader who cannot see it. */
  desc: string;
  /** Width to draw at, px (default 336: a phone's screen, less the page's margins). */
  width?: number;
};

/** The <svg> around a chart's parts, with its title and description. */
function frame(o: ChartFrame, width: number, height: number, cls: string, parts: Child[]): Element {
  return h(
    "svg",
    {
      class: `chart ${cls}`,
      role: "img",
      "aria-labelledby": `${o.id}-title ${o.id}-desc`,
      width: px(width),
      height: px(height),
      viewBox: `0 0 ${px(width)} ${px(height)}`,
      "font-family": MONO,
      "font-size": FONT,
    },
    h("title", { id: `${o.id}-title` }, o.title),
    h("desc", { id: `${o.id}-desc` }, o.desc),
    parts,
  );
}

/** Horizontal bars, each under its label, the longest across the width; its value after it. */
export function barChart(o: ChartFrame & { bars: Bar[]; unit?: string }): Element {
  const width = o.width ?? 336;
  const inner = width - 2 * MARGIN;
  const shown = o.bars.map((b) => b.shown ?? `${b.value.toLocaleString("en-US")}${o.unit ? ` ${o.unit}` : ""}`);
  const valueRoom = Math.max(0, ...shown.map((s) => pixelsOf(s, FONT))) + 8;
  const most = Math.max(0, ...o.bars.map((b) => b.value));
  const parts: Child[] = [];
  let y = MARGIN;
  o.bars.forEach((b, i) => {
    const lines = wrapLines(b.label, columnsIn(inner, FONT));
    const texts = lines.map((line, k) => h("text", { class: "label", x: MARGIN, y: y + LINE * (k + 1) - 5 }, line));
    y += lines.length * LINE;
    const length = most > 0 ? Math.max(b.value > 0 ? 2 : 0, ((inner - valueRoom) * b.value) / most) : 0;
    const bar = h("rect", { class: `bar s${i % 6}`, x: MARGIN, y: px(y + 2), width: px(length), height: 14, rx: 2 });
    const value = h("text", { class: "label value", x: px(MARGIN + length + 6), y: y + 14 }, shown[i]!);
    const row = [texts, bar, value];
    parts.push(b.href ? h("a", { href: b.href, class: "bar-link" }, row) : h("g", { class: "bar-row" }, row));
    y += 18 + 8;
  });
  return frame(o, width, y + MARGIN, "bars", parts);
}

/** One distribution: points (value, share at or under it, 0..1), rising. */
export type Series = { name: string; points: { x: number; p: number }[]; note?: string };

/** The points of a distribution of `values`: the share of them at or under each. */
export function cdfOf(values: readonly number[]): { x: number; p: number }[] {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.map((x, i) => ({ x, p: (i + 1) / sorted.length }));
}

/** Numbers on a log axis, short: 0.01, 0.1, 1, 10, 100, 1k. */
const tick = (v: number) => (v >= 1000 ? `${v / 1000}k` : v >= 1 ? `${v}` : `${Number(v.toPrecision(1))}`);

/**
 * Distributions as rising steps on a log axis (`unit` under it), the share
 * up the side; under the plot, a legend with each series's name and note.
 * Series are told apart by colour and by dash, so print and colour-blind
 * readers can too.
 */
export function cdfChart(o: ChartFrame & { series: Series[]; unit: string; lang: Lang }): Element {
  const width = o.width ?? 336;
  const left = MARGIN + pixelsOf("100%", FONT) + 6;
  const right = width - MARGIN - 10;
  const plotTop = MARGIN + 6;
  const plotH = 180;
  const all = o.series.flatMap((s) => s.points.map((p) => p.x)).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...all, 1)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...all, lo * 10)));
  const xOf = (v: number) =>
    left + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / Math.log10(hi / lo)) * (right - left);
  const yOf = (p: number) => plotTop + plotH * (1 - p);
  const parts: Child[] = [];
  // The frame: share lines, decades.
  for (const p of [0, 0.5, 0.9, 1]) {
    parts.push(h("line", { class: "grid", x1: px(left), x2: px(right), y1: px(yOf(p)), y2: px(yOf(p)) }));
    parts.push(
      h("text", { class: "label tick", x: px(left - 4), y: px(yOf(p) + 4), "text-anchor": "end" }, `${p * 100}%`),
    );
  }
  // Every decade labelled, unless they would touch: then every other one.
  const decades: number[] = [];
  for (let v = lo; v <= hi * 1.0001; v *= 10) decades.push(Number(v.toPrecision(1)));
  const room = (right - left) / Math.max(1, decades.length - 1);
  const every = decades.some((d) => pixelsOf(tick(d), FONT) + 6 > room) ? 2 : 1;
  decades.forEach((v, i) => {
    parts.push(h("line", { class: "grid", x1: px(xOf(v)), x2: px(xOf(v)), y1: plotTop, y2: px(yOf(0)) }));
    if (i % every === 0)
      parts.push(
        h("text", { class: "label tick", x: px(xOf(v)), y: px(yOf(0) + 20), "text-anchor": "middle" }, tick(v)),
      );
  });
  let y = yOf(0) + 24;
  const unitLines = wrapLines(o.unit, columnsIn(right - left, FONT));
  unitLines.forEach((line) => {
    y += LINE;
    parts.push(
      h("text", { class: "label unit", x: px((left + right) / 2), y: px(y - 5), "text-anchor": "middle" }, line),
    );
  });
  // The steps, then the legend.
  o.series.forEach((s, i) => {
    let d = "";
    let lastY = yOf(0);
    for (const pt of s.points) {
      d += d === "" ? `M${px(xOf(pt.x))} ${px(lastY)}` : "";
      d += `H${px(xOf(pt.x))}V${px(yOf(pt.p))}`;
      lastY = yOf(pt.p);
    }
    parts.push(h("path", { class: `step s${i % 6}`, d, fill: "none" }));
  });
  y += 6;
  o.series.forEach((s, i) => {
    const words = s.note ? `${s.name}${o.lang === "zh" ? "：" : ": "}${s.note}` : s.name;
    const lines = wrapLines(words, columnsIn(width - 2 * MARGIN - 30, FONT));
    parts.push(h("line", { class: `step s${i % 6}`, x1: MARGIN, x2: MARGIN + 22, y1: px(y + 8), y2: px(y + 8) }));
    lines.forEach((line, k) =>
      parts.push(h("text", { class: "label legend", x: MARGIN + 30, y: px(y + LINE * (k + 1) - 5) }, line)),
    );
    y += lines.length * LINE + 4;
  });
  return frame(o, width, y + MARGIN, "cdf", parts);
}
