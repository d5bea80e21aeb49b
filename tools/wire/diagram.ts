/**
 * A sequence diagram of what crossed the wire, in SVG: a lane per party, time
 * running down, an arrow per connect, write, read, datagram, FIN and RST, the
 * program's exit on its lane, and the first place where what happened parted
 * from what was expected, banded, with "expected" beside it.
 *
 * Every label is laid out here, not by the browser: monospace, wrapped by
 * display width to the room between its arrow's two lanes, one <text> per line,
 * each row of the drawing below the one before. So no two labels can overlap,
 * in English or in Chinese, at any width the drawing was made for.
 */
import type { Lang } from "../../src/i18n.ts";
import { columnsIn, columnsOf, elide, MONO, pixelsOf, quoteBytes, wrapLines } from "./layout.ts";
import { h, px, type Child, type Element } from "./markup.ts";
import type { Flow, Mark, Party, Sequence } from "./model.ts";

const WORDS = {
  write: { en: "write", zh: "写入" },
  read: { en: "read", zh: "读到" },
  datagram: { en: "datagram", zh: "数据报" },
  connect: { en: "connect", zh: "连接" },
  fin: { en: "FIN: closed its sending side", zh: "FIN：关闭了发送方向" },
  rst: { en: "RST: reset the connection", zh: "RST：重置了连接" },
  close: { en: "closed its socket", zh: "关闭了套接字" },
  duplicate: { en: "sent twice: a duplicate", zh: "发送了两次：重复" },
  reordered: { en: "sent late: reordered", zh: "晚发：顺序被打乱" },
  expected: { en: "expected", zh: "期望" },
  nothing: { en: "nothing arrived", zh: "什么也没收到" },
  ms: { en: "ms", zh: "毫秒" },
} as const;

const say = (lang: Lang, key: keyof typeof WORDS) => WORDS[key][lang];
const colon = (lang: Lang) => (lang === "zh" ? "：" : ": ");
const sizeWords = (lang: Lang) => (n: number) => (lang === "zh" ? `（${n} 字节）` : `(${n} bytes)`);

function markWords(m: Mark | { kind: "split"; part: number; last: number; of: number }, lang: Lang): string {
  switch (m.kind) {
    case "split": {
      // The row shows every piece, or some: then which.
      const last = "last" in m ? m.last : m.part;
      const all = m.part === 1 && last === m.of;
      const which = last === m.part ? `${m.part}` : `${m.part}–${last}`;
      if (lang === "zh") return `被拆开：一行分成 ${m.of} 次写入${all ? "" : `（第 ${which} 次）`}`;
      return `split: one line in ${m.of} writes${all ? "" : ` (${last === m.part ? "write" : "writes"} ${which})`}`;
    }
    case "merged":
      return lang === "zh"
        ? `合并：一次写入带着 ${m.lines} 行的字节`
        : `merged: one write with bytes of ${m.lines} lines`;
    case "duplicate":
      return say(lang, "duplicate");
    case "reordered":
      return say(lang, "reordered");
  }
}

/** What a diagram is drawn at. */
export type DrawOptions = {
  lang: Lang;
  /** The width to fit in, px (a lane is never narrower than `minGap`: then the drawing is wider). */
  width: number;
  /** Lanes at least this far apart, px (default 110), at most `maxGap` (default 360). */
  minGap?: number;
  maxGap?: number;
  /** From the first lane to the left edge, and from the last to the right: half a lane head's room, px (default 56). */
  edge?: number;
  /** Rows shown at most: the first, the last, and those around the divergence. Default 48. */
  maxRows?: number;
  /** Unique on the page: the drawing's <title> and <desc> are named from it. */
  id: string;
};

/** The drawing's measures, px. */
const FONT = 12;
const LINE = 18;
const MARGIN = 8;
const PAD = 6;

type Row = {
  /** The flows it draws (indexes), or none for a row of the drawing's own. */
  flows: number[];
  at?: number;
  from?: string;
  to?: string;
  kind: Flow["kind"] | "left-out" | "missing" | "end" | "gap";
  lines: { text: string; cls: string }[];
  diverges?: boolean;
  /** A left-out row: how many flows it stands for. */
  count?: number;
};

/**
 * The rows: one per flow, but the pieces of one split send that follow each
 * other are one row, their pieces side by side.
 */
