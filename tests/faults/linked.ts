/**
 * Linked servers for the fault tests, black-box: a redis-server of the test's
 * own, real servers (`bun src/server.ts --tcp --udp --redis URL`, child
 * processes), each reaching Redis directly or through a fault proxy of its own
 * (tools/harness/fault-proxy.ts: delay, pause, cut), and members that join
 * them over TCP or UDP like `nc`. Nothing of src/ is imported: these tests
 * drive the command lines and the wire only.
 */
import type { ChatClient as RawClient, Transport } from "../../tools/harness/index.ts";
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
export const LINK_BACK = /^\*\*\* the link to the other servers.* back/;
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

/** The numbers of `sender`'s lines `seq SENDER N` that `receiver` got, in the order they came. */
export function numbersFrom(receiver: RawClient, sender: string): number[] {
  const prefix = `<${sender}> seq ${sender} `;
  return receiver.lines.filter((l) => l.startsWith(prefix)).map((l) => Number(l.slice(prefix.length)));
}

export const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
