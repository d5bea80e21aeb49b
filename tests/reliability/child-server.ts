/**
 * The real server, as a child process, for the reliability checklist.
 *
 * In a child (not in the test's own process) the server can be measured the way
 * an operator would: its CPU time over a quiet second (is it spinning?), its open
 * file descriptors and its memory, whether it is still alive, and how it exits on
 * SIGINT/SIGTERM. Linux only: the figures come from /proc.
 */
import {
  chatClient,
  joinRoom,
  udpJoin,
  listeningPort,
  readCpuSeconds,
  readMemory,
  readOpenFds,
  startChatServer,
  until,
  type ChatClient as RawClient,
  type Program,
  type Transport,
} from "../../tools/harness/index.ts";

export interface ChildServer {
  readonly proc: Program["proc"];
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

/**
 * Starts `bun src/server.ts --tcp --udp` (one room, one port number for both)
 * with `args` added (and `env`), and resolves once both ready lines are printed.
 */
export async function startChild(
  args: string[] = [],
  port = 0,
  more: Record<string, string> = {},
): Promise<ChildServer> {
  const env = { LANG: "C", LC_ALL: "", LC_MESSAGES: "", ...more };
  const program = await startChatServer(["tcp", "udp"], { args, port, env });
  const { proc } = program;
  return {
    proc,
    pid: proc.pid,
    port: program.port,
    udpPort: listeningPort(program, "udp"),
    get logs() {
      return program.lines();
    },
    alive: () => program.running,
    cpuMs: () => (readCpuSeconds(proc.pid) ?? NaN) * 1000,
    fds: () => readOpenFds(proc.pid) ?? NaN,
    rssKiB: () => readMemory(proc.pid)?.rssKiB ?? NaN,
    waitForLog: (match, ms = 3000) =>
      until(
        () => program.lines().find((l) => (typeof match === "string" ? l.includes(match) : match.test(l))),
        ms,
        () => `a server log line matching ${match} (last: ${JSON.stringify(program.lines().slice(-5))})`,
      ),
    stop: async () => (await program.stop("SIGTERM", 5000)).code ?? -1,
  };
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
export function member(server: ChildServer, transport: Transport, nick?: string): Promise<RawClient> {
  return joinRoom(transport, transport === "tcp" ? server.port : server.udpPort, { nick });
}

/** A raw client that has not joined: TCP is connected (and so joined); UDP is only a socket. */
export function rawClient(server: ChildServer, transport: Transport) {
  return chatClient(transport, transport === "tcp" ? server.port : server.udpPort);
}

export { udpJoin };
