#!/usr/bin/env bun
/**
 * The soak test: `bun run soak -- --minutes N` (not part of `bun test`).
 *
 * One server (TCP and UDP, one room) runs for N minutes while clients join, chat,
 * leave and die abruptly around a core of healthy members that stay throughout.
 * Every chat line carries its sender and a sequence number (`soak ID SEQ ...`), so
 * each receiver can tell a lost line, a duplicate and a reordering apart: the wire
 * itself has no sequence numbers (docs/SECURITY.md says why).
 *
 * Then a report: lines sent and delivered, any loss between healthy members, the
 * churn, and the server's resident memory and open file descriptors at the start,
 * along the way, and at the end. It exits 1 if a healthy member lost a line or was
 * dropped, or if descriptors or memory kept growing.
 *
 *   bun run soak -- --minutes 10
 *   bun run soak -- --minutes 1 --healthy 4 --churners 20 --seed 7 --server-args="--udp-timeout 30"
 *
 * Linux only (the figures come from /proc). Traffic stays on 127.0.0.1.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Socket, udp } from "bun";
import { parseChallenge } from "../../src/protocol.ts";
import { mulberry32 } from "../harness/random.ts";

const { values: opts } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    minutes: { type: "string", default: "1" },
    healthy: { type: "string", default: "6" }, // per transport
    churners: { type: "string", default: "12" }, // at once
    seed: { type: "string", default: String(Date.now() % 100_000) },
    "server-args": { type: "string", default: "" }, // more options for the server, e.g. "--udp-timeout 30"
  },
});
const MINUTES = Number(opts.minutes);
const HEALTHY = Number(opts.healthy);
const CHURNERS = Number(opts.churners);
const SEED = Number(opts.seed);
if (!(MINUTES > 0) || !(HEALTHY >= 2) || !(CHURNERS >= 0) || !Number.isFinite(SEED)) {
  console.error("soak: usage: bun run soak -- --minutes N [--healthy N] [--churners N] [--seed N]");
  process.exit(2);
}

/** The run's one source of randomness, so a schedule is replayed with --seed. */
const random = mulberry32(SEED);
const between = (min: number, max: number) => min + random() * (max - min);
const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;

const HOST = "127.0.0.1";
const ROOT = join(import.meta.dir, "..", "..");
const encoder = new TextEncoder();

// ---------------------------------------------------------------------------
// The server, in a child process, measured from /proc
// ---------------------------------------------------------------------------

const server = Bun.spawn(
  [
    process.execPath,
    ...["src/server.ts", "--tcp", "--udp", "--port", "0", "--quiet", "--max-per-address", "1000", "--max-clients", "1000"],
    ...opts["server-args"].split(/\s+/).filter(Boolean),
  ],
  { cwd: ROOT, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, LANG: "C", LC_ALL: "" } },
);
const serverLog: string[] = [];
async function drainLog(stream: ReadableStream<Uint8Array>) {
  const decoder = new TextDecoder();
  for await (const chunk of stream) serverLog.push(...decoder.decode(chunk, { stream: true }).split("\n").filter(Boolean));
}
void drainLog(server.stdout);
void drainLog(server.stderr);

