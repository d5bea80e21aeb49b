/**
 * The shapes a room can take, for the contract suite: one hub, or two hubs
 * linked through Redis (a redis-server of the test's own). Linked, members join
 * the hubs in turn (the first member the first hub, the second the second...),
 * so every scenario of the suite crosses from hub to hub.
 *
 * `startServer` and `member` here take the shape chosen with `useShape`; with
 * "one hub" they are exactly those of ./chat.ts.
 */
import type { Hub } from "../../src/hub.ts";
import { RedisRoom } from "../../src/link/redis-room.ts";
import {
  member as joinHub,
  startServer as startHub,
  type RawClient,
  type ServerOptions,
  type TestServer,
  type Transport,
} from "./chat.ts";
import { noRedis, startRedis } from "./redis.ts";

export type Shape = "one hub" | "two hubs linked";

/** Every shape this machine can run: without redis-server (and outside CI) only one hub. */
export const SHAPES: Shape[] = noRedis ? ["one hub"] : ["one hub", "two hubs linked"];

let current: Shape = "one hub";

/** The shape of the rooms `startServer` makes from now on. */
export function useShape(shape: Shape): void {
  current = shape;
}

/** A linked room's hubs' ports, and which one the next member joins. */
const linkedPorts = new WeakMap<TestServer, { ports: number[]; next: number }>();

export async function startServer(transport: Transport, options: ServerOptions = {}): Promise<TestServer> {
  if (current === "one hub") return startHub(transport, options);
  const redis = await startRedis();
  const hubs = [await startHub(transport, options), await startHub(transport, options)];
  const links = await Promise.all(hubs.map((h) => RedisRoom.connect(h.hub, { url: redis.url })));
  hubs.forEach((h, i) => h.hub.useRoom(links[i]!));
  // What the suite does to "the server's hub" it does to both.
  const both = {
    shutdown: () => hubs.forEach((h) => h.hub.shutdown()),
    get size() {
      return hubs.reduce((n, h) => n + h.hub.size, 0);
    },
  } as unknown as Hub;
  const server: TestServer = {
    hub: both,
    port: hubs[0]!.port,
    transport,
    logs: hubs[0]!.logs,
    async stop() {
      await Promise.all(hubs.map((h) => h.stop()));
      await Promise.all(links.map((l) => l.close(200)));
      await redis.stop();
    },
  };
  linkedPorts.set(server, { ports: hubs.map((h) => h.port), next: 0 });
  return server;
}

/** A member of the room: linked, on the next hub in turn. */
export async function member(server: TestServer, nick?: string): Promise<RawClient & { reset?(): void }> {
  const linked = linkedPorts.get(server);
  if (!linked) return joinHub(server, nick);
  const port = linked.ports[linked.next++ % linked.ports.length]!;
  return joinHub({ ...server, port }, nick);
}
