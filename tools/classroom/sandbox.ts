/**
 * The sandbox a class is graded in: command lines built from Debian's bubblewrap
 * (`bwrap`) and tools every Debian system has (bash; setpriv and prlimit from
 * util-linux). Two layers:
 *
 * - `isolatedNetwork(argv)` runs one student's grading worker (trusted) in a
 *   network of its own with only a loopback, so ports never collide between
 *   students and nothing beyond the machine can be reached; everything the worker
 *   started ends with it.
 * - `jail(argv, { dir })` runs one of that student's programs, inside the worker:
 *   a read-only system, a private /tmp, the student's folder only (read-only), a
 *   PID namespace and a session of its own (it sees and signals nobody outside),
 *   another uid when the grader is root, and limits on memory, processes, CPU
 *   time and file size. It keeps the worker's loopback, so the worker reaches it.
 *
 * The program's argv stays last (the grader appends `--port N`), and env PORT
 * passes through; no other variable of the grader's does. SIGTERM, SIGINT,
 * SIGHUP and SIGQUIT sent to the jail reach the program, and the jail ends as
 * the program did (its exit code, or killed by the same signal), so a check
 * about stopping on SIGTERM reads the same with or without the sandbox.
 *
 * As root, bwrap needs nothing more, and each program runs as a uid of its own
 * (60000 and up, see sandboxUid). As a normal user, bwrap makes a user namespace
 * (the kernel must allow it), and programs run as that user, still unable to see
 * or signal anything outside.
 *
 * What it does not protect: the kernel itself (a program talks to the same
 * kernel; a kernel bug can break any namespace); the worker's loopback (a program
 * may connect to any port the worker listens on, and to a program of the same
 * student graded at the same time); what the system folders hold (/usr, /etc
 * and the interpreters are readable, as to any user); the machine's memory as a
 * whole (the limit is per process: 64 processes of 1 GiB each could still touch
 * 64 GiB); and the CPU and the disk bandwidth it shares with the other workers.
 */
