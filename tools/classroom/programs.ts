/**
 * How a student's file is run: a .ts/.js/.mjs file with this same Bun, a .py
 * file with Python 3 (the interpreter itself, found once, not a shim such as
 * pyenv's, which needs the teacher's home folder), anything else that starts
 * with "#!" as itself. The file's path stays last, so the grader can append
 * `--port N` (and `--udp`).
 */
import { accessSync, constants, readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Program } from "./grading.ts";

let python: string | undefined;

/** The Python 3 interpreter's own path (what `python3` would run), asked once. */
export function pythonPath(): string {
  if (python) return python;
  const asked = Bun.spawnSync(["python3", "-c", "import sys; print(sys.executable)"], { stderr: "ignore" });
  const path = asked.success ? asked.stdout.toString().trim() : "";
  python = path || "python3";
  return python;
}

const executable = (file: string) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The words that run `file` (the file itself last), and how to show them. */
export function runnerFor(file: string): Program {
  const name = basename(file);
  if (/\.(ts|js|mjs)$/.test(name)) return { argv: [process.execPath, file], label: `bun ${name}` };
  if (/\.py$/.test(name)) return { argv: [pythonPath(), "-u", file], label: `python3 ${name}` };
  if (executable(file)) return { argv: [file], label: `./${name}` };
  // A "#!" file without its executable bit (a zip or an upload loses it): run its interpreter.
  const line = readFileSync(file, "utf8").split("\n")[0]!.slice(2).trim().split(/\s+/);
  const words = line[0]?.endsWith("/env") ? line.slice(1) : line;
  return { argv: [...words, file], label: `${words.join(" ")} ${name}` };
}
