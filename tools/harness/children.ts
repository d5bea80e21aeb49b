/**
 * No program outlives the run that started it. Every process the harness starts
 * (a server under test, a client in a terminal, a program run to its end, a
 * redis-server) is killed when this process ends, however it ends short of
 * SIGKILL: on its own, by process.exit, or by SIGINT, SIGTERM or SIGHUP (a
 * `bun test` stopped with Ctrl+C or by a time limit). Without this, a test that
 * times out or is cut short leaves its servers running, with nobody to stop them.
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

/** Kill `proc` when this process ends, if it is still running then. */
export function killAtExit(proc: Subprocess): void {
  hook();
  alive.add(proc);
  void proc.exited.then(() => alive.delete(proc));
}
