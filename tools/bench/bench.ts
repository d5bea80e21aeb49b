#!/usr/bin/env bun
/**
 * The kit's benchmark: `bun run bench` (see docs/PERFORMANCE.md).
 *
 * Each run starts the hub in its own process and the load generator
 * (tools/bench/loadgen.ts) in another, on 127.0.0.1 only, then prints one table.
 *
 *   bun run bench                              burst (against lesson 02 too), rate, udp
 *   bun run bench --scenario all               every scenario with a target (docs/PERFORMANCE.md)
 *   bun run bench --scenario burst --compare lesson02
 *   bun run bench --scenario rate --rate 20000 --duration 5 --json
 *   bun run bench --target "bun lessons/02-hub.ts --port 0" --scenario rate
 *   bun run bench --scenario hubs              one hub, two and three linked through Redis, a pub/sub pair
 *   bun run bench --scenario bigroom           10,000 TCP members joining one after another
 *   bun run bench --scenario class             a class of 30 graded (tools/classroom/bench.ts)
 *
 * Targets: kit (src/server.ts), kit-linked (two kit hubs linked through a
 * redis-server of the bench's own, clients split across them), lesson02
 * (lessons/02-hub.ts), sink (reads and drops everything), or any command that
 * prints "listening on HOST:PORT".
 * Every run has a time bound and stops by itself.
 */
import { writeFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { langFromEnv } from "../../src/i18n.ts";
import {
  killAtExit,
  openingComment,
  readCpuSeconds,
  readMemory,
  runToEnd,
  toolArgs,
  usageError,
} from "../harness/index.ts";
import { startHub, startHubs, targetOf, withFileLimit, type Target } from "./hubs.ts";
import { SCENARIOS, type Scenario } from "./scenarios.ts";
import type { LoadConfig, LoadResult } from "./loadgen.ts";
import type { BigRoomConfig, BigRoomResult } from "./bigroom.ts";
import { fmt, idleGoals, met, ms, printReport, type Ratio, type Row } from "./report.ts";
import { runLinked } from "./linked.ts";
import { benchPage } from "./page.ts";

const ROOT = resolve(import.meta.dir, "../..");
const BUN = process.execPath;

const OPTIONS = `Options:
  --scenario LIST      ${Object.keys(SCENARIOS()).join(", ")}, all (comma-separated)
  --target T           hub under test: kit, kit:DIR (the kit in another checkout),
                       kit-linked (two kit hubs and one Redis), lesson02, sink
                       or "command" (default kit)
  --compare T          also run every traffic scenario against T, and print the ratio
  --transport tcp|udp|web  --clients N (50)  --senders N (all)  --size BYTES (64)
  --rate LINES/S       all senders together, evenly spaced   --duration S
  --burst              every sender's --lines N lines at once
  --max-queue-bytes N  the kit hub's slow-consumer cap (its default: 262144)
  --idle-steps LIST    idle clients at which to read the hub's memory (1000,10000)
  --members N          bigroom: members joining one after another (10000)
  --time-limit S       hard bound on each run (default 120)
  --tick MS            rate mode: how often the generator sends what is due (0.2)
  --repeat N           run each measurement N times, keep the median (by deliveries/s)
  --client LIST        the generator's clients: lean (its own, the default) or harness (the
                       kit's line client); lean,harness runs both and prints the ratio
  --json               one JSON document on stdout instead of the table
  --html FILE          the figures drawn too, on one self-contained page`;

// Grading a class is measured by the class grader's own bench (tools/classroom/bench.ts).
if (process.argv.includes("--scenario=class") || process.argv[process.argv.indexOf("--scenario") + 1] === "class")
  process.exit(await (await import("../classroom/bench.ts")).main(process.argv.slice(2)));

const flags = toolArgs(
  "bench",
  {
    options: {
      scenario: { type: "string" },
      target: { type: "string", default: "kit" },
      compare: { type: "string" },
      transport: { type: "string" },
      clients: { type: "string" },
      senders: { type: "string" },
      rate: { type: "string" },
      burst: { type: "boolean" },
      lines: { type: "string" },
      duration: { type: "string" },
      size: { type: "string" },
      "max-queue-bytes": { type: "string" },
      "idle-steps": { type: "string" },
      members: { type: "string" },
      "time-limit": { type: "string" },
      repeat: { type: "string" },
      tick: { type: "string" },
      client: { type: "string" },
      json: { type: "boolean", default: false },
      html: { type: "string" },
    },
  },
  () => `${openingComment(import.meta.path)}\n\n${OPTIONS}`,
);

// ---------------------------------------------------------------------------

const progress = (line: string) => console.error(line);

type Run = { res: LoadResult; hubStartKiB?: number; redisCpuPct?: number };

async function runLoad(t: Target, load: LoadConfig): Promise<Run> {
  const files = load.mode === "idle" ? Math.max(...load.idleSteps) + 1000 : 4096;
  const hub = await startHubs(t, load.transport, files);
  const hubStartKiB = hub.pids.reduce((n, pid) => n + (readMemory(pid)?.rssKiB ?? 0), 0);
  try {
    const relays = t.relays && load.relays !== false;
    const config: LoadConfig = {
      ...load,
      ...{ port: hub.port, ports: hub.ports, hubPid: hub.pids[0]!, hubPids: hub.pids },
      ...{ join: t.join, relays },
    };
    const gen = Bun.spawn(withFileLimit([BUN, "tools/bench/loadgen.ts", JSON.stringify(config)], files), {
      cwd: ROOT,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    killAtExit(gen);
    const killer = setTimeout(() => gen.kill("SIGKILL"), (load.timeLimitS + 30) * 1000);
    const text = (stream: ReadableStream<Uint8Array>) => new Response(stream).text();
    // Linked: Redis's own CPU, from the generator's "@measure" to its result.
    let redisCpu0: number | undefined;
    let redisAt0 = 0;
    const watched = async (stream: ReadableStream<Uint8Array>) => {
      let all = "";
      const decoder = new TextDecoder();
      for await (const chunk of stream) {
        all += decoder.decode(chunk, { stream: true });
        if (hub.redisPid && redisCpu0 === undefined && all.includes("@measure")) {
          redisCpu0 = readCpuSeconds(hub.redisPid);
          redisAt0 = performance.now();
        }
      }
      return all;
    };
    const [out, err] = await Promise.all([watched(gen.stdout), text(gen.stderr), gen.exited]);
    clearTimeout(killer);
    const redisCpu1 = hub.redisPid ? readCpuSeconds(hub.redisPid) : undefined;
    const redisSeconds = (performance.now() - redisAt0) / 1000;
    const redisCpuPct =
      redisCpu0 !== undefined && redisCpu1 !== undefined ? (100 * (redisCpu1 - redisCpu0)) / redisSeconds : undefined;
    const lines = out.split("\n");
    for (const line of lines.filter((l) => l.startsWith("@") && !l.startsWith("@result"))) {
      progress(`  ${t.label}: ${line.slice(1)}`);
    }
    const resultLine = lines.find((l) => l.startsWith("@result "));
    if (!resultLine) {
      const hubSaid = hub.lines().slice(-10).join("\n");
      const said = `${out.slice(-2000)}${err.slice(-2000)}`;
      throw new Error(`load generator failed against ${t.label}:\n${said}\nhub said:\n${hubSaid}`);
    }
    return { res: JSON.parse(resultLine.slice("@result ".length)) as LoadResult, hubStartKiB, redisCpuPct };
  } finally {
    await hub.stop();
  }
}

/** The big-room scenario: the kit's hub, and tools/bench/bigroom.ts joining members one after another. */
async function runBigRoom(s: Scenario): Promise<BigRoomResult> {
  const members = Number(flags.members ?? 10_000);
  const maxQueueBytes = flags["max-queue-bytes"] ? Number(flags["max-queue-bytes"]) : s.maxQueueBytes;
  const t = targetOf(flags.target ?? "kit", "tcp", maxQueueBytes);
  if (t.join !== "kit") throw new Error("the bigroom scenario measures the kit's hub (--target kit or kit:DIR)");
  t.cmd.push(...s.bigroom!.hubArgs);
  progress(`${s.name} against ${t.label}: ${s.about.replace("10,000", fmt(members))}`);
  const files = members + 1000;
  const hub = await startHub(t, "tcp", files);
  try {
    await Bun.sleep(500); // a just-started hub is still loading code: read its RSS once it has
    const config: BigRoomConfig = {
      port: hub.port,
      hubPid: hub.proc.pid,
      hubStartKiB: readMemory(hub.proc.pid)?.rssKiB ?? 0,
      members,
      lines: 20,
      timeLimitS: Number(flags["time-limit"] ?? 300),
    };
    const argv = withFileLimit([BUN, "tools/bench/bigroom.ts", JSON.stringify(config)], files);
    const timeoutMs = (config.timeLimitS + 30) * 1000;
    const { stdout: out, stderr: err } = await runToEnd(argv, { cwd: ROOT, timeoutMs });
    const lines = out.split("\n");
    const said = lines.filter((l) => l.startsWith("@") && !l.startsWith("@result"));
    for (const line of said) progress(`  ${t.label}: ${line.slice(1)}`);
    const resultLine = lines.find((l) => l.startsWith("@result "));
    if (!resultLine) {
      const hubSaid = hub.lines().slice(-10).join("\n");
      throw new Error(`the big-room generator failed:\n${out.slice(-2000)}${err.slice(-2000)}\nhub said:\n${hubSaid}`);
    }
    return JSON.parse(resultLine.slice("@result ".length)) as BigRoomResult;
  } finally {
    await hub.stop("SIGTERM", 3000);
  }
}

/** What a big-room run says, against its goals: <= 4 KiB of hub RSS per member, every line to every member. */
function bigRoomGoals(scenario: string, b: BigRoomResult): string[] {
  const per = (kib: number) => ((kib - b.hubStartKiB) * 1024) / b.members;
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(2)} KiB`;
  const pct = (v: number | undefined) => (v === undefined ? "?" : `${Math.round(v)}%`);
  const out = [
    `${scenario}: ${fmt(b.members)} TCP members joined one after another in ${b.joinSeconds.toFixed(1)} s; ` +
      `hub RSS ${fmt(b.hubStartKiB)} KiB before any client, ` +
      `${fmt(b.rssAfterJoinsKiB)} KiB once the room had settled (${kib(per(b.rssAfterJoinsKiB))} per member), ` +
      `${fmt(b.rssSettledKiB)} KiB once RSS held still (${kib(per(b.rssSettledKiB))} per member), ` +
      `highest sampled during the joins ${fmt(b.rssPeakKiB)} KiB (goal <= 4 KiB per member: ${met(per(b.rssAfterJoinsKiB) <= 4096)})`,
    `${scenario}: the first member got ${fmt(b.firstMemberJoinBytes)} bytes while the others joined: ` +
      `${fmt(b.firstMemberJoinNotices)} join notices, ${fmt(b.firstMemberSummaries)} summaries`,
    `${scenario}: ${b.lines} chat lines to ${fmt(b.members - 1)} members: ${fmt(b.missing)} deliveries missing; ` +
      `${fmt(b.closedByHub)} members closed by the hub (goal: every member gets every line: ${met(b.missing === 0 && b.closedByHub === 0)})`,
    `${scenario}: CPU over the run: hub ${pct(b.hubCpuPct)}, generator ${pct(b.genCpuPct)}, other programs ${pct(b.otherCpuPct)} of one core`,
  ];
  if ((b.otherCpuPct ?? 0) > 25) {
    out.push(`${scenario}: WARNING: other programs used the machine during the run: its times are not representative`);
  }
  return out;
}

function loadFor(s: Scenario): LoadConfig {
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const base: LoadConfig = {
    transport: "tcp",
    port: 0,
    hubPid: 0,
    mode: "rate",
    clients: 50,
    senders: 0,
    rate: 5000,
    durationS: 10,
    linesPerSender: 1000,
    size: 64,
    join: "kit",
    relays: true,
    slow: false,
    idleSteps: [1000, 10_000],
    drainS: 2,
    timeLimitS: 120,
    tickMs: 0.2,
    ...s.load,
  };
  if (flags.transport)
    base.transport = flags.transport === "udp" || flags.transport === "web" ? flags.transport : "tcp";
  if (flags.clients) base.clients = num(flags.clients)!;
  if (flags.rate) Object.assign(base, { mode: "rate", rate: num(flags.rate) });
  if (flags.burst) base.mode = "burst";
  if (flags.lines) base.linesPerSender = num(flags.lines)!;
  if (flags.duration) base.durationS = num(flags.duration)!;
  if (flags.size) base.size = num(flags.size)!;
  if (flags["idle-steps"]) base.idleSteps = flags["idle-steps"].split(",").map(Number);
  if (flags["time-limit"]) base.timeLimitS = num(flags["time-limit"])!;
  if (flags.tick) base.tickMs = num(flags.tick)!;
  if (flags.client === "harness") base.client = "harness";
  base.senders = flags.senders ? Math.min(num(flags.senders)!, base.clients) : base.senders || base.clients;
  if (base.mode === "burst") base.drainS = 3;
  return base;
}

async function measure(s: Scenario, targetName: string, variant: string, load: LoadConfig): Promise<Row> {
  const maxQueueBytes = flags["max-queue-bytes"] ? Number(flags["max-queue-bytes"]) : s.maxQueueBytes;
  const t = targetOf(targetName, load.transport, maxQueueBytes);
  const repeat = Math.max(1, Number(flags.repeat ?? 1));
  const runs: Run[] = [];
  for (let i = 0; i < repeat; i++) {
    const which = `${s.name}${variant ? ` (${variant})` : ""} against ${t.label}`;
    progress(`${which}${repeat > 1 ? ` [${i + 1}/${repeat}]` : ""}: ${s.about}`);
    runs.push(await runLoad(t, load));
  }
  runs.sort((a, b) => a.res.deliveriesPerS - b.res.deliveriesPerS);
  const mid = runs[Math.floor(runs.length / 2)]!;
  const cap = t.join === "kit" ? (maxQueueBytes ?? 262_144) : undefined;
  const { res, hubStartKiB, redisCpuPct } = mid;
  return { scenario: s.name, target: t.label, variant, res, hubStartKiB, maxQueueBytes: cap, redisCpuPct };
}

// ---------------------------------------------------------------------------

const all = SCENARIOS();
const defaultSet = ["burst", "rate", "udp"];
const asked = flags.scenario ?? (flags.rate || flags.burst ? "custom" : defaultSet.join(","));
const ALL = ["burst", "rate", "udp", "udp-burst", "slow", "idle", "bigroom", "sink"];
const chosen = asked.split(",").flatMap((n) => (n === "all" ? ALL : [n]));

const clientKinds = (flags.client ?? "lean").split(",") as NonNullable<LoadConfig["client"]>[];
const rows: Row[] = [];
const ratios: Ratio[] = [];
const goals: string[] = [];
/** The hubs scenario's summary (tools/bench/linked.ts). */
const linkedTable: string[] = [];
/** The big rooms measured, for --html. */
const bigrooms: { scenario: string; result: BigRoomResult }[] = [];
const started = Date.now();

/** Adds "row / base" (deliveries per second) to the ratios, and returns it. */
function ratio(s: Scenario, row: Row, base: Row): number {
  const value = row.res.deliveriesPerS / base.res.deliveriesPerS;
  const name = (r: Row) => r.target + (r.variant ? ` (${r.variant})` : "");
  ratios.push({
    scenario: s.name,
    value,
    text:
      `${s.name}: ${name(row)} ${fmt(row.res.deliveriesPerS)} / ${name(base)} ${fmt(base.res.deliveriesPerS)} ` +
      `deliveries/s = ${value.toFixed(2)}x`,
  });
  return value;
}

for (const name of chosen) {
  const custom: Scenario = { name: "custom", about: "as the flags say", load: {} };
  const s: Scenario | undefined = name === "custom" ? custom : all[name];
  if (!s) {
    usageError("bench", `no scenario "${name}"`);
  }
  const load = loadFor(s);
  const target = s.target ?? flags.target ?? "kit";
  try {
    if (s.bigroom) {
      const result = await runBigRoom(s);
      bigrooms.push({ scenario: s.name, result });
      goals.push(...bigRoomGoals(s.name, result));
      continue;
    }
    if (s.load.mode === "idle") {
      const row = await measure(s, target, "", load);
      rows.push(row);
      continue;
    }
    if (s.linkedPair) {
      // One server, two and three linked, the naive pub/sub pair (and --compare's linked hubs), interleaved.
      // The burst stays a burst whatever --rate says; --rate and --duration are for the steady half.
      const burstLoad = loadFor({ ...s, load: { ...s.load, mode: "burst", linesPerSender: 1000 } });
      const rate = loadFor({ ...s, load: { ...s.load, mode: "rate", rate: 5000, durationS: 10 } });
      const repeat = Number(flags.repeat ?? 1);
      const out = await runLinked({
        ...{ scenario: s, runLoad, progress, rate, compare: flags.compare },
        ...{ burst: { ...burstLoad, mode: "burst", drainS: 3 }, bursts: Math.max(3, repeat), rateRuns: repeat },
      });
      rows.push(...out.rows);
      ratios.push(...out.ratios);
      goals.push(...out.goals);
      linkedTable.push(...out.table);
      continue;
    }
    if (s.webPair) {
      // The same loads with TCP members and with WebSocket members, one after the other.
      const burst: LoadConfig = { ...loadFor({ ...s, load: { mode: "burst", linesPerSender: 1000 } }), drainS: 3 };
      const rate = loadFor({ ...s, load: { mode: "rate", rate: 5000, durationS: 10 } });
      const bursty = { ...s, maxQueueBytes: 64 << 20 };
      const perS = `${fmt(rate.rate)} lines/s`;
      const pairs: [Row, Row][] = [
        [
          await measure(bursty, "kit", "burst, TCP", { ...burst, transport: "tcp" }),
          await measure(bursty, "kit", "burst, web", { ...burst, transport: "web" }),
        ],
        [
          await measure(s, "kit", `${perS}, TCP`, { ...rate, transport: "tcp" }),
          await measure(s, "kit", `${perS}, web`, { ...rate, transport: "web" }),
        ],
      ];
      for (const [tcp, web] of pairs) {
        rows.push(tcp, web);
        const perDelivery = (r: Row) => (r.res.hub.cpuSeconds ?? NaN) / Math.max(1, r.res.delivered);
        const value = perDelivery(web) / perDelivery(tcp);
        const us = (r: Row) => (perDelivery(r) * 1e6).toFixed(2);
        ratios.push({
          scenario: s.name,
          value,
          text:
            `web: hub CPU per delivery, ${web.variant} ${us(web)} µs / ${tcp.variant} ${us(tcp)} µs = ` +
            `${value.toFixed(2)}x`,
        });
        goals.push(
          `web: ${web.variant}: a web member costs <= 2x a TCP member's hub CPU per delivery: ` +
            `${met(value <= 2)} (${value.toFixed(2)}x)`,
        );
        goals.push(
          `web: ${web.variant}: nothing lost, duplicated or reordered: ` +
            `${met(web.res.lost === 0 && web.res.duplicates === 0 && web.res.reordered === 0)}; ` +
            `${fmt(web.res.deliveriesPerS)} deliveries/s, p99 ${ms(web.res.latency.p99Us)} ms ` +
            `(TCP: ${fmt(tcp.res.deliveriesPerS)} deliveries/s, p99 ${ms(tcp.res.latency.p99Us)} ms)`,
        );
      }
      continue;
    }
    if (s.slowPair) {
      const without = await measure(s, target, "all read", load);
      const withSlow = await measure(s, target, "1 never reads", { ...load, slow: true });
      rows.push(without, withSlow);
      const grew = (withSlow.res.hub.peakDuringKiB ?? 0) - (without.res.hub.peakDuringKiB ?? 0);
      goals.push(
        `slow: the others' p99 with a client that never reads: ${ms(withSlow.res.latency.p99Us)} ms ` +
          `(goal <= 5 ms: ${met(withSlow.res.latency.p99Us <= 5000)}); ` +
          `hub peak RSS ${grew >= 0 ? "+" : ""}${fmt(grew)} KiB ` +
          `against a cap of ${fmt((withSlow.maxQueueBytes ?? 0) / 1024)} KiB per client; ` +
          // Closed connections, not notices: the sampled notices may all be joins (announced after a hold).
          `dropped by the hub: ${withSlow.res.closedByHub > 0 ? "yes" : "no"}`,
      );
      continue;
    }
    if (clientKinds.length > 1) {
      // The generator's own clients against the harness's line client: same hub, same run.
      const measured: Row[] = [];
      for (const client of clientKinds) {
        measured.push(await measure(s, target, `${client} clients`, { ...load, client }));
      }
      rows.push(...measured);
      for (const other of measured.slice(1)) ratio(s, measured[0]!, other);
      continue;
    }
    const byDefault = flags.scenario === undefined || chosen.includes("burst");
    const compareWith = flags.compare ?? (byDefault ? s.compare : undefined);
    let base: Row | undefined;
    if (compareWith && compareWith !== target && !s.target) base = await measure(s, compareWith, "", load);
    const row = await measure(s, target, "", load);
    if (base) rows.push(base);
    rows.push(row);
    if (base && base.res.deliveriesPerS > 0) {
      const value = ratio(s, row, base);
      if (s.name === "burst" && base.target === "lesson02") {
        goals.push(`burst: >= 5x lesson02 in the same run: ${met(value >= 5)} (${value.toFixed(2)}x)`);
      }
    }
    if (s.goal && row.target.startsWith("kit")) goals.push(`${s.name}: ${s.goal(row, rows)}`);
  } catch (error) {
    console.error(`bench: ${s.name}: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}

goals.push(...idleGoals(rows));
if (linkedTable.length && !flags.json) console.log(`${linkedTable.join("\n")}\n`);
const seconds = (Date.now() - started) / 1000;
printReport({ rows, ratios, goals, seconds, json: flags.json ?? false });
if (flags.html) {
  const file = resolve(flags.html);
  writeFileSync(file, benchPage({ rows, ratios, goals, bigrooms, seconds, lang: langFromEnv(process.env) }));
  // The page's path on the last line; under --json, stdout is the document's alone.
  const shown = relative(process.cwd(), file);
  (flags.json ? console.error : console.log)(shown.startsWith("..") ? file : shown);
}