async function waitFor<T>(check: () => T | undefined | false, ms: number, what: string): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`soak: timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

const ready = await waitFor(() => serverLog.find((l) => /listening on .*:\d+ \(udp\)/.test(l)), 10_000, "the server to listen");
// One number for both, unless UDP found that number taken and listens on another.
const UDP_PORT = Number(/:(\d+) \(udp\)/.exec(ready)![1]);
const PORT = Number(/:(\d+) \(tcp\)/.exec(serverLog.find((l) => l.includes("(tcp)")) ?? ready)![1]);

interface Sample {
  atS: number;
  rssKiB: number;
  fds: number;
}
const started = performance.now();
function sample(): Sample {
  const status = readFileSync(`/proc/${server.pid}/status`, "utf8");
  return {
    atS: Math.round((performance.now() - started) / 1000),
    rssKiB: Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0),
    fds: readdirSync(`/proc/${server.pid}/fd`).length,
  };
}

// ---------------------------------------------------------------------------
// Clients: lean raw ones, counting what they receive instead of keeping it
// ---------------------------------------------------------------------------

type Transport = "tcp" | "udp";

interface Client {
  readonly transport: Transport;
  readonly id: string;
  joined: boolean;
  /** The server's welcome has arrived: it counts us as a member. */
  welcomed: boolean;
  closed: boolean;
  send(line: string): void;
  /** Leave properly: `/quit`, then the server closes (TCP) or forgets us (UDP). */
  quit(): void;
  /** Vanish: TCP sends FIN without a word; UDP just closes its socket. */
  vanish(): void;
  /** TCP only: close with a RST, as a crashed process may. */
  reset(): void;
}

/** What one receiver saw from one healthy sender. */
interface Track {
  seen: Set<number>;
  max: number;
  duplicates: number;
  reordered: number;
}

const healthyIds = new Set<string>();
const tracks = new Map<string, Map<string, Track>>(); // receiver id -> sender id -> track
const churnDelivered = { count: 0 };
const droppedByServer = new Map<string, string>();
/** What the churners did. */
const churn = { joined: { tcp: 0, udp: 0 }, quit: 0, vanished: 0, reset: 0, killed: 0, failed: 0, inherited: 0, sent: 0 };
const surprises: string[] = [];

function onLine(receiver: Client, line: string): void {
  if (!receiver.welcomed && line.startsWith("*** welcome")) receiver.welcomed = true;
  const m = /^<[^>]+> soak (\S+) (\d+) /.exec(line);
  if (m) {
    if (!healthyIds.has(receiver.id)) return;
    const [, sender, seqText] = m;
    if (!healthyIds.has(sender!)) {
      churnDelivered.count++;
      return;
    }
    const seq = Number(seqText);
    const byReceiver = tracks.get(receiver.id)!;
    let t = byReceiver.get(sender!);
    if (!t) byReceiver.set(sender!, (t = { seen: new Set(), max: -1, duplicates: 0, reordered: 0 }));
    if (t.seen.has(seq)) t.duplicates++;
    else if (seq < t.max) t.reordered++;
    t.seen.add(seq);
    t.max = Math.max(t.max, seq);
    return;
  }
  if (!healthyIds.has(receiver.id)) return;
  const left = /^\*\*\* (\S+) left/.exec(line);
  if (left && healthyIds.has(left[1]!) && running && !droppedByServer.has(left[1]!)) {
    // The server let a healthy member go: over UDP its client cannot even tell.
    droppedByServer.set(left[1]!, `${line} (seen by ${receiver.id} at ${Math.round((performance.now() - started) / 1000)}s)`);
  }
  if (line.startsWith("!!! ") || line.includes("shutting down")) surprises.push(`${receiver.id} got: ${line}`);
}

function splitter(receiver: () => Client, stream: boolean) {
  const decoder = new TextDecoder();
  let partial = "";
  return (bytes: Uint8Array) => {
    const parts = (partial + decoder.decode(bytes, { stream })).split("\n");
    partial = stream ? parts.pop()! : "";
    for (const p of parts) if (p) onLine(receiver(), p.replace(/\r$/, ""));
  };
}

async function tcpClient(id: string, nick: string, onClose: () => void): Promise<Client> {
  let unsent: Uint8Array | undefined;
  let client!: Client;
  const receive = splitter(() => client, true);
  const flush = (s: Socket<undefined>) => {
    if (!unsent) return;
    const wrote = s.write(unsent);
    if (wrote >= 0) unsent = wrote === unsent.length ? undefined : unsent.subarray(wrote);
  };
  const socket = await Bun.connect({
    hostname: HOST,
    port: PORT,
    socket: {
      data: (_s, chunk) => receive(chunk),
      drain: flush,
      close() {
        if (client.closed) return;
        client.closed = true;
        onClose();
      },
      error() {},
    },
  });
  socket.setNoDelay(true);
  client = {
    transport: "tcp",
    id,
    joined: true,
    welcomed: false,
    closed: false,
    send(line) {
      if (client.closed) return;
      const bytes = encoder.encode(line + "\n");
      if (unsent) {
        const joinedBytes = new Uint8Array(unsent.length + bytes.length);
        joinedBytes.set(unsent);
        joinedBytes.set(bytes, unsent.length);
        unsent = joinedBytes;
      } else unsent = bytes;
      flush(socket);
    },
    quit: () => client.send("/quit"),
    vanish: () => socket.end(),
    reset: () => socket.terminate(),
  };
  client.send(`/nick ${nick}`);
  return client;
}

async function udpClient(id: string, nick: string, onClose: () => void): Promise<Client> {
  let client!: Client;
  let resolveJoined!: () => void;
  const joined = new Promise<void>((r) => (resolveJoined = r));
  const receive = splitter(() => client, false);
  const heard: string[] = []; // while joining, for the report if it fails
  const socket: udp.ConnectedSocket<"uint8array"> = await Bun.udpSocket({
    hostname: HOST,
    binaryType: "uint8array",
    connect: { hostname: HOST, port: UDP_PORT },
    socket: {
      data(_s, datagram) {
        const text = new TextDecoder().decode(datagram);
        if (!client.joined) heard.push(text.trim());
        const token = parseChallenge(text);
        if (token !== undefined && !client.joined) return client.send(`/join ${token}`);
        // Its port may be one a vanished member used, still remembered by the server: then
        // this socket simply is that member (UDP knows addresses, not sockets).
        const inherited = text.includes("you are already in the room");
        if (!client.joined && (text.includes("welcome") || inherited)) {
          if (inherited) churn.inherited++;
          client.joined = true;
          resolveJoined();
        }
        receive(datagram);
      },
      error() {},
    },
  });
  const close = () => {
    if (client.closed) return;
    client.closed = true;
    socket.close();
    onClose();
  };
  client = {
    transport: "udp",
    id,
    joined: false,
    welcomed: false,
    closed: false,
    send(line) {
      if (client.closed) return;
      try {
        socket.send(line + "\n");
      } catch (error) {
        // UDP promises nothing; a line that could not even be sent is counted apart.
        if (healthyIds.has(id)) surprises.push(`${id} could not send: ${error}`);
      }
    },
    quit() {
      client.send("/quit");
      close();
    },
    vanish: close,
    reset: close,
  };
  // The join request pays for its challenge (the server never sends a stranger more than it got).
  const hello = `/join ${nick}`.padEnd(24, " ");
  client.send(hello);
  const retry = setInterval(() => (client.joined || client.closed ? clearInterval(retry) : client.send(hello)), 500);
  await Promise.race([joined, Bun.sleep(5000).then(() => Promise.reject(new Error(`could not join over UDP (heard: ${heard.slice(0, 4).join(" | ") || "nothing"})`)))]);
  clearInterval(retry);
  return client;
}

const connect = (transport: Transport, id: string, nick: string, onClose: () => void) =>
  transport === "tcp" ? tcpClient(id, nick, onClose) : udpClient(id, nick, onClose);

/** A chat line: sender, sequence number, then text of varying length and script. */
function chatLine(id: string, seq: number): string {
  const words = ["hello", "好", "Zoë", "👋", "lorem", "ipsum", "—", "chat"];
  let text = "";
  const n = Math.floor(between(0, 30));
  for (let i = 0; i < n; i++) text += pick(words) + " ";
  return `soak ${id} ${seq} ${text}`;
}

// ---------------------------------------------------------------------------
// The healthy members: they stay, and talk a little under the flood limit (5/s)
// ---------------------------------------------------------------------------

const healthy: Client[] = [];
const sentBy = new Map<string, number>();
let running = true;
let lostHealthy = 0;

for (const transport of ["tcp", "udp"] as const) {
  for (let i = 0; i < HEALTHY; i++) {
    const id = `${transport[0]}h${i}`;
    healthyIds.add(id);
    tracks.set(id, new Map());
    const c = await connect(transport, id, id, () => {
      if (!running) return;
      lostHealthy++;
      surprises.push(`${id} was disconnected`);
    });
    healthy.push(c);
    sentBy.set(id, 0);
    // Nobody speaks before every healthy member is in the room: each must hear all the others.
    await waitFor(() => c.welcomed, 5000, `${id}'s welcome`);
  }
}
const atStart = sample();
const samples: Sample[] = [atStart];

