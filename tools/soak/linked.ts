/**
 * The linked soak (`bun run soak -- --linked [--faults]`): two or three servers
 * linked through a redis-server of its own, TCP and UDP members on each chatting
 * (`soak ID SEQ` lines) for the whole run while, with --faults, a seeded schedule
 * injects faults (faults.ts). Every line sent and received is recorded and
 * checked per sender (history.ts); then the figures, and exit 0 only when no
 * line was lost without a word, doubled or reordered.
 */
import {
  isWelcomeLine,
  joinRoom,
  listeningPort,
  mulberry32,
  seedFor,
  startChatServer,
  startRedis,
  until,
  untilSteady,
  type ChatClient,
  type Program,
  type TestRedis,
  type Transport,
} from "../harness/index.ts";
import { DEFAULT_TIMING } from "../../src/link/context.ts";
import { faultSchedule, type FaultKind, type ScheduledFault } from "./faults.ts";
import { History, type Figures } from "./history.ts";

export interface LinkedSoakOptions {
  minutes: number;
  seed: number;
  faults: boolean;
  servers: number;
  /** Members per transport on each server. */
  perServer: number;
  /** More options for every server. */
  serverArgs: string[];
}

interface Server {
  index: number;
  port: number;
  udpPort: number;
  program: Program;
  alive: boolean;
  /** Members have joined it this many times over (a restart brings new ones). */
  generation: number;
}

interface Member {
  id: string;
  transport: Transport;
  server: Server;
  chat: ChatClient;
  seq: number;
  alive: boolean;
  /** UDP: datagrams received from the welcome on, heartbeat answers not counted. */
  datagrams: number;
  welcomed: boolean;
  /** UDP: answers to our heartbeats (`/ping hbN` -> N, COUNT). */
  pongs: Map<number, number>;
}

const PONG = /^\*\*\* pong hb(\d+) (\d+)$/;
/**
 * How long after the last fault a killed server's members may still be announced
 * as gone (history.ts): the link back, a heartbeat's life and two beats, a ping's
 * patience; and as much again as a loaded machine's timers may lag.
 */
const SERVER_LOST_DUE_MS = (() => {
  const { hubTtlMs, heartbeatMs, downAfterMs } = DEFAULT_TIMING;
  return hubTtlMs + 2 * heartbeatMs + downAfterMs + 4000;
})();
const SERVER_NAMES = "abcdefgh";

