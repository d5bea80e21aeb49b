/**
 * Which program runs: a command line split into words like a shell would, the
 * kit's own lesson or the one named by LESSON_0N_CMD, and `--udp` for UDP.
 */
import { join } from "node:path";
import type { Transport } from "./ports.ts";

/** The repository root, so the default commands work from any working directory. */
export const ROOT = join(import.meta.dir, "..", "..");

export type LessonId = "01" | "02" | "03";
export const LESSONS: Record<LessonId, { env: string; file: string; what: string }> = {
  "01": { env: "LESSON_01_CMD", file: "lessons/01-echo.ts", what: "echo server" },
  "02": { env: "LESSON_02_CMD", file: "lessons/02-hub.ts", what: "chat hub" },
  "03": { env: "LESSON_03_CMD", file: "lessons/03-client.ts", what: "chat client" },
};

/**
 * Split a command line into words like a POSIX shell: whitespace separates words,
 * '...' is literal, "..." allows \" \\ \$ \`, a backslash outside quotes escapes the
 * next character. No variables, globs or operators. Throws on an unclosed quote.
 */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unclosed ' in command: ${line}`);
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (ch === '"') {
      inWord = true;
      for (i++; ; i++) {
        if (i >= line.length) throw new Error(`unclosed " in command: ${line}`);
        const c = line[i]!;
        if (c === '"') break;
        if (c === "\\" && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) word += line[++i];
        else word += c;
      }
    } else if (ch === "\\") {
      if (i + 1 < line.length) word += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

export type Command = {
  argv: string[];
  /** How to show it in reports, e.g. `bun lessons/02-hub.ts --udp`. */
  label: string;
  /** True when it came from the LESSON_0N_CMD setting. */
  custom: boolean;
};

/**
 * The program of a lesson: env LESSON_0N_CMD, or the kit's own lesson run by this
 * same Bun (process.execPath: `bun` may not be on PATH). A custom command whose
 * first word is `bun` also runs with this Bun.
 */
export function programCommand(lesson: LessonId, env = process.env): Command {
  const { env: name, file } = LESSONS[lesson];
  const setting = env[name]?.trim();
  const words = setting ? shellWords(setting) : ["bun", join(ROOT, file)];
  if (words.length === 0) throw new Error(`${name} is set but holds no command`);
  const label = (setting ? words : ["bun", file]).join(" ");
  const argv = [words[0] === "bun" ? process.execPath : words[0]!, ...words.slice(1)];
  return { argv, label, custom: Boolean(setting) };
}

/** A command as run over `transport`: `--udp` appended for UDP. */
export function overTransport(command: Command, transport: Transport): Command {
  if (transport === "tcp") return command;
  return { ...command, argv: [...command.argv, "--udp"], label: `${command.label} --udp` };
}

/** The command under test for a lesson over a transport (see programCommand). */
export const lessonCommand = (lesson: LessonId, transport: Transport, env = process.env): Command =>
  overTransport(programCommand(lesson, env), transport);
