/**
 * `bun run bench --html FILE`: the benchmark's figures drawn, on one
 * self-contained page (tools/wire/page.ts): deliveries per second per hub as
 * bars, each scenario's latency distribution on a log axis, the hub's memory
 * per member of the big room and per idle connection; then the ratios and the
 * goals as the table says them.
 */
import type { Lang } from "../../src/i18n.ts";
import { barChart, cdfChart, type Bar, type Series } from "../wire/charts.ts";
import { h, type Child } from "../wire/markup.ts";
import { htmlPage } from "../wire/page.ts";
import type { BigRoomResult } from "./bigroom.ts";
import type { LatencySummary } from "./histogram.ts";
import { fmt, ms, type Ratio, type Row } from "./report.ts";

export type BenchPage = {
  rows: Row[];
  ratios: Ratio[];
  goals: string[];
  bigrooms: { scenario: string; result: BigRoomResult }[];
  seconds: number;
  lang: Lang;
};

const WORDS = {
  title: { en: "socket-chat-kit: the benchmark", zh: "socket-chat-kit：基准测试" },
  rate: { en: "deliveries per second", zh: "每秒投递数" },
  latency: { en: "latency: the share of deliveries at or under each time", zh: "延迟：不超过各个时长的投递所占比例" },
  axis: {
    en: "milliseconds, from each line's scheduled send (log scale)",
    zh: "毫秒，从每行计划发送的时刻算起（对数刻度）",
  },
  bigroom: { en: "hub memory per member", zh: "每个成员占用的中心内存" },
  idle: { en: "hub memory per idle connection", zh: "每个空闲连接占用的中心内存" },
  ratios: { en: "Ratios (same run)", zh: "比值（同一次运行）" },
  goals: { en: "Goals", zh: "目标" },
  settled: { en: "once the room had settled", zh: "聊天室安定之后" },
  still: { en: "once memory held still", zh: "内存不再变化之后" },
  peak: { en: "highest during the joins", zh: "加入过程中的最高值" },
  took: { en: "s in all", zh: "秒（总用时）" },
} as const;

/** Which hub a row measured: its target, variant and transport. */
const hubOf = (r: Row) =>
  r.target +
  (r.variant ? ` (${r.variant})` : "") +
  (r.res.config.transport === "tcp" ? "" : ` /${r.res.config.transport}`);

/** A latency summary as steps: its percentiles (all of them when the summary has its distribution). */
function stepsOf(l: LatencySummary): { x: number; p: number }[] {
  const points = l.cdf?.length
    ? l.cdf
    : [0.5, 0.99, 0.999, 1].map((p, i) => ({ p, us: [l.p50Us, l.p99Us, l.p999Us, l.maxUs][i]! }));
  return points.map((q) => ({ x: Math.max(q.us, 1) / 1000, p: q.p }));
}

/** The page, as one string of HTML. */
export function benchPage(o: BenchPage): string {
  const { lang } = o;
  const say = (k: keyof typeof WORDS) => WORDS[k][lang];
  const colon = lang === "zh" ? "：" : ": ";
  const sections: Child[] = [
    h("h1", {}, say("title")),
    h("p", { class: "dim" }, `${Math.round(o.seconds)} ${say("took")}`),
  ];
  const traffic = o.rows.filter((r) => !r.res.idle && r.res.delivered > 0);
  const scenarios = [...new Set(traffic.map((r) => r.scenario))];
  scenarios.forEach((scenario, i) => {
    const rows = traffic.filter((r) => r.scenario === scenario);
    const bars: Bar[] = rows.map((r) => ({
      label: hubOf(r),
      value: Math.round(r.res.deliveriesPerS),
      shown: `${fmt(r.res.deliveriesPerS)} /s`,
    }));
    const series: Series[] = rows.map((r) => ({
      name: hubOf(r),
      points: stepsOf(r.res.latency),
      note: `p50 ${ms(r.res.latency.p50Us)} ms, p99 ${ms(r.res.latency.p99Us)} ms, max ${ms(r.res.latency.maxUs)} ms`,
    }));
    sections.push(
      h(
        "section",
        { class: "card" },
        h("h2", {}, scenario),
        h(
          "div",
          { class: "charts" },
          barChart({
            id: `rate-${i}`,
            title: `${scenario}${colon}${say("rate")}`,
            desc: bars.map((b) => `${b.label}: ${b.shown}`).join("; "),
            bars,
          }),
          cdfChart({
            id: `latency-${i}`,
            title: `${scenario}${colon}${say("latency")}`,
            desc: series.map((s) => `${s.name}: ${s.note}`).join("; "),
            series,
            unit: say("axis"),
            lang,
          }),
        ),
      ),
    );
  });
  for (const [i, b] of o.bigrooms.entries()) {
    const per = (kib: number) => ((kib - b.result.hubStartKiB) * 1024) / b.result.members;
    const bars: Bar[] = [
      { label: say("settled"), value: per(b.result.rssAfterJoinsKiB) },
      { label: say("still"), value: per(b.result.rssSettledKiB) },
      { label: say("peak"), value: per(b.result.rssPeakKiB) },
    ].map((x) => ({ ...x, shown: `${(x.value / 1024).toFixed(2)} KiB` }));
    const title =
      lang === "zh"
        ? `${b.scenario}：${say("bigroom")}（${fmt(b.result.members)} 名成员）`
        : `${b.scenario}: ${say("bigroom")} (${fmt(b.result.members)} members)`;
    sections.push(
      h(
        "section",
        { class: "card" },
        h("h2", {}, title),
        barChart({ id: `bigroom-${i}`, title, desc: bars.map((x) => `${x.label}: ${x.shown}`).join("; "), bars }),
      ),
    );
  }
  for (const [i, r] of o.rows.filter((r) => r.res.idle).entries()) {
    const base = r.hubStartKiB ?? 0;
    const bars: Bar[] = r.res.idle!.map((st) => {
      const bytes = ((st.hubRssKiB - base) * 1024) / st.clients;
      return { label: fmt(st.clients), value: bytes, shown: `${fmt(bytes)} B` };
    });
    const title = `${r.scenario}${lang === "zh" ? "：" : ": "}${say("idle")}`;
    sections.push(
      h(
        "section",
        { class: "card" },
        h("h2", {}, title),
        barChart({ id: `idle-${i}`, title, desc: bars.map((x) => `${x.label}: ${x.shown}`).join("; "), bars }),
      ),
    );
  }
  if (o.ratios.length > 0)
    sections.push(
      h("h2", {}, say("ratios")),
      h(
        "ul",
        {},
        o.ratios.map((r) => h("li", {}, r.text)),
      ),
    );
  if (o.goals.length > 0)
    sections.push(
      h("h2", {}, say("goals")),
      h(
        "ul",
        {},
        o.goals.map((g) => h("li", {}, g)),
      ),
    );
  return htmlPage({ lang, title: say("title"), body: sections });
}
