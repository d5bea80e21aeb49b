/**
 * A sequence diagram as a page shows it: drawn twice, for a phone (336 px,
 * inside a 375 px screen) and for a wide screen, the page's style showing the
 * one that fits; and under it the same events as text, one a line, for a
 * reader who cannot see the drawing (or wants to copy a line).
 */
import type { Lang } from "../../src/i18n.ts";
import { drawSequence } from "./diagram.ts";
import { quoteBytes } from "./layout.ts";
import { h, type Element } from "./markup.ts";
import type { Flow, Sequence } from "./model.ts";

/** Widths the diagram is drawn at: a phone's (375 px, less the page's margins), and a wide screen's. */
export const NARROW = 336;
/** On a phone, lanes closer and narrower lane heads: three lanes fit. */
export const NARROW_LANES = { width: NARROW, minGap: 90, edge: 40 };
export const WIDE = 1000;

const ARROW: Record<Flow["kind"], string> = {
  connect: "connect",
  write: "write",
  read: "read",
  datagram: "datagram",
  fin: "FIN",
  rst: "RST",
  close: "close",
  exit: "exit",
  note: "note",
};
const ARROW_ZH: Record<Flow["kind"], string> = {
  ...ARROW,
  connect: "连接",
  write: "写入",
  read: "读到",
  datagram: "数据报",
  close: "关闭",
  exit: "退出",
  note: "注",
};

/** The diagram's events as text, one a line: time, who to whom, what, and its marks. */
export function timelineText(seq: Sequence, lang: Lang): string {
  const name = (id?: string) => seq.parties.find((p) => p.id === id)?.name ?? id ?? "";
  const size = (n: number) => (lang === "zh" ? `（${n} 字节）` : `(${n} bytes)`);
  const lines = seq.flows.map((f, i) => {
    if (f.leftOut !== undefined)
      return lang === "zh" ? `  ……省略了 ${f.leftOut} 个事件……` : `  … ${f.leftOut} events left out …`;
    const who = f.to !== undefined ? `${name(f.from)} -> ${name(f.to)}` : name(f.from);
    const what = [
      (lang === "zh" ? ARROW_ZH : ARROW)[f.kind],
      f.bytes ? quoteBytes(f.bytes, 160, size, f.cut) : "",
      f.text ?? "",
      ...(f.marks ?? []).map((m) => (m.kind === "split" ? `[split ${m.part}/${m.of}]` : `[${m.kind}]`)),
    ].filter(Boolean);
    const mark = seq.divergence?.flow === i ? (lang === "zh" ? "  ✗ 第一个分歧" : "  ✗ first divergence") : "";
    return `${f.at.toFixed(1).padStart(8)} ms  ${who}  ${what.join("  ")}${mark}`;
  });
  const div = seq.divergence;
  if (div) {
    const words = lang === "zh" ? `期望：${div.expected}` : `expected: ${div.expected}`;
    lines.push(div.flow === undefined ? `${lang === "zh" ? "✗ 什么也没收到" : "✗ nothing arrived"}; ${words}` : words);
  }
  if (seq.end) lines.push(`${seq.end.at.toFixed(1).padStart(8)} ms  ${seq.end.text}`);
  return lines.join("\n");
}

/** The figure: the diagram for a phone, the diagram for a wide screen, the text timeline under them. */
export function sequenceFigure(seq: Sequence, o: { lang: Lang; id: string; summary?: string }): Element {
  const summary = o.summary ?? (o.lang === "zh" ? "文字时间线" : "the text timeline");
  return h(
    "figure",
    { class: "wire" },
    h("div", { class: "scroll wide" }, drawSequence(seq, { lang: o.lang, width: WIDE, id: `${o.id}-wide` })),
    h("div", { class: "scroll narrow" }, drawSequence(seq, { lang: o.lang, ...NARROW_LANES, id: `${o.id}-narrow` })),
    h("details", {}, h("summary", {}, summary), h("pre", { class: "timeline" }, timelineText(seq, o.lang))),
  );
}