function rowsOf(seq: Sequence): Row[] {
  const rows: Row[] = [];
  seq.flows.forEach((f, i) => {
    if (f.leftOut !== undefined) return void rows.push({ flows: [], kind: "left-out", lines: [], count: f.leftOut });
    const split = f.marks?.find((m) => m.kind === "split");
    const last = rows.at(-1);
    const prev = last?.flows.length ? seq.flows[last.flows.at(-1)!] : undefined;
    const prevSplit = prev?.marks?.find((m) => m.kind === "split");
    if (
      split &&
      prevSplit &&
      prev!.kind === f.kind &&
      prev!.from === f.from &&
      prev!.to === f.to &&
      prevSplit.part + 1 === split.part &&
      prevSplit.of === split.of &&
      last!.flows.length < 40
    ) {
      last!.flows.push(i);
      return;
    }
    rows.push({ flows: [i], at: f.at, from: f.from, to: f.to, kind: f.kind, lines: [] });
  });
  return rows;
}

/** Only `max` rows: the first few, those around the divergence, the last; a row saying how many were left out. */
function elideRows(rows: Row[], max: number, diverging: number | undefined, lang: Lang): Row[] {
  if (rows.length <= max) return rows;
  const keep = new Set<number>();
  const first = Math.min(6, Math.floor(max / 4));
  for (let i = 0; i < first; i++) keep.add(i);
  if (diverging !== undefined)
    for (let i = diverging - 2; i <= diverging + 2; i++) if (i >= 0 && i < rows.length) keep.add(i);
  for (let i = rows.length - 1; keep.size < max && i >= 0; i--) keep.add(i);
  const out: Row[] = [];
  let leftOut = 0;
  rows.forEach((r, i) => {
    if (keep.has(i) && r.kind !== "left-out") {
      if (leftOut > 0) out.push(leftOutRow(leftOut, lang));
      leftOut = 0;
      out.push(r);
    } else leftOut += r.count ?? r.flows.length;
  });
  if (leftOut > 0) out.push(leftOutRow(leftOut, lang));
  return out;
}

/** Left-out rows next to each other as one, with its words. */
function wordLeftOut(rows: Row[], lang: Lang): Row[] {
  const out: Row[] = [];
  let count = 0;
  for (const r of rows) {
    if (r.kind === "left-out") count += r.count ?? 0;
    else {
      if (count > 0) out.push(leftOutRow(count, lang));
      count = 0;
      out.push(r);
    }
  }
  if (count > 0) out.push(leftOutRow(count, lang));
  return out;
}

const leftOutRow = (n: number, lang: Lang): Row => ({
  flows: [],
  kind: "left-out",
  count: n,
  lines: [{ text: lang === "zh" ? `……省略了 ${n} 个事件……` : `… ${n} events left out …`, cls: "note" }],
});

/** Seconds or milliseconds, short. */
const span = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);

/**
 * The rows to draw, in order: the flows' rows, the divergence marked (a row of
 * its own when what was expected never came), the end of the wait, at most
 * `max` of them, and a row for each long silence.
 */
function rowsToDraw(seq: Sequence, program: string | undefined, max: number, lang: Lang): Row[] {
  // Rows, and which one diverges.
  let rows = rowsOf(seq);
  const div = seq.divergence;
  let diverging = div?.flow !== undefined ? rows.findIndex((r) => r.flows.includes(div.flow!)) : -1;
  if (div && diverging < 0) {
    // What was expected never came: a row of its own, after everything that did.
    const from = div.party === program ? undefined : program;
    rows.push({
      flows: [],
      at: seq.end?.at,
      from: from ?? div.party,
      to: from ? div.party : undefined,
      kind: "missing",
      lines: [],
    });
    diverging = rows.length - 1;
  }
  if (diverging >= 0) rows[diverging]!.diverges = true;
  if (seq.end && !(div && div.flow === undefined))
    rows.push({ flows: [], at: seq.end.at, kind: "end", lines: [{ text: seq.end.text, cls: "note" }] });
  rows = wordLeftOut(elideRows(rows, max, diverging >= 0 ? diverging : undefined, lang), lang);
  // A long silence is shown as such: time runs down, but not to scale.
  const timed: Row[] = [];
  let lastAt: number | undefined;
  for (const r of rows) {
    if (r.at !== undefined && lastAt !== undefined && r.at - lastAt >= 500)
      timed.push({ flows: [], kind: "gap", lines: [{ text: `+${span(r.at - lastAt)}`, cls: "gap" }] });
    if (r.at !== undefined) lastAt = r.at;
    timed.push(r);
  }
  return timed;
}

