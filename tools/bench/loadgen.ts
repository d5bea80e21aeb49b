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
 */
import type { Socket } from "bun";
import type { udp } from "bun";
import { Histogram, type LatencySummary } from "./histogram.ts";
import { LineWriter, readStamp, type Stamp } from "./payload.ts";
import { readCpuSeconds, readMachineBusySeconds, readMemory, readUdpCounters } from "./proc.ts";
import { parseChallenge } from "../../src/protocol.ts";

export interface LoadConfig {
  transport: "tcp" | "udp";
  port: number;
  /** Several hubs of one room (linked): client i joins ports[i % ports.length]. */
  ports?: number[];
  /** The hub's pid, to read its memory and CPU time (0: unknown). */
  hubPid: number;
  /** Linked hubs: every process of the room (the hubs and Redis), summed up as "the hub". */
  hubPids?: number[];
  mode: "rate" | "burst" | "idle";
  clients: number;
  /** The first `senders` clients send; every client receives. */
  senders: number;
  /** rate mode: lines per second, all senders together. */
  rate: number;
  /** rate mode: seconds of sending. */
  durationS: number;
  /** burst mode: lines per sender, all scheduled at the start. */
  linesPerSender: number;
  /** Bytes of each line, without its newline. */
  size: number;
  /** How clients join: the kit's UDP handshake, a first empty datagram, or nothing. */
  join: "kit" | "plain";
  /** Whether the hub greets a new client and relays lines (false for the sink). */
  relays: boolean;
  /** Add one client that joins and then never reads. */
  slow: boolean;
  /** idle mode: numbers of idle clients at which to read the hub's memory. */
  idleSteps: number[];
  /** Seconds to wait for the last deliveries once sending has ended. */
  drainS: number;
  /** Hard bound: report whatever has arrived after this many seconds. */
  timeLimitS: number;
  /** rate mode: how often the sender looks for due lines, ms. */
  tickMs: number;
  /** idle mode: seconds to keep the clients connected after the last step. */
  holdS?: number;
}

export interface LoadResult {
  config: LoadConfig;
  timedOut: boolean;
  joinMs: number;
  /** Lines sent, all senders. */
  sent: number;
  /** Deliveries expected: every line to every client but its sender. */
  expected: number;
  /** Distinct deliveries received. */
  delivered: number;
  lost: number;
  duplicates: number;
  reordered: number;
  /** Seconds from the first scheduled send to the last line sent. */
  sendSeconds: number;
  /** Seconds from the first scheduled send to the last delivery. */
  seconds: number;
  msgsInPerS: number;
  deliveriesPerS: number;
  latency: LatencySummary;
  /** The same, from the moment each line was actually written (for reading the above, never instead of it). */
  latencyFromWrite: LatencySummary;
  /** How late the generator wrote lines, against their schedule. */
  sendLag: LatencySummary;
  hub: { rssBeforeKiB?: number; rssEndKiB?: number; peakKiB?: number; peakDuringKiB?: number; cpuPct?: number };
  loadgen: { cpuPct: number; rssKiB: number };
  /** CPU used by everything else on the machine during the run, % of one core (other programs, the kernel's softirq work). */
  otherCpuPct?: number;
  /** Lines that were not benchmark lines, received while measuring (a sample). */
  notices: string[];
  /** Connections the hub closed while measuring. */
  closedByHub: number;
  /** UDP datagrams the kernel dropped for want of receive buffer while measuring (whole machine). */
  udpBufferDrops?: number;
  idle?: { clients: number; hubRssKiB: number }[];
}

const config = JSON.parse(process.argv[2] ?? "{}") as LoadConfig;
const HOST = "127.0.0.1";
const t0Abs = performance.now();
/** Microseconds since this process's epoch: the clock stamped into every line. */
const nowUs = () => (performance.now() - t0Abs) * 1000;
const say = (line: string) => console.log(line);
const deadline = Date.now() + config.timeLimitS * 1000;
const textDecoder = new TextDecoder();

