/**
 * What a jailed program needs from outside the system folders to run: the
 * interpreter it names (this Bun, a pyenv Python under /root, a ~/.bun), found
 * without running anything when its path is given, so that the jail can bind
 * that one install read-only and put its bin folder first on PATH.
 */
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { basename, dirname, isAbsolute } from "node:path";

/** The folders the jail's system mounts cover already. */
const SYSTEM = ["/usr/", "/etc/", "/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/", "/libx32/"];
export const inSystem = (path: string): boolean => SYSTEM.some((top) => `${path}/`.startsWith(top));

export type Runtime = {
  /** Install folders to bind read-only (outside the system folders). */
  installs: string[];
  /** Folders to put first on PATH, for `#!/usr/bin/env python3` and the like. */
  bins: string[];
};

/** An interpreter's install: `/x/bin/python3` -> `/x`; anything else, its own folder. */
function installOf(file: string): { install: string; bin: string } {
  const bin = dirname(file);
  return { install: basename(bin) === "bin" ? dirname(bin) : bin, bin };
}

const cache = new Map<string, string | undefined>();

/**
 * The real file a command name runs. Python is asked (a pyenv shim is a script
 * that needs the teacher's home, not the interpreter); other names are looked up
 * on PATH. Asked once per name.
 */
function resolveName(name: string): string | undefined {
  if (cache.has(name)) return cache.get(name);
  let found: string | undefined;
  if (/^python[\d.]*$/.test(name) && Bun.which(name)) {
    const script = "import os, sys; print(os.path.realpath(sys.executable))";
    const asked = Bun.spawnSync([name, "-c", script], { stdin: "ignore", stderr: "ignore" });
    found = asked.success ? asked.stdout.toString().trim() || undefined : undefined;
  } else {
    const which = Bun.which(name);
    found = which ? realpathSync(which) : undefined;
  }
  cache.set(name, found);
  return found;
}

/** The interpreter a "#!" line names: `#!/usr/bin/env python3` -> python3's file; `#!/x/bin/bun` -> that. */
function shebangOf(file: string): string | undefined {
  let first: string;
  try {
    first = readFileSync(file, "utf8").slice(0, 256).split("\n")[0]!;
  } catch {
    return undefined;
  }
  if (!first.startsWith("#!")) return undefined;
  const words = first.slice(2).trim().split(/\s+/);
  const named = basename(words[0] ?? "") === "env" ? words.slice(1).find((w) => !w.startsWith("-")) : words[0];
  if (!named) return undefined;
  return isAbsolute(named) ? (existsSync(named) ? realpathSync(named) : undefined) : resolveName(named);
}

/**
 * What `argv` needs, and this Bun always (a program may name `bun` on a "#!"
 * line). `dir` is the student's folder: a program of theirs that runs itself
 * needs its "#!" interpreter.
 */
export function runtimeFor(argv: readonly string[], dir: string): Runtime {
  const files = [realpathSync(process.execPath)];
  const first = argv[0]!;
  if (!isAbsolute(first)) {
    const file = resolveName(first);
    if (file) files.push(file);
  } else if (existsSync(first)) {
    const file = realpathSync(first);
    if (`${file}/`.startsWith(`${dir}/`)) {
      const interpreter = shebangOf(file);
      if (interpreter) files.push(interpreter);
    } else files.push(file);
  }
  const found = files.map(installOf);
  return {
    installs: [...new Set(found.map((f) => f.install))].filter((p) => !inSystem(p)),
    bins: [...new Set(found.map((f) => f.bin))],
  };
}
