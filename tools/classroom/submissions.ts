/**
 * Finding a class's submissions, in the layouts teachers have:
 *
 * - a folder with one folder per student, named by the student's id (any script);
 * - Moodle's "Download all submissions" zip, or that zip unpacked: a folder per
 *   student and plugin, "Full Name_123456_assignsubmission_file" (Moodle 3.1 and
 *   later; older ones end in "_"), or every file flat in the zip, named
 *   "Full Name_123456_assignsubmission_file_01-echo.py"; the student's id is then
 *   "Full Name_123456" (unique: Moodle's participant number);
 * - a folder of GitHub Classroom clones, "assignment-username" each with its
 *   .git: the student's id is the GitHub username.
 *
 * In each student's folder (and up to two folders deep, e.g. workspace/; hidden
 * files and folders left out), an
 * exercise is a file named as in workspace/: "01-echo.py", "02_hub.ts", a .ts,
 * .js or .mjs file (run with Bun), a .py file (python3), or any file that starts
 * with "#!" (run as itself). Zips inside a Moodle zip are unpacked too.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join, normalize, relative, resolve, sep } from "node:path";
import { unzipSync } from "fflate";
import { EXERCISE_IDS, type ExerciseId } from "./grading.ts";

export type Layout = "folders" | "moodle" | "github-classroom";

/** A note about a student's submission, for the teacher. */
export type Note =
  | { kind: "wrong-name"; file: string }
  | { kind: "several"; exercise: ExerciseId; chosen: string; others: string[] }
  | { kind: "zip-inside"; file: string }
  | { kind: "empty" };

export type Student = {
  id: string;
  /** The student's own folder: the only one their programs may read. */
  dir: string;
  /** Per exercise, the file to grade (absolute). */
  files: Partial<Record<ExerciseId, string>>;
  notes: Note[];
};

export type Class = { layout: Layout; root: string; students: Student[] };

const PROGRAM = /\.(ts|js|mjs|py)$/;
const SKIP = new Set(["node_modules", "__pycache__", "__MACOSX"]);
/** "Full Name_123456_assignsubmission_file" (and "_onlinetext", with or without a last "_"). */
const MOODLE_FOLDER = /^(.+_\d+)_assign(?:submission|feedback)_[a-z]+_?$/;
/** "Full Name_123456_assignsubmission_file_01-echo.py": a flat Moodle zip. */
const MOODLE_FLAT = /^(.+_\d+)_assign(?:submission|feedback)_[a-z]+_(.+)$/;

/** The exercise a file's name says, or undefined: "01-echo.py", "01_echo.ts", "02.hub.py". */
export function exerciseOfName(name: string): ExerciseId | undefined {
  const m = /^(\d\d)[-_.]/.exec(name);
  return m && EXERCISE_IDS.includes(m[1] as ExerciseId) ? (m[1] as ExerciseId) : undefined;
}

const startsWithShebang = (file: string): boolean => {
  try {
    return readFileSync(file).subarray(0, 2).toString() === "#!";
  } catch {
    return false;
  }
};

/** Does this file look like a program (by its extension, or a "#!" line)? */
export const isProgram = (file: string): boolean => PROGRAM.test(file) || startsWithShebang(file);

/** Files under `dir`, two folders deep at most, without hidden folders and node_modules. */
function filesUnder(dir: string, depth = 2): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (depth > 0 && !entry.name.startsWith(".") && !SKIP.has(entry.name)) out.push(...filesUnder(path, depth - 1));
    } else if (entry.isFile() && !entry.name.startsWith(".")) out.push(path);
  }
  return out;
}

/** A student's exercises, from their folder. */
export function studentOf(id: string, dir: string): Student {
  const notes: Note[] = [];
  const found = new Map<ExerciseId, string[]>();
  const all = existsSync(dir) ? filesUnder(dir) : [];
  for (const file of all) {
    const name = basename(file);
    const id = exerciseOfName(name);
    if (name.endsWith(".zip")) notes.push({ kind: "zip-inside", file: relative(dir, file) });
    else if (id && isProgram(file)) found.set(id, [...(found.get(id) ?? []), file]);
    else if (PROGRAM.test(name) || (!name.includes(".") && startsWithShebang(file)))
      notes.push({ kind: "wrong-name", file: relative(dir, file) });
  }
  const files: Student["files"] = {};
  for (const [ex, list] of [...found].sort(([a], [b]) => a.localeCompare(b))) {
    // The newest, as in workspace/: a learner who saved 01-echo.py after 01-echo.ts means the .py.
    const sorted = list.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs || a.localeCompare(b));
    files[ex] = sorted[0];
    if (sorted.length > 1)
      notes.push({
        kind: "several",
        exercise: ex,
        chosen: relative(dir, sorted[0]!),
        others: sorted.slice(1).map((f) => relative(dir, f)),
      });
  }
  if (all.length === 0) notes.push({ kind: "empty" });
  return { id, dir, files, notes };
}