export async function linkedSoak(o: LinkedSoakOptions): Promise<number> {
  // Two generators: the schedule's does not depend on when the members happen to talk.
  const random = mulberry32(seedFor(o.seed, "talk"));
  const between = (min: number, max: number) => min + random() * (max - min);
  const started = performance.now();
  const now = () => performance.now() - started;
  const history = new History();
  const redis: TestRedis = await startRedis();
  const servers: Server[] = [];
  const members: Member[] = [];
  let talking = true;
  const env = { LANG: "C", LC_ALL: "", LC_MESSAGES: "" };
  const args = ["--redis", redis.url, "--no-flood-limit", "--max-per-address", "1000", "--quiet", ...o.serverArgs];

  async function launch(index: number, port = 0): Promise<Server> {
    const program = await startChatServer(["tcp", "udp"], { args, env, port });
    const server = servers[index] ?? { index, generation: 0, alive: true, port: 0, udpPort: 0, program };
    Object.assign(server, { program, port: program.port, udpPort: listeningPort(program, "udp"), alive: true });
    servers[index] = server;
    return server;
  }

  async function join(server: Server, transport: Transport, n: number): Promise<void> {
    const id = `${SERVER_NAMES[server.index]}${transport[0]}${server.generation}x${n}`;
    const m = { id, transport, server, seq: 0, alive: true, datagrams: 0, welcomed: false, pongs: new Map() } as Member;
    m.chat = await joinRoom(transport, transport === "tcp" ? server.port : server.udpPort, {
      name: id,
      nick: id,
      ms: 5000,
      retryMs: 500,
      onLine: (line) => {
        if (!m.alive) return;
        history.heard(id, line, now());
        if (transport !== "udp") return;
        const pong = PONG.exec(line);
        if (pong) return void m.pongs.set(Number(pong[1]), Number(pong[2]));
        if (isWelcomeLine(line)) m.welcomed = true;
        if (m.welcomed) m.datagrams++;
      },
    });
    m.chat.peer.forget();
    history.joined(id, transport, server.index, now());
    members.push(m);
    const talk = () => {
      if (!talking || !m.alive) return;
      history.sent(id, m.seq, now());
      m.chat.say(`soak ${id} ${m.seq++}`);
      setTimeout(talk, between(100, 300));
    };
    setTimeout(talk, between(0, 300));
  }

  async function populate(server: Server): Promise<void> {
    server.generation++;
    for (let n = 0; n < o.perServer; n++) for (const t of ["tcp", "udp"] as const) await join(server, t, n);
  }

  for (let i = 0; i < o.servers; i++) await launch(i);
  for (const s of servers) await populate(s);
  console.log(
    `soak: ${o.servers} servers linked through Redis on port ${redis.port}, ${members.length} members; seed ${o.seed}`,
  );

  // The faults, one at a time, on their schedule.
  const runMs = o.minutes * 60_000;
  const short = runMs < 60_000;
  const schedule = o.faults
    ? faultSchedule(mulberry32(seedFor(o.seed, "faults")), {
        firstMs: short ? 1500 : 5000,
        lastMs: runMs - (short ? 2000 : 5000),
        servers: o.servers,
        holdMs: short ? [1000, 1500] : [1500, 4000],
        quietMs: short ? [700, 1200] : [3000, 8000],
      })
    : [];
  const done: (ScheduledFault & { startedS: number; note: string })[] = [];
  const scheduleStart = performance.now();
  let faultsEnded = 0;
  for (const fault of schedule) {
    const wait = fault.atMs - (performance.now() - scheduleStart);
    if (wait > 0) await Bun.sleep(wait);
    const startedS = now() / 1000;
    const note = await inject(fault.kind, servers[fault.server]!, fault.forMs);
    done.push({ ...fault, startedS, note });
    faultsEnded = now();
  }
  const left = runMs - (performance.now() - started);
  if (left > 0) await Bun.sleep(left);

  async function inject(kind: FaultKind, server: Server, ms: number): Promise<string> {
    const name = `server ${SERVER_NAMES[server.index]}`;
    switch (kind) {
      case "redis-kill":
        await redis.kill();
        await Bun.sleep(ms);
        await redis.restart();
        return "";
      case "redis-stop":
        redis.pause();
        await Bun.sleep(ms);
        redis.resume();
        return "";
      case "pause-write":
        await redis.command("CLIENT", ["PAUSE", String(ms), "WRITE"]);
        await Bun.sleep(ms);
        return "";
      case "stream-broken": {
        // Every server's stream key replaced by a string (XADD and XREAD answer WRONGTYPE), then deleted.
        const each = (what: string) => `for _, k in ipairs(redis.call('KEYS', ARGV[1])) do ${what} end`;
        await redis.command("EVAL", [each("redis.call('DEL', k) redis.call('SET', k, 'x')"), "0", "chat:stream:*"]);
        await Bun.sleep(ms);
        await redis.command("EVAL", [each("redis.call('DEL', k)"), "0", "chat:stream:*"]);
        return "";
      }
      case "server-stop":
        server.program.proc.kill("SIGSTOP");
        await Bun.sleep(Math.min(ms, 3000));
        server.program.proc.kill("SIGCONT");
        return name;
      case "server-kill": {
        server.program.proc.kill("SIGKILL");
        await server.program.exited;
        server.alive = false;
        for (const m of members.filter((m) => m.server === server && m.alive)) {
          history.ended(m.id, now(), true);
          m.alive = false;
          m.chat.close();
        }
        await Bun.sleep(ms);
        await launch(server.index, server.port).catch(() => launch(server.index));
        await populate(server);
        return `${name}, back on port ${server.port}`;
      }
    }
  }

  // The end: everyone stops talking, Redis is surely up, and what is in flight arrives.
  talking = false;
  const talkedUntil = now();
  const settled = await untilSteady(() => history.progress().delivered, {
    forMs: 3000,
    ms: 30_000,
    everyMs: 250,
    done: (delivered) => delivered === history.progress().expected,
  });
  void settled;
  // A killed server's members are announced once the others find its heartbeat
  // missing, which may be seconds after the talk ended: listen while it is owed.
  while (history.owedServerLost() > 0 && now() < faultsEnded + SERVER_LOST_DUE_MS) await Bun.sleep(250);
  // UDP members: how many datagrams the server sent them that never arrived (its own count).
  let beat = 900_000;
  for (const m of members.filter((m) => m.alive && m.transport === "udp")) {
    const n = ++beat;
    m.chat.say(`/ping hb${n}`);
    const count = await until(() => m.pongs.get(n), 3000, "a heartbeat's answer").catch(() => undefined);
    if (count !== undefined) history.udpLost(m.id, count - m.datagrams);
  }
  for (const m of members.filter((m) => m.alive)) history.ended(m.id, talkedUntil + 1, false);
  const figures = history.check();
  for (const m of members) if (m.alive) m.chat.close();
  await Promise.all(servers.map((s) => s.program.stop("SIGTERM", 3000)));
  await redis.stop();

  console.log(report(o, done, figures));
  return figures.unannounced === 0 && figures.doubled === 0 && figures.reordered === 0 ? 0 : 1;
}

function report(o: LinkedSoakOptions, faults: (ScheduledFault & { startedS: number; note: string })[], f: Figures) {
  const yes = (ok: boolean) => (ok ? "yes" : "NO");
  const faultLines = faults.map((x) =>
    `  ${x.startedS.toFixed(1).padStart(6)}s  ${x.kind.padEnd(14)} ${(x.forMs / 1000).toFixed(1)}s  ${x.note}`.trimEnd(),
  );
  return `
linked soak report: ${o.minutes} min, seed ${o.seed}, ${o.servers} servers, ${o.perServer} tcp + ${o.perServer} udp members each

faults                      ${faults.length}${o.faults ? "" : " (run with --faults to inject them)"}
${faultLines.join("\n")}${faultLines.length ? "\n" : ""}
history                     checked per sender, at every member whose server lived
  members                   ${f.members} (judged ${f.judged}; the others' server was killed under them)
  lines                     ${f.linesSent} sent; ${f.expected} deliveries expected, ${f.delivered} made
  lost                      ${f.lost}
    announced               ${f.announced}
    unannounced             ${f.unannounced}
  doubled                   ${f.doubled}
  reordered                 ${f.reordered}
  announced gaps            ${f.gapNotices} notices
${f.examples.length ? `\nunannounced losses (the first ${f.examples.length}):\n${f.examples.map((e) => "  " + e).join("\n")}\n` : ""}
verdict
  no line lost without a word                 ${yes(f.unannounced === 0)}
  no line twice                               ${yes(f.doubled === 0)}
  every sender's lines in order               ${yes(f.reordered === 0)}`;
}
