#!/usr/bin/env bun
/**
 * The load generator: N chat clients in one process, run by tools/bench/bench.ts
 * (which starts the hub in another process and passes its port and pid).
 *
 *   bun tools/bench/loadgen.ts '<json config>'      (see LoadConfig)
 *
 * Honest by construction:
 * - Open loop. Every line has a scheduled send time (rate mode: evenly spaced;
 *   burst mode: all at the burst's start), and that time, not the moment the
 *   line was actually written, is stamped in the line and used for its latency.
 *   A generator that falls behind therefore shows up as latency instead of
 *   hiding it (no "coordinated omission").
 * - Every sender numbers its lines, so each receiver counts loss, duplicates and
 *   reordering per sender.
 * - It measures its own CPU use and how late it sent each line, so a run can
 *   show that the generator was not the bottleneck.
 *
 * It prints progress lines starting with "@" and, last, one line
 * "@result {json}" that bench.ts reads.
 *
 * Its parts: load.ts (the config and the result), clients.ts (connecting and
 * joining; why its clients are its own), senders.ts (the open loop),
 * receiver.ts (counting what arrives).
 */
import { readCpuSeconds, readMachineBusySeconds, readMemory, readUdpCounters, untilSteady } from "../harness/index.ts";
import { barrier, join, joinAll, waitFor } from "./clients.ts";
import { Histogram } from "./histogram.ts";
import { settledRss } from "./hubs.ts";
import type { Gen, LoadConfig, LoadResult } from "./load.ts";
import { Receiver, type Client } from "./receiver.ts";
import { sendAtRate, sendBurst } from "./senders.ts";

export type { LoadConfig, LoadResult } from "./load.ts";

const config = JSON.parse(process.argv[2] ?? "{}") as LoadConfig;
const t0Abs = performance.now();
const say = (line: string) => console.log(line);
const deadline = Date.now() + config.timeLimitS * 1000;
const rx = new Receiver(config);
/** How late the generator wrote each line, against its schedule. */
const sendLag = new Histogram();
const g: Gen = { config, rx, deadline, nowUs: () => (performance.now() - t0Abs) * 1000 };
const { nowUs } = g;

const hubPids = config.hubPids?.length ? config.hubPids : config.hubPid ? [config.hubPid] : [];

/** The hub's memory (linked hubs: every process of the room, summed). */
function hubMemory() {
  const all = hubPids.map(readMemory);
  if (all.length === 0 || all.some((m) => m === undefined)) return undefined;
  return { rssKiB: all.reduce((n, m) => n + m!.rssKiB, 0), peakKiB: all.reduce((n, m) => n + m!.peakKiB, 0) };
}

/** The hub's CPU time, each process (linked hubs: every process of the room). */
function hubCpuEach(): number[] | undefined {
  const all = hubPids.map(readCpuSeconds);
  if (all.length === 0 || all.some((c) => c === undefined)) return undefined;
  return all as number[];
}

const sum = (all: number[] | undefined) => all?.reduce((n, c) => n + c, 0);

/**
 * The hub's memory once it is idle again. The join notices (every join is
 * announced to every member) leave garbage that the hub's collector returns
 * over the next seconds, so: wait until nothing arrives, then until RSS holds
 * still (see settledRss).
 */
async function idleRss(): Promise<number> {
  await untilSteady(() => rx.idleBytes, { forMs: 500, ms: deadline - Date.now(), everyMs: 100 });
  return settledRss(() => hubMemory()?.rssKiB ?? 0, deadline);
}

async function runIdle(): Promise<LoadResult> {
  const steps: { clients: number; hubRssKiB: number }[] = [];
  const all: Client[] = [];
  const joinStart = performance.now();
  for (const target of [...config.idleSteps].sort((a, b) => a - b)) {
    all.push(...(await joinAll(g, target - all.length, all.length, true)));
    await waitFor(g, () => all.every((c) => c.greeted || c.closed), 30_000, "every idle client's welcome");
    const rss = await idleRss();
    const closed = all.filter((c) => c.closed).length;
    steps.push({ clients: all.length - closed, hubRssKiB: rss });
    say(`@idle ${all.length - closed} clients, hub RSS ${rss} KiB`);
  }
  if (config.holdS) await Bun.sleep(config.holdS * 1000); // time to look at the hub from outside
  const joinMs = performance.now() - joinStart;
  for (const c of all) c.close();
  return { ...emptyResult(), joinMs, idle: steps, closedByHub: all.filter((c) => c.closed).length };
}

function emptyResult(): LoadResult {
  const z = new Histogram().summary();
  return {
    config,
    timedOut: false,
    joinMs: 0,
    sent: 0,
    expected: 0,
    delivered: 0,
    lost: 0,
    duplicates: 0,
    reordered: 0,
    sendSeconds: 0,
    seconds: 0,
    msgsInPerS: 0,
    deliveriesPerS: 0,
    latency: z,
    latencyFromWrite: z,
    sendLag: z,
    hub: {},
    loadgen: { cpuPct: 0, rssKiB: 0 },
    notices: [],
    closedByHub: 0,
  };
}

