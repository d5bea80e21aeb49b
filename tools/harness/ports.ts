/**
 * Ports and readiness: a free port, and waiting (without fixed sleeps) until a
 * program listens on one. Over UDP nothing answers a probe, so "listening" means
 * "bound", read from the kernel's table.
 */
import { existsSync, readFileSync } from "node:fs";
import { probeTcp } from "../../src/tcp-probe.ts";
import { TimeoutError } from "./until.ts";

export type Transport = "tcp" | "udp";
export const TRANSPORTS: readonly Transport[] = ["tcp", "udp"];
export const HOST = "127.0.0.1";

/** A port that was free a moment ago: bind port 0 on `host`, read it back, let go. */
export async function freePort(transport: Transport, host = HOST): Promise<number> {
  if (transport === "udp") {
    const sock = await Bun.udpSocket({ hostname: host, port: 0 });
    const port = sock.port;
    sock.close();
    return port;
  }
  const listener = Bun.listen({ hostname: host, port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

/** Can we open a TCP connection to host:port right now? (The connection is closed at once.) */
export async function tcpAccepts(host: string, port: number): Promise<boolean> {
  return (await probeTcp(host, port)).kind === "open";
}

/** UDP ports bound on this machine, from the kernel's table (Linux); undefined elsewhere. */
function boundUdpPorts(): Set<number> | undefined {
  const tables = ["/proc/net/udp", "/proc/net/udp6"].filter((f) => existsSync(f));
  if (tables.length === 0) return undefined;
  const ports = new Set<number>();
  for (const table of tables) {
    for (const row of readFileSync(table, "utf8").split("\n").slice(1)) {
      const local = row.trim().split(/\s+/)[1]; // "0100007F:2329"
      const port = local?.split(":").pop();
      if (port) ports.add(parseInt(port, 16));
    }
  }
  return ports;
}

/**
 * Does some program listen on TCP `port`? On Linux, the kernel's table says so
 * without a connection (a probe that connects and leaves is a client the
 * program sees come and go: a hub announces it, a hub that keeps leavers trips
 * on it); undefined elsewhere.
 */
function tcpListening(port: number): boolean | undefined {
  const tables = ["/proc/net/tcp", "/proc/net/tcp6"].filter((f) => existsSync(f));
  if (tables.length === 0) return undefined;
  const LISTEN = "0A";
  for (const table of tables) {
    for (const row of readFileSync(table, "utf8").split("\n").slice(1)) {
      const [, local, , state] = row.trim().split(/\s+/); // "0100007F:2329 00000000:0000 0A"
      if (state === LISTEN && local && parseInt(local.split(":").pop()!, 16) === port) return true;
    }
  }
  return false;
}

/**
 * Has some program bound UDP host:port? Nothing answers a UDP probe, so: on Linux,
 * look the port up in /proc/net/udp (no side effects); elsewhere, try to bind it
 * ourselves and take EADDRINUSE as yes (the probe lets go at once).
 */
async function udpBound(host: string, port: number): Promise<boolean> {
  const bound = boundUdpPorts();
  if (bound) return bound.has(port);
  try {
    const probe = await Bun.udpSocket({ hostname: host, port });
    probe.close();
    return false;
  } catch (err) {
    return (err as { code?: string }).code === "EADDRINUSE";
  }
}

/**
 * Wait until a program listens on host:port: TCP by the kernel's table (else by
 * connect-with-retry), UDP by `udpBound`. `gone()` is asked on every round and returns a reason when the
 * program has exited, so a crash is reported at once, not after the limit.
 */
export async function waitUntilListening(
  transport: Transport,
  host: string,
  port: number,
  ms: number,
  gone: () => string | undefined = () => undefined,
): Promise<void> {
  const deadline = performance.now() + ms;
  for (;;) {
    const why = gone();
    if (why) throw new Error(why);
    const ready =
      transport === "tcp" ? (tcpListening(port) ?? (await tcpAccepts(host, port))) : await udpBound(host, port);
    if (ready) return;
    if (performance.now() >= deadline) {
      throw new TimeoutError(`nothing listened on ${transport} ${host}:${port} within ${ms} ms`);
    }
    await Bun.sleep(10);
  }
}
