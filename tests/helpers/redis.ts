/**
 * A real redis-server for the tests that link hubs: each on a free port (never
 * 6379), without persistence, stopped by the test that started it.
 *
 * Where redis-server is not installed, those tests are skipped, with one line
 * saying how to install it: a learner's `bun test` for lessons 01-04 must not
 * fail for want of Redis. Under CI (CI=true) they run anyway, and fail.
 */
import type { Socket, Subprocess } from "bun";
import { RedisClient } from "bun";
import { freePort } from "../../tools/harness/ports.ts";
import { until } from "../../tools/harness/until.ts";

const REDIS_SERVER = Bun.which("redis-server");
const REQUIRED = process.env.CI === "true";

/** For `describe.skipIf(noRedis)`: true when the Redis tests cannot run here and need not. */
export const noRedis = REDIS_SERVER === null && !REQUIRED;

if (noRedis) {
  console.log("redis: redis-server is not installed: skipping the tests that link hubs (install it: sudo apt-get install redis-server)");
}

export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** The process now (a new one after `restart`). */
  readonly proc: Subprocess;
  /** Stops it for good. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash: its data (there is no persistence) is gone. */
  kill(): Promise<void>;
  /** After `kill`: a new, empty redis-server on the same port. */
  restart(): Promise<void>;
  /** SIGSTOP: it holds every connection and answers nothing. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** One command, on a connection of its own. */
  command(name: string, args?: string[]): Promise<unknown>;
}

const running = new Set<Subprocess>();
process.on("exit", () => {
  for (const p of running) p.kill("SIGKILL");
});

function spawn(port: number, extra: string[]): { proc: Subprocess; log: string[] } {
  if (REDIS_SERVER === null) {
    throw new Error("redis-server is not installed, and CI=true says the Redis tests must run (.ci/run installs it: apt-get install -y redis-server)");
  }
  const log: string[] = [];
  const proc = Bun.spawn(
    [REDIS_SERVER, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no", ...extra],
    { stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  running.add(proc);
  void proc.exited.then(() => running.delete(proc));
  for (const stream of [proc.stdout, proc.stderr]) {
    void (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of stream as ReadableStream<Uint8Array>) log.push(decoder.decode(chunk));
    })();
  }
  return { proc, log };
}

async function answers(port: number, password?: string): Promise<boolean> {
  const url = password ? `redis://:${password}@127.0.0.1:${port}` : `redis://127.0.0.1:${port}`;
  const client = new RedisClient(url, { autoReconnect: false, enableOfflineQueue: false, connectionTimeout: 500 });
  try {
    await client.connect();
    return (await client.send("PING", [])) === "PONG";
  } catch {
    return false;
  } finally {
    client.close();
  }
}

/** Starts a redis-server on a free port and resolves once it answers. `password` sets requirepass. */
export async function startRedis(options: { password?: string } = {}): Promise<TestRedis> {
  const extra = options.password ? ["--requirepass", options.password] : [];
  let port = 0;
  let current: { proc: Subprocess; log: string[] } | undefined;

  const launch = async () => {
    current = spawn(port, extra);
    const proc = current.proc;
    await until(
      async () => {
        if (proc.exitCode !== null) throw new Error(`redis-server exited: ${current!.log.join("").slice(-300)}`);
        return answers(port, options.password);
      },
      5000,
      `redis-server to answer on port ${port}`,
    );
  };

  // A free port can be taken between the look and the bind: then try another.
  for (let attempt = 1; ; attempt++) {
    port = await freePort("tcp");
    try {
      await launch();
      break;
    } catch (error) {
      current?.proc.kill("SIGKILL");
      if (attempt >= 5) throw error;
    }
  }

  const userinfo = options.password ? `:${options.password}@` : "";
  return {
    port,
    url: `redis://${userinfo}127.0.0.1:${port}`,
    get proc() {
      return current!.proc;
    },
    async stop() {
      current!.proc.kill("SIGCONT");
      current!.proc.kill("SIGKILL");
      await current!.proc.exited;
    },
    async kill() {
      current!.proc.kill("SIGKILL");
      await current!.proc.exited;
    },
    async restart() {
      await launch();
    },
    pause() {
      current!.proc.kill("SIGSTOP");
    },
    resume() {
      current!.proc.kill("SIGCONT");
    },
    async command(name, args = []) {
      const client = new RedisClient(`redis://${userinfo}127.0.0.1:${port}`, { autoReconnect: false, enableOfflineQueue: false });
      try {
        await client.connect();
        return await client.send(name, args);
      } finally {
        client.close();
      }
    },
  };
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