/** The drawing of `seq`, an <svg> with its <title> and <desc>, laid out for `o.width`. */
export function drawSequence(seq: Sequence, o: DrawOptions): Element {
  const { lang } = o;
  const parties: Party[] = [...seq.parties];
  for (const f of seq.flows)
    for (const id of [f.from, f.to])
      if (id !== undefined && !parties.some((p) => p.id === id)) parties.push({ id, name: id, kind: "grader" });
  const lane = new Map(parties.map((p, i) => [p.id, i]));
  const n = parties.length;
  // The time column as wide as its longest time; the lanes share the rest.
  const times = [...seq.flows.map((f) => f.at), seq.end?.at ?? 0].map((t) => t.toFixed(1));
  const timeW = Math.max(40, ...times.map((t) => pixelsOf(t, FONT))) + 10;
  const EDGE = o.edge ?? 56;
  const room = o.width - timeW - 2 * MARGIN - 2 * EDGE;
  const gap = n > 1 ? Math.min(o.maxGap ?? 360, Math.max(o.minGap ?? 110, room / (n - 1))) : 2 * EDGE;
  const width = timeW + 2 * MARGIN + 2 * EDGE + gap * (n - 1);
  const x = (id: string) => timeW + MARGIN + EDGE + gap * lane.get(id)!;
  const head = Math.min(gap, 2 * EDGE) - 2 * PAD;
  const program = parties.find((p) => p.kind === "program")?.id ?? parties[0]?.id;

  const timed = rowsToDraw(seq, program, o.maxRows ?? 48, lang);
  const div = seq.divergence;

  // Lane heads.
  const headColumns = columnsIn(head - 8, FONT);
  const heads = parties.map((p) =>
    wrapLines(p.name, headColumns)
      .slice(0, 2)
      .map((l) => elide(l, headColumns)),
  );
  const headH = Math.max(1, ...heads.map((l) => l.length)) * LINE + 2 * PAD;
  const top = MARGIN + headH + 14; // room for "ms" above the first time
  const body: Child[] = [];
  const ends = new Map<string, number>();
  let y = top;

  for (const r of timed) {
    const fromX = r.from !== undefined ? x(r.from) : undefined;
    const toX = r.to !== undefined ? x(r.to) : undefined;
    // The room for this row's words: between its arrow's lanes, on its own lane, or the whole width.
    let [left, right] = [timeW + MARGIN, width - MARGIN];
    if (fromX !== undefined && toX !== undefined)
      [left, right] = [Math.min(fromX, toX) + PAD, Math.max(fromX, toX) - PAD];
    else if (fromX !== undefined) {
      // On its own lane: the words beside it, towards the next lane (the last lane's towards the one before).
      const last = n > 1 && lane.get(r.from!) === n - 1;
      [left, right] = last ? [fromX - gap + PAD, fromX - 14] : [fromX + 14, n > 1 ? fromX + gap - PAD : width - MARGIN];
    }
    const columns = columnsIn(right - left, FONT);
    const lines = r.lines.length > 0 ? r.lines : linesOf(r, seq, columns, lang);
    const wrapped = lines.flatMap((l) => wrapLines(l.text, columns).map((text) => ({ text, cls: l.cls })));
    const expected =
      r.diverges && div
        ? wrapLines(
            `✗ ${say(lang, "expected")}${colon(lang)}${div.expected}`,
            // Within the width asked for: on a phone, a drawing wider than the screen scrolls, but this stays in view.
            columnsIn(Math.min(width, o.width) - timeW - 2 * MARGIN - PAD, FONT),
          )
        : [];
    const arrowY = y + wrapped.length * LINE + 6;
    const bottom = arrowY + 8 + expected.length * LINE;
    const group: Child[] = [];
    if (r.diverges)
      group.push(h("rect", { class: "band", x: timeW, y: y - 2, width: width - timeW, height: bottom - y + 4, rx: 3 }));
    wrapped.forEach((l, i) =>
      group.push(h("text", { class: `label ${l.cls}`, x: px(left), y: y + LINE * (i + 1) - 5 }, l.text)),
    );
    if (r.at !== undefined)
      group.push(h("text", { class: "time", x: timeW - 6, y: arrowY + 4, "text-anchor": "end" }, r.at.toFixed(1)));
    if (fromX !== undefined && toX !== undefined) group.push(arrow(fromX, toX, arrowY, r.kind));
    else if (fromX !== undefined && r.kind === "exit") {
      group.push(h("path", { class: "exit", d: `M${px(fromX - 5)} ${px(arrowY - 5)}l10 10m0 -10l-10 10` }));
      ends.set(r.from!, arrowY);
    } else if (fromX !== undefined)
      group.push(h("circle", { class: `dot ${r.kind}`, cx: px(fromX), cy: px(arrowY), r: 3 }));
    else if (r.kind === "end")
      group.push(h("line", { class: "end", x1: timeW, x2: width - MARGIN, y1: arrowY, y2: arrowY }));
    expected.forEach((text, i) =>
      group.push(h("text", { class: "label expected", x: timeW + MARGIN, y: arrowY + 8 + LINE * (i + 1) - 5 }, text)),
    );
    body.push(h("g", { class: r.diverges ? `row divergence ${r.kind}` : `row ${r.kind}` }, group));
    y = bottom + 6;
  }
  const height = y + MARGIN;

  const lifelines = parties.map((p) =>
    h("line", {
      class: `lifeline ${p.kind}`,
      x1: px(x(p.id)),
      x2: px(x(p.id)),
      y1: MARGIN + headH,
      y2: px(ends.get(p.id) ?? height - MARGIN),
    }),
  );
  const headBoxes = parties.map((p, i) =>
    h(
      "g",
      { class: `lane-head ${p.kind}`, "data-party": p.id },
      h("rect", { x: px(x(p.id) - head / 2), y: MARGIN, width: px(head), height: headH, rx: 4 }),
      heads[i]!.map((line, k) =>
        h(
          "text",
          { class: "label head", x: px(x(p.id)), y: MARGIN + PAD + LINE * (k + 1) - 5, "text-anchor": "middle" },
          line,
        ),
      ),
    ),
  );
  const events = seq.flows.reduce((n, f) => n + (f.leftOut ?? 1), 0);
  const names = parties.map((p) => p.name).join(lang === "zh" ? "、" : ", ");
  const desc =
    lang === "zh"
      ? `${names} 之间的时序图，时间向下走，共 ${events} 个事件。${div ? `第一个分歧：期望${div.expected}` : ""}下面的文字时间线内容相同。`
      : `A sequence diagram between ${names}, time running down, ${events} events.` +
        `${div ? ` The first divergence: expected ${div.expected}.` : ""} The text timeline below says the same.`;
  return h(
    "svg",
    {
      class: "sequence",
      role: "img",
      "aria-labelledby": `${o.id}-title ${o.id}-desc`,
      width: px(width),
      height: px(height),
      viewBox: `0 0 ${px(width)} ${px(height)}`,
      "font-family": MONO,
      "font-size": FONT,
    },
    h("title", { id: `${o.id}-title` }, seq.title),
    h("desc", { id: `${o.id}-desc` }, desc),
    h("text", { class: "time unit", x: timeW - 6, y: top - 4, "text-anchor": "end" }, say(lang, "ms")),
    lifelines,
    headBoxes,
    body,
  );
}

