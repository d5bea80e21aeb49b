/**
 * The sandbox as the class grader uses it (sandbox.ts builds it with
 * bubblewrap): a grading worker in a network of its own, loopback only, so
 * ports never collide between students; each student program jailed inside it.
 * With --no-sandbox both are the plain command, and the teacher is told what
 * that gives up.
 */
import type { Lang } from "./grading.ts";
import { isolatedNetwork, jail, noSandboxWarning, sandboxAvailable } from "./sandbox.ts";

export { noSandboxWarning };

export type Isolation = {
  sandboxed: boolean;
  /** Wrap a grading worker. */
  network(argv: string[]): string[];
  /**
   * Wrap a student's program, its folder the only one it may read. `slot`: the
   * worker's lane, so that programs graded at the same time run as different users
   * (a limit on processes then counts one student's only). Throws when the jail
   * could not be made (a folder the jail's user cannot read).
   */
  jail(argv: string[], dir: string, slot: number): string[];
};

const NONE: Isolation = { sandboxed: false, network: (argv) => argv, jail: (argv) => argv };

const SANDBOX: Isolation = {
  sandboxed: true,
  network: (argv) => isolatedNetwork(argv),
  jail: (argv, dir, slot) => jail(argv, { dir, slot }),
};

/**
 * The isolation to grade with: the sandbox, or (sandbox false) none. Throws
 * with one line for the teacher when the sandbox is asked for and cannot run.
 */
export async function isolation(sandbox: boolean, lang: Lang): Promise<Isolation> {
  if (!sandbox) return NONE;
  const ok = sandboxAvailable(lang);
  if (!ok.ok) throw new Error(ok.why);
  return SANDBOX;
}
