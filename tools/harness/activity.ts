/**
 * What a program under test is doing, as the kernel sees it, so a test can wait
 * on evidence instead of on time: has it run since we sent it something, is it
 * asleep now (waiting for input), how much CPU has it had, and are bytes still
 * queued between it and us. And freezing it (SIGSTOP) while several things land
 * in its sockets together, so that what it then reads at once does not depend
 * on how fast the machine is.
 *
 * Linux only (/proc); elsewhere every function says "unknown" (undefined) and
 * the callers fall back to waiting a while.
 */
import { readdirSync, readFileSync } from "node:fs";

/** A program and all its descendants (a `python3` started through a shell or a shim is one of them). */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length && out.length < 64; i++) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${out[i]}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      try {
        const children = readFileSync(`/proc/${out[i]}/task/${t}/children`, "utf8").trim();
        if (children) out.push(...children.split(" ").map(Number));
      } catch {
        // the thread has gone
      }
    }
  }
  return out;
}

/** One look at a program's threads. */
export type Activity = {
  /** How many times any of its own threads was given a CPU (it woke up, or was preempted and resumed). */
  runs: number;
  /** CPU time all its threads have used, in ms. */
  cpuMs: number;
  /** One of its own threads (not a runtime's compiler or collector) is running or waiting for a CPU. */
  busy: boolean;
  /** Stopped (SIGSTOP): it cannot read until it is thawed. */
  stopped: boolean;
};

/**
 * Threads of a runtime's own that never read or write a program's sockets
 * (Bun's and JavaScriptCore's compiler, collector and pool threads): while they
 * warm up or collect, the program's own thread may well be asleep.
 */
const RUNTIME_THREAD = /^(JITWorker|JSCWarmUp|HeapHelper|Heap Helper|.*[Cc]ollector.*|mi-scavenger|Bun Pool \d+)$/;

/** How the program (and its descendants) stands now; undefined when it has exited or there is no /proc. */
export function activity(pid: number): Activity | undefined {
  let runs = 0;
  let ns = 0;
  let busy = false;
  let stopped = false;
  let alive = false;
  for (const p of processTree(pid)) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      try {
        const stat = readFileSync(`/proc/${p}/task/${t}/stat`, "utf8");
        const state = stat[stat.lastIndexOf(")") + 2];
        if (state === "Z" || state === "X") continue;
        const [runNs, , slices] = readFileSync(`/proc/${p}/task/${t}/schedstat`, "utf8").split(" ");
        alive = true;
        ns += Number(runNs);
        if (state === "T" || state === "t") stopped = true;
        if (RUNTIME_THREAD.test(stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")))) continue;
        if (state === "R") busy = true;
        runs += Number(slices);
      } catch {
        // the thread has gone
      }
    }
  }
  return alive ? { runs, cpuMs: ns / 1e6, busy, stopped } : undefined;
}

/** Does this machine let us watch a program (Linux's /proc with schedstat)? */
export const canWatch = (): boolean => activity(process.pid) !== undefined;

/**
 * Stop a program and its descendants (SIGSTOP), so what we send it piles up in
 * its sockets; `thaw` lets it run again and read it all at once.
 */
export function freeze(pid: number): number[] {
  const tree = processTree(pid);
  for (const p of tree) signal(p, "SIGSTOP");
  return tree;
}

export function thaw(tree: number[]): void {
  for (const p of tree) signal(p, "SIGCONT");
}

function signal(pid: number, name: NodeJS.Signals) {
  try {
    process.kill(pid, name);
  } catch {
    // it has exited
  }
}

/**
 * Bytes still queued in the kernel on TCP connections that have `port` at one
 * end (sent and not yet acknowledged, or received and not yet read), from
 * /proc/net/tcp; undefined where there is none.
 */
export function tcpQueued(port: number): number | undefined {
  return queued(["/proc/net/tcp", "/proc/net/tcp6"], (local, remote) => local === port || remote === port);
}

/** Bytes waiting to be read in the UDP sockets bound to one of `ports` (/proc/net/udp). */
export function udpQueued(ports: number[]): number | undefined {
  return queued(["/proc/net/udp", "/proc/net/udp6"], (local) => ports.includes(local));
}

