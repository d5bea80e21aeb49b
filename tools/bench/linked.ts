/**
 * The hubs scenario (`bun run bench --scenario hubs`): what linking servers
 * through Redis costs, in one run. The same loads go against
 *
 *   one server      the kit's hub alone
 *   two linked      two kit hubs and one redis-server, the clients split across them
 *   three linked    three kit hubs and one redis-server
 *   pub/sub pair    two naive peers (tools/bench/pubsub-peer.ts: the kit's hub,
 *                   linked by plain PUBLISH/SUBSCRIBE and nothing else) and Redis
 *   half a room     the kit's hub alone with half the clients: what each hub of a
 *                   linked pair does (every line to half the room) without any
 *                   link, for reading the others by
 *
 * and, with `--compare kit:DIR`, two and three linked hubs of that checkout.
 * Each set-up takes several bursts (50 x 1,000 lines at once; the burst's
 * figure is the median run) and a steady 5,000 lines/s, interleaved set-up by
 * set-up so that a neighbour's load falls on all of them alike. For each it
 * prints the CPU time per delivery summed over every process of the set-up
 * (every hub and Redis, read from /proc by the load generator while it
 * measures): on a shared machine throughput and latency swing with the
 * neighbours, the CPU a delivery costs much less.
 */
import { resolve } from "node:path";
import type { LoadConfig, LoadResult } from "./load.ts";
import { targetOf, type Target } from "./hubs.ts";
import { fmt, met, ms, type Ratio, type Row } from "./report.ts";
import type { Scenario } from "./scenarios.ts";

const BUN = process.execPath;

export type Run = { res: LoadResult; redisCpuPct?: number };

export interface LinkedRunOptions {
  scenario: Scenario;
  runLoad(t: Target, load: LoadConfig): Promise<Run>;
  progress(line: string): void;
  burst: LoadConfig;
  rate: LoadConfig;
  /** Bursts per set-up (the median is shown), and runs at the steady rate. */
  bursts: number;
  rateRuns: number;
  /** Another checkout of the kit (`kit:DIR`) whose linked hubs are measured too. */
  compare?: string;
}

interface SetUp {
  key: string;
  label: string;
  target: (maxQueueBytes: number | undefined) => Target;
  /** Processes: hubs, then Redis (the last of cpuSecondsEach) when linked. */
  linked: boolean;
  /** Fewer clients than the load says (half a room). */
  clients?: (all: number) => number;
  bursts: Run[];
  rates: Run[];
}

/** The naive pair: tools/bench/pubsub-peer.ts twice, and Redis. */
function pubsubPair(maxQueueBytes: number | undefined): Target {
  const cmd = [BUN, "tools/bench/pubsub-peer.ts", "--host", "127.0.0.1"];
  if (maxQueueBytes) cmd.push("--max-queue-bytes", String(maxQueueBytes));
  return { label: "pub/sub pair", cmd, join: "kit", relays: true, linked: 2 };
}

function setUps(compare: string | undefined): SetUp[] {
  const kit = (name: string, label: string, linked?: number) => (q: number | undefined) => ({
    ...targetOf(name, "tcp", q),
    label,
    linked,
  });
  const list: Omit<SetUp, "bursts" | "rates">[] = [
    { key: "one", label: "one server", target: kit("kit", "one server"), linked: false },
    { key: "two", label: "two linked", target: kit("kit", "two linked", 2), linked: true },
    { key: "three", label: "three linked", target: kit("kit", "three linked", 3), linked: true },
    { key: "pubsub", label: "pub/sub pair", target: pubsubPair, linked: true },
    {
      ...{ key: "half", label: "half a room, one server", target: kit("kit", "half a room, one server") },
      ...{ linked: false, clients: (all: number) => Math.ceil(all / 2) },
    },
  ];
  if (compare) {
    const dir = compare.startsWith("kit:") ? compare : `kit:${compare}`;
    const name = resolve(dir.slice(4)).split("/").pop();
    list.push(
      { key: "two-base", label: `two linked (${name})`, target: kit(dir, `two linked (${name})`, 2), linked: true },
      {
        key: "three-base",
        label: `three linked (${name})`,
        target: kit(dir, `three linked (${name})`, 3),
        linked: true,
      },
    );
  }
  return list.map((s) => ({ ...s, bursts: [], rates: [] }));
}

const cpuOf = (r: Run) => (r.res.hub.cpuSecondsEach ?? []).reduce((n, c) => n + c, 0);
const redisOf = (r: Run, linked: boolean) => (linked ? ((r.res.hub.cpuSecondsEach ?? []).at(-1) ?? 0) : 0);
const deliveredOf = (r: Run) => r.res.delivered;

