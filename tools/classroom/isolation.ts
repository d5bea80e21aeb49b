/**
 * The sandbox as the class grader uses it (tools/classroom/sandbox.ts builds it
 * with bubblewrap): a grading worker in a network of its own, loopback only, so
 * ports never collide between students; each student program jailed inside it.
 * With --no-sandbox both are the plain command, and the teacher is told what
 * that gives up.
 */
import { join } from "node:path";
import type { Lang } from "./grading.ts";

/** Memory, processes, CPU time and file size: sandbox.ts's own type, kept opaque here. */
export type Limits = Record<string, unknown>;

type SandboxModule = {
  sandboxAvailable(): { ok: true } | { ok: false; why: string };
  isolatedNetwork(argv: string[]): string[];
  jail(argv: string[], opts: { dir: string; limits: Limits }): string[];
  noSandboxWarning(lang: Lang): string;
  DEFAULT_LIMITS: Limits;
};

export type Isolation = {
  sandboxed: boolean;
  /** Wrap a grading worker. */
  network(argv: string[]): string[];
  /** Wrap a student's program, its folder the only one it may read. */
  jail(argv: string[], dir: string): string[];
};

const NONE: Isolation = { sandboxed: false, network: (argv) => argv, jail: (argv) => argv };

async function load(): Promise<SandboxModule | undefined> {
  try {
    return (await import(join(import.meta.dir, "sandbox.ts"))) as SandboxModule;
  } catch {
    return undefined;
  }
}

/**
 * The isolation to grade with: the sandbox, or (sandbox false) none. Throws
 * with one line for the teacher when the sandbox is asked for and cannot run.
 */
export async function isolation(sandbox: boolean, lang: Lang): Promise<Isolation> {
  if (!sandbox) return NONE;
  const m = await load();
  if (!m)
    throw new Error(
      lang === "zh" ? "这个版本还没有沙箱：加 --no-sandbox" : "no sandbox in this version: add --no-sandbox",
    );
  const ok = m.sandboxAvailable();
  if (!ok.ok) throw new Error(ok.why);
  return {
    sandboxed: true,
    network: (argv) => m.isolatedNetwork(argv),
    jail: (argv, dir) => m.jail(argv, { dir, limits: m.DEFAULT_LIMITS }),
  };
}

/** What --no-sandbox gives up, in one line (sandbox.ts's words when it is there). */
export async function noSandboxWarning(lang: Lang): Promise<string> {
  const m = await load();
  if (m) return m.noSandboxWarning(lang);
  return lang === "zh"
    ? "没有沙箱：学生的程序以你的身份运行，能读写你能读写的一切，也能改动评分"
    : "no sandbox: students' programs run as you, can read and write what you can, and can tamper with grading";
}