function queued(tables: string[], mine: (local: number, remote: number) => boolean): number | undefined {
  let total = 0;
  let any = false;
  for (const table of tables) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    any = true;
    for (const row of text.split("\n").slice(1)) {
      // "  4: 0100007F:A1B2 0100007F:2329 01 00000000:00000010 ..."
      const [, local, remote, , queues] = row.trim().split(/\s+/);
      if (!local || !remote || !queues) continue;
      const port = (address: string) => parseInt(address.split(":").pop()!, 16);
      if (!mine(port(local), port(remote))) continue;
      const [tx, rx] = queues.split(":").map((h) => parseInt(h, 16));
      total += (tx ?? 0) + (rx ?? 0);
    }
  }
  return any ? total : undefined;
}

/** Bytes queued on each TCP connection of this machine, "localPort>remotePort" -> sent and unacknowledged, received and unread. */
type Queues = Map<string, { tx: number; rx: number }>;
let table: { at: number; queues: Promise<Queues | undefined> } | undefined;

/** /proc/net/tcp, read at most once every 2 ms however many wait on it (it lists every socket of the machine). */
function tcpTable(): Promise<Queues | undefined> {
  const now = performance.now();
  if (table && now - table.at < 2) return table.queues;
  table = { at: now, queues: readTable() };
  return table.queues;
}

async function readTable(): Promise<Queues | undefined> {
  const queues: Queues = new Map();
  let any = false;
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = await Bun.file(file).text();
    } catch {
      continue;
    }
    any = true;
    for (const row of text.split("\n").slice(1)) {
      const [, local, remote, , q] = row.trim().split(/\s+/);
      if (!local || !remote || !q) continue;
      const port = (address: string) => parseInt(address.slice(address.lastIndexOf(":") + 1), 16);
      const [tx, rx] = q.split(":").map((h) => parseInt(h, 16));
      queues.set(`${port(local)}>${port(remote)}`, { tx: tx ?? 0, rx: rx ?? 0 });
    }
  }
  return any ? queues : undefined;
}

/** How a program took what we sent it (see taken()). */
export type Taken = "read" | "woke" | "asleep" | "ran" | "gone" | "stopped" | "unsure";

/**
 * After sending a program something, wait until it has surely had its chance to
 * read it. Over a TCP connection (`conn`: our port and the program's), the
 * kernel says so: nothing we sent is unacknowledged, and nothing is unread in
 * the program's socket ("read"). Otherwise: it woke up since `before` (a look
 * taken before sending) and is asleep again ("woke", only without `conn`); or it
 * slept through `quietMs` without waking, so it is not reading from us now
 * ("asleep"); or it exited or is frozen. "unsure" after `ms`: the machine is
 * too busy to tell (the program waited for a CPU all along).
 */
export async function taken(
  pid: number,
  before: Activity,
  o: { quietMs: number; ms: number; conn?: { ours: number; theirs: number } },
): Promise<Taken> {
  const start = performance.now();
  let still = { runs: before.runs, since: start };
  let unread: Queues | undefined; // the last table that showed nothing unread on the program's side
  for (;;) {
    await Bun.sleep(1);
    if (o.conn) {
      const queues = await tcpTable();
      const ours = queues?.get(`${o.conn.ours}>${o.conn.theirs}`);
      const theirs = queues?.get(`${o.conn.theirs}>${o.conn.ours}`);
      // All acknowledged and nothing unread; or nothing unread in two readings of the table, a
      // moment apart (loopback delivers at once, but acknowledges a while later).
      if (ours && theirs && theirs.rx === 0 && (ours.tx === 0 || (unread && unread !== queues))) return "read";
      unread = theirs && theirs.rx === 0 ? (unread ?? queues) : undefined;
    }
    const now = activity(pid);
    if (!now) return "gone";
    if (now.stopped) return "stopped";
    if (!o.conn && !now.busy && now.runs > before.runs) return "woke";
    const t = performance.now();
    if (now.runs !== still.runs || now.busy) still = { runs: now.runs, since: t };
    else if (t - still.since >= o.quietMs) return "asleep";
    if (t - start >= o.ms) return "unsure";
  }
}
