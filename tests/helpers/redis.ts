/**
 * Redis for the tests that link hubs: a redis-server of their own
 * (tools/harness/redis.ts), and a relay that can cut one hub off.
 *
 * Where redis-server is not installed, those tests are skipped, with one line
 * saying how to install it: a learner's `bun test` for lessons 01-04 must not
 * fail for want of Redis. Under CI (CI=true) they run anyway, and fail.
 */
import type { Socket } from "bun";
import { REDIS_SERVER, type TestRedis } from "../../tools/harness/redis.ts";

export { startRedis, type TestRedis } from "../../tools/harness/redis.ts";

/** For `describe.skipIf(noRedis)`: true when the Redis tests cannot run here and need not. */
export const noRedis = REDIS_SERVER === null && process.env.CI !== "true";

if (noRedis) {
  console.log(
    "redis: redis-server is not installed: skipping the tests that link hubs (install it: sudo apt-get install redis-server)",
  );
}

/**
 * A TCP relay in front of a Redis, to cut one hub off while the others stay
 * linked: `cut()` drops every connection through it and refuses new ones until
 * `heal()`.
 */
export interface CutRelay {
  readonly port: number;
  readonly url: string;
  cut(): void;
  heal(): void;
  stop(): void;
}

export function startRelay(target: TestRedis): CutRelay {
  /** `queue`: bytes still to be written to this socket; `early`: bytes it sent before its peer was connected. */
  type Side = { peer?: Socket<Side>; queue: Uint8Array[]; early: Uint8Array[] };
  const open = new Set<Socket<Side>>();
  let isCut = false;
  const pass = (to: Socket<Side> | undefined, bytes: Uint8Array, side: Side) => {
    if (!to) return void side.early.push(bytes.slice());
    const wrote = to.write(bytes);
    if (wrote >= 0 && wrote < bytes.length) to.data.queue.push(bytes.slice(wrote));
  };
  const flush = (s: Socket<Side>) => {
    while (s.data.queue.length > 0) {
      const head = s.data.queue[0]!;
      const wrote = s.write(head);
      if (wrote < 0) return;
      if (wrote < head.length) return void (s.data.queue[0] = head.subarray(wrote));
      s.data.queue.shift();
    }
  };
  const listener = Bun.listen<Side>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(client) {
        client.data = { queue: [], early: [] };
        if (isCut) return void client.terminate();
        open.add(client);
        void Bun.connect<Side>({
          hostname: "127.0.0.1",
          port: target.port,
          data: { peer: client, queue: [], early: [] },
          socket: {
            open(server) {
              open.add(server);
              client.data.peer = server;
              for (const b of client.data.early.splice(0)) pass(server, b, client.data);
            },
            data: (server, bytes) => pass(server.data.peer, bytes, server.data),
            drain: flush,
            close(server) {
              open.delete(server);
              server.data.peer?.end();
            },
            error() {},
          },
        }).catch(() => client.terminate());
      },
      data: (client, bytes) => pass(client.data.peer, bytes, client.data),
      drain: flush,
      close(client) {
        open.delete(client);
        client.data.peer?.end();
      },
      error() {},
    },
  });
  return {
    port: listener.port,
    url: `redis://127.0.0.1:${listener.port}`,
    cut() {
      isCut = true;
      for (const s of [...open]) s.terminate();
    },
    heal() {
      isCut = false;
    },
    stop() {
      for (const s of [...open]) s.terminate();
      listener.stop(true);
    },
  };
}