/** An arrow from `x1` to `x2` at `y`, styled by its kind. */
function arrow(x1: number, x2: number, y: number, kind: Row["kind"]): Element {
  const dir = Math.sign(x2 - x1) || 1;
  const tip = x2 - dir * 2;
  const head = `${px(tip)},${px(y)} ${px(tip - dir * 8)},${px(y - 4)} ${px(tip - dir * 8)},${px(y + 4)}`;
  return h(
    "g",
    { class: `arrow ${kind}` },
    h("line", { x1: px(x1), x2: px(tip - dir * 6), y1: px(y), y2: px(y) }),
    h("polygon", { points: head }),
  );
}

/** The words of a row of flows, before wrapping. */
function linesOf(r: Row, seq: Sequence, columns: number, lang: Lang): { text: string; cls: string }[] {
  const flows = r.flows.map((i) => seq.flows[i]!);
  const f = flows[0]!;
  const out: { text: string; cls: string }[] = [];
  if (r.kind === "missing") {
    out.push({ text: `? ${say(lang, "nothing")}`, cls: "missing" });
    if (seq.end) out.push({ text: seq.end.text, cls: "note" });
    return out;
  }
  if (f.bytes !== undefined || f.kind === "write" || f.kind === "read" || f.kind === "datagram") {
    // At most three lines of bytes; each piece of a split send shown, the pieces side by side.
    const word = `${say(lang, f.kind as "write" | "read" | "datagram")} `;
    const budget = Math.max(24, columns * 3) - columnsOf(word);
    const pieces = flows.map((x) => quoteBytes(x.bytes ?? new Uint8Array(), budget, sizeWords(lang), x.cut)).join(" ");
    const cls = r.diverges ? "bytes diverged" : "bytes";
    out.push({ text: word + (columnsOf(pieces) > budget ? elide(pieces, budget) : pieces), cls });
  } else if (f.kind === "connect" || f.kind === "fin" || f.kind === "rst" || f.kind === "close") {
    out.push({ text: say(lang, f.kind), cls: f.kind });
  }
  if (f.text) out.push({ text: f.text, cls: f.kind === "exit" ? "exit" : "note" });
  const split = f.marks?.find((m) => m.kind === "split");
  if (split && split.kind === "split") {
    const last = flows.at(-1)!.marks?.find((m) => m.kind === "split");
    const lastPart = last?.kind === "split" ? last.part : split.part;
    out.push({ text: markWords({ kind: "split", part: split.part, last: lastPart, of: split.of }, lang), cls: "mark" });
  }
  const others = new Map<string, Mark>();
  for (const x of flows) for (const m of x.marks ?? []) if (m.kind !== "split") others.set(m.kind, m);
  for (const m of others.values()) out.push({ text: markWords(m, lang), cls: "mark" });
  return out;
}
