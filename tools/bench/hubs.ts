/**
 * What the benchmark runs against: how to start a hub (the kit's, a lesson's, a
 * sink, any command), or several linked through a redis-server of their own,
 * each in its own process on a port it picks and reports; and how its memory is
 * read once it has settled.
 */
import { resolve } from "node:path";
import {
  chatServerCommand,
  readOpenFileLimit,
  startProgram,
  startRedis,
  untilSteady,
  type Program,
} from "../harness/index.ts";

const ROOT = resolve(import.meta.dir, "../..");

/** What the clients speak: TCP, UDP, or the room's WebSocket (--web). */
export type Transport = "tcp" | "udp" | "web";
const BUN = process.execPath;

/**
 * The hub's resident memory (`read`, KiB) once it has held within 0.5 % for ten
 * seconds, read every half second: after a burst of joins the hub's collector
 * returns memory over the next seconds, in steps with pauses of several seconds
 * between. At most 60 s, and never past `deadline` (Date.now() ms): then as it is.
 */
export function settledRss(read: () => number, deadline: number): Promise<number> {
  const ms = Math.max(0, Math.min(deadline - Date.now(), 60_000));
  return untilSteady(read, { forMs: 10_000, within: 0.005, ms, everyMs: 500 });
}

export interface Target {
  label: string;
  cmd: string[];
  join: "kit" | "plain";
  relays: boolean;
  /** Run this many copies of `cmd`, linked through a redis-server started for them (`--redis URL` is added). */
  linked?: number;
}

export function targetOf(name: string, transport: Transport, maxQueueBytes: number | undefined): Target {
  // The web alone: `--web 0` serves only browsers, on a port it picks and reports.
  const udp = transport === "udp" ? ["--udp"] : transport === "web" ? ["--web", "0"] : [];
  // "kit:DIR" is the kit's server from another checkout (a git worktree of an older commit).
  if (name === "kit-linked") return { ...targetOf("kit", transport, maxQueueBytes), label: "kit-linked", linked: 2 };
  const kitDir = name === "kit" ? ROOT : name.startsWith("kit:") ? resolve(name.slice(4)) : undefined;
  if (kitDir !== undefined) {
    // Flood control off and limits raised: the benchmark measures fan-out, not policy.
    const cmd = [...chatServerCommand(kitDir).argv, "--host", "127.0.0.1", "--quiet", "--no-flood-limit"];
    cmd.push("--max-clients", "20000", "--max-per-address", "20000", ...udp);
    if (maxQueueBytes) cmd.push("--max-queue-bytes", String(maxQueueBytes));
    const label = name === "kit" ? "kit" : `kit(${name.slice(4).replace(/\/+$/, "").split("/").pop()})`;
    return { label, cmd, join: "kit", relays: true };
  }
  // Every hub gets --port 0 (startHub adds it) and says the port it got in its ready line.
  switch (name) {
    case "lesson02":
      const cmd = [BUN, "lessons/02-hub.ts", "--host", "127.0.0.1", ...udp];
      return { label: name, cmd, join: "plain", relays: true };
    case "sink":
      return { label: "sink", cmd: [BUN, "tools/bench/sink.ts", ...udp], join: "plain", relays: false };
    default: {
      const label = name.length > 24 ? name.slice(0, 21) + "..." : name;
      return { label, cmd: ["sh", "-c", `exec ${name}`], join: "plain", relays: true };
    }
  }
}

/** Raises the soft open-files limit for a child that will hold many sockets. */
export function withFileLimit(cmd: string[], files: number): string[] {
  const mine = readOpenFileLimit("self") ?? 0;
  if (mine >= files) return cmd;
  return ["sh", "-c", `ulimit -n ${files} 2>/dev/null || ulimit -n hard; exec "$@"`, "sh", ...cmd];
}

/** The hub in its own process, on the port it picks and reports in its ready line. */
export function startHub(t: Target, transport: Transport, files: number): Promise<Program> {
  return startProgram({
    command: { argv: withFileLimit(t.cmd, files), label: t.label, custom: true },
    transport: transport === "udp" ? "udp" : "tcp", // a WebSocket is over TCP
    port: 0,
    cwd: ROOT,
    readyMs: 15_000,
    // The ready line is read in English, whatever the machine's locale.
    env: { LANG: "C", LC_ALL: "", LC_MESSAGES: "" },
    ready: [/listening on \S*?:(\d+)/],
  });
}

/** What the load runs against: one hub, or several linked through a Redis of their own. */
export interface Hubs {
  port: number;
  /** Linked: every hub's port (the clients are split across them). */
  ports?: number[];
  /** Every process that counts as "the hub" (linked: the hubs and Redis). */
  pids: number[];
  redisPid?: number;
  lines(): string[];
  stop(): Promise<unknown>;
}

export async function startHubs(t: Target, transport: Transport, files: number): Promise<Hubs> {
  if (!t.linked) {
    const hub = await startHub(t, transport, files);
    return { port: hub.port, pids: [hub.proc.pid], lines: () => hub.lines(), stop: () => hub.stop("SIGTERM", 3000) };
  }
  // Linked: a redis-server of our own (free port, no persistence), then each hub with --redis.
  const redis = await startRedis();
  const url = redis.url;
  const stopRedis = () => redis.stop();
  const hubs: Program[] = [];
  try {
    for (let i = 0; i < t.linked; i++) {
      hubs.push(await startHub({ ...t, cmd: [...t.cmd, "--redis", url] }, transport, files));
    }
  } catch (error) {
    await Promise.all(hubs.map((h) => h.stop("SIGTERM", 3000)));
    await stopRedis();
    throw error;
  }
  return {
    port: hubs[0]!.port,
    ports: hubs.map((h) => h.port),
    pids: [...hubs.map((h) => h.proc.pid), redis.proc.pid],
    redisPid: redis.proc.pid,
    lines: () => hubs.flatMap((h) => h.lines()),
    async stop() {
      await Promise.all(hubs.map((h) => h.stop("SIGTERM", 3000)));
      await stopRedis();
    },
  };
}
