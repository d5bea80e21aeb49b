/**
 * The real server, as a child process, for the reliability checklist.
 *
 * In a child (not in the test's own process) the server can be measured the way
 * an operator would: its CPU time over a quiet second (is it spinning?), its open
 * file descriptors and its memory, whether it is still alive, and how it exits on
 * SIGINT/SIGTERM. Linux only: the figures come from /proc.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { member as joinRoom, tcpClient, udpClient, udpJoin, type RawClient, type TestServer, type Transport } from "../helpers/chat.ts";
import { until } from "../../tools/harness/until.ts";

const ROOT = join(import.meta.dir, "..", "..");
/** Clock ticks per second in /proc/PID/stat (USER_HZ: 100 on every Linux the kit targets). */
const CLOCK_TICKS = 100;

export interface ChildServer {
  readonly proc: Subprocess<"ignore", "pipe", "pipe">;
  readonly pid: number;
  /** The TCP port; UDP's is the same number unless that was taken (then `udpPort` differs). */
  readonly port: number;
  readonly udpPort: number;
  /** Everything the server printed (stdout and stderr), line by line, as it comes. */
  readonly logs: string[];
  /** True while the process runs. */
  alive(): boolean;
  /** CPU time (user + system) the server has used so far, in ms. */
  cpuMs(): number;
  /** Open file descriptors. */
  fds(): number;
  /** Resident memory, in KiB. */
  rssKiB(): number;
  /** Waits for a log line matching `match`. */
  waitForLog(match: string | RegExp, ms?: number): Promise<string>;
  /** SIGTERM, and SIGKILL if it does not stop; resolves with the exit code. */
  stop(): Promise<number>;
}

/** Drains a stream into `logs`, line by line, for as long as it is open (a full pipe would block the child). */
async function drain(stream: ReadableStream<Uint8Array>, logs: string[]): Promise<void> {
  const decoder = new TextDecoder();
  let partial = "";
  for await (const chunk of stream) {
    const parts = (partial + decoder.decode(chunk, { stream: true })).split("\n");
    partial = parts.pop()!;
    logs.push(...parts);
  }
  if (partial) logs.push(partial);
}

/**
 * Starts `bun src/server.ts --tcp --udp` (one room, one port number for both)
 * with `args` added, and resolves once both ready lines are printed.
 */
export async function startChild(args: string[] = [], port = 0): Promise<ChildServer> {
  const proc = Bun.spawn([process.execPath, "src/server.ts", "--tcp", "--udp", "--port", String(port), ...args], {
    cwd: ROOT,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, LANG: "C", LC_ALL: "", LC_MESSAGES: "" },
  });
  const logs: string[] = [];
  let exited = false;
  const drained = Promise.all([drain(proc.stdout, logs), drain(proc.stderr, logs)]);
  const died = proc.exited.then(async (code) => {
    exited = true;
    await drained;
    return code;
  });

  const diedEarly = died.then((code) => {
    throw new Error(`the server exited (${code}) before it was ready: ${logs.join(" | ")}`);
  });
  diedEarly.catch(() => {}); // it may exit long after it was ready: that is not this promise's business
  const ready = await Promise.race([
    until(
      () => (logs.some((l) => l.includes("(tcp)")) ? logs.find((l) => /listening on .*:\d+ \(udp\)/.test(l)) : undefined),
      10_000,
      "the server's ready lines",
    ),
    diedEarly,
  ]).catch((error) => {
    proc.kill("SIGKILL");
    throw error;
  });
  const pid = proc.pid;
  const server: ChildServer = {
    proc,
    pid,
    port: Number(/:(\d+) \(tcp\)/.exec(logs.find((l) => l.includes("(tcp)"))!)![1]),
    udpPort: Number(/:(\d+) \(udp\)/.exec(ready)![1]),
    logs,
    alive: () => !exited && proc.exitCode === null,
    cpuMs() {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // Fields after "(comm)": state is [0], utime [11], stime [12].
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
    },
    fds: () => readdirSync(`/proc/${pid}/fd`).length,
    rssKiB() {
      const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      return Number(m?.[1] ?? 0);
    },
    waitForLog: (match, ms = 3000) =>
      until(
        () => logs.find((l) => (typeof match === "string" ? l.includes(match) : match.test(l))),
        ms,
        `a server log line matching ${match} (last: ${JSON.stringify(logs.slice(-5))})`,
      ),
    async stop() {
      if (!exited) proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
      const code = await proc.exited;
      clearTimeout(timer);
      return code;
    },
  };
  return server;
}

/** How the checklist decides that a server is idle: its CPU time over one quiet second. */
export const QUIET_MS = 1000;
/** A server spinning in a loop uses about QUIET_MS of CPU in that second; an idle one, a few ms. */
export const IDLE_CPU_MS = 150;

/** CPU time the server uses over a quiet second, with no traffic at all. */
export async function quietCpuMs(server: ChildServer): Promise<number> {
  const before = server.cpuMs();
  await Bun.sleep(QUIET_MS); // a measurement window, not a wait for readiness
  return server.cpuMs() - before;
}

/** A raw client (like nc) that has joined the room, optionally renamed. */
export function member(server: ChildServer, transport: Transport, nick?: string): Promise<RawClient & { reset?(): void }> {
  return joinRoom({ transport, port: transport === "tcp" ? server.port : server.udpPort } as TestServer, nick);
}

/** A raw client that has not joined: TCP is connected (and so joined); UDP is only a socket. */
export function rawClient(server: ChildServer, transport: Transport) {
  return transport === "tcp" ? tcpClient(server.port) : udpClient(server.udpPort);
}

export { udpJoin };
