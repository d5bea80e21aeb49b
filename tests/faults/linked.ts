/**
 * Linked servers for the fault tests, black-box: a redis-server of the test's
 * own, real servers (`bun src/server.ts --tcp --udp --redis URL`, child
 * processes), each reaching Redis directly or through a fault proxy of its own
 * (tools/harness/fault-proxy.ts: delay, pause, cut), and members that join
 * them over TCP or UDP like `nc`. Nothing of src/ is imported: these tests
 * drive the command lines and the wire only.
 */
import { expect } from "bun:test";
import { isWelcomeLine, type ChatClient as RawClient, type Transport } from "../../tools/harness/index.ts";
import { startRedis, type TestRedis } from "../helpers/redis.ts";
import { member, startChild, type ChildServer } from "../reliability/child-server.ts";
import { startFaultProxy, type FaultProxy } from "../../tools/harness/fault-proxy.ts";
import { until } from "../../tools/harness/until.ts";

export { noRedis } from "../helpers/redis.ts";

export interface LinkedServer extends ChildServer {
  /** The proxy between this server and Redis, when it was started behind one. */
  proxy?: FaultProxy;
}

/** Notices of the link, in English (the servers run with LANG=C): matched loosely, as their wording may grow. */
export const LINK_DOWN = /^\*\*\* the link to the other servers.* (down|broken)/;
/** (Before any colon: the down notice ends "... lines are passed on when it is back".) */
export const LINK_BACK = /^\*\*\* the link to the other servers[^:]* back$/;
export const LINES_LOST = /^\*\*\* .*lost on the way/;

/** Everything a fault test starts, stopped by `close()` whatever happened. */
export class LinkedRoom {
  redis!: TestRedis;
  readonly servers: LinkedServer[] = [];
  readonly clients: RawClient[] = [];
  private readonly proxies: FaultProxy[] = [];
  private readonly timers: ReturnType<typeof setInterval>[] = [];

  /** Starts Redis. */
  async start(): Promise<this> {
    this.redis = await startRedis();
    return this;
  }

  /** A server linked through this room's Redis (behind a fault proxy with `proxied`), with `args` added. */
  async server(args: string[] = [], o: { proxied?: boolean } = {}): Promise<LinkedServer> {
    const proxy = o.proxied ? startFaultProxy(this.redis.port) : undefined;
    if (proxy) this.proxies.push(proxy);
    const server: LinkedServer = await startChild(["--redis", proxy?.url ?? this.redis.url, ...args]);
    server.proxy = proxy;
    this.servers.push(server);
    return server;
  }

  /** A member of `server` over `transport` (joined, renamed to `nick`). */
  async join(server: LinkedServer, transport: Transport, nick?: string): Promise<RawClient> {
    const c = await member(server, transport, nick);
    this.clients.push(c);
    return c;
  }

  /** Runs `fn` every `ms` until the room closes. */
  every(ms: number, fn: () => void): { stop(): void } {
    const timer = setInterval(fn, ms);
    this.timers.push(timer);
    return { stop: () => clearInterval(timer) };
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    for (const c of this.clients) if (!c.closed) c.close();
    this.redis?.resume();
    for (const p of this.proxies) p.stop();
    await Promise.all(this.servers.map((s) => s.stop()));
    await this.redis?.stop();
  }
}

/** Asks /who until the answer (its first line) matches; returns that line. */
export async function whoUntil(c: RawClient, expected: RegExp, ms = 5000): Promise<string> {
  let asked = -Infinity;
  let from = c.lines.length;
  return until(
    () => {
      const answer = c.lines.slice(from).find((l) => l.startsWith("*** in the room"));
      if (answer && expected.test(answer)) return answer;
      if (performance.now() - asked > 300) {
        asked = performance.now();
        from = c.lines.length;
        c.say("/who");
      }
      return undefined;
    },
    ms,
    () => `/who to answer ${expected} (last: ${c.matching("*** in the room").at(-1)})`,
  );
}

/** The nicks in a /who answer's first line (a small room fits in one). */
export const whoNicks = (line: string) => line.slice(line.indexOf(": ") + 2).split(", ");

/** The numbers of `sender`'s lines `seq SENDER N ...` that `receiver` got, in the order they came (of its first `upTo` lines). */
export function numbersFrom(receiver: RawClient, sender: string, upTo = receiver.lines.length): number[] {
  const prefix = `<${sender}> seq ${sender} `;
  const got: number[] = [];
  for (const l of receiver.lines.slice(0, upTo))
    if (l.startsWith(prefix)) got.push(parseInt(l.slice(prefix.length), 10));
  return got;
}

