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
 *   bun run bench --scenario hubs              two hubs linked through Redis, beside one hub
 *   bun run bench --scenario bigroom           10,000 TCP members joining one after another
 *
 * Targets: kit (src/server.ts), kit-linked (two kit hubs linked through a
 * redis-server of the bench's own, clients split across them), lesson02
 * (lessons/02-hub.ts), sink (reads and drops everything), or any command that
 * prints "listening on HOST:PORT".
 * Every run has a time bound and stops by itself.
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { RedisClient } from "bun";
import { chatServerCommand, freePort, readCpuSeconds, readMemory, readOpenFileLimit, startProgram, type Program } from "../harness/index.ts";
import type { LoadConfig, LoadResult } from "./loadgen.ts";
import type { BigRoomConfig, BigRoomResult } from "./bigroom.ts";
import { fmt, idleGoals, met, ms, printReport, type Ratio, type Row } from "./report.ts";

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
    client: { type: "string" },
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
                       kit-linked (two kit hubs and one Redis), lesson02, sink
                       or "command" (default kit)
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
  --client LIST        the generator's clients: lean (its own, the default) or harness (the
                       kit's line client); lean,harness runs both and prints the ratio
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
  /** Burst and rate, each against one hub and against two hubs linked through Redis. */
  linkedPair?: boolean;
  /** Forced target (the sink scenario). */
  target?: string;
  maxQueueBytes?: number;
  goal?: (r: Row, all: Row[]) => string;
  /** The big-room scenario (tools/bench/bigroom.ts), with these extra hub options. */
  bigroom?: { hubArgs: string[] };
}


