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
 * The clients are the harness's (tools/harness/chat.ts); tally.ts counts what
 * they receive, report.ts prints the outcome.
 */
import {
  HOST,
  joinRoom,
  killAtExit,
  listeningPort,
  mulberry32,
  openingComment,
  readMemory,
  readOpenFds,
  startChatServer,
  toolArgs,
  until,
  untilSteady,
  usageError,
  type ChatClient,
  type Transport,
} from "../harness/index.ts";
import { soakReport, type Sample } from "./report.ts";
import { Tally, type Member } from "./tally.ts";

const opts = toolArgs(
  "soak",
  {
    options: {
      minutes: { type: "string", default: "1" },
      healthy: { type: "string", default: "6" }, // per transport
      churners: { type: "string", default: "12" }, // at once
      seed: { type: "string", default: String(Date.now() % 100_000) },
      "server-args": { type: "string", default: "" }, // more options for the server, e.g. "--udp-timeout 30"
      linked: { type: "boolean", default: false },
      faults: { type: "boolean", default: false },
      servers: { type: "string", default: "3" },
      "per-server": { type: "string", default: "1" },
    },
  },
  () => `${openingComment(import.meta.path)}

Options:
  --minutes N          how long the server runs under load (default 1; fractions allowed)
  --healthy N          members per transport that stay throughout (default 6, at least 2)
  --churners N         members joining, chatting and leaving or dying, at once (default 12)
  --seed N             the seed of the run's schedule: the same seed replays it (default: from the clock)
  --server-args "..."  more options for the server, e.g. "--udp-timeout 30"

Linked (bun run soak -- --linked --faults --minutes 2 --seed 7):
  --linked             servers linked through a redis-server of the soak's own (it
                       needs redis-server), TCP and UDP members chatting on each;
                       every line sent and received is checked per sender
  --faults             with --linked: a seeded schedule of faults (Redis killed and
                       restarted, Redis and a server stopped and continued, CLIENT
                       PAUSE WRITE, the stream keys broken and repaired, a server
                       killed and restarted); see tools/soak/faults.ts
  --servers N          linked servers (default 3, 2 to 8)
  --per-server N       members per transport on each server (default 1)`,
);
const MINUTES = Number(opts.minutes);
const HEALTHY = Number(opts.healthy);
const CHURNERS = Number(opts.churners);
const SEED = Number(opts.seed);
if (!(MINUTES > 0)) usageError("soak", `--minutes must be a number above 0, not "${opts.minutes}"`);
if (!(HEALTHY >= 2)) usageError("soak", `--healthy must be a number from 2, not "${opts.healthy}"`);
if (!(CHURNERS >= 0)) usageError("soak", `--churners must be a number from 0, not "${opts.churners}"`);
if (!Number.isFinite(SEED)) usageError("soak", `--seed must be a number, not "${opts.seed}"`);
if (opts.faults && !opts.linked) usageError("soak", "--faults goes with --linked");
if (opts.linked) {
  const servers = Number(opts.servers);
  const perServer = Number(opts["per-server"]);
  if (!(Number.isInteger(servers) && servers >= 2 && servers <= 8)) {
    usageError("soak", `--servers must be a whole number from 2 to 8, not "${opts.servers}"`);
  }
  if (!(Number.isInteger(perServer) && perServer >= 1)) {
    usageError("soak", `--per-server must be a whole number from 1, not "${opts["per-server"]}"`);
  }
  const { linkedSoak } = await import("./linked.ts");
  const serverArgs = opts["server-args"].split(/\s+/).filter(Boolean);
  process.exit(await linkedSoak({ minutes: MINUTES, seed: SEED, faults: opts.faults, servers, perServer, serverArgs }));
}

/** The run's one source of randomness, so a schedule is replayed with --seed. */
const random = mulberry32(SEED);
const between = (min: number, max: number) => min + random() * (max - min);
const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;

// ---------------------------------------------------------------------------
// The server, in a child process, measured from /proc
// ---------------------------------------------------------------------------

const serverArgs = opts["server-args"].split(/\s+/).filter(Boolean);
const server = await startChatServer(["tcp", "udp"], {
  args: ["--quiet", "--max-per-address", "1000", "--max-clients", "1000", ...serverArgs],
  env: { LANG: "C", LC_ALL: "", LC_MESSAGES: "" },
});
const PORT = server.port;
// One number for both, unless UDP found that number taken and listens on another.
const UDP_PORT = listeningPort(server, "udp");
const pid = server.proc.pid;

const started = performance.now();
const tally = new Tally(started);
function sample(): Sample {
  return {
    atS: Math.round((performance.now() - started) / 1000),
    rssKiB: readMemory(pid)?.rssKiB ?? 0,
    fds: readOpenFds(pid) ?? 0,
  };
}

// ---------------------------------------------------------------------------
// Clients: the harness's, counting what they receive instead of keeping it
// ---------------------------------------------------------------------------

type Client = Member & { chat: ChatClient };

/** What the churners did. */
const churn = {
  joined: { tcp: 0, udp: 0 },
  inherited: 0,
  quit: 0,
  vanished: 0,
  reset: 0,
  killed: 0,
  failed: 0,
  sent: 0,
};

