/**
 * The benchmark's report: one table row per measurement, the ratios measured in
 * the same run, the goals met or not, and a warning when other programs used the
 * machine meanwhile. Or all of it as one JSON document.
 */
import type { LoadResult } from "./loadgen.ts";

/** One measurement: a scenario against one hub. */
export interface Row {
  scenario: string;
  target: string;
  variant: string;
  res: LoadResult;
  /** The hub's memory just after it started, before any client. */
  hubStartKiB?: number;
  maxQueueBytes?: number;
  /** Linked hubs: Redis's share of "hub CPU", % of one core over the measurement. */
  redisCpuPct?: number;
}

export type Ratio = { scenario: string; text: string; value: number };

export const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
export const ms = (us: number) => (us / 1000).toFixed(us < 10_000 ? 2 : 1);
export const met = (ok: boolean) => (ok ? "met" : "NOT met");
const pct = (n: number | undefined) => (n !== undefined ? `${Math.round(n)}%` : "?");
const named = (r: Row) => r.scenario + (r.variant ? ` (${r.variant})` : "");

/** The idle scenario's figures, as goals: hub memory per idle connection at each step. */
export function idleGoals(rows: Row[]): string[] {
  const goals: string[] = [];
  for (const r of rows.filter((r) => r.res.idle)) {
    const base = r.hubStartKiB ?? 0;
    let prev: { clients: number; hubRssKiB: number } | undefined;
    for (const st of r.res.idle!) {
      const per = ((st.hubRssKiB - base) * 1024) / st.clients;
      const each = prev && ((st.hubRssKiB - prev.hubRssKiB) * 1024) / (st.clients - prev.clients);
      const marginal = prev ? `; from ${fmt(prev.clients)} to ${fmt(st.clients)}: ${fmt(each!)} bytes each` : "";
      goals.push(
        `idle: ${fmt(st.clients)} idle TCP clients: hub RSS ${fmt(st.hubRssKiB)} KiB ` +
          `(${fmt(base)} KiB before any client): ` +
          `${fmt(per)} bytes per connection${marginal}` +
          (st.clients >= 10_000 ? ` (goal <= 3 KiB: ${met(per <= 3072)})` : ""),
      );
      prev = st;
    }
  }
  return goals;
}

const HEADER = [
  ...["scenario", "hub", "msgs in/s", "deliveries/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "lost", "dup", "reord"],
  ...["hub peak RSS", "hub CPU", "gen CPU", "other CPU", "gen lag p99", "p99 from write"],
];

function cells(r: Row): string[] {
  const { res } = r;
  const lost =
    fmt(res.lost) +
    (res.expected ? ` (${((100 * res.lost) / res.expected).toFixed(res.lost ? 2 : 0)}%)` : "") +
    (res.config.transport === "udp" && res.udpBufferDrops ? ` [${fmt(res.udpBufferDrops)} kernel drops]` : "");
  return [
    named(r),
    r.target + (res.config.transport === "tcp" ? "" : `/${res.config.transport}`),
    fmt(res.msgsInPerS),
    fmt(res.deliveriesPerS),
    ms(res.latency.p50Us),
    ms(res.latency.p99Us),
    ms(res.latency.p999Us),
    ms(res.latency.maxUs),
    lost,
    fmt(res.duplicates),
    fmt(res.reordered),
    res.hub.peakDuringKiB ? `${(res.hub.peakDuringKiB / 1024).toFixed(1)} MiB` : "?",
    pct(res.hub.cpuPct),
    pct(res.loadgen.cpuPct),
    pct(res.otherCpuPct),
    ms(res.sendLag.p99Us),
    ms(res.latencyFromWrite.p99Us),
  ];
}

/** The whole report, on stdout. */
type Report = { rows: Row[]; ratios: Ratio[]; goals: string[]; seconds: number; json: boolean };

export function printReport(o: Report): void {
  const { rows, ratios, goals, seconds } = o;
  if (o.json) {
    console.log(JSON.stringify({ rows, ratios, goals, seconds }, null, 2));
    return;
  }
  const table = rows.filter((r) => !r.res.idle).map(cells);
  if (table.length) {
    const widths = HEADER.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
    // The first two columns are names, left-aligned; the figures are right-aligned.
    const cell = (c: string, i: number) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!));
    const line = (row: string[]) => row.map(cell).join("  ");
    console.log(line(HEADER));
    console.log(widths.map((w) => "-".repeat(w)).join("  "));
    for (const row of table) console.log(line(row));
    console.log(
      "\nLatency is from each line's scheduled send time (a burst: the burst's start). " +
        "CPU is % of one core over the run.\n" +
        "msgs in/s = lines the senders sent per second; deliveries/s = lines received per second, all clients.\n" +
        "gen lag = how late the generator wrote lines; " +
        "p99 from write = latency from the actual write (to read the p99 by).\n" +
        "other CPU = everything else on the machine during the run " +
        "(other programs, kernel work not charged to hub or generator).",
    );
  }
  const busy = rows.filter((r) => (r.res.otherCpuPct ?? 0) > 25);
  if (busy.length) {
    const most = Math.round(Math.max(...busy.map((r) => r.res.otherCpuPct ?? 0)));
    console.log(
      `\nWARNING: other programs used the machine during ${busy.map(named).join(", ")} ` +
        `(other CPU up to ${most}% of a core): their latency figures are not representative.`,
    );
  }
  if (ratios.length) {
    console.log("\nRatio (same run):");
    for (const r of ratios) console.log(`  ${r.text}`);
  }
  if (goals.length) {
    console.log("\nGoals:");
    for (const g of goals) console.log(`  ${g}`);
  }
  console.log(`\n(${seconds.toFixed(0)} s)`);
}