function SCENARIOS(): Record<string, Scenario> {
  return {
    burst: {
      name: "burst",
      about: "TCP, 50 clients all sending 64-byte lines at once",
      load: { transport: "tcp", mode: "burst", linesPerSender: 1000 },
      compare: "lesson02",
      maxQueueBytes: 64 << 20,
      goal: (r) => `>= 800,000 deliveries/s, nothing lost: ${met(r.res.deliveriesPerS >= 800_000 && r.res.lost === 0)}`,
    },
    rate: {
      name: "rate",
      about: "TCP, 5,000 lines/s into 50 clients (245,000 deliveries/s)",
      load: { transport: "tcp", mode: "rate", rate: 5000, durationS: 10 },
      goal: (r) => `p99 <= 2 ms and nothing lost: ${met(r.res.latency.p99Us <= 2000 && r.res.lost === 0)}`,
    },
    udp: {
      name: "udp",
      about: "UDP, 1,000 lines/s into 50 clients",
      load: { transport: "udp", mode: "rate", rate: 1000, durationS: 10 },
      goal: (r) => `p99 <= 2 ms and nothing lost: ${met(r.res.latency.p99Us <= 2000 && r.res.lost === 0)}`,
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
    hubs: {
      name: "hubs",
      about: "TCP, 50 clients split across two hubs linked through one Redis, beside one hub: a burst, then 5,000 lines/s",
      load: { transport: "tcp" },
      linkedPair: true,
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
  /** Run this many copies of `cmd`, linked through a redis-server started for them (`--redis URL` is added). */
  linked?: number;
}

function targetOf(name: string, transport: "tcp" | "udp", maxQueueBytes: number | undefined): Target {
  const udp = transport === "udp" ? ["--udp"] : [];
  // "kit:DIR" is the kit's server from another checkout (a git worktree of an older commit).
  if (name === "kit-linked") return { ...targetOf("kit", transport, maxQueueBytes), label: "kit-linked", linked: 2 };
  const kitDir = name === "kit" ? ROOT : name.startsWith("kit:") ? resolve(name.slice(4)) : undefined;
  if (kitDir !== undefined) {
    // Flood control off and limits raised: the benchmark measures fan-out, not policy.
    const cmd = [...chatServerCommand(kitDir).argv, "--host", "127.0.0.1", "--quiet", "--no-flood-limit"];
    cmd.push("--max-clients", "20000", "--max-per-address", "20000", ...udp);
    if (maxQueueBytes) cmd.push("--max-queue-bytes", String(maxQueueBytes));
    const label = name === "kit" ? "kit" : `kit(${name.slice(4).replace(/\/+$/, "").split("/").pop()})`;
    return { label, cmd, join: "kit", relays: true };
  }
  // Every hub gets --port 0 (startHub adds it) and says the port it got in its ready line.
  switch (name) {
    case "lesson02":
      return { label: name, cmd: [BUN, "lessons/02-hub.ts", "--host", "127.0.0.1", ...udp], join: "plain", relays: true };
    case "sink":
      return { label: "sink", cmd: [BUN, "tools/bench/sink.ts", ...udp], join: "plain", relays: false };
    default: {
      const label = name.length > 24 ? name.slice(0, 21) + "..." : name;
      return { label, cmd: ["sh", "-c", `exec ${name}`], join: "plain", relays: true };
    }
  }
}

/** Raises the soft open-files limit for a child that will hold many sockets. */
function withFileLimit(cmd: string[], files: number): string[] {
  const mine = readOpenFileLimit("self") ?? 0;
  if (mine >= files) return cmd;
  return ["sh", "-c", `ulimit -n ${files} 2>/dev/null || ulimit -n hard; exec "$@"`, "sh", ...cmd];
}

/** The hub in its own process, on the port it picks and reports in its ready line. */
function startHub(t: Target, transport: "tcp" | "udp", files: number): Promise<Program> {
  return startProgram({
    command: { argv: withFileLimit(t.cmd, files), label: t.label, custom: true },
    transport,
    port: 0,
    cwd: ROOT,
    readyMs: 15_000,
    // The ready line is read in English, whatever the machine's locale.
    env: { LANG: "C", LC_ALL: "", LC_MESSAGES: "" },
    ready: [/listening on \S*?:(\d+)/],
  });
}

/** What the load runs against: one hub, or several linked through a Redis of their own. */
interface Hubs {
  port: number;
  /** Linked: every hub's port (the clients are split across them). */
  ports?: number[];
  /** Every process that counts as "the hub" (linked: the hubs and Redis). */
  pids: number[];
  redisPid?: number;
  lines(): string[];
  stop(): Promise<unknown>;
}

async function startHubs(t: Target, transport: "tcp" | "udp", files: number): Promise<Hubs> {
  if (!t.linked) {
    const hub = await startHub(t, transport, files);
    return { port: hub.port, pids: [hub.proc.pid], lines: () => hub.lines(), stop: () => hub.stop("SIGTERM", 3000) };
  }
  // Linked: a redis-server of our own (free port, no persistence), then each hub with --redis.
  const redisPort = await freePort("tcp");
  const redis = Bun.spawn(["redis-server", "--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdin: "ignore",
    stdout: "ignore",
    stderr: "ignore",
  });
  const url = `redis://127.0.0.1:${redisPort}`;
  const stopRedis = async () => {
    redis.kill("SIGKILL");
    await redis.exited;
  };
  for (let waited = 0; ; waited += 20) {
    const client = new RedisClient(url, { autoReconnect: false });
    try {
      await client.connect();
      client.close();
      break;
    } catch {
      if (waited > 10_000 || redis.exitCode !== null) {
        await stopRedis();
        throw new Error(`redis-server did not start on port ${redisPort} (is it installed? apt-get install redis-server)`);
      }
      await Bun.sleep(20);
    }
  }
  const hubs: Program[] = [];
  try {
    for (let i = 0; i < t.linked; i++) hubs.push(await startHub({ ...t, cmd: [...t.cmd, "--redis", url] }, transport, files));
  } catch (error) {
    await Promise.all(hubs.map((h) => h.stop("SIGTERM", 3000)));
    await stopRedis();
    throw error;
  }
  return {
    port: hubs[0]!.port,
    ports: hubs.map((h) => h.port),
    pids: [...hubs.map((h) => h.proc.pid), redis.pid],
    redisPid: redis.pid,
    lines: () => hubs.flatMap((h) => h.lines()),
    async stop() {
      await Promise.all(hubs.map((h) => h.stop("SIGTERM", 3000)));
      await stopRedis();
    },
  };
}

// ---------------------------------------------------------------------------

const progress = (line: string) => console.error(line);

type Run = { res: LoadResult; hubStartKiB?: number; redisCpuPct?: number };

async function runLoad(t: Target, load: LoadConfig): Promise<Run> {
  const files = load.mode === "idle" ? Math.max(...load.idleSteps) + 1000 : 4096;
  const hub = await startHubs(t, load.transport, files);
  const hubStartKiB = hub.pids.reduce((n, pid) => n + (readMemory(pid)?.rssKiB ?? 0), 0);
  try {
    const relays = t.relays && load.relays !== false;
    const config: LoadConfig = { ...load, port: hub.port, ports: hub.ports, hubPid: hub.pids[0]!, hubPids: hub.pids, join: t.join, relays };
    const gen = Bun.spawn(withFileLimit([BUN, "tools/bench/loadgen.ts", JSON.stringify(config)], files), {
      cwd: ROOT,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
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
    const redisCpuPct = redisCpu0 !== undefined && redisCpu1 !== undefined ? (100 * (redisCpu1 - redisCpu0)) / redisSeconds : undefined;
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
    const gen = Bun.spawn(withFileLimit([BUN, "tools/bench/bigroom.ts", JSON.stringify(config)], files), {
      cwd: ROOT,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const killer = setTimeout(() => gen.kill("SIGKILL"), (config.timeLimitS + 30) * 1000);
    const text = (stream: ReadableStream<Uint8Array>) => new Response(stream).text();
    const [out, err] = await Promise.all([text(gen.stdout), text(gen.stderr), gen.exited]);
    clearTimeout(killer);
    const lines = out.split("\n");
    for (const line of lines.filter((l) => l.startsWith("@") && !l.startsWith("@result"))) progress(`  ${t.label}: ${line.slice(1)}`);
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
  if ((b.otherCpuPct ?? 0) > 25) out.push(`${scenario}: WARNING: other programs used the machine during the run: its times are not representative`);
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
  return { scenario: s.name, target: t.label, variant, res: mid.res, hubStartKiB: mid.hubStartKiB, maxQueueBytes: cap, redisCpuPct: mid.redisCpuPct };
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
    console.error(`bench: no scenario "${name}" (try --help)`);
    process.exit(2);
  }
  const load = loadFor(s);
  const target = s.target ?? flags.target ?? "kit";
  try {
    if (s.bigroom) {
      goals.push(...bigRoomGoals(s.name, await runBigRoom(s)));
      continue;
    }
    if (s.load.mode === "idle") {
      const row = await measure(s, target, "", load);
      rows.push(row);
      continue;
    }
    if (s.linkedPair) {
      // The same loads against one hub and against two linked hubs, one after the other.
      // The burst stays a burst whatever --rate says; --rate and --duration are for the steady half.
      const burst: LoadConfig = { ...loadFor({ ...s, load: { ...s.load, mode: "burst", linesPerSender: 1000 } }), mode: "burst", drainS: 3 };
      const rate = loadFor({ ...s, load: { ...s.load, mode: "rate", rate: 5000, durationS: 10 } });
      const bursty = { ...s, maxQueueBytes: 64 << 20 };
      const oneBurst = await measure(bursty, "kit", "burst, one hub", burst);
      const twoBurst = await measure(bursty, "kit-linked", "burst, two hubs", burst);
      const perS = `${fmt(rate.rate)} lines/s`;
      const oneRate = await measure(s, "kit", `${perS}, one hub`, rate);
      const twoRate = await measure(s, "kit-linked", `${perS}, two hubs`, rate);
      rows.push(oneBurst, twoBurst, oneRate, twoRate);
      const value = ratio(s, twoBurst, oneBurst);
      const clean = (r: Row) => r.res.lost === 0 && r.res.duplicates === 0 && r.res.reordered === 0;
      const share = (r: Row) => (r.redisCpuPct === undefined ? "?" : `${Math.round(r.redisCpuPct)}%`);
      goals.push(`hubs: burst, two hubs >= 0.75x one hub in the same run: ${met(value >= 0.75)} (${value.toFixed(2)}x)`);
      goals.push(`hubs: p99 at ${perS}, two hubs <= 2 ms: ${met(twoRate.res.latency.p99Us <= 2000)} (${ms(twoRate.res.latency.p99Us)} ms)`);
      goals.push(`hubs: two hubs lost, duplicated or reordered nothing: ${met(clean(twoBurst) && clean(twoRate))}`);
      goals.push(`hubs: of the two hubs' "hub CPU", Redis used ${share(twoBurst)} of a core in the burst and ${share(twoRate)} at ${perS}`);
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
          `dropped by the hub: ${withSlow.res.notices.some((n) => /left.*(slow|too)/i.test(n)) ? "yes" : "no"}`,
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
printReport({ rows, ratios, goals, seconds: (Date.now() - started) / 1000, json: flags.json ?? false });