function talk(c: Client): void {
  if (!running || c.closed) return;
  const seq = sentBy.get(c.id)!;
  c.send(chatLine(c.id, seq));
  sentBy.set(c.id, seq + 1);
  setTimeout(() => talk(c), between(250, 1250)); // about 1.3 lines a second each
}
for (const c of healthy) setTimeout(() => talk(c), between(0, 1000));

// ---------------------------------------------------------------------------
// The churn: clients that come, talk a bit, and go (politely or not)
// ---------------------------------------------------------------------------

const failures = new Map<string, number>();
let active = 0;
let nextChurner = 0;

async function churner(): Promise<void> {
  const n = nextChurner++;
  const transport: Transport = random() < 0.5 ? "tcp" : "udp";
  const id = `c${n}`;
  active++;
  try {
    const c = await connect(transport, id, id, () => {});
    churn.joined[transport]++;
    const lines = Math.floor(between(0, 8));
    for (let seq = 0; seq < lines && running && !c.closed; seq++) {
      c.send(chatLine(id, seq));
      churn.sent++;
      await Bun.sleep(between(100, 700));
    }
    const how = random();
    if (how < 0.4) {
      c.quit();
      churn.quit++;
    } else if (how < 0.7 || transport === "udp") {
      c.vanish();
      churn.vanished++;
    } else {
      c.reset();
      churn.reset++;
    }
  } catch (error) {
    churn.failed++;
    const why = `${transport}: ${(error as Error).message ?? error}`;
    failures.set(why, (failures.get(why) ?? 0) + 1);
  } finally {
    active--;
  }
}

