/**
 * What Linux says about a process: its memory (/proc/PID/status), the CPU time
 * it has used (/proc/PID/stat), its open files (/proc/PID/fd); and about the
 * machine. Missing files (another OS, a process that has exited) give undefined,
 * never an exception.
 */
import { readdirSync, readFileSync } from "node:fs";

export interface ProcMemory {
  /** Resident set now, KiB. */
  rssKiB: number;
  /** Highest resident set since the process started, KiB. */
  peakKiB: number;
}

export function readMemory(pid: number): ProcMemory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(status);
    if (!rss || !hwm) return undefined;
    return { rssKiB: Number(rss[1]), peakKiB: Number(hwm[1]) };
  } catch {
    return undefined;
  }
}

/** Clock ticks per second for /proc/PID/stat: 100 on every Linux Bun runs on. */
const TICKS_PER_SECOND = 100;

/** User + system CPU time the process has used, in seconds. */
export function readCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 2 (the name) may hold spaces: count fields after its closing ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
    return (utime + stime) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** How many files (sockets included) the process has open now. */
export function readOpenFds(pid: number): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/** The soft limit on open files of a process ("Max open files" in /proc/PID/limits). */
export function readOpenFileLimit(pid: number | "self"): number | undefined {
  try {
    const limits = readFileSync(`/proc/${pid}/limits`, "utf8");
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
    if (!m) return undefined;
    return m[1] === "unlimited" ? Infinity : Number(m[1]);
  } catch {
    return undefined;
  }
}

/**
 * The kernel's UDP counters (/proc/net/snmp), for the whole machine:
 * RcvbufErrors counts datagrams dropped for want of buffer.
 */
export function readUdpCounters(): Record<string, number> | undefined {
  try {
    const lines = readFileSync("/proc/net/snmp", "utf8")
      .split("\n")
      .filter((l) => l.startsWith("Udp:"));
    const names = lines[0]?.split(/\s+/).slice(1) ?? [];
    const values = lines[1]?.split(/\s+/).slice(1) ?? [];
    return Object.fromEntries(names.map((n, i) => [n, Number(values[i])]));
  } catch {
    return undefined;
  }
}

/** CPU time all processes on the machine have used (every core, user + system + irq), in seconds. */
export function readMachineBusySeconds(): number | undefined {
  try {
    const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]!.split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal ...: everything but idle and iowait.
    const busy = cpu.reduce((a, b) => a + b, 0) - (cpu[3] ?? 0) - (cpu[4] ?? 0);
    return busy / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
