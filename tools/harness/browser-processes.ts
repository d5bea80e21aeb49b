/**
 * Chromium's processes, as the harness keeps track of them: which are ours
 * (each names its profile folder, which names this process), whether one has
 * ended, and the profile folders left by a process killed outright.
 */
import type { Subprocess } from "bun";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Every profile folder this process makes starts with this, and every Chromium
 * process names its profile on its command line: `pgrep -f PROFILE_MARK` finds
 * ours and nobody else's.
 */
export const PROFILE_MARK = `chat-kit-chromium-${process.pid}-`;

/** Remove the profiles left by processes that were killed (SIGKILL) before they could, once nothing runs in them. */
export function removeStaleProfiles(): void {
  for (const name of readdirSync(tmpdir())) {
    const owner = Number(/^chat-kit-chromium-(\d+)-/.exec(name)?.[1]);
    if (!owner || owner === process.pid || alive(owner) || chromiumPids(name).length > 0) continue;
    rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === "EPERM";
  }
}

/** Whether `proc` ends within `ms` (no timer left behind to keep this process alive). */
export function endsWithin(proc: Subprocess, ms: number): Promise<boolean> {
  let timer: Timer | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(resolve, ms, false)));
  return Promise.race([proc.exited.then(() => true), late]).finally(() => clearTimeout(timer));
}

/**
 * The pids of the Chromium processes still running whose command line holds
 * `mark`: by default every one this process started (each names its profile
 * folder, which starts with PROFILE_MARK); a Browser's `profile` for its own.
 * An ended process waiting to be reaped (a zombie) has no command line and is
 * not counted.
 */
export function chromiumPids(mark = PROFILE_MARK): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, "utf8").includes(mark)) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