/** Now and then a real process joins and is killed (SIGKILL) in the middle of a line. */
async function killedProcess(): Promise<void> {
  const n = nextChurner++;
  const code = `const s = await Bun.connect({ hostname: "${HOST}", port: ${PORT}, socket: { data() {} } });
    s.write("/nick k${n}\\nsoak k${n} 0 about to die\\nhalf a li"); console.log("ready"); await Bun.sleep(60_000);`;
  const child = Bun.spawn([process.execPath, "-e", code], { stdout: "pipe", stderr: "ignore" });
  const reader = child.stdout.getReader();
  await Promise.race([reader.read(), Bun.sleep(5000)]);
  await Bun.sleep(between(50, 500));
  child.kill("SIGKILL");
  await child.exited;
  churn.killed++;
  churn.sent++;
}

const deadline = performance.now() + MINUTES * 60_000;
const churnLoop = (async () => {
  let lastKill = performance.now();
  while (performance.now() < deadline) {
    while (active < CHURNERS) void churner();
    if (performance.now() - lastKill > 10_000) {
      lastKill = performance.now();
      await killedProcess().catch(() => churn.failed++);
    }
    await Bun.sleep(50);
  }
})();

// A line a minute, so a long run shows it is alive; a sample every 15 s for the report.
const sampler = setInterval(() => samples.push(sample()), 15_000);
const progress = setInterval(() => {
  const s = samples.at(-1)!;
  console.log(`soak: ${s.atS}s: rss ${(s.rssKiB / 1024).toFixed(1)} MiB, ${s.fds} fds, ${nextChurner} churners so far`);
}, 60_000);

await churnLoop;
running = false;
clearInterval(progress);
await waitFor(() => active === 0, 15_000, "the last churners to finish").catch(() => {});

// ---------------------------------------------------------------------------
// The end: wait for what is in flight, then count
// ---------------------------------------------------------------------------

function expectedAndDelivered() {
  const by = { tcp: { expected: 0, delivered: 0 }, udp: { expected: 0, delivered: 0 } };
  let duplicates = 0;
  let reordered = 0;
  for (const r of healthy) {
    for (const s of healthy) {
      if (s === r) continue;
      const t = tracks.get(r.id)!.get(s.id);
      by[r.transport].expected += sentBy.get(s.id)!;
      by[r.transport].delivered += t?.seen.size ?? 0;
      duplicates += t?.duplicates ?? 0;
      reordered += t?.reordered ?? 0;
    }
  }
  return { by, duplicates, reordered };
}
// Delivery is done when nothing more arrives for 3 s (or everything has).
let last = -1;
let stillSince = performance.now();
await waitFor(
  () => {
    const { by } = expectedAndDelivered();
    const delivered = by.tcp.delivered + by.udp.delivered;
    if (delivered === by.tcp.expected + by.udp.expected) return true;
    if (delivered !== last) {
      last = delivered;
      stillSince = performance.now();
    }
    return performance.now() - stillSince > 3000;
  },
  60_000,
  "the last lines to arrive",
);
// The churners' sockets close asynchronously: give the server a moment to let them go.
await waitFor(() => sample().fds <= atStart.fds, 10_000, "").catch(() => {});
clearInterval(sampler);
const atEnd = sample();
samples.push(atEnd);

const { by, duplicates, reordered } = expectedAndDelivered();
const lost = { tcp: by.tcp.expected - by.tcp.delivered, udp: by.udp.expected - by.udp.delivered };
const sentHealthy = [...sentBy.values()].reduce((a, b) => a + b, 0);
const lossBySender = healthy
  .map((s) => {
    let missing = 0;
    for (const r of healthy) if (r !== s) missing += sentBy.get(s.id)! - (tracks.get(r.id)!.get(s.id)?.seen.size ?? 0);
    return missing ? `${s.id} ${missing}` : "";
  })
  .filter(Boolean);