/** CPU µs per delivery over these runs, all processes of the set-up (sum of CPU / sum of deliveries). */
function cpuPerDelivery(runs: Run[]): number {
  const d = runs.reduce((n, r) => n + deliveredOf(r), 0);
  return d > 0 ? (1e6 * runs.reduce((n, r) => n + cpuOf(r), 0)) / d : NaN;
}

function redisShare(runs: Run[], linked: boolean): number {
  const all = runs.reduce((n, r) => n + cpuOf(r), 0);
  return all > 0 ? runs.reduce((n, r) => n + redisOf(r, linked), 0) / all : 0;
}

function median<T>(runs: T[], by: (r: T) => number): T {
  return [...runs].sort((a, b) => by(a) - by(b))[Math.floor(runs.length / 2)]!;
}

const clean = (runs: Run[]) => runs.every((r) => r.res.lost === 0 && r.res.duplicates === 0 && r.res.reordered === 0);

function row(s: LinkedRunOptions["scenario"], u: SetUp, variant: string, run: Run): Row {
  return { scenario: s.name, target: u.label, variant, res: run.res, redisCpuPct: run.redisCpuPct };
}

/** The load for this set-up: all its clients, or half a room's. */
function sized(load: LoadConfig, u: SetUp): LoadConfig {
  if (!u.clients) return load;
  const clients = u.clients(load.clients);
  return { ...load, clients, senders: Math.min(load.senders, clients) };
}

export interface LinkedOutcome {
  rows: Row[];
  ratios: Ratio[];
  goals: string[];
  /** The summary table, one line each. */
  table: string[];
}