const folders = (dir: string) =>
  readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith(".") && !SKIP.has(e.name))
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b));

/** The longest "name-" that every name starts with, or "". */
function commonDashPrefix(names: string[]): string {
  if (names.length < 2) return "";
  let prefix = names[0]!;
  for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const cut = prefix.lastIndexOf("-");
  return cut > 0 ? prefix.slice(0, cut + 1) : "";
}

/** The class in a folder: Moodle's folders, GitHub Classroom clones, or a folder per student. */
export function classInFolder(root: string): Class {
  const names = folders(root);
  if (names.length > 0 && names.every((n) => MOODLE_FOLDER.test(n))) {
    // One student may have several plugin folders (files, online text): one student.
    const byStudent = new Map<string, string[]>();
    for (const n of names) {
      const id = MOODLE_FOLDER.exec(n)![1]!;
      byStudent.set(id, [...(byStudent.get(id) ?? []), join(root, n)]);
    }
    const students = [...byStudent].map(([id, dirs]) => {
      const parts = dirs.map((d) => studentOf(id, d));
      const withFiles = parts.find((p) => Object.keys(p.files).length > 0) ?? parts[0]!;
      return {
        ...withFiles,
        notes: parts.flatMap((p) => p.notes).filter((n) => n.kind !== "empty" || parts.length === 1),
      };
    });
    return { layout: "moodle", root, students };
  }
  const prefix = commonDashPrefix(names);
  if (prefix && names.every((n) => existsSync(join(root, n, ".git")) && n.length > prefix.length))
    return {
      layout: "github-classroom",
      root,
      students: names.map((n) => studentOf(n.slice(prefix.length), join(root, n))),
    };
  return { layout: "folders", root, students: names.map((n) => studentOf(n, join(root, n))) };
}

/** Where an entry of a zip goes under `into`, or undefined when it would leave it. */
function safePath(into: string, name: string): string | undefined {
  const clean = normalize(name.replace(/\\/g, "/"));
  if (clean.startsWith("..") || clean.startsWith("/") || clean.includes(`..${sep}`)) return undefined;
  const path = resolve(into, clean);
  return path.startsWith(resolve(into) + sep) ? path : undefined;
}

/** Unpack a zip's files into `into`; entries that would land outside it are left out. */
export function unzipInto(zip: Uint8Array, into: string): string[] {
  const written: string[] = [];
  for (const [name, bytes] of Object.entries(unzipSync(zip))) {
    if (name.endsWith("/")) continue;
    const path = safePath(into, name);
    if (!path) continue;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
    written.push(path);
  }
  return written;
}

/**
 * Moodle's zip, unpacked into `into` as one folder per student: folders as they
 * are, flat files moved into "Full Name_123456_assignsubmission_file/", and a zip
 * a student sent unpacked where it lies.
 */
export function unpackMoodleZip(zip: string, into: string): Class {
  rmSync(into, { recursive: true, force: true });
  mkdirSync(into, { recursive: true });
  const raw = join(into, ".raw");
  for (const path of unzipInto(readFileSync(zip), raw)) {
    const inside = relative(raw, path);
    const top = inside.split(sep)[0]!;
    const flat = inside === top ? MOODLE_FLAT.exec(top) : null;
    const target = flat ? join(into, `${flat[1]}_assignsubmission_file`, flat[2]!) : join(into, inside);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, readFileSync(path));
    if (extname(target) !== ".zip") continue;
    unzipInto(readFileSync(target), target.replace(/\.zip$/, ""));
    rmSync(target);
  }
  rmSync(raw, { recursive: true, force: true });
  const found = classInFolder(into);
  return { ...found, layout: "moodle" };
}

/** The class given on the command line: a folder, or a zip unpacked into `unpackTo`. */
export function findClass(input: string, unpackTo: string): Class {
  if (statSync(input).isFile()) return unpackMoodleZip(input, unpackTo);
  return classInFolder(input);
}
