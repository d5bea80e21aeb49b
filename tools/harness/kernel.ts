/**
 * What the kernel knows that a test cannot see from its own sockets: how much it
 * buffers between a writer and a reader that stopped reading, and which TCP
 * connections are open to a port (Linux's /proc/net/tcp).
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { HOST } from "./ports.ts";

let capacity: Promise<number> | undefined;

/**
 * How many bytes the kernel buffers on this machine between a writer and a
 * reader that stopped reading (both socket buffers, loopback). Measured once:
 * a program's write() only comes up short after this much.
 */
export function kernelCapacity(): Promise<number> {
  capacity ??= measureCapacity();
  return capacity;
}

async function measureCapacity(): Promise<number> {
  let total = 0;
  let done!: (n: number) => void;
  const result = new Promise<number>((r) => (done = r));
  const listener = Bun.listen({
    hostname: HOST,
    port: 0,
    socket: {
      async open(s) {
        const chunk = new Uint8Array(64 * 1024);
        for (let i = 0; i < 1024; i++) {
          const n = s.write(chunk);
          if (n > 0) total += n;
          if (n < chunk.length) {
            await Bun.sleep(30); // a moment for the kernel to settle, then once more
            const more = s.write(chunk);
            if (more > 0) total += more;
            if (more < chunk.length) break;
          }
        }
        done(total);
        s.terminate();
      },
      data() {},
    },
  });
  const reader = await Bun.connect({
    hostname: HOST,
    port: listener.port,
    socket: { open: (s) => void s.pause(), data() {}, error() {} },
  });
  reader.pause();
  const n = await result;
  reader.terminate();
  listener.stop(true);
  return n;
}

/**
 * The local ports of the open (established) TCP connections to `port` on this
 * machine: who is connected to a server, from the kernel's table. Undefined
 * where there is no /proc/net/tcp (not Linux).
 */
export function connectedTo(port: number): number[] | undefined {
  const tables = ["/proc/net/tcp", "/proc/net/tcp6"].filter((f) => existsSync(f));
  if (tables.length === 0) return undefined;
  const ESTABLISHED = "01";
  const ports: number[] = [];
  for (const table of tables) {
    for (const row of readFileSync(table, "utf8").split("\n").slice(1)) {
      const [, local, remote, state] = row.trim().split(/\s+/); // "0100007F:A1B2 0100007F:2329 01"
      if (!local || !remote || state !== ESTABLISHED) continue;
      if (parseInt(remote.split(":").pop()!, 16) === port) ports.push(parseInt(local.split(":").pop()!, 16));
    }
  }
  return ports;
}

/**
 * Is any TCP socket of this machine, in any state, on local port `port`? A
 * connection in TIME_WAIT counts: a program that binds without SO_REUSEADDR
 * (Python's socket does) fails there with "Address already in use", though a
 * test bind from Bun, which sets it, succeeds. False where there is no
 * /proc/net/tcp (not Linux).
 */
export function tcpPortInUse(port: number): boolean {
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"].filter((f) => existsSync(f))) {
    for (const row of readFileSync(table, "utf8").split("\n").slice(1)) {
      const local = row.trim().split(/\s+/)[1]; // "0100007F:2329"
      if (local && parseInt(local.split(":").pop()!, 16) === port) return true;
    }
  }
  return false;
}

/**
 * The ports a process (and its descendants) listens on over TCP, or has bound
 * over UDP, on this machine: its sockets (/proc/PID/fd) found in the kernel's
 * tables. Undefined where there is no /proc (not Linux).
 */
export function boundPorts(pids: number[]): { tcp: number[]; udp: number[] } | undefined {
  const inodes = new Set<string>();
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        // closed meanwhile
      }
    }
  }
  const ports = (tables: string[], state?: string) => {
    const out = new Set<number>();
    for (const table of tables.filter((f) => existsSync(f))) {
      for (const row of readFileSync(table, "utf8").split("\n").slice(1)) {
        const f = row.trim().split(/\s+/); // sl local remote st queues tr retrnsmt uid timeout inode
        if (f.length < 10 || !inodes.has(f[9]!) || (state && f[3] !== state)) continue;
        out.add(parseInt(f[1]!.split(":").pop()!, 16));
      }
    }
    return [...out];
  };
  if (!existsSync("/proc/net/tcp")) return undefined;
  const LISTEN = "0A";
  return { tcp: ports(["/proc/net/tcp", "/proc/net/tcp6"], LISTEN), udp: ports(["/proc/net/udp", "/proc/net/udp6"]) };
}