/** A member that has joined the room, renamed to its id; `onClose` if the server closes its connection. */
async function connect(transport: Transport, id: string, onClose: () => void): Promise<Client> {
  const chat = await joinRoom(transport, transport === "tcp" ? PORT : UDP_PORT, {
    name: id,
    nick: id,
    ms: 5000,
    retryMs: 500, // UDP: the join request or its answer may be lost
    onLine: (line) => tally.onLine(id, line),
    onClose,
    // A healthy member should meet no error at all (a line that could not even be sent, say).
    onError: (message) => void (tally.healthyIds.has(id) && tally.surprises.push(`${id}: ${message}`)),
  });
  // Its port may be one a vanished member used, still remembered by the server: then
  // this socket simply is that member (UDP knows addresses, not sockets).
  if (chat.matching("you are already in the room").length > 0) churn.inherited++;
  chat.peer.forget(); // from here on, tally counts what arrives; nothing is kept
  return { id, transport, chat };
}

/** A chat line: sender, sequence number, then text of varying length and script. */
function chatLine(id: string, seq: number): string {
  const words = ["hello", "好", "Zoë", "👋", "lorem", "ipsum", "—", "chat"];
  let text = "";
  const n = Math.floor(between(0, 30));
  for (let i = 0; i < n; i++) text += pick(words) + " ";
  return `soak ${id} ${seq} ${text}`;
}

/** Leave properly: `/quit`, then the server closes (TCP) or forgets us (UDP). */
function quit(c: Client): void {
  c.chat.say("/quit");
  if (c.transport === "udp") c.chat.close();
}

// ---------------------------------------------------------------------------
// The healthy members: they stay, and talk a little under the flood limit (5/s)
// ---------------------------------------------------------------------------

const healthy: Client[] = [];
let running = true;
let lostHealthy = 0;

for (const transport of ["tcp", "udp"] as const) {
  for (let i = 0; i < HEALTHY; i++) {
    const id = `${transport[0]}h${i}`;
    tally.addHealthy(id);
    // Nobody speaks before every healthy member is in the room: each must hear all the others.
    healthy.push(
      await connect(transport, id, () => {
        if (!running) return;
        lostHealthy++;
        tally.surprises.push(`${id} was disconnected`);
      }),
    );
  }
}
const atStart = sample();
const samples: Sample[] = [atStart];

function talk(c: Client): void {
  if (!running || c.chat.closed) return;
  const seq = tally.sentBy.get(c.id)!;
  c.chat.say(chatLine(c.id, seq));
  tally.sentBy.set(c.id, seq + 1);
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
    const c = await connect(transport, id, () => {});
    churn.joined[transport]++;
    const lines = Math.floor(between(0, 8));
    for (let seq = 0; seq < lines && running && !c.chat.closed; seq++) {
      c.chat.say(chatLine(id, seq));
      churn.sent++;
      await Bun.sleep(between(100, 700));
    }
    const how = random();
    if (how < 0.4) {
      quit(c);
      churn.quit++;
    } else if (how < 0.7 || transport === "udp") {
      c.chat.close(); // TCP: a FIN without a word; UDP: the socket is simply gone
      churn.vanished++;
    } else {
      c.chat.reset(); // a RST, as a crashed process may send
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
  killAtExit(child);
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
tally.watching = false;
clearInterval(progress);
await until(() => active === 0, 15_000, "the last churners to finish").catch(() => {});

// ---------------------------------------------------------------------------
// The end: wait for what is in flight, then count
// ---------------------------------------------------------------------------

// Delivery is done when everything has arrived, or nothing more has for 3 s.
const delivered = () => {
  const { by } = tally.expectedAndDelivered(healthy);
  return { now: by.tcp.delivered + by.udp.delivered, all: by.tcp.expected + by.udp.expected };
};
await untilSteady(() => delivered().now, { forMs: 3000, ms: 60_000, done: (now) => now === delivered().all });
// The churners' sockets close asynchronously: give the server a moment to let them go.
await until(() => sample().fds <= atStart.fds, 10_000, "the churners' descriptors closed").catch(() => {});
clearInterval(sampler);
samples.push(sample());

const { by, duplicates, reordered } = tally.expectedAndDelivered(healthy);
const lossBySender = tally.lossBySender(healthy);
for (const c of healthy) quit(c);
const exit = await server.stop("SIGTERM", 5000);

const { text, ok } = soakReport({
  minutes: MINUTES,
  seed: SEED,
  pid,
  host: HOST,
  port: PORT,
  udpPort: UDP_PORT,
  healthyPerTransport: HEALTHY,
  churners: CHURNERS,
  samples,
  exitCode: exit.code,
  lostHealthy,
  droppedByServer: [...tally.droppedByServer.values()],
  sentHealthy: [...tally.sentBy.values()].reduce((a, b) => a + b, 0),
  by,
  duplicates,
  reordered,
  lossBySender,
  churn: { ...churn, clients: nextChurner, failures, delivered: tally.churnDelivered },
  surprises: tally.surprises,
});
console.log(text);
process.exit(ok ? 0 : 1);
