/**
 * --watch: grade again when a file is saved. The folder is watched, not the
 * file: many editors save by writing a new file and renaming it over the old
 * one, and a watch on the old file would see that once and then never again.
 * An event counts only when what is graded really changed (its content, or in
 * a folder the names, sizes and times of its files), so editor swap files,
 * backups and the page `--html` writes do not start a grading.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, watch } from "node:fs";
import { dirname, join } from "node:path";

/** What a file or a folder looks like now; grading starts again only when this changes. */
export function fingerprint(path: string): string {
  if (!existsSync(path)) return "(gone)";
  if (statSync(path).isFile()) return createHash("sha1").update(readFileSync(path)).digest("hex");
  return (
    readdirSync(path)
      // Not the report --html writes here (report.html and its stamp): writing it would start a grading.
      .filter((name) => !name.startsWith(".") && !/(~|\.swp|\.swx|\.tmp|\.html|\.stamp\.js)$/.test(name))
      .sort()
      .map((name) => {
        const s = statSync(join(path, name), { throwIfNoEntry: false });
        return s?.isFile() ? `${name} ${s.size} ${s.mtimeMs}` : "";
      })
      .join("\n")
  );
}

/**
 * Run `job` now, and again after every change to `path` (a file, or a folder and
 * the files in it). Runs never overlap: a change during a run starts one more
 * run after it. Watches until `stop` is aborted (or Ctrl+C ends the process).
 */
export async function watchFolder(
  path: string,
  job: () => Promise<unknown>,
  o: { debounceMs?: number; stop?: AbortSignal } = {},
) {
  const debounceMs = o.debounceMs ?? 150;
  const isFile = existsSync(path) && statSync(path).isFile();
  const folder = isFile ? dirname(path) : path;
  let last = fingerprint(path);
  const changed = () => {
    const now = fingerprint(path);
    if (now === last) return false;
    last = now;
    return true;
  };
  let running = false;
  let again = false;
  const run = async (): Promise<void> => {
    running = true;
    try {
      await job();
    } finally {
      running = false;
    }
    if (again) {
      again = false;
      if (changed()) return run();
    }
  };
  let timer: Timer | undefined;
  const watcher = watch(folder, () => {
    // Any event in the folder: a save by rename shows up under a temporary name
    // first. The fingerprint decides whether what is graded changed.
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (running) again = true;
      else if (changed()) void run();
    }, debounceMs);
  });
  if (!o.stop) process.on("SIGINT", () => process.exit(0));
  await run();
  await new Promise<void>((resolve) => o.stop?.addEventListener("abort", () => resolve()));
  watcher.close();
  clearTimeout(timer);
}
