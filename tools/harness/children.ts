/**
 * No program outlives the run that started it. Every process the harness starts
 * (a server under test, a client in a terminal, a program run to its end, a
 * redis-server) is killed when this process ends, however it ends short of
 * SIGKILL: on its own, by process.exit, or by SIGINT, SIGTERM or SIGHUP (a
 * `bun test` stopped with Ctrl+C or by a time limit). Without this, a test that
 * times out or is cut short leaves its servers running, with nobody to stop them.
 *
 * SIGKILL leaves this process no time to do anything: there the kernel does it.
 * On Linux, `diesWithUs(argv)` puts `setpriv --pdeathsig KILL --` (util-linux)
 * in front of a command: setpriv asks the kernel to kill it when its parent
 * dies, then becomes the program (the same pid, the same argv after it). It
 * reaches the programs we start, not what they start in turn (a program of ours
 * that starts others stops them itself). The kernel's parent is the thread that
 * started the program: one started from a Worker dies when that Worker ends.
 * Where setpriv is missing, or has no --pdeathsig (util-linux before 2.33), the
 * command is left as it is.
 */
import type { Subprocess } from "bun";

const alive = new Set<Subprocess>();
let hooked = false;

function killAll(): void {
  for (const proc of alive) {
    try {
      proc.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  alive.clear();
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      killAll();
      // Then die of the signal as we would have, unless someone else handles it (they decide).
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/** The pids of the programs given to killAtExit that still run. */
export function runningChildren(): number[] {
  return [...alive].filter((proc) => proc.exitCode === null && proc.signalCode === null).map((proc) => proc.pid);
}

/** Kill `proc` when this process ends, if it is still running then. */
export function killAtExit(proc: Subprocess): void {
  hook();
  alive.add(proc);
  void proc.exited.then(() => alive.delete(proc));
}

let setpriv: string | null | undefined;

/** setpriv, when it is there and knows --pdeathsig (asked once). */
function pdeathsig(): string | null {
  if (setpriv !== undefined) return setpriv;
  const path = process.platform === "linux" ? Bun.which("setpriv") : null;
  const works = path !== null && Bun.spawnSync([path, "--pdeathsig", "KILL", "--", "true"]).exitCode === 0;
  return (setpriv = works ? path : null);
}

/**
 * `argv`, made to die with this process even of SIGKILL (see above). A command
 * that cannot be found is left as it is, so that starting it fails as it would
 * have. `env` and `cwd`: those it is started with (where to look for it).
 */
export function diesWithUs(
  argv: string[],
  o: { env?: Record<string, string | undefined>; cwd?: string } = {},
): string[] {
  const wrapper = pdeathsig();
  const [command] = argv;
  if (wrapper === null || command === undefined) return argv;
  const found = Bun.which(command, { PATH: o.env?.PATH ?? process.env.PATH ?? "", cwd: o.cwd });
  return found === null ? argv : [wrapper, "--pdeathsig", "KILL", "--", ...argv];
}