// ---------------------------------------------------------------------------
// Accounting, shared by every receiver.

const latency = new Histogram();
const sendLag = new Histogram();
/** Latency from the moment a line was actually written: the generator's lateness left out. */
const fromWrite = new Histogram();
let delivered = 0;
let duplicates = 0;
let reordered = 0;
let lastDeliveryUs = 0;
let measuring = false;
let closedByHub = 0;
const notices: string[] = [];
const MAX_NOTICES = 20;

interface Client {
  id: number;
  /** Sequence numbers seen, per sender: one bit per line. */
  seen: Uint8Array;
  maxSeq: Int32Array;
  partial: Uint8Array | undefined;
  greeted: boolean;
  syncs: number;
  closed: boolean;
  onLine?: (text: string) => void;
  send(bytes: Uint8Array): void;
  sendMany?(lines: Uint8Array[]): void;
  close(): void;
}

const linesPerSender =
  config.mode === "burst" ? config.linesPerSender : Math.ceil((config.rate * config.durationS) / Math.max(1, config.senders)) + 1;
const seenStride = Math.ceil(linesPerSender / 8) + 1;
const stamp: Stamp = { sender: 0, seq: 0, timeUs: 0, wroteUs: 0 };

function newClient(id: number): Client {
  return {
    id,
    seen: new Uint8Array(config.mode === "idle" ? 0 : config.senders * seenStride),
    maxSeq: new Int32Array(config.mode === "idle" ? 0 : config.senders).fill(-1),
    partial: undefined,
    greeted: false,
    syncs: 0,
    closed: false,
    send: () => {},
    close: () => {},
  };
}

/** One line, buf[start, end), arrived at client `c` at time `now` (µs). */
function onLine(c: Client, buf: Uint8Array, start: number, end: number, now: number): void {
  if (readStamp(buf, start, end, stamp)) {
    if (c.id >= config.clients) return; // the slow client: what it read before it stopped is not counted
    const { sender, seq } = stamp;
    if (sender >= config.senders || seq >= linesPerSender) return;
    const bit = sender * seenStride * 8 + seq;
    const byte = bit >>> 3;
    const mask = 1 << (bit & 7);
    if (c.seen[byte]! & mask) {
      duplicates++;
      return;
    }
    c.seen[byte]! |= mask;
    if (seq < c.maxSeq[sender]!) reordered++;
    else c.maxSeq[sender] = seq;
    delivered++;
    latency.record(now - stamp.timeUs);
    fromWrite.record(now - stamp.wroteUs);
    lastDeliveryUs = now;
    return;
  }
  // Anything else (a welcome, a notice) is rare: decode it and look.
  const text = textDecoder.decode(buf.subarray(start, end)).replace(/\r$/, "");
  c.greeted = true;
  if (text.includes("#sync")) c.syncs++;
  c.onLine?.(text);
  if (measuring && notices.length < MAX_NOTICES) notices.push(text);
}

