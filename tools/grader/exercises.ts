/**
 * The exercises and the learner's workspace. One exercise per lesson: its
 * starter (lessons/starters/), the kit's reference program, and the learner's
 * own file in workspace/ (ignored by git), found by its number.
 */
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { programCommand, ROOT, shellWords, type Command, type Transport } from "../harness/index.ts";
import type { ExerciseId } from "./exam.ts";
import { both, type Text } from "./text.ts";

export type Exercise = {
  id: ExerciseId;
  title: Text;
  /** The starter, in lessons/starters/, copied to workspace/ under the same name. */
  starter: string;
  /** The lesson to read. */
  lesson: string;
  transports: readonly Transport[];
  /** Names another program for the lesson checks under `bun test`. */
  env: string;
  /** The kit's own program for this exercise. */
  reference: string;
};

export const EXERCISES: readonly Exercise[] = [
  {
    id: "01",
    title: both("echo server", "回声服务器"),
    starter: "01-echo.ts",
    lesson: "lessons/01-echo.ts",
    transports: ["tcp", "udp"],
    env: "LESSON_01_CMD",
    reference: "lessons/01-echo.ts",
  },
  {
    id: "02",
    title: both("hub", "聊天中心（hub）"),
    starter: "02-hub.ts",
    lesson: "lessons/02-hub.ts",
    transports: ["tcp", "udp"],
    env: "LESSON_02_CMD",
    reference: "lessons/02-hub.ts",
  },
  {
    id: "03",
    title: both("client", "客户端"),
    starter: "03-client.ts",
    lesson: "lessons/03-client.ts",
    transports: ["tcp", "udp"],
    env: "LESSON_03_CMD",
    reference: "lessons/03-client.ts",
  },
  {
    id: "04",
    title: both("chat server", "聊天服务器"),
    starter: "04-chat.ts",
    lesson: "lessons/04-chat.ts",
    transports: ["tcp", "udp"],
    env: "LESSON_04_CMD",
    reference: "src/server.ts",
  },
  {
    id: "06",
    title: both("web bridge", "网页桥"),
    starter: "06-web-window.ts",
    lesson: "lessons/06-web-window.ts",
    transports: ["tcp", "udp"],
    env: "LESSON_06_CMD",
    reference: "lessons/06-web-window.ts",
  },
];

export const EXERCISE_IDS = EXERCISES.map((e) => e.id);
export const exercise = (id: ExerciseId): Exercise => EXERCISES.find((e) => e.id === id)!;

/** The kit's own program for an exercise, run by this same Bun. */
export function referenceCommand(id: ExerciseId): Command {
  const file = exercise(id).reference;
  return { argv: [process.execPath, join(ROOT, file)], label: `bun ${file}`, custom: false };
}

/** The program under `bun test`: env LESSON_0N_CMD, else the kit's own. */
export function lessonProgram(id: ExerciseId, env: Record<string, string | undefined> = process.env): Command {
  if (id !== "04" && id !== "06") return programCommand(id, env);
  const name = exercise(id).env;
  const setting = env[name]?.trim();
  if (!setting) return referenceCommand(id);
  const words = shellWords(setting);
  if (words.length === 0) throw new Error(`${name} is set but holds no command`);
  return {
    argv: [words[0] === "bun" ? process.execPath : words[0]!, ...words.slice(1)],
    label: words.join(" "),
    custom: true,
  };
}

/** The learner's folder: workspace/ at the kit's root (GRADER_WORKSPACE names another, for the kit's own tests). */
export const WORKSPACE = process.env.GRADER_WORKSPACE ? resolve(process.env.GRADER_WORKSPACE) : join(ROOT, "workspace");
const PROGRAM_FILE = /\.(ts|js|mjs|py)$/;

/**
 * Every file of the workspace that may be an exercise's: its name starts with the
 * exercise's number ("01-echo.ts", "01_echo.py"); the most recently saved first.
 */
export function workspaceFiles(id: ExerciseId, dir = WORKSPACE): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.startsWith(id) && /^\d\d[-_.]/.test(name) && PROGRAM_FILE.test(name))
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
}

/** The most recently saved of an exercise's files in the workspace; undefined when there is none. */
export const workspaceFile = (id: ExerciseId, dir = WORKSPACE): string | undefined => workspaceFiles(id, dir)[0];

