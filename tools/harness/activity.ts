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

const trees = new Map<number, { at: number; pids: number[] }>();

/**
 * A program and all its descendants (a `python3` started through a shell or a
 * shim is one of them); looked up again at most every 100 ms.
 */
export function processTree(pid: number): number[] {
  const now = performance.now();
  const known = trees.get(pid);
  if (known && now - known.at < 100) return known.pids;
  const pids = walkTree(pid);
  trees.set(pid, { at: now, pids });
  if (trees.size > 256) trees.delete(trees.keys().next().value!);
  return pids;
}

function walkTree(pid: number): number[] {
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

const looks = new Map<number, { at: number; activity: Activity | undefined }>();

/**
 * How the program (and its descendants) stands now; undefined when it has
 * exited or there is no /proc. Looks taken within 5 ms of each other are one.
 */
export function activity(pid: number): Activity | undefined {
  const now = performance.now();
  const known = looks.get(pid);
  if (known && now - known.at < 5) return known.activity;
  const a = look(pid);
  looks.set(pid, { at: now, activity: a });
  if (looks.size > 256) looks.delete(looks.keys().next().value!);
  return a;
}

const ownThreads = new Map<number, { at: number; tids: string[] }>();

/** A process's own threads (not its runtime's compiler and collector), looked up again at most every 100 ms. */
function threadsOf(pid: number): string[] {
  const now = performance.now();
  const known = ownThreads.get(pid);
  if (known && now - known.at < 100) return known.tids;
  const tids = readdirSync(`/proc/${pid}/task`).filter((t) => {
    try {
      return !RUNTIME_THREAD.test(readFileSync(`/proc/${pid}/task/${t}/comm`, "utf8").trim());
    } catch {
      return false; // it has gone
    }
  });
  ownThreads.set(pid, { at: now, tids });
  if (ownThreads.size > 256) ownThreads.delete(ownThreads.keys().next().value!);
  return tids;
}

/** Clock ticks per second for /proc/PID/stat: 100 on every Linux Bun runs on. */
const TICKS_PER_SECOND = 100;

function look(pid: number): Activity | undefined {
  let runs = 0;
  let cpuMs = 0;
  let busy = false;
  let stopped = false;
  let alive = false;
  for (const p of processTree(pid)) {
    try {
      // The whole process: its state (T when stopped) and CPU time, every thread's together.
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] === "Z" || fields[0] === "X") continue;
      alive = true;
      if (fields[0] === "T" || fields[0] === "t") stopped = true;
      cpuMs += ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
      // Its own threads, one by one: is one of them running, and how often have they run.
      for (const t of threadsOf(p)) {
        const state = readFileSync(`/proc/${p}/task/${t}/stat`, "utf8");
        if (state[state.lastIndexOf(")") + 2] === "R") busy = true;
        runs += Number(readFileSync(`/proc/${p}/task/${t}/schedstat`, "utf8").split(" ")[2]);
      }
    } catch {
      // it, or one of its threads, has gone
    }
  }
  return alive ? { runs, cpuMs, busy, stopped } : undefined;
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

/**
 * Each TCP connection of this machine, "localPort>remotePort": bytes sent and
 * unacknowledged, received and unread, and its socket's inode (0 while the
 * connection waits in a listener's queue, not yet accepted).
 */
type Queues = Map<string, { tx: number; rx: number; inode: string }>;
let table: { at: number; queues: Promise<Queues | undefined> } | undefined;

/** /proc/net/tcp, read at most once every 3 ms however many wait on it (it lists every socket of the machine). */
function tcpTable(): Promise<Queues | undefined> {
  const now = performance.now();
  if (table && now - table.at < 3) return table.queues;
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
      const f = row.trim().split(/\s+/); // sl local remote st tx:rx tr retrnsmt uid timeout inode
      const [, local, remote, , q] = f;
      if (!local || !remote || !q) continue;
      const port = (address: string) => parseInt(address.slice(address.lastIndexOf(":") + 1), 16);
      const [tx, rx] = q.split(":").map((h) => parseInt(h, 16));
      queues.set(`${port(local)}>${port(remote)}`, { tx: tx ?? 0, rx: rx ?? 0, inode: f[9] ?? "0" });
    }
  }
  return any ? queues : undefined;
}

/**
 * Has the program accepted our connection (`conn`: our port and the program's):
 * has the kernel given its side a socket of its own? Undefined where there is
 * no /proc, or the connection is not in the table.
 */
export async function accepted(conn: { ours: number; theirs: number }): Promise<boolean | undefined> {
  const theirs = (await tcpTable())?.get(`${conn.theirs}>${conn.ours}`);
  return theirs === undefined ? undefined : theirs.inode !== "0";
}

/** How a program took what we sent it (see taken()). */
export type Taken = "read" | "woke" | "asleep" | "ran" | "gone" | "stopped" | "unsure";

/**
 * After sending a program something, wait until it has surely had its chance to
 * read it. Over a TCP connection (`conn`: our port and the program's), the
 * kernel says it: nothing we sent is unacknowledged and nothing is unread on
 * the program's side ("read"). Otherwise (UDP, or no table to ask): it woke up
 * since `before` (a look taken before sending) and is asleep again, and nothing
 * else was sent to it meanwhile (`othersSent`), so ours is what woke it
 * ("woke"). Or it
 * slept through `quietMs` without waking, so it is not reading from us now
 * ("asleep"); or it exited or is frozen. "unsure" after `ms`: the machine is too
 * busy to tell (the program waited for a CPU all along).
 */
export async function taken(
  pid: number,
  before: Activity,
  o: { quietMs: number; ms: number; conn?: { ours: number; theirs: number }; othersSent?: () => boolean },
): Promise<Taken> {
  const start = performance.now();
  let still = { runs: before.runs, since: start };
  let unread: Queues | undefined; // the last table that showed nothing unread on the program's side
  let lastTable = -Infinity;
  for (;;) {
    await Bun.sleep(2);
    const now = activity(pid);
    if (!now) return "gone";
    if (now.stopped) return "stopped";
    const t = performance.now();
    const wokeAndSlept = !now.busy && now.runs > before.runs;
    // Over UDP, its waking is the evidence. Over TCP the kernel's word is surer: a program
    // still busy with what came before ours wakes and sleeps without having read it.
    if (wokeAndSlept && !o.othersSent?.() && !o.conn) return "woke";
    // The kernel's table is costly to read (it lists every socket of the machine): read it
    // when the program has run and gone back to sleep, or otherwise now and then.
    if (o.conn && (wokeAndSlept || t - lastTable >= 20)) {
      lastTable = t;
      const queues = await tcpTable();
      if (!queues && wokeAndSlept && !o.othersSent?.()) return "woke"; // no table to ask
      const ours = queues?.get(`${o.conn.ours}>${o.conn.theirs}`);
      const theirs = queues?.get(`${o.conn.theirs}>${o.conn.ours}`);
      // All acknowledged and nothing unread; or nothing unread in two readings of the table, a
      // moment apart (loopback delivers at once, but acknowledges a while later).
      if (ours && theirs && theirs.rx === 0 && (ours.tx === 0 || (unread && unread !== queues))) return "read";
      unread = theirs && theirs.rx === 0 ? (unread ?? queues) : undefined;
    }
    if (now.runs !== still.runs || now.busy) still = { runs: now.runs, since: t };
    else if (t - still.since >= o.quietMs) return "asleep";
    if (t - start >= o.ms) return "unsure";
  }
}
