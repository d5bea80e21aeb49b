/**
 * A real redis-server of our own, for the tests and the benchmark that link hubs:
 * on a free port (never 6379), without persistence, stopped by whoever started
 * it; and, for fault tests, killed, restarted, paused and resumed.
 */
import type { Subprocess } from "bun";
import { RedisClient } from "bun";
import { diesWithUs, killAtExit } from "./children.ts";
import { freePort } from "./ports.ts";
import { until } from "./until.ts";

/** Where redis-server is installed, or null. */
export const REDIS_SERVER = Bun.which("redis-server");

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

function spawn(port: number, extra: string[]): { proc: Subprocess; log: string[] } {
  if (REDIS_SERVER === null) {
    throw new Error(
      "redis-server is not installed (Debian, Ubuntu: sudo apt-get install redis-server; .ci/run installs it)",
    );
  }
  const log: string[] = [];
  const proc = Bun.spawn(
    diesWithUs([
      ...[REDIS_SERVER, "--port", String(port), "--bind", "127.0.0.1"],
      ...["--save", "", "--appendonly", "no", "--protected-mode", "no", ...extra],
    ]),
    { stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  killAtExit(proc);
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
      const url = `redis://${userinfo}127.0.0.1:${port}`;
      const client = new RedisClient(url, { autoReconnect: false, enableOfflineQueue: false });
      try {
        await client.connect();
        return await client.send(name, args);
      } finally {
        client.close();
      }
    },
  };
}
