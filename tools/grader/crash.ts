/**
 * What a program's own output says about how it died: the error it raised
 * (Python's traceback, Bun's uncaught error), where in the learner's own file,
 * and what kind of error it is: a network condition the program should have
 * handled (a reset, a bounce, a character cut in two), or a mistake in its own
 * code (a TypeError, a NameError), which is a crash to be told as such.
 */
import { relative, resolve } from "node:path";
import type { MisconceptionId } from "./misconceptions.ts";

export type Crash = {
  /** The error's own line: "TypeError: undefined is not an object (evaluating 's.data.buffered')". */
  error: string;
  /** Where, in the learner's file when the error passed through it: "workspace/01-echo.ts:63". */
  where?: string;
  /** What it means: a misconception of its own, or "crash" for a mistake in the program's own code. */
  kind: MisconceptionId;
};

/** The kind of an error line: a network condition the program should handle, or its own mistake. */
function kindOf(error: string): MisconceptionId {
  if (/UnicodeDecodeError/.test(error)) return "decode-per-read";
  if (/Address already in use|EADDRINUSE/.test(error)) return "hard-coded-port";
  if (/BlockingIOError/.test(error)) return "writes-assumed-complete";
  if (/^(KeyboardInterrupt|EOFError)/.test(error)) return "no-clean-leave";
  // select() on a socket that was closed but kept in the list of clients.
  if (/file descriptor cannot be a negative integer|Bad file descriptor|EBADF/.test(error))
    return "clients-never-removed";
  const network =
    /ConnectionResetError|BrokenPipeError|ConnectionAbortedError|ConnectionRefusedError|ECONNRESET|EPIPE|ECONNREFUSED/;
  if (network.test(error)) return "crash-on-reset";
  return "crash";
}

/** A Python traceback: its error line, and the deepest frame in one of `files` (else the deepest outside Python's own). */
function python(lines: string[], files: Set<string>): { error: string; frame?: [string, string] } | undefined {
  const start = lines.findLastIndex((l) => l.startsWith("Traceback (most recent call last):"));
  if (start < 0) return undefined;
  const frames: [string, string][] = [];
  let error: string | undefined;
  for (const line of lines.slice(start + 1)) {
    const frame = /^\s+File "(.+)", line (\d+)/.exec(line);
    if (frame) frames.push([frame[1]!, frame[2]!]);
    else if (/^[A-Za-z_][\w.]*(:|$)/.test(line)) {
      error = line;
      break;
    }
  }
  if (!error) return undefined;
  const own = frames.filter(([f]) => files.has(resolve(f)));
  const outside = frames.filter(([f]) => !/\/lib\/python|<frozen/.test(f));
  return { error, frame: (own.length > 0 ? own : outside).at(-1) };
}

/** Bun's uncaught error: "TypeError: ..." then "at fn (/path/file.ts:63:9)". */
function bun(lines: string[], files: Set<string>): { error: string; frame?: [string, string] } | undefined {
  const at = lines.findLastIndex((l) => /^(\w*Error|error)(: |$)/.test(l));
  if (at < 0) return undefined;
  const frames: [string, string][] = [];
  for (const line of lines.slice(at + 1)) {
    const m = /^\s+at .*?\(?((?:\/|[A-Za-z]:)[^():]+):(\d+)(?::\d+)?\)?$/.exec(line);
    if (m) frames.push([m[1]!, m[2]!]);
    else if (line.trim() !== "") break;
  }
  const own = frames.filter(([f]) => files.has(resolve(f)));
  const outside = frames.filter(([f]) => !/node_modules|^node:|\[native code\]/.test(f));
  return { error: lines[at]!, frame: own[0] ?? outside[0] };
}

/**
 * The error a program's output ends with, if it shows one. `files`: the
 * program's own files (the words of its command line), so the place shown is
 * the learner's line, not a line inside a library.
 */
export function crashIn(output: string, files: string[], cwd = process.cwd()): Crash | undefined {
  const lines = output.split("\n").map((l) => l.replace(/\s+$/, ""));
  const mine = new Set(files.map((f) => resolve(cwd, f)));
  const found = python(lines, mine) ?? bun(lines, mine);
  if (!found) return undefined;
  const error = found.error.length > 160 ? found.error.slice(0, 159) + "…" : found.error;
  const where = found.frame ? `${relative(cwd, found.frame[0]) || found.frame[0]}:${found.frame[1]}` : undefined;
  return { error, where, kind: kindOf(found.error) };
}