async function runTraffic(): Promise<LoadResult> {
  const joinStart = performance.now();
  const clients = await joinAll(g, config.clients, 0);
  await barrier(g, clients);
  let slow: Client | undefined;
  if (config.slow) {
    // Joins like the others, then stops reading: the kernel buffers fill, then the hub's queue.
    slow = await join(g, config.clients);
    slow.hold?.();
    await barrier(g, clients);
  }
  const joinMs = performance.now() - joinStart;
  say(`@joined ${clients.length} clients in ${Math.round(joinMs)} ms`);

  const hubBefore = hubMemory();
  const hubCpuEach0 = hubCpuEach();
  const hubCpu0 = sum(hubCpuEach0);
  const cpu0 = process.cpuUsage();
  const udp0 = readUdpCounters();
  const machine0 = readMachineBusySeconds();
  let peakDuring = hubBefore?.rssKiB ?? 0;
  const sampler = setInterval(() => {
    const m = hubMemory();
    if (m && m.rssKiB > peakDuring) peakDuring = m.rssKiB;
  }, 100);

  rx.measuring = true;
  const startUs = nowUs() + 5_000;
  while (nowUs() < startUs) await Bun.sleep(1);
  say(`@measure`);
  const burst = config.mode === "burst";
  const sent = burst ? sendBurst(g, clients, startUs, sendLag) : await sendAtRate(g, clients, startUs, sendLag);
  const sendEndUs = nowUs();

  const expected = sent * (config.clients - 1);
  const wantDeliveries = config.relays ? expected : 0;
  // Wait for the stragglers: until everything arrived, or nothing has for drainS seconds.
  const drainMs = config.drainS * 1000;
  const done = (n: number) => n >= wantDeliveries;
  await untilSteady(() => rx.delivered, { forMs: drainMs, ms: deadline - Date.now(), done });
  const timedOut = Date.now() >= deadline;
  rx.measuring = false;
  clearInterval(sampler);

  const cpu = process.cpuUsage(cpu0);
  const udp1 = readUdpCounters();
  const machine1 = readMachineBusySeconds();
  const hubCpuEach1 = hubCpuEach();
  const hubCpu1 = sum(hubCpuEach1);
  const hubAfter = hubMemory();
  const endUs = Math.max(rx.lastDeliveryUs, sendEndUs);
  const seconds = (endUs - startUs) / 1e6;
  const wallS = (nowUs() - startUs) / 1e6;
  const sendSeconds = config.mode === "burst" ? seconds : (sendEndUs - startUs) / 1e6;

  const result: LoadResult = {
    config,
    timedOut,
    joinMs,
    sent,
    expected,
    delivered: rx.delivered,
    lost: expected - rx.delivered,
    duplicates: rx.duplicates,
    reordered: rx.reordered,
    sendSeconds,
    seconds,
    msgsInPerS: sent / sendSeconds,
    deliveriesPerS: rx.delivered / seconds,
    latency: rx.latency.summary(),
    latencyFromWrite: rx.fromWrite.summary(),
    sendLag: sendLag.summary(),
    hub: {
      rssBeforeKiB: hubBefore?.rssKiB,
      rssEndKiB: hubAfter?.rssKiB,
      peakKiB: hubAfter?.peakKiB,
      peakDuringKiB: Math.max(peakDuring, hubAfter?.rssKiB ?? 0),
      cpuPct: hubCpu0 !== undefined && hubCpu1 !== undefined ? (100 * (hubCpu1 - hubCpu0)) / wallS : undefined,
      cpuSeconds: hubCpu0 !== undefined && hubCpu1 !== undefined ? hubCpu1 - hubCpu0 : undefined,
      cpuSecondsEach: hubCpuEach0 && hubCpuEach1?.map((c, i) => c - hubCpuEach0[i]!),
    },
    loadgen: {
      cpuPct: (100 * (cpu.user + cpu.system)) / 1e6 / wallS,
      rssKiB: Math.round(process.memoryUsage.rss() / 1024),
    },
    notices: [...rx.notices],
    closedByHub: rx.closedByHub,
    udpBufferDrops: udp0 && udp1 ? (udp1.RcvbufErrors ?? 0) - (udp0.RcvbufErrors ?? 0) : undefined,
  };
  if (machine0 !== undefined && machine1 !== undefined && result.hub.cpuPct !== undefined) {
    result.otherCpuPct = Math.max(0, (100 * (machine1 - machine0)) / wallS - result.hub.cpuPct - result.loadgen.cpuPct);
  }
  for (const c of clients) c.close();
  slow?.close();
  return result;
}

const limit = setTimeout(
  () => {
    say(`@error the run passed its time limit (${config.timeLimitS} s)`);
    process.exit(3);
  },
  (config.timeLimitS + 15) * 1000,
);

try {
  const result = config.mode === "idle" ? await runIdle() : await runTraffic();
  say(`@result ${JSON.stringify(result)}`);
  clearTimeout(limit);
  process.exit(0);
} catch (error) {
  say(`@error ${(error as Error).message}`);
  process.exit(2);
}