import { existsSync, lstatSync, readdirSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

import { inSystem, runtimeFor } from "./sandbox-runtimes.ts";

export { noSandboxWarning, sandboxAvailable, type SandboxCheck } from "./sandbox-check.ts";

const MiB = 1024 * 1024;

export type Limits = {
  /** Address space of each process (RLIMIT_AS), in bytes. */
  memoryBytes: number;
  /**
   * Processes and threads together (RLIMIT_NPROC): as root, of the program's own
   * uid; as a normal user, of the jail's user namespace.
   */
  processes: number;
  /** CPU time of each process (RLIMIT_CPU), in seconds: then SIGXCPU, a second later SIGKILL. */
  cpuSeconds: number;
  /** The largest file it may write (RLIMIT_FSIZE), in bytes. */
  fileBytes: number;
  /** Its private /tmp, held in memory, in bytes. */
  tmpBytes: number;
};

/**
 * The limits a student's program runs under. Measured on Bun 1.4.5 and
 * Python 3.11, Debian 12, x86-64 (see tests/classroom/sandbox.test.ts):
 */
export const DEFAULT_LIMITS: Readonly<Limits> = {
  // Address space, not resident memory: JSC reserves far more than it touches.
  // Jailed, Bun starts with 368 MiB but not with 352 MiB (SIGABRT); a Bun program
  // holding 2 million small objects (220 MB resident) crashes at 768 MiB but runs
  // at 1 GiB. A 2 GiB allocation fails at once: MemoryError in Python,
  // "RangeError: Out of memory" in Bun. (A cgroup memory limit would let a lazy
  // 2 GiB allocation succeed and kill the program only when it touches the pages.)
  memoryBytes: 1024 * MiB,
  // Threads count too: Bun runs 7 to 9 threads, a Python hub one per client (the
  // checks connect at most a handful). A fork bomb stops at 64.
  processes: 64,
  // Chat programs mostly wait on their sockets, and a check lasts seconds: only
  // a busy loop (or many busy threads) gets near 20 s of CPU.
  cpuSeconds: 20,
  // The chat programs write no files; a log or a scratch file in /tmp fits.
  fileBytes: 16 * MiB,
  tmpBytes: 64 * MiB,
};

/**
 * Each program runs as a uid of its own when the grader is root, so that
 * RLIMIT_NPROC counts that one program's processes and threads: a worker slot
 * has UIDS_PER_SLOT of them, taken in turn by the programs it starts (the checks
 * of one student run up to four per CPU at once; eight Bun programs sharing one
 * uid would have been 70 threads against a limit of 64, and a correct program
 * could fail to start a thread, or to exit). The range is isolate's (the sandbox
 * of many online judges): 60000 and up, above ordinary and system users.
 */
export const JAIL_UID_BASE = 60000;
const UIDS_PER_SLOT = 16;
/** The first uid of a worker slot's programs. */
export const sandboxUid = (slot: number): number => JAIL_UID_BASE + ((slot * UIDS_PER_SLOT) % 5000);
let jailed = 0;
/** The uid of the next program a slot starts. */
const nextUid = (slot: number): number => sandboxUid(slot) + (jailed++ % UIDS_PER_SLOT);

export type JailOptions = {
  /** The student's folder: the only one the program sees (read-only), and its working directory. */
  dir: string;
  /** Limits on top of DEFAULT_LIMITS. */
  limits?: Partial<Limits>;
  /**
   * The worker slot (0, 1, ...), for the uids of its programs when the grader is root.
   * Default: from this process's id, so two workers rarely share one.
   */
  slot?: number;
  /** More environment variables for the program (PORT passes through by itself). */
  env?: Record<string, string>;
};

const isRoot = () => process.getuid?.() === 0;

/**
 * The command line that runs `argv` jailed (see the top of this file). Throws
 * when `dir` is not a folder, or (as root) the jail's uid could not read it.
 */
export function jail(argv: string[], o: JailOptions): string[] {
  if (argv.length === 0) throw new Error("jail: no program to run");
  const dir = realpathSync(resolve(o.dir));
  const info = statSync(dir);
  if (!info.isDirectory()) throw new Error(`jail: not a folder: ${o.dir}`);
  if (isRoot() && !othersCanRead(dir))
    throw new Error(`jail: the student's program runs as another user and cannot read ${dir} (chmod -R a+rX it)`);
  const limits = { ...DEFAULT_LIMITS, ...o.limits };
  const paths = new Set<string>();
  const mounts = [...systemMounts(), "--dev", "/dev", "--proc", "/proc"];
  mounts.push("--perms", "1777", "--size", String(limits.tmpBytes), "--tmpfs", "/tmp");
  const runtime = runtimeFor(argv, dir);
  for (const install of runtime.installs) mounts.push(...bindAt(install, paths));
  mounts.push(...bindAt(dir, paths));
  // Nothing more may be written outside /tmp: not the root the folders above were
  // made in, not /dev (a tmpfs of its own, which a program could fill).
  mounts.push("--remount-ro", "/dev", "--remount-ro", "/");
  const namespaces = ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--hostname", "jail"];
  if (!isRoot()) namespaces.push("--unshare-user", "--disable-userns");
  // One process between bwrap and the program: the uid drop as root; in a user
  // namespace, the process limit (set before it, it would count all our processes).
  const inside = isRoot()
    ? dropTo(nextUid(o.slot ?? process.pid % 312))
    : ["prlimit", `--nproc=${limits.processes}`, "--"];
  const env = Object.entries(environment(runtime.bins, o.env ?? {})).flatMap(([k, v]) => ["--setenv", k, v]);
  const bwrap = [
    "bwrap",
    "--clearenv",
    ...env,
    ...mounts,
    ...namespaces,
    "--new-session",
    "--die-with-parent",
    "--chdir",
    dir,
  ];
  return ["/bin/bash", "-c", RELAY, "jail", ...relayLimits(limits), ...bwrap, "--", ...inside, ...argv];
}

/** The folder, and each file in it, readable by any user (the jail's uid is not the grader's). */
function othersCanRead(dir: string): boolean {
  if ((statSync(dir).mode & 0o005) !== 0o005) return false;
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .every((entry) => (statSync(join(dir, entry.name)).mode & 0o004) !== 0);
}

/**
 * The command line that runs a grading worker in a network namespace of its own,
 * with only a loopback (bwrap brings it up), and a PID namespace so that
 * everything it started (its jails included) ends when it does. A new session:
 * no program under it can reach the teacher's terminal.
 */
export function isolatedNetwork(argv: string[]): string[] {
  const user = isRoot() ? [] : ["--unshare-user"];
  return [
    "bwrap",
    ...user,
    ...["--dev-bind", "/", "/", "--proc", "/proc"],
    ...["--unshare-net", "--unshare-pid", "--die-with-parent", "--new-session", "--"],
    ...argv,
  ];
}

/**
 * The jail's outermost process: a bash script that sets the limits, then runs
 * bwrap ("$@") and stands between it and the worker, because bwrap neither passes
 * signals on (SIGTERM kills bwrap, and with it the program at once) nor dies the
 * way its program died (it exits with 128 + the signal's number). So bwrap runs
 * in a process group of its own (job control), which no signal reaches; HUP, INT,
 * QUIT and TERM sent to the relay go on to the program alone, as they would reach
 * an unjailed program (its process id: bwrap's child's child, found in /proc);
 * and when bwrap exits with 128 + N, the relay kills itself with signal N.
 * The program is in a session of its own (--new-session): it keeps reading a
 * terminal it was given, but cannot signal the worker's process group, and
 * Ctrl+C typed there reaches it through the relay. PORT, if set, goes in with
 * --setenv, right after bwrap's --clearenv. SIGKILL kills the relay, then bwrap
 * (--die-with-parent), and with it the program's whole PID namespace.
 */
const RELAY = `
ulimit -c 0 -v $1 -f $3 && ulimit -t $(($2 + 1)) && ulimit -S -t $2 || exit 125
if [ $4 != - ]; then ulimit -u $4 || exit 125; fi
shift 4
if [ -n "\${PORT+set}" ]; then set -- "$1" "$2" --setenv PORT "$PORT" "\${@:3}"; fi
set -m
"$@" &
jail=$!
set +m
children() {
  local stat line
  for stat in /proc/[0-9]*/stat; do
    read -r line 2>/dev/null <"$stat" || continue
    line=\${line##*) }; line=\${line#* }
    if [ "\${line%% *}" = "$1" ]; then stat=\${stat%/stat}; echo "\${stat#/proc/}"; fi
  done
}
pass() {
  local init program
  for init in $(children $jail); do
    for program in $(children $init); do kill -$1 $program 2>/dev/null; done
  done
}
for s in HUP INT QUIT TERM; do trap "pass $s" $s; done
while :; do wait $jail; status=$?; kill -0 $jail 2>/dev/null || break; done
if [ $status -gt 128 ] && [ $status -lt 160 ]; then trap - $((status - 128)); kill -$((status - 128)) $$; fi
exit $status`;

/**
 * The limits, for the relay's `ulimit` (bash counts KiB): address space, CPU
 * seconds (then SIGXCPU; SIGKILL a second later), file size; no core files; and
 * processes as root ("-" otherwise). Set on the relay, they hold for bwrap too,
 * which needs little; root's own processes are exempt from the process limit.
 */
const relayLimits = (l: Limits) => [
  String(Math.floor(l.memoryBytes / 1024)),
  String(l.cpuSeconds),
  String(Math.floor(l.fileBytes / 1024)),
  isRoot() ? String(l.processes) : "-",
];

/** As root: become the jail's uid, with no groups, no capabilities, and no way to gain any (setuid files). */
const dropTo = (uid: number) => [
  "setpriv",
  `--reuid=${uid}`,
  `--regid=${uid}`,
  "--clear-groups",
  "--inh-caps=-all",
  "--bounding-set=-all",
  "--no-new-privs",
  "--",
];

/** The program's whole environment but PORT: PATH (the runtimes first), HOME=/tmp, LANG, and `extra`. */
function environment(bins: string[], extra: Record<string, string>): Record<string, string> {
  const path = [...new Set([...bins, "/usr/local/bin", "/usr/bin", "/bin"])].join(":");
  return { PATH: path, HOME: "/tmp", LANG: "C.UTF-8", ...extra };
}

/** Folders of the system, read-only; on a merged-/usr system /bin, /lib... are links into /usr. */
function systemMounts(): string[] {
  const out = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"];
  for (const top of ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]) {
    if (!existsSync(top)) continue;
    if (lstatSync(top).isSymbolicLink()) out.push("--symlink", readlinkSync(top), top);
    else out.push("--ro-bind", top, top);
  }
  return out;
}

/**
 * `path` read-only at the same place, its parent folders made first (bwrap would
 * make them 0700, which the jail's uid could not cross). `made` remembers them.
 */
function bindAt(path: string, made: Set<string>): string[] {
  const out: string[] = [];
  const parents: string[] = [];
  for (let p = dirname(path); p !== "/" && !made.has(p); p = dirname(p)) parents.unshift(p);
  for (const p of parents) {
    if (p === "/tmp" || inSystem(p)) continue;
    made.add(p);
    out.push("--perms", "0755", "--dir", p);
  }
  return [...out, "--ro-bind", path, path];
}