/** What --init wrote, by file name: its SHA-1 (workspace/.starters.json). */
const WRITTEN = ".starters.json";
const sha1 = (bytes: string | Buffer) => createHash("sha1").update(bytes).digest("hex");
function written(dir: string): Record<string, string> {
  try {
    return JSON.parse(readFileSync(join(dir, WRITTEN), "utf8")) as Record<string, string>;
  } catch {
    return {};
  }
}

/**
 * Is this file still its exercise's starter, byte for byte: the starter as it is
 * now, or as --init wrote it (a starter of an older kit, untouched, is not started)?
 */
export function untouched(id: ExerciseId, file: string): boolean {
  const starter = join(ROOT, "lessons", "starters", exercise(id).starter);
  const text = readFileSync(file);
  if (existsSync(starter) && text.equals(readFileSync(starter))) return true;
  return written(dirname(file))[basename(file)] === sha1(text);
}

/**
 * Bun reads bunfig.toml from the folder a command is typed in, not from the
 * package's root: this one keeps `bun run grade` typed inside workspace/ as quiet
 * as at the root (no "$ bun ..." line before it, no "error: script ... exited"
 * after a failing grade).
 */
const QUIET = `# Written by \`bun run grade --init\`: run from this folder, \`bun run grade\` prints only
# what the grader says, as it does from the kit's root (Bun reads bunfig.toml
# from the folder you are in).
[run]
silent = true
`;

/** Write workspace/bunfig.toml (see QUIET) unless there is one. Whether it did. */
export function writeQuietRun(dir = WORKSPACE): boolean {
  const file = join(dir, "bunfig.toml");
  if (existsSync(file)) return false;
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, QUIET);
  return true;
}

/** Copy starters into the workspace, never over a file that is there. Returns what it did, per exercise. */
export function writeStarters(
  ids: readonly ExerciseId[],
  dir = WORKSPACE,
): { id: ExerciseId; file: string; wrote: boolean }[] {
  mkdirSync(dir, { recursive: true });
  return ids.map((id) => {
    const own = workspaceFile(id, dir); // the learner's, whatever its name: left alone
    if (own) return { id, file: own, wrote: false };
    const file = join(dir, exercise(id).starter);
    const wrote = !existsSync(file);
    if (wrote) {
      copyFileSync(join(ROOT, "lessons", "starters", exercise(id).starter), file);
      const record = { ...written(dir), [basename(file)]: sha1(readFileSync(file)) };
      writeFileSync(join(dir, WRITTEN), JSON.stringify(record, null, 2) + "\n");
    }
    return { id, file, wrote };
  });
}

/**
 * Where the learner typed the command. `bun run` starts a script at the
 * package's root, and says where it was typed in npm_config_local_prefix (npm
 * says it in INIT_CWD); run directly, the grader is where it was started.
 */
export const invocationDir = (env: Record<string, string | undefined> = process.env): string =>
  env.INIT_CWD || env.npm_config_local_prefix || process.cwd();

let python: string | undefined;

/**
 * The Python a .py file runs with: the interpreter python3 itself runs, asked
 * once. A version manager's python3 (pyenv, asdf) is a shell script that picks
 * the interpreter at every start: a dozen programs started at once by a grading
 * took 14 s that way on a 2-core machine, against 1.5 s for the interpreter
 * itself, and a program could miss the grader's wait for it to listen.
 */
export function pythonInterpreter(): string {
  if (python) return python;
  try {
    const asked = Bun.spawnSync(["python3", "-c", "import sys; print(sys.executable)"], {
      stdout: "pipe",
      stderr: "ignore",
    });
    const path = asked.success ? asked.stdout.toString().trim() : "";
    python = path !== "" && existsSync(path) ? path : "python3";
  } catch {
    python = "python3"; // not installed: the grader says so when it runs it
  }
  return python;
}

/**
 * The command to grade, from words: as given; a lone .ts/.js file runs with Bun,
 * a .py file with python3 (see pythonInterpreter), its path taken from where the
 * learner typed it.
 */
export function commandFrom(words: string[], cwd = invocationDir()): Command {
  if (words.length === 1) {
    const one = shellWords(words[0]!);
    if (one.length > 1) words = one;
  }
  const [first, ...rest] = words;
  if (!first) throw new Error("no command to grade");
  let argv = words;
  if (/\.(ts|js|mjs|tsx)$/.test(first)) argv = [process.execPath, resolve(cwd, first), ...rest];
  else if (/\.py$/.test(first)) argv = [pythonInterpreter(), "-u", resolve(cwd, first), ...rest];
  else if (first === "bun") argv = [process.execPath, ...rest];
  return { argv, label: words.join(" "), custom: true };
}
