#!/usr/bin/env bun
/**
 * The kit's benchmark: `bun run bench` (see docs/PERFORMANCE.md).
 *
 * Each run starts the hub in its own process and the load generator
 * (tools/bench/loadgen.ts) in another, on 127.0.0.1 only, then prints one table.
 *
 *   bun run bench                              burst (against lesson 02 too), rate, udp
 *   bun run bench --scenario all               every target scenario of the issue
 *   bun run bench --scenario burst --compare lesson02
 *   bun run bench --scenario rate --rate 20000 --duration 5 --json
 *   bun run bench --target "bun lessons/02-hub.ts --port 0" --scenario rate
 *   bun run bench --scenario bigroom           10,000 TCP members joining one after another
 *
 * Targets: kit (src/server.ts), lesson02 (lessons/02-hub.ts), sink (reads and
 * drops everything), or any command that prints "listening on HOST:PORT".
 * Every run has a time bound and stops by itself.
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import type { Subprocess } from "bun";
import type { LoadConfig, LoadResult } from "./loadgen.ts";
import type { BigRoomConfig, BigRoomResult } from "./bigroom.ts";
import { readMemory, readOpenFileLimit } from "./proc.ts";

const ROOT = resolve(import.meta.dir, "../..");
const BUN = process.execPath;

const { values: flags } = parseArgs({
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
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (flags.help) {
  const head = (await Bun.file(import.meta.path).text()).split("*/")[0]!;
  console.log(head.replace(/^#!.*\n\/\*\*\n/, "").replace(/^ \* ?/gm, ""));
  console.log(`Options:
  --scenario LIST      ${Object.keys(SCENARIOS()).join(", ")}, all (comma-separated)
  --target T           hub under test: kit, kit:DIR (the kit in another checkout),
                       lesson02, sink or "command" (default kit)
  --compare T          also run every traffic scenario against T, and print the ratio
  --transport tcp|udp  --clients N (50)  --senders N (all)  --size BYTES (64)
  --rate LINES/S       all senders together, evenly spaced   --duration S
  --burst              every sender's --lines N lines at once
  --max-queue-bytes N  the kit hub's slow-consumer cap (its default: 262144)
  --idle-steps LIST    idle clients at which to read the hub's memory (1000,10000)
  --members N          bigroom: members joining one after another (10000)
  --time-limit S       hard bound on each run (default 120)
  --tick MS            rate mode: how often the generator sends what is due (0.2)
  --repeat N           run each measurement N times, keep the median (by deliveries/s)
  --json               one JSON document on stdout instead of the table`);
  process.exit(0);
}

// ---------------------------------------------------------------------------
// Scenarios: the issue's targets, each a preset of load settings.

interface Scenario {
  name: string;
  about: string;
  load: Partial<LoadConfig>;
  /** Compare against this target in the same run (the default bench compares burst with lesson 02). */
  compare?: string;
  /** Run twice: without and with one client that never reads. */
  slowPair?: boolean;
  /** Forced target (the sink scenario). */
  target?: string;
  maxQueueBytes?: number;
  goal?: (r: Row, all: Row[]) => string;
  /** The big-room scenario (tools/bench/bigroom.ts), with these extra hub options. */
  bigroom?: { hubArgs: string[] };
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const ms = (us: number) => (us / 1000).toFixed(us < 10_000 ? 2 : 1);

function SCENARIOS(): Record<string, Scenario> {
  return {
    burst: {
      name: "burst",
      about: "TCP, 50 clients all sending 64-byte lines at once",
      load: { transport: "tcp", mode: "burst", linesPerSender: 1000 },
      compare: "lesson02",
      maxQueueBytes: 64 << 20,
      goal: (r) => `>= 800,000 deliveries/s, nothing lost: ${r.res.deliveriesPerS >= 800_000 && r.res.lost === 0 ? "met" : "NOT met"}`,
    },
    rate: {
      name: "rate",
      about: "TCP, 5,000 lines/s into 50 clients (245,000 deliveries/s)",
      load: { transport: "tcp", mode: "rate", rate: 5000, durationS: 10 },
      goal: (r) => `p99 <= 2 ms and nothing lost: ${r.res.latency.p99Us <= 2000 && r.res.lost === 0 ? "met" : "NOT met"}`,
    },
    udp: {
      name: "udp",
      about: "UDP, 1,000 lines/s into 50 clients",
      load: { transport: "udp", mode: "rate", rate: 1000, durationS: 10 },
      goal: (r) => `p99 <= 2 ms and nothing lost: ${r.res.latency.p99Us <= 2000 && r.res.lost === 0 ? "met" : "NOT met"}`,
    },
    "udp-burst": {
      name: "udp-burst",
      about: "UDP, 50 clients all sending at once (UDP drops what no buffer holds)",
      load: { transport: "udp", mode: "burst", linesPerSender: 200 },
      goal: (r) => `loss reported: ${((100 * r.res.lost) / Math.max(1, r.res.expected)).toFixed(1)} %`,
    },
    slow: {
      name: "slow",
      about: "TCP, 5,000 lines/s into 50 clients, then again with one more client that never reads",
      load: { transport: "tcp", mode: "rate", rate: 5000, durationS: 20 },
      slowPair: true,
    },
    idle: {
      name: "idle",
      about: "hub memory per idle TCP connection",
      load: { transport: "tcp", mode: "idle", idleSteps: [1000, 10_000], timeLimitS: 240 },
      // Each join is announced to every member: 10,000 joins queue ~1 GB of notices in all,
      // and with the default cap a member that has not read its share yet would be dropped.
      maxQueueBytes: 64 << 20,
    },
    bigroom: {
      name: "bigroom",
      about: "TCP, 10,000 members joining one after another (joins summed up past 100), then every member gets every line",
      load: { transport: "tcp" },
      bigroom: { hubArgs: [] },
    },
    "bigroom-announced": {
      name: "bigroom-announced",
      about: "the same with every join announced to every member (--summarize-above 1000000): N²/2 notices",
      load: { transport: "tcp" },
      // Each member must be able to hold its share of the notices while it catches up.
      maxQueueBytes: 64 << 20,
      bigroom: { hubArgs: ["--summarize-above", "1000000"] },
    },
    sink: {
      name: "sink",
      about: "the load generator alone: a burst into a hub that drops everything",
      load: { transport: "tcp", mode: "burst", linesPerSender: 20_000, relays: false },
      target: "sink",
    },
  };
}

// ---------------------------------------------------------------------------
// Targets: how to start a hub, and how its clients join.

interface Target {
  label: string;
  cmd: string[];
  join: "kit" | "plain";
  relays: boolean;
}

function targetOf(name: string, transport: "tcp" | "udp", maxQueueBytes: number | undefined): Target {
  const udp = transport === "udp" ? ["--udp"] : [];
  // "kit:DIR" is the kit's server from another checkout (a git worktree of an older commit).
  const kitDir = name === "kit" ? ROOT : name.startsWith("kit:") ? resolve(name.slice(4)) : undefined;
  if (kitDir !== undefined) {
    // Flood control off and limits raised: the benchmark measures fan-out, not policy.
    const cmd = [BUN, resolve(kitDir, "src/server.ts"), "--host", "127.0.0.1", "--port", "0", "--quiet", "--no-flood-limit"];
    cmd.push("--max-clients", "20000", "--max-per-address", "20000", ...udp);
    if (maxQueueBytes) cmd.push("--max-queue-bytes", String(maxQueueBytes));
    return { label: name === "kit" ? "kit" : `kit(${name.slice(4).replace(/\/+$/, "").split("/").pop()})`, cmd, join: "kit", relays: true };
  }
  switch (name) {
    case "lesson02":
      return { label: "lesson02", cmd: [BUN, "lessons/02-hub.ts", "--host", "127.0.0.1", "--port", "0", ...udp], join: "plain", relays: true };
    case "sink":
      return { label: "sink", cmd: [BUN, "tools/bench/sink.ts", "--port", "0", ...udp], join: "plain", relays: false };
    default:
      return { label: name.length > 24 ? name.slice(0, 21) + "..." : name, cmd: ["sh", "-c", `exec ${name}`], join: "plain", relays: true };
  }
}

interface Hub {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  port: number;
  output: string[];
  stop(): Promise<void>;
}

/** Raises the soft open-files limit for a child that will hold many sockets. */
function withFileLimit(cmd: string[], files: number): string[] {
  const mine = readOpenFileLimit("self") ?? 0;
  if (mine >= files) return cmd;
  return ["sh", "-c", `ulimit -n ${files} 2>/dev/null || ulimit -n hard; exec "$@"`, "sh", ...cmd];
}

async function startHub(t: Target, files: number): Promise<Hub> {
  const proc = Bun.spawn(withFileLimit(t.cmd, files), { cwd: ROOT, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const output: string[] = [];
  let port = 0;
  let resolveReady!: (p: number) => void;
  const ready = new Promise<number>((r) => (resolveReady = r));
  // Keep reading both pipes for the hub's whole life: a full pipe would block it.
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let partial = "";
    for await (const chunk of stream) {
      const lines = (partial + decoder.decode(chunk, { stream: true })).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        if (output.length < 200) output.push(line);
        const m = /listening on \S*?:(\d+)/.exec(line);
        if (m && !port) resolveReady((port = Number(m[1])));
      }
    }
  };
  void pump(proc.stdout);
  void pump(proc.stderr);
  const timeout = Bun.sleep(15_000).then(() => 0);
  const exited = proc.exited.then(() => 0);
  port = await Promise.race([ready, timeout, exited]);
  if (!port) {
    proc.kill("SIGKILL");
    throw new Error(`${t.label} did not print "listening on HOST:PORT":\n${output.slice(-10).join("\n")}`);
  }
  return {
    proc,
    port,
    output,
    async stop() {
      proc.kill("SIGTERM");
      const done = await Promise.race([proc.exited.then(() => true), Bun.sleep(3000).then(() => false)]);
      if (!done) proc.kill("SIGKILL");
      await proc.exited;
    },
  };
}

// ---------------------------------------------------------------------------

interface Row {
  scenario: string;
  target: string;
  variant: string;
  res: LoadResult;
  /** The hub's memory just after it started, before any client. */
  hubStartKiB?: number;
  maxQueueBytes?: number;
}

const progress = (line: string) => console.error(line);

async function runLoad(t: Target, load: LoadConfig, maxQueueBytes: number | undefined): Promise<{ res: LoadResult; hubStartKiB?: number }> {
  const files = load.mode === "idle" ? Math.max(...load.idleSteps) + 1000 : 4096;
  const hub = await startHub(t, files);
  const hubStartKiB = readMemory(hub.proc.pid)?.rssKiB;
  try {
    const config: LoadConfig = { ...load, port: hub.port, hubPid: hub.proc.pid, join: t.join, relays: t.relays && load.relays !== false };
    const gen = Bun.spawn(withFileLimit([BUN, "tools/bench/loadgen.ts", JSON.stringify(config)], files), {
      cwd: ROOT,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const killer = setTimeout(() => gen.kill("SIGKILL"), (load.timeLimitS + 30) * 1000);
    const [out, err] = await Promise.all([new Response(gen.stdout).text(), new Response(gen.stderr).text(), gen.exited]);
    clearTimeout(killer);
    for (const line of out.split("\n")) if (line.startsWith("@") && !line.startsWith("@result")) progress(`  ${t.label}: ${line.slice(1)}`);
    const resultLine = out.split("\n").find((l) => l.startsWith("@result "));
    if (!resultLine) {
      throw new Error(`load generator failed against ${t.label}:\n${out.slice(-2000)}${err.slice(-2000)}\nhub said:\n${hub.output.slice(-10).join("\n")}`);
    }
    return { res: JSON.parse(resultLine.slice("@result ".length)) as LoadResult, hubStartKiB };
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
  const hub = await startHub(t, files);
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
    const gen = Bun.spawn(withFileLimit([BUN, "tools/bench/bigroom.ts", JSON.stringify(config)], files), {
      cwd: ROOT,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const killer = setTimeout(() => gen.kill("SIGKILL"), (config.timeLimitS + 30) * 1000);
    const [out, err] = await Promise.all([new Response(gen.stdout).text(), new Response(gen.stderr).text(), gen.exited]);
    clearTimeout(killer);
    for (const line of out.split("\n")) if (line.startsWith("@") && !line.startsWith("@result")) progress(`  ${t.label}: ${line.slice(1)}`);
    const resultLine = out.split("\n").find((l) => l.startsWith("@result "));
    if (!resultLine) throw new Error(`the big-room generator failed:\n${out.slice(-2000)}${err.slice(-2000)}\nhub said:\n${hub.output.slice(-10).join("\n")}`);
    return JSON.parse(resultLine.slice("@result ".length)) as BigRoomResult;
  } finally {
    await hub.stop();
  }
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
  if (flags.transport) base.transport = flags.transport === "udp" ? "udp" : "tcp";
  if (flags.clients) base.clients = num(flags.clients)!;
  if (flags.rate) Object.assign(base, { mode: "rate", rate: num(flags.rate) });
  if (flags.burst) base.mode = "burst";
  if (flags.lines) base.linesPerSender = num(flags.lines)!;
  if (flags.duration) base.durationS = num(flags.duration)!;
  if (flags.size) base.size = num(flags.size)!;
  if (flags["idle-steps"]) base.idleSteps = flags["idle-steps"].split(",").map(Number);
  if (flags["time-limit"]) base.timeLimitS = num(flags["time-limit"])!;
  if (flags.tick) base.tickMs = num(flags.tick)!;
  base.senders = flags.senders ? Math.min(num(flags.senders)!, base.clients) : base.senders || base.clients;
  if (base.mode === "burst") base.drainS = 3;
  return base;
}

async function measure(s: Scenario, targetName: string, variant: string, load: LoadConfig): Promise<Row> {
  const maxQueueBytes = flags["max-queue-bytes"] ? Number(flags["max-queue-bytes"]) : s.maxQueueBytes;
  const t = targetOf(targetName, load.transport, maxQueueBytes);
  const repeat = Math.max(1, Number(flags.repeat ?? 1));
  const runs: { res: LoadResult; hubStartKiB?: number }[] = [];
  for (let i = 0; i < repeat; i++) {
    progress(`${s.name}${variant ? ` (${variant})` : ""} against ${t.label}${repeat > 1 ? ` [${i + 1}/${repeat}]` : ""}: ${s.about}`);
    runs.push(await runLoad(t, load, maxQueueBytes));
  }
  runs.sort((a, b) => a.res.deliveriesPerS - b.res.deliveriesPerS);
  const mid = runs[Math.floor(runs.length / 2)]!;
  return { scenario: s.name, target: t.label, variant, res: mid.res, hubStartKiB: mid.hubStartKiB, maxQueueBytes: t.join === "kit" ? (maxQueueBytes ?? 262_144) : undefined };
}

// ---------------------------------------------------------------------------

const all = SCENARIOS();
const defaultSet = ["burst", "rate", "udp"];
const chosen = (flags.scenario ?? (flags.rate || flags.burst ? "custom" : defaultSet.join(","))).split(",").flatMap((n) => {
  if (n === "all") return ["burst", "rate", "udp", "udp-burst", "slow", "idle", "bigroom", "sink"];
  return [n];
});

const rows: Row[] = [];
const bigRooms: { scenario: string; res: BigRoomResult }[] = [];
const ratios: { scenario: string; text: string; value: number }[] = [];
const goals: string[] = [];
const started = Date.now();

for (const name of chosen) {
  const s: Scenario | undefined = name === "custom" ? { name: "custom", about: "as the flags say", load: {} } : all[name];
  if (!s) {
    console.error(`bench: no scenario "${name}" (try --help)`);
    process.exit(2);
  }
  const load = loadFor(s);
  const target = s.target ?? flags.target ?? "kit";
  try {
    if (s.bigroom) {
      bigRooms.push({ scenario: s.name, res: await runBigRoom(s) });
      continue;
    }
    if (s.load.mode === "idle") {
      const row = await measure(s, target, "", load);
      rows.push(row);
      continue;
    }
    if (s.slowPair) {
      const without = await measure(s, target, "all read", load);
      const withSlow = await measure(s, target, "1 never reads", { ...load, slow: true });
      rows.push(without, withSlow);
      const grew = (withSlow.res.hub.peakDuringKiB ?? 0) - (without.res.hub.peakDuringKiB ?? 0);
      goals.push(
        `slow: the others' p99 with a client that never reads: ${ms(withSlow.res.latency.p99Us)} ms (goal <= 5 ms: ${withSlow.res.latency.p99Us <= 5000 ? "met" : "NOT met"}); ` +
          `hub peak RSS ${grew >= 0 ? "+" : ""}${fmt(grew)} KiB against a cap of ${fmt((withSlow.maxQueueBytes ?? 0) / 1024)} KiB per client; ` +
          `dropped by the hub: ${withSlow.res.notices.some((n) => /left.*(slow|too)/i.test(n)) ? "yes" : "no"}`,
      );
      continue;
    }
    const compareWith = flags.compare ?? (flags.scenario === undefined || chosen.includes("burst") ? s.compare : undefined);
    let base: Row | undefined;
    if (compareWith && compareWith !== target && !s.target) base = await measure(s, compareWith, "", load);
    const row = await measure(s, target, "", load);
    if (base) rows.push(base);
    rows.push(row);
    if (base && base.res.deliveriesPerS > 0) {
      const value = row.res.deliveriesPerS / base.res.deliveriesPerS;
      ratios.push({
        scenario: s.name,
        value,
        text: `${s.name}: ${row.target} ${fmt(row.res.deliveriesPerS)} / ${base.target} ${fmt(base.res.deliveriesPerS)} deliveries/s = ${value.toFixed(2)}x`,
      });
      if (s.name === "burst" && base.target === "lesson02") goals.push(`burst: >= 5x lesson02 in the same run: ${value >= 5 ? "met" : "NOT met"} (${value.toFixed(2)}x)`);
    }
    if (s.goal && row.target.startsWith("kit")) goals.push(`${s.name}: ${s.goal(row, rows)}`);
  } catch (error) {
    console.error(`bench: ${s.name}: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}

// ---------------------------------------------------------------------------
// Report.

const KiB = (bytes: number) => `${(bytes / 1024).toFixed(2)} KiB`;
for (const { scenario, res: b } of bigRooms) {
  const per = (kib: number) => ((kib - b.hubStartKiB) * 1024) / b.members;
  goals.push(
    `${scenario}: ${fmt(b.members)} TCP members joined one after another in ${b.joinSeconds.toFixed(1)} s; hub RSS ${fmt(b.hubStartKiB)} KiB before any client, ` +
      `${fmt(b.rssAfterJoinsKiB)} KiB once the room had settled (${KiB(per(b.rssAfterJoinsKiB))} per member), ` +
      `${fmt(b.rssSettledKiB)} KiB once RSS held still (${KiB(per(b.rssSettledKiB))} per member), highest sampled during the joins ${fmt(b.rssPeakKiB)} KiB` +
      ` (goal <= 4 KiB per member: ${per(b.rssAfterJoinsKiB) <= 4096 ? "met" : "NOT met"})`,
    `${scenario}: the first member got ${fmt(b.firstMemberJoinBytes)} bytes while the others joined: ${fmt(b.firstMemberJoinNotices)} join notices, ${fmt(b.firstMemberSummaries)} summaries`,
    `${scenario}: ${b.lines} chat lines to ${fmt(b.members - 1)} members: ${fmt(b.missing)} deliveries missing; ${fmt(b.closedByHub)} members closed by the hub ` +
      `(goal: every member gets every line: ${b.missing === 0 && b.closedByHub === 0 ? "met" : "NOT met"})`,
    `${scenario}: CPU over the run: hub ${b.hubCpuPct !== undefined ? Math.round(b.hubCpuPct) : "?"}%, generator ${Math.round(b.genCpuPct)}%, ` +
      `other ${b.otherCpuPct !== undefined ? Math.round(b.otherCpuPct) : "?"}% of one core`,
  );
}

const idleRows = rows.filter((r) => r.res.idle);
for (const r of idleRows) {
  const steps = r.res.idle!;
  const base = r.hubStartKiB ?? 0;
  let prev: { clients: number; hubRssKiB: number } | undefined;
  for (const st of steps) {
    const per = ((st.hubRssKiB - base) * 1024) / st.clients;
    const marginal = prev ? `; from ${fmt(prev.clients)} to ${fmt(st.clients)}: ${fmt(((st.hubRssKiB - prev.hubRssKiB) * 1024) / (st.clients - prev.clients))} bytes each` : "";
    goals.push(
      `idle: ${fmt(st.clients)} idle TCP clients: hub RSS ${fmt(st.hubRssKiB)} KiB (${fmt(base)} KiB before any client): ${fmt(per)} bytes per connection${marginal}` +
        (st.clients >= 10_000 ? ` (goal <= 3 KiB: ${per <= 3072 ? "met" : "NOT met"})` : ""),
    );
    prev = st;
  }
}

if (flags.json) {
  console.log(JSON.stringify({ rows, bigRooms, ratios, goals, seconds: (Date.now() - started) / 1000 }, null, 2));
} else {
  const header = ["scenario", "hub", "msgs in/s", "deliveries/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "lost", "dup", "reord", "hub peak RSS", "hub CPU", "gen CPU", "other CPU", "gen lag p99", "p99 from write"];
  const table = rows
    .filter((r) => !r.res.idle)
    .map((r) => [
      r.scenario + (r.variant ? ` (${r.variant})` : ""),
      r.target + (r.res.config.transport === "udp" ? "/udp" : ""),
      fmt(r.res.msgsInPerS),
      fmt(r.res.deliveriesPerS),
      ms(r.res.latency.p50Us),
      ms(r.res.latency.p99Us),
      ms(r.res.latency.p999Us),
      ms(r.res.latency.maxUs),
      fmt(r.res.lost) +
        (r.res.expected ? ` (${((100 * r.res.lost) / r.res.expected).toFixed(r.res.lost ? 2 : 0)}%)` : "") +
        (r.res.config.transport === "udp" && r.res.udpBufferDrops ? ` [${fmt(r.res.udpBufferDrops)} kernel drops]` : ""),
      fmt(r.res.duplicates),
      fmt(r.res.reordered),
      r.res.hub.peakDuringKiB ? `${(r.res.hub.peakDuringKiB / 1024).toFixed(1)} MiB` : "?",
      r.res.hub.cpuPct !== undefined ? `${Math.round(r.res.hub.cpuPct)}%` : "?",
      `${Math.round(r.res.loadgen.cpuPct)}%`,
      r.res.otherCpuPct !== undefined ? `${Math.round(r.res.otherCpuPct)}%` : "?",
      ms(r.res.sendLag.p99Us),
      ms(r.res.latencyFromWrite.p99Us),
    ]);
  if (table.length) {
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
    console.log(line(header));
    console.log(widths.map((w) => "-".repeat(w)).join("  "));
    for (const row of table) console.log(line(row));
    console.log(
      "\nLatency is from each line's scheduled send time (a burst: the burst's start). CPU is % of one core over the run.\n" +
        "msgs in/s = lines the senders sent per second; deliveries/s = lines received per second, all clients.\n" +
        "gen lag = how late the generator wrote lines; p99 from write = latency from the actual write (to read the p99 by).\n" +
        "other CPU = everything else on the machine during the run (other programs, kernel work not charged to hub or generator).",
    );
  }
  const busy = [
    ...rows.filter((r) => (r.res.otherCpuPct ?? 0) > 25).map((r) => ({ name: r.scenario + (r.variant ? ` (${r.variant})` : ""), other: r.res.otherCpuPct ?? 0 })),
    ...bigRooms.filter((b) => (b.res.otherCpuPct ?? 0) > 25).map((b) => ({ name: b.scenario, other: b.res.otherCpuPct ?? 0 })),
  ];
  if (busy.length) {
    console.log(
      `\nWARNING: other programs used the machine during ${busy.map((b) => b.name).join(", ")} ` +
        `(other CPU up to ${Math.round(Math.max(...busy.map((b) => b.other)))}% of a core): their latency figures are not representative.`,
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
  console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