export const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/** A member that talks: `seq NICK N` lines, N from 0, `sent` of them so far. */
export interface Talker {
  nick: string;
  client: RawClient;
  sent: number;
}

/** Every talker sends its next numbered line every `everyMs`, until `stop()`. */
export function talk(room: LinkedRoom, talkers: Talker[], everyMs = 20): { stop(): void } {
  return room.every(everyMs, () => {
    for (const t of talkers) if (!t.client.closed) t.client.say(`seq ${t.nick} ${t.sent++}`);
  });
}

const decoder = new TextDecoder();
const PONG = /^\*\*\* pong hb\d+ \d+$/;
let heartbeats = 0;

/**
 * How many datagrams the server sent this UDP member that never arrived: the
 * server's own count (the answer to a heartbeat, `/ping hbN` -> `*** pong hbN
 * COUNT`, docs/PROTOCOL.md "Loss") less the datagrams received from the welcome
 * on (heartbeat answers are not counted on either side). Loss the kit's client
 * would report to its person as `*** N lines lost`. And `lines`: how many lines
 * the member had when the answer came, the snapshot the count is true of (lines
 * still in its socket when it asked come before the answer, and count as
 * received). A heartbeat or its answer is a datagram too, and may be lost: it
 * is asked again, under a new number, until one is answered.
 */
export async function udpLoss(c: RawClient): Promise<{ lost: number; lines: number }> {
  for (let attempt = 1; ; attempt++) {
    const n = 900_000 + ++heartbeats;
    c.say(`/ping hb${n}`);
    const answer = new RegExp(`^\\*\\*\\* pong hb${n} (\\d+)\\n?$`);
    try {
      await c.waitFor(answer, 2000);
    } catch (error) {
      if (attempt < 3) continue;
      throw error;
    }
    const texts = c.chunks.map((chunk) => decoder.decode(chunk));
    const at = texts.findIndex((t) => answer.test(t));
    const welcome = texts.findIndex((t) => isWelcomeLine(t.trimEnd()));
    const received = texts.slice(welcome, at).filter((t) => !PONG.test(t.trimEnd())).length;
    const lines = c.lines.findIndex((l) => answer.test(l));
    return { lost: Number(answer.exec(texts[at]!)![1]) - received, lines };
  }
}

/**
 * What a linked room promises, checked per sender against the lines that were
 * sent: each TCP member gets every other member's lines once each, in order;
 * each UDP member gets them at most once, in order, and every line it misses is
 * one the server counted as sent to it (a datagram lost on the way, which the
 * kit's client announces), never one the server let go without a word.
 */
export async function everyLineOnceInOrder(talkers: Talker[], ms = 15_000): Promise<void> {
  const tcp = talkers.filter((m) => m.client.transport === "tcp");
  const short = () =>
    tcp.flatMap((r) =>
      talkers
        .filter((s) => s !== r && numbersFrom(r.client, s.nick).length < s.sent)
        .map((s) => `${r.nick} has ${numbersFrom(r.client, s.nick).length}/${s.sent} of ${s.nick}'s`),
    );
  await until(
    () => short().length === 0,
    ms,
    () => `every line at every TCP member (${short().join("; ")})`,
  );
  for (const r of talkers) {
    let missing = 0;
    // A UDP member is judged on what it had when the server told it how many datagrams it sent.
    const loss = r.client.transport === "udp" ? await udpLoss(r.client) : undefined;
    for (const s of talkers) {
      if (s === r) continue;
      const got = numbersFrom(r.client, s.nick, loss?.lines);
      const all = range(s.sent);
      if (r.client.transport === "tcp") {
        expect({ receiver: r.nick, sender: s.nick, got }).toEqual({ receiver: r.nick, sender: s.nick, got: all });
        continue;
      }
      // Once each, in order: strictly increasing, and only lines that were sent.
      const inOrder = got.every((n, i) => n < s.sent && (i === 0 || n > got[i - 1]!));
      expect({ receiver: r.nick, sender: s.nick, inOrder }).toEqual({
        receiver: r.nick,
        sender: s.nick,
        inOrder: true,
      });
      missing += s.sent - got.length;
    }
    if (loss) {
      const lost = loss.lost;
      expect({ receiver: r.nick, missing, lostOnTheWay: lost >= missing }).toEqual({
        receiver: r.nick,
        missing,
        lostOnTheWay: true,
      });
    }
  }
}