for (const c of healthy) c.quit();
server.kill("SIGTERM");
const exitCode = await server.exited;

// ---------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------

const mib = (kib: number) => (kib / 1024).toFixed(1);
const mid = samples.reduce((best, s) => (Math.abs(s.atS - atEnd.atS / 2) < Math.abs(best.atS - atEnd.atS / 2) ? s : best));
const peak = Math.max(...samples.map((s) => s.rssKiB));
// Flat: the second half of the run adds no more than 10 % (and 8 MiB of slack for the allocator).
const rssFlat = atEnd.rssKiB <= mid.rssKiB * 1.1 + 8 * 1024;
const fdsFlat = atEnd.fds <= atStart.fds;
const healthyStayed = lostHealthy === 0 && droppedByServer.size === 0;
const noLoss = lost.tcp === 0 && lost.udp === 0;

console.log(`
soak report: ${MINUTES} min, seed ${SEED}, server pid ${server.pid} on ${HOST}:${PORT}${UDP_PORT === PORT ? "" : ` (udp ${UDP_PORT})`} (tcp + udp, one room)

server                      start        middle       end          peak
  resident memory (MiB)     ${mib(atStart.rssKiB).padEnd(12)} ${mib(mid.rssKiB).padEnd(12)} ${mib(atEnd.rssKiB).padEnd(12)} ${mib(peak)}
  open file descriptors     ${String(atStart.fds).padEnd(12)} ${String(mid.fds).padEnd(12)} ${atEnd.fds}
  every ${samples.length > 2 ? "15 s" : "sample"} (MiB):        ${samples.map((s) => mib(s.rssKiB)).join(" ")}
  every ${samples.length > 2 ? "15 s" : "sample"} (fds):        ${samples.map((s) => s.fds).join(" ")}
  exit on SIGTERM           ${exitCode}

healthy members             ${HEALTHY} tcp + ${HEALTHY} udp, there from start to end${healthyStayed ? "" : ` (${lostHealthy + droppedByServer.size} DROPPED)`}
  lines sent                ${sentHealthy}
  deliveries expected       ${by.tcp.expected + by.udp.expected}   (to tcp members ${by.tcp.expected}, to udp members ${by.udp.expected})
  delivered                 ${by.tcp.delivered + by.udp.delivered}   (tcp ${by.tcp.delivered}, udp ${by.udp.delivered})
  lost                      ${lost.tcp + lost.udp}   (tcp ${lost.tcp}, udp ${lost.udp})
  duplicates                ${duplicates}
  reordered                 ${reordered}

churn                       ${nextChurner} clients came and went (${CHURNERS} at a time)
  joined                    tcp ${churn.joined.tcp}, udp ${churn.joined.udp} (of which ${churn.inherited} on a port a vanished member had used: the server took them for it)
  left                      /quit ${churn.quit}, vanished (FIN or a closed UDP socket) ${churn.vanished}, RST ${churn.reset}, process killed mid-line ${churn.killed}
  could not join            ${churn.failed}${failures.size ? ` (${[...failures].map(([why, n]) => `${n}× ${why}`).join("; ")})` : ""}
  lines sent                ${churn.sent}; delivered to healthy members ${churnDelivered.count} (a line sent just before dying may be lost: not counted as loss)
${droppedByServer.size ? `\nhealthy members the server let go:\n${[...droppedByServer.values()].map((s) => "  " + s).join("\n")}\n` : ""}${lossBySender.length ? `\nloss by sender: ${lossBySender.join(", ")}\n` : ""}${surprises.length ? `\nsurprises (${surprises.length}):\n${surprises.slice(0, 20).map((s) => "  " + s).join("\n")}\n` : ""}
verdict
  no loss between healthy members        ${noLoss ? "yes" : "NO"}
  every healthy member stayed            ${healthyStayed ? "yes" : "NO"}
  open descriptors back to the start     ${fdsFlat ? "yes" : "NO"}
  memory flat over the second half       ${rssFlat ? "yes" : "NO"}
  clean exit (0) on SIGTERM              ${exitCode === 0 ? "yes" : "NO"}`);

process.exit(noLoss && healthyStayed && fdsFlat && rssFlat && exitCode === 0 ? 0 : 1);