/** A TCP chunk: whole lines, and the start of the next one kept for later. */
function onChunk(c: Client, chunk: Uint8Array): void {
  const now = nowUs();
  let pos = 0;
  if (c.partial) {
    const nl = chunk.indexOf(0x0a);
    if (nl < 0) {
      c.partial = concat(c.partial, chunk);
      return;
    }
    const line = concat(c.partial, chunk.subarray(0, nl));
    c.partial = undefined;
    onLine(c, line, 0, line.length, now);
    pos = nl + 1;
  }
  while (pos < chunk.length) {
    const nl = chunk.indexOf(0x0a, pos);
    if (nl < 0) {
      c.partial = chunk.slice(pos);
      return;
    }
    onLine(c, chunk, pos, nl, now);
    pos = nl + 1;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

// ---------------------------------------------------------------------------
// Connecting.

type TcpData = { client: Client; unsent: Uint8Array | undefined; discard: boolean };

function flushTcp(s: Socket<TcpData>): void {
  const d = s.data;
  if (!d.unsent) return;
  const wrote = s.write(d.unsent);
  if (wrote < 0) return;
  d.unsent = wrote === d.unsent.length ? undefined : d.unsent.subarray(wrote);
}

let idleBytes = 0;

/** The hub client `id` joins: with several hubs, each in turn. */
const portOf = (id: number) => (config.ports?.length ? config.ports[id % config.ports.length]! : config.port);

async function connectTcp(id: number, discard = false): Promise<Client> {
  const c = newClient(id);
  const socket = await Bun.connect<TcpData>({
    hostname: HOST,
    port: portOf(id),
    data: { client: c, unsent: undefined, discard },
    socket: {
      binaryType: "uint8array",
      data(s, chunk) {
        if (s.data.discard) {
          idleBytes += chunk.length;
          s.data.client.greeted = true;
          return;
        }
        onChunk(s.data.client, chunk);
      },
      drain: flushTcp,
      close(s) {
        if (!s.data.client.closed && measuring) closedByHub++;
        s.data.client.closed = true;
      },
      error() {},
    },
  });
  socket.setNoDelay(true);
  c.send = (bytes) => {
    const d = socket.data;
    d.unsent = d.unsent ? concat(d.unsent, bytes) : bytes;
    flushTcp(socket);
  };
  c.close = () => {
    c.closed = true;
    socket.terminate();
  };
  (c as Client & { socket: Socket<TcpData> }).socket = socket;
  return c;
}

async function connectUdp(id: number): Promise<Client> {
  const c = newClient(id);
  const socket: udp.ConnectedSocket<"uint8array"> = await Bun.udpSocket({
    hostname: HOST,
    binaryType: "uint8array",
    connect: { hostname: HOST, port: portOf(id) },
    socket: {
      data(_s, datagram) {
        const end = datagram.length > 0 && datagram[datagram.length - 1] === 0x0a ? datagram.length - 1 : datagram.length;
        onLine(c, datagram, 0, end, nowUs());
      },
      error() {},
    },
  });
  c.send = (bytes) => {
    try {
      socket.send(bytes);
    } catch {
      // Counted as loss at the receivers.
    }
  };
  c.sendMany = (lines) => {
    try {
      socket.sendMany(lines);
    } catch {
      for (const l of lines) c.send(l);
    }
  };
  c.close = () => {
    c.closed = true;
    socket.close();
  };
  return c;
}

const encoder = new TextEncoder();
const lineOf = (text: string) => encoder.encode(text + "\n");

async function until(check: () => boolean, ms: number, what: string, every?: () => void): Promise<void> {
  const stop = Math.min(Date.now() + ms, deadline);
  let lastEvery = 0;
  while (!check()) {
    if (Date.now() > stop) throw new Error(`timed out waiting for ${what}`);
    if (every && Date.now() - lastEvery >= 500) {
      lastEvery = Date.now();
      every();
    }
    await Bun.sleep(2);
  }
}

/** Joins one client to the room (UDP: the handshake of docs/PROTOCOL.md). */
async function join(id: number): Promise<Client> {
  if (config.transport === "tcp") {
    const c = await connectTcp(id);
    if (config.relays) await until(() => c.greeted, 10_000, `client ${id}'s welcome`);
    return c;
  }
  const c = await connectUdp(id);
  if (!config.relays) return c;
  if (config.join === "kit") {
    c.onLine = (text) => {
      const token = parseChallenge(text);
      if (token !== undefined) c.send(lineOf(`/join ${token}`));
      else if (text.includes("welcome")) c.onLine = undefined;
    };
    const hello = lineOf(`/join bench${id}`.padEnd(24, " "));
    await until(() => c.onLine === undefined, 10_000, `client ${id}'s join`, () => c.send(hello));
  } else {
    c.onLine = (text) => {
      if (text.includes("welcome")) c.onLine = undefined;
    };
    await until(() => c.onLine === undefined, 10_000, `client ${id}'s welcome`, () => c.send(lineOf("")));
  }
  return c;
}

async function joinAll(count: number, firstId: number, discard = false): Promise<Client[]> {
  const out: Client[] = [];
  const BATCH = config.transport === "tcp" ? 100 : 10;
  for (let i = 0; i < count; i += BATCH) {
    const ids = Array.from({ length: Math.min(BATCH, count - i) }, (_, k) => firstId + i + k);
    out.push(...(await Promise.all(ids.map((id) => (discard ? connectTcp(id, true) : join(id))))));
  }
  return out;
}

/**
 * Waits until every client has heard a line that client 0 sends now: the hub
 * handles lines in order, so everything queued before it (the join notices)
 * has been delivered too.
 */
async function barrier(clients: Client[]): Promise<void> {
  if (!config.relays || clients.length < 2) return;
  const first = clients[0]!;
  const want = clients.slice(1).map((c) => c.syncs + 1);
  await until(
    () => clients.slice(1).every((c, i) => c.syncs >= want[i]!),
    15_000,
    "the room to settle",
    () => first.send(lineOf("#sync")),
  );
  await Bun.sleep(200);
}

// ---------------------------------------------------------------------------
// Sending.

/** Rate mode: line g (over all senders) is due at g / rate seconds after the start. */
async function sendAtRate(clients: Client[], startUs: number): Promise<number> {
  const S = config.senders;
  const total = Math.floor(config.rate * config.durationS);
  const writers = clients.slice(0, S).map((c) => new LineWriter(config.size, c.id));
  const lineBytes = config.size + 1;
  const usPerLine = 1e6 / config.rate;
  let next = 0;
  const batches: number[][] = Array.from({ length: S }, () => []);
  return new Promise((resolve) => {
    const tick = () => {
      const now = nowUs();
      for (const b of batches) b.length = 0;
      while (next < total && startUs + next * usPerLine <= now) {
        batches[next % S]!.push(next);
        next++;
      }
      for (let s = 0; s < S; s++) {
        const due = batches[s]!;
        if (due.length === 0) continue;
        const c = clients[s]!;
        if (config.transport === "tcp") {
          // Everything one sender owes goes out in one write.
          const buf = new Uint8Array(due.length * lineBytes);
          for (let k = 0; k < due.length; k++) {
            const g = due[k]!;
            writers[s]!.writeLine(buf, k * lineBytes, Math.floor(g / S), startUs + g * usPerLine, nowUs());
          }
          c.send(buf);
        } else {
          const lines = due.map((g) => {
            const buf = new Uint8Array(lineBytes);
            writers[s]!.writeLine(buf, 0, Math.floor(g / S), startUs + g * usPerLine, nowUs());
            return buf;
          });
          if (lines.length === 1) c.send(lines[0]!);
          else c.sendMany!(lines);
        }
        const wrote = nowUs();
        for (const g of due) sendLag.record(wrote - (startUs + g * usPerLine));
      }
      if (next >= total || Date.now() > deadline) {
        Atomics.store(stopTicks, 0, 1);
        Atomics.notify(stopTicks, 0);
        ticker.onmessage = null;
        ticker.terminate();
        resolve(next);
      }
    };
    // Ticks from a worker, not setTimeout: see ticker.ts.
    const stopTicks = new Int32Array(new SharedArrayBuffer(4));
    const ticker = new Worker(new URL("./ticker.ts", import.meta.url).href);
    ticker.onmessage = tick;
    ticker.postMessage({ periodMs: config.tickMs, stop: stopTicks.buffer });
    tick();
  });
}

/** Burst mode: every sender's lines, all scheduled at the start, written as fast as the socket takes them. */
function sendBurst(clients: Client[], startUs: number): number {
  const S = config.senders;
  const K = config.linesPerSender;
  const lineBytes = config.size + 1;
  for (let s = 0; s < S; s++) {
    const writer = new LineWriter(config.size, clients[s]!.id);
    if (config.transport === "tcp") {
      const buf = new Uint8Array(K * lineBytes);
      const wrote = nowUs();
      for (let k = 0; k < K; k++) writer.writeLine(buf, k * lineBytes, k, startUs, wrote);
      clients[s]!.send(buf);
    } else {
      const lines: Uint8Array[] = [];
      for (let k = 0; k < K; k++) {
        const buf = new Uint8Array(lineBytes);
        writer.writeLine(buf, 0, k, startUs, nowUs());
        lines.push(buf);
      }
      for (let k = 0; k < K; k += 64) clients[s]!.sendMany!(lines.slice(k, k + 64));
    }
  }
  sendLag.record(nowUs() - startUs);
  return S * K;
}

// ---------------------------------------------------------------------------

const hubPids = config.hubPids?.length ? config.hubPids : config.hubPid ? [config.hubPid] : [];

/** The hub's memory (several processes: their sum). */
function hubMemory() {
  const all = hubPids.map(readMemory);
  if (all.length === 0 || all.some((m) => m === undefined)) return undefined;
  return { rssKiB: all.reduce((n, m) => n + m!.rssKiB, 0), peakKiB: all.reduce((n, m) => n + m!.peakKiB, 0) };
}

/** The hub's CPU time (several processes: their sum). */
function hubCpuSeconds(): number | undefined {
  const all = hubPids.map(readCpuSeconds);
  if (all.length === 0 || all.some((c) => c === undefined)) return undefined;
  return all.reduce((n, c) => n! + c!, 0);
}

/**
 * The hub's memory once it is idle again. The join notices (every join is
 * announced to every member) leave garbage that the hub's collector returns
 * over the next seconds (in steps, with pauses of several seconds between),
 * so: wait until nothing arrives, then until RSS has held within 0.5 % for
 * ten seconds (at most 60 s).
 */
async function settledRss(): Promise<number> {
  let bytes = -1;
  while (bytes !== idleBytes && Date.now() < deadline) {
    bytes = idleBytes;
    await Bun.sleep(500);
  }
  const samples: number[] = [];
  const stop = Math.min(deadline, Date.now() + 60_000);
  while (Date.now() < stop) {
    samples.push(hubMemory()?.rssKiB ?? 0);
    const last = samples.slice(-21);
    if (last.length === 21 && Math.max(...last) - Math.min(...last) <= Math.min(...last) * 0.005) break;
    await Bun.sleep(500);
  }
  return samples[samples.length - 1] ?? 0;
}

async function runIdle(): Promise<LoadResult> {
  const steps: { clients: number; hubRssKiB: number }[] = [];
  const all: Client[] = [];
  const joinStart = performance.now();
  for (const target of [...config.idleSteps].sort((a, b) => a - b)) {
    all.push(...(await joinAll(target - all.length, all.length, true)));
    await until(() => all.every((c) => c.greeted || c.closed), 30_000, "every idle client's welcome");
    const rss = await settledRss();
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
  const clients = await joinAll(config.clients, 0);
  await barrier(clients);
  let slow: Client | undefined;
  if (config.slow) {
    // Joins like the others, then stops reading: the kernel buffers fill, then the hub's queue.
    slow = config.transport === "tcp" ? await connectTcp(config.clients) : await join(config.clients);
    if (config.relays) await until(() => slow!.greeted, 10_000, "the slow client's welcome");
    (slow as Client & { socket?: Socket<TcpData> }).socket?.pause();
    await barrier(clients);
  }
  const joinMs = performance.now() - joinStart;
  say(`@joined ${clients.length} clients in ${Math.round(joinMs)} ms`);

  const hubBefore = hubMemory();
  const hubCpu0 = hubCpuSeconds();
  const cpu0 = process.cpuUsage();
  const udp0 = readUdpCounters();
  const machine0 = readMachineBusySeconds();
  let peakDuring = hubBefore?.rssKiB ?? 0;
  const sampler = setInterval(() => {
    const m = hubMemory();
    if (m && m.rssKiB > peakDuring) peakDuring = m.rssKiB;
  }, 100);

  measuring = true;
  const startUs = nowUs() + 5_000;
  while (nowUs() < startUs) await Bun.sleep(1);
  say(`@measure`);
  const sent = config.mode === "burst" ? sendBurst(clients, startUs) : await sendAtRate(clients, startUs);
  const sendEndUs = nowUs();

  const expected = sent * (config.clients - 1);
  const wantDeliveries = config.relays ? expected : 0;
  // Wait for the stragglers: until everything arrived, or nothing has for drainS seconds.
  let lastCount = -1;
  let lastChange = Date.now();
  while (delivered < wantDeliveries && Date.now() < deadline) {
    if (delivered !== lastCount) {
      lastCount = delivered;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > config.drainS * 1000) break;
    await Bun.sleep(5);
  }
  const timedOut = Date.now() >= deadline;
  measuring = false;
  clearInterval(sampler);

  const cpu = process.cpuUsage(cpu0);
  const udp1 = readUdpCounters();
  const machine1 = readMachineBusySeconds();
  const hubCpu1 = hubCpuSeconds();
  const hubAfter = hubMemory();
  const endUs = Math.max(lastDeliveryUs, sendEndUs);
  const seconds = (endUs - startUs) / 1e6;
  const wallS = (nowUs() - startUs) / 1e6;
  const sendSeconds = config.mode === "burst" ? seconds : (sendEndUs - startUs) / 1e6;

  const result: LoadResult = {
    config,
    timedOut,
    joinMs,
    sent,
    expected,
    delivered,
    lost: expected - delivered,
    duplicates,
    reordered,
    sendSeconds,
    seconds,
    msgsInPerS: sent / sendSeconds,
    deliveriesPerS: delivered / seconds,
    latency: latency.summary(),
    latencyFromWrite: fromWrite.summary(),
    sendLag: sendLag.summary(),
    hub: {
      rssBeforeKiB: hubBefore?.rssKiB,
      rssEndKiB: hubAfter?.rssKiB,
      peakKiB: hubAfter?.peakKiB,
      peakDuringKiB: Math.max(peakDuring, hubAfter?.rssKiB ?? 0),
      cpuPct: hubCpu0 !== undefined && hubCpu1 !== undefined ? (100 * (hubCpu1 - hubCpu0)) / wallS : undefined,
    },
    loadgen: { cpuPct: (100 * (cpu.user + cpu.system)) / 1e6 / wallS, rssKiB: Math.round(process.memoryUsage.rss() / 1024) },
    notices: [...notices],
    closedByHub,
    udpBufferDrops: udp0 && udp1 ? (udp1.RcvbufErrors ?? 0) - (udp0.RcvbufErrors ?? 0) : undefined,
  };
  if (machine0 !== undefined && machine1 !== undefined && result.hub.cpuPct !== undefined) {
    result.otherCpuPct = Math.max(0, (100 * (machine1 - machine0)) / wallS - result.hub.cpuPct - result.loadgen.cpuPct);
  }
  for (const c of clients) c.close();
  slow?.close();
  return result;
}

const limit = setTimeout(() => {
  say(`@error the run passed its time limit (${config.timeLimitS} s)`);
  process.exit(3);
}, (config.timeLimitS + 15) * 1000);

try {
  const result = config.mode === "idle" ? await runIdle() : await runTraffic();
  say(`@result ${JSON.stringify(result)}`);
  clearTimeout(limit);
  process.exit(0);
} catch (error) {
  say(`@error ${(error as Error).message}`);
  process.exit(2);
}