export async function runLinked(o: LinkedRunOptions): Promise<LinkedOutcome> {
  const ups = setUps(o.compare);
  const maxQueueBurst = 64 << 20;
  const rounds = Math.max(o.bursts, o.rateRuns);
  for (let i = 0; i < rounds; i++) {
    for (const u of ups) {
      if (i >= o.bursts) continue;
      o.progress(`hubs: burst [${i + 1}/${o.bursts}] against ${u.label}`);
      u.bursts.push(await o.runLoad(u.target(maxQueueBurst), sized(o.burst, u)));
    }
    for (const u of ups) {
      if (i >= o.rateRuns) continue;
      o.progress(`hubs: ${fmt(o.rate.rate)} lines/s [${i + 1}/${o.rateRuns}] against ${u.label}`);
      u.rates.push(await o.runLoad(u.target(undefined), sized(o.rate, u)));
    }
  }

  const rows: Row[] = [];
  const perS = `${fmt(o.rate.rate)} lines/s`;
  for (const u of ups) {
    rows.push(
      row(
        o.scenario,
        u,
        `burst, median of ${u.bursts.length}`,
        median(u.bursts, (r) => r.res.deliveriesPerS),
      ),
    );
    rows.push(row(o.scenario, u, `${perS}, median p99 of ${u.rates.length}`, median(u.rates, p99)));
  }

  const by = new Map(ups.map((u) => [u.key, u]));
  const one = by.get("one")!;
  const oneBurstCpu = cpuPerDelivery(one.bursts);
  const oneRateCpu = cpuPerDelivery(one.rates);
  const oneBurst = median(one.bursts, (r) => r.res.deliveriesPerS).res.deliveriesPerS;
  const x = (v: number) => `${v.toFixed(2)}x`;

  const header = [
    "set-up",
    "burst deliveries/s",
    "x one",
    "min-max",
    "burst CPU us/deliv",
    "x one",
    `${perS} p50 ms`,
    "p99 ms",
    "CPU us/deliv",
    "x one",
    "Redis share",
    "lost/dup/reord",
    "other CPU",
  ];
  const cells = ups.map((u) => {
    const b = median(u.bursts, (r) => r.res.deliveriesPerS).res.deliveriesPerS;
    const lo = Math.min(...u.bursts.map((r) => r.res.deliveriesPerS));
    const hi = Math.max(...u.bursts.map((r) => r.res.deliveriesPerS));
    const bc = cpuPerDelivery(u.bursts);
    const rc = cpuPerDelivery(u.rates);
    const mid = median(u.rates, p99);
    const all = [...u.bursts, ...u.rates];
    const bad = ["lost", "duplicates", "reordered"] as const;
    const other = Math.max(...all.map((r) => r.res.otherCpuPct ?? 0));
    return [
      u.label,
      fmt(b),
      x(b / oneBurst),
      `${fmt(lo)}-${fmt(hi)}`,
      bc.toFixed(3),
      x(bc / oneBurstCpu),
      ms(mid.res.latency.p50Us),
      ms(mid.res.latency.p99Us),
      rc.toFixed(3),
      x(rc / oneRateCpu),
      u.linked ? `${Math.round(100 * redisShare(all, true))}%` : "",
      bad.map((k) => fmt(all.reduce((n, r) => n + r.res[k], 0))).join("/"),
      `${Math.round(other)}%`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join("  ");
  const table = [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)];
  table.push(
    "",
    "CPU us/deliv: CPU time of every process of the set-up (hubs and Redis, from /proc) while measuring,",
    "summed over its runs, per line delivered to a client. x one: against one server in this run.",
    `burst: median of ${o.bursts} runs by deliveries/s; p50 and p99: the run with the median p99 of ${o.rateRuns}.`,
    "half a room: one server with half the clients, no link (each hub of a pair sends every line to half the room).",
    "Set-ups take turns, run by run. On a shared machine the figures swing with the neighbours: repeat the run.",
  );

  const ratios: Ratio[] = [];
  const goals: string[] = [];
  const ratio = (scenario: string, text: string, value: number) => ratios.push({ scenario, text, value });
  for (const u of ups.filter((u) => u.key !== "one" && u.key !== "half")) {
    const bc = cpuPerDelivery(u.bursts) / oneBurstCpu;
    const rc = cpuPerDelivery(u.rates) / oneRateCpu;
    ratio("hubs", `${u.label}: CPU per delivery ${x(bc)} one server's in the burst, ${x(rc)} at ${perS}`, bc);
  }
  const pubsub = by.get("pubsub")!;
  for (const key of ["two", "three", "two-base", "three-base"]) {
    const u = by.get(key);
    if (!u) continue;
    const bc = cpuPerDelivery(u.bursts) / cpuPerDelivery(pubsub.bursts);
    const rc = cpuPerDelivery(u.rates) / cpuPerDelivery(pubsub.rates);
    ratio("hubs", `${u.label}: CPU per delivery ${x(bc)} the pub/sub pair's in the burst, ${x(rc)} at ${perS}`, bc);
  }
  for (const [now, base] of [
    ["two", "two-base"],
    ["three", "three-base"],
  ] as const) {
    const [n, b] = [by.get(now)!, by.get(base)];
    if (!b) continue;
    const bc = cpuPerDelivery(n.bursts) / cpuPerDelivery(b.bursts);
    const rc = cpuPerDelivery(n.rates) / cpuPerDelivery(b.rates);
    const bd = median(n.bursts, (r) => r.res.deliveriesPerS).res.deliveriesPerS;
    const bb = median(b.bursts, (r) => r.res.deliveriesPerS).res.deliveriesPerS;
    const p = p99(median(n.rates, p99)) / p99(median(b.rates, p99));
    ratio(
      "hubs",
      `${n.label} now / ${b.label}: CPU per delivery ${x(bc)} in the burst, ${x(rc)} at ${perS}; ` +
        `burst deliveries/s ${x(bd / bb)}; p99 at ${perS} ${x(p)}`,
      bc,
    );
  }

  const two = by.get("two")!;
  const three = by.get("three")!;
  const cpuGoal = (u: SetUp, max: number) => {
    const bc = cpuPerDelivery(u.bursts) / oneBurstCpu;
    const rc = cpuPerDelivery(u.rates) / oneRateCpu;
    return `${met(bc <= max && rc <= max)} (${x(bc)} in the burst, ${x(rc)} at ${perS})`;
  };
  goals.push(`hubs: CPU per delivery, two linked <= 1.3x one server's: ${cpuGoal(two, 1.3)}`);
  goals.push(`hubs: CPU per delivery, three linked <= 1.5x one server's: ${cpuGoal(three, 1.5)}`);
  {
    const bc = cpuPerDelivery(two.bursts) / cpuPerDelivery(pubsub.bursts);
    const rc = cpuPerDelivery(two.rates) / cpuPerDelivery(pubsub.rates);
    goals.push(
      `hubs: CPU per delivery, two linked <= the pub/sub pair's: ${met(bc <= 1 && rc <= 1)} ` +
        `(${x(bc)} in the burst, ${x(rc)} at ${perS})`,
    );
  }
  const twoP99 = p99(median(two.rates, p99));
  goals.push(`hubs: p99 at ${perS}, two linked <= 2 ms: ${met(twoP99 <= 2000)} (${ms(twoP99)} ms)`);
  const kits = ups.filter((u) => u.key !== "pubsub");
  const half = by.get("half")!;
  {
    const bc = cpuPerDelivery(half.bursts) / oneBurstCpu;
    const rc = cpuPerDelivery(half.rates) / oneRateCpu;
    ratio(
      "hubs",
      `half a room on one server (no link): CPU per delivery ${x(bc)} the whole room's in the burst, ` +
        `${x(rc)} at ${perS}: the floor of any pair`,
      bc,
    );
  }
  goals.push(
    `hubs: lost, duplicated or reordered nothing (the kit's set-ups): ` +
      met(kits.every((u) => clean([...u.bursts, ...u.rates]))),
  );
  return { rows, ratios, goals, table };
}

function p99(r: Run): number {
  return r.res.latency.p99Us;
}
