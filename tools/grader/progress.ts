/**
 * What the grader remembers of the learner's workspace, in workspace/.progress.json:
 * per exercise, the file it graded last, that file's hash, and its verdict. So the
 * progress bar counts every exercise, not only the one graded this time; a file
 * saved since its verdict says so ("changed since it passed"); and the file an
 * exercise is graded from stays the same until the learner names another.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { Transport } from "../harness/index.ts";
import type { ExerciseId } from "./exam.ts";
import { EXERCISE_IDS, untouched, WORKSPACE, workspaceFiles } from "./exercises.ts";

export type Remembered = {
  /** The file graded, by its name in the workspace ("01-echo.py"). */
  file: string;
  /** Its content's SHA-1 when it was graded. */
  sha1: string;
  passed: boolean;
  /** Core checks failing, of how many. */
  failing: number;
  total: number;
  transports: Transport[];
  /** When (ISO 8601). */
  at: string;
};
export type Progress = Partial<Record<ExerciseId, Remembered>>;

export const PROGRESS_FILE = ".progress.json";

export const sha1Of = (file: string): string => createHash("sha1").update(readFileSync(file)).digest("hex");

/** What the grader remembers; nothing when the file is missing or not what it wrote. */
export function readProgress(dir = WORKSPACE): Progress {
  try {
    const data = JSON.parse(readFileSync(join(dir, PROGRESS_FILE), "utf8")) as Progress;
    return Object.fromEntries(
      Object.entries(data).filter(
        ([id, r]) =>
          EXERCISE_IDS.includes(id as ExerciseId) && typeof r?.file === "string" && typeof r.sha1 === "string",
      ),
    );
  } catch {
    return {};
  }
}

/** Remember a verdict: the file graded (in the workspace) and its hash now. */
export function remember(
  id: ExerciseId,
  file: string,
  verdict: Pick<Remembered, "passed" | "failing" | "total" | "transports">,
  dir = WORKSPACE,
): void {
  if (!existsSync(file)) return;
  const progress = readProgress(dir);
  progress[id] = { file: basename(file), sha1: sha1Of(file), ...verdict, at: new Date().toISOString() };
  mkdirSync(dir, { recursive: true });
  // Written whole, then renamed: a grading stopped half-way never leaves half a file.
  const temp = join(dir, `${PROGRESS_FILE}.${process.pid}`);
  writeFileSync(temp, JSON.stringify(progress, null, 2) + "\n");
  renameSync(temp, join(dir, PROGRESS_FILE));
}

/** Is `file` one of the workspace's files for exercise `id`? (What `bun run grade 01 FILE` picks.) */
export function isExerciseFile(id: ExerciseId, file: string, dir = WORKSPACE): boolean {
  return workspaceFiles(id, dir).includes(resolve(file));
}

/**
 * The file exercise `id` is graded from: the one graded last, while it is there
 * and is not the untouched starter; else the most recently saved. The others
 * that could be it, for the screen to name.
 */
export function chosenFile(
  id: ExerciseId,
  dir = WORKSPACE,
  progress = readProgress(dir),
): { file?: string; others: string[] } {
  const all = workspaceFiles(id, dir);
  const last = progress[id] && join(dir, progress[id]!.file);
  const kept = last && all.includes(last) && !untouched(id, last) ? last : undefined;
  const file = kept ?? all[0];
  return { file, others: all.filter((f) => f !== file) };
}

export type WorkspaceState =
  | { id: ExerciseId; state: "missing" }
  | { id: ExerciseId; state: "untouched"; file: string; others: string[] }
  | { id: ExerciseId; state: "started"; file: string; others: string[] };

/** Where exercise `id` stands in the workspace: no file, the untouched starter, or started (and from which file). */
export function workspaceState(id: ExerciseId, dir = WORKSPACE, progress = readProgress(dir)): WorkspaceState {
  const { file, others } = chosenFile(id, dir, progress);
  if (!file) return { id, state: "missing" };
  return { id, state: untouched(id, file) ? "untouched" : "started", file, others };
}
