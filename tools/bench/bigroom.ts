#!/usr/bin/env bun
/**
 * The big-room load generator, run by tools/bench/bench.ts (`--scenario bigroom`):
 * N TCP members join one after another (each waits for its welcome before the
 * next connects), then one of them talks, and every member must get every line.
 *
 *   bun tools/bench/bigroom.ts '<json config>'      (see BigRoomConfig)
 *
 * It reads the hub's memory from /proc: once the room has settled after the
 * joins (a line sent through it has reached every member, so everything the
 * joins queued has been written), and again once RSS has held still for ten
 * seconds. It prints progress lines starting with "@" and, last, one line
 * "@result {json}".
 */
import type { Socket } from "bun";
import { readCpuSeconds, readMachineBusySeconds, readMemory } from "../harness/index.ts";
import { waitFor } from "./clients.ts";
import { settledRss } from "./hubs.ts";

export interface BigRoomConfig {
  port: number;
  hubPid: number;
  /** The hub's RSS before any client, KiB. */
  hubStartKiB: number;
  members: number;
  /** Chat lines sent once everyone is in. */
  lines: number;
  timeLimitS: number;
}

export interface BigRoomResult {
  members: number;
  joinSeconds: number;
  /** Members the hub closed (none expected). */
  closedByHub: number;
  hubStartKiB: number;
  /** Hub RSS once the room had settled after the last join, and once RSS held still. */
  rssAfterJoinsKiB: number;
  rssSettledKiB: number;
  /** Highest RSS the hub reached during the joins. */
  rssPeakKiB: number;
  /** Bytes the first member received while the others joined (join notices or summaries). */
  firstMemberJoinBytes: number;
  /** Join and leave notices, and summaries, the first member received. */
  firstMemberJoinNotices: number;
  firstMemberSummaries: number;
  lines: number;
  /** Deliveries of the chat lines that never came (members × lines expected). */
  missing: number;
  hubCpuPct?: number;
  genCpuPct: number;
  otherCpuPct?: number;
}

const config = JSON.parse(process.argv[2]!) as BigRoomConfig;
const deadline = Date.now() + config.timeLimitS * 1000;
const say = (line: string) => console.log(line);

interface Member {
  socket: Socket<Member>;
  greeted: boolean;
  closed: boolean;
  /** The chat lines of the talker received so far, in order. */
  next: number;
  synced: boolean;
  partial: string;
  bytes: number;
  notices: number;
  summaries: number;
  nick: string | undefined;
}

const decoder = new TextDecoder();
let talker = "";

function onLine(m: Member, line: string): void {
  if (!m.greeted) {
    m.greeted = true;
    m.nick = /guest\d+/.exec(line)?.[0];
    return;
  }
  if (line.startsWith(`<${talker}> `)) {
    const text = line.slice(talker.length + 3);
    if (text === "#sync") m.synced = true;
    else if (text === `big ${m.next}`) m.next++;
    return;
  }
  if (/ in the last [\d.]+s$/.test(line)) m.summaries++;
  else if (/^\*\*\* \S+ (joined|left)/.test(line)) m.notices++;
}

async function connect(): Promise<Member> {
  const fresh: Omit<Member, "socket"> = {
    greeted: false,
    closed: false,
    next: 0,
    synced: false,
    partial: "",
    bytes: 0,
    notices: 0,
    summaries: 0,
    nick: undefined,
  };
  const m = fresh as Member; // its socket is set next
  m.socket = await Bun.connect<Member>({
    hostname: "127.0.0.1",
    port: config.port,
    data: m,
    socket: {
      data(s, chunk) {
        const member = s.data;
        member.bytes += chunk.length;
        const parts = (member.partial + decoder.decode(chunk, { stream: true })).split("\n");
        member.partial = parts.pop()!;
        for (const line of parts) onLine(member, line);
      },
      close(s) {
        s.data.closed = true;
      },
      error() {},
    },
  });
  return m;
}

const rss = () => readMemory(config.hubPid)?.rssKiB ?? 0;
/** What waitFor needs of the run: its deadline. */
const run = { deadline };

const hubCpu0 = readCpuSeconds(config.hubPid);
const machine0 = readMachineBusySeconds();
const cpu0 = process.cpuUsage();
const started = performance.now();

try {
  // Joining one after another: each waits for its welcome.
  const members: Member[] = [];
  let peak = rss();
  for (let i = 0; i < config.members; i++) {
    const m = await connect();
    members.push(m);
    // Asked every millisecond, as the figures in docs/PERFORMANCE.md were measured.
    await waitFor(run, () => m.greeted || m.closed, Infinity, `member ${i}'s welcome`, { everyMs: 1 });
    if (i % 500 === 499) {
      peak = Math.max(peak, rss());
      if (i % 2000 === 1999) say(`@joined ${i + 1} members, hub RSS ${rss()} KiB`);
    }
  }
  const joinSeconds = (performance.now() - started) / 1000;
  const first = members[0]!;
  talker = first.nick ?? "guest1";
  const firstMemberJoinBytes = first.bytes;

  // Settled: a line sent now reaches every member after everything queued before it.
  const others = members.slice(1);
  const settled = () => others.every((m) => m.synced || m.closed);
  const sync = () => first.socket.write("#sync\n");
  await waitFor(run, settled, Infinity, "the room to settle", { again: sync, againMs: 1000, everyMs: 1 });
  peak = Math.max(peak, rss());
  const rssAfterJoinsKiB = rss();
  say(`@settled: ${members.length} members, hub RSS ${rssAfterJoinsKiB} KiB`);
  const rssSettledKiB = await settledRss(rss, deadline);

  // Then talk: every member must get every line, in order.
  for (let i = 0; i < config.lines; i++) {
    first.socket.write(`big ${i}\n`);
    await Bun.sleep(10);
  }
  const everyLine = () => others.every((m) => m.next >= config.lines || m.closed);
  await waitFor(run, everyLine, Infinity, "every line at every member", { everyMs: 1 }).catch(() => {});
  const missing = others.reduce((n, m) => n + (config.lines - m.next), 0);

  const wallS = (performance.now() - started) / 1000;
  const hubCpu1 = readCpuSeconds(config.hubPid);
  const machine1 = readMachineBusySeconds();
  const cpu = process.cpuUsage(cpu0);
  const hubCpuPct = hubCpu0 !== undefined && hubCpu1 !== undefined ? (100 * (hubCpu1 - hubCpu0)) / wallS : undefined;
  const genCpuPct = (100 * (cpu.user + cpu.system)) / 1e6 / wallS;
  const result: BigRoomResult = {
    members: members.length,
    joinSeconds,
    closedByHub: members.filter((m) => m.closed).length,
    hubStartKiB: config.hubStartKiB,
    rssAfterJoinsKiB,
    rssSettledKiB,
    rssPeakKiB: peak,
    firstMemberJoinBytes,
    firstMemberJoinNotices: first.notices,
    firstMemberSummaries: first.summaries,
    lines: config.lines,
    missing,
    hubCpuPct,
    genCpuPct,
    otherCpuPct:
      machine0 !== undefined && machine1 !== undefined && hubCpuPct !== undefined
        ? Math.max(0, (100 * (machine1 - machine0)) / wallS - hubCpuPct - genCpuPct)
        : undefined,
  };
  for (const m of members) m.socket.terminate();
  say(`@result ${JSON.stringify(result)}`);
  process.exit(0);
} catch (error) {
  say(`@error ${(error as Error).message}`);
  process.exit(2);
}
