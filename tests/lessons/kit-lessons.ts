/**
 * The kit's own lesson programs, for the checks that are about them and not about
 * a learner's program: their command line, their languages, their exact formats.
 * These always run lessons/*.ts, whatever LESSON_0N_CMD says.
 */
import { join } from "node:path";
import {
  ROOT,
  overTransport,
  runToEnd,
  tcpClient,
  udpClient,
  until,
  type Command,
  type Peer,
  type TerminalProgram,
  type Transport,
  type WireLog,
} from "../../tools/harness/index.ts";

export const LESSON_FILES = {
  "01": "lessons/01-echo.ts",
  "02": "lessons/02-hub.ts",
  "03": "lessons/03-client.ts",
  "04": "lessons/04-chat.ts",
  "05": "lessons/05-linked-hubs.ts",
  "06": "lessons/06-web-window.ts",
} as const;
export type KitLesson = keyof typeof LESSON_FILES;

/** `bun lessons/0N-*.ts` (with `--udp` for UDP), for startProgram and startTerminal. */
export function kitLesson(lesson: KitLesson, transport: Transport = "tcp", before: string[] = []): Command {
  const file = LESSON_FILES[lesson];
  const command = { argv: [process.execPath, ...before, join(ROOT, file)], label: `bun ${file}`, custom: false };
  return overTransport(command, transport);
}

/** An environment without the locale, so that a lesson speaks English unless told otherwise. */
export function envWith(vars: Record<string, string> = {}): Record<string, string | undefined> {
  return { ...process.env, LC_ALL: "", LC_MESSAGES: "", LANG: "C.UTF-8", ...vars };
}

/** envWith(), as startProgram and startTerminal take it. */
export const kitEnv = (vars: Record<string, string> = {}) => envWith(vars) as Record<string, string>;

/** A client of a program under test, over either transport. */
export function peerOf(transport: Transport, port: number, name: string, wire: WireLog): Promise<Peer> {
  return transport === "tcp" ? tcpClient(port, { name, wire }) : udpClient(port, { name, wire });
}

/** Wait (up to 5 s) for a program in a terminal to exit, and say how it did. */
export function exitOf(term: TerminalProgram) {
  const screen = () => `the program exits; the screen: ${term.screen()}`;
  return until(async () => !term.running && (await term.exited), 5000, screen);
}

type Run = { code: number; stdout: string; stderr: string };

/** Run a lesson to its end, with stdin closed, and collect what it printed; killed after 15 s. */
export async function runLesson(lesson: KitLesson, args: string[], env = envWith()): Promise<Run> {
  const argv = [process.execPath, LESSON_FILES[lesson], ...args];
  const run = await runToEnd(argv, { cwd: ROOT, env: env as Record<string, string> });
  return { code: run.code ?? -1, stdout: run.stdout, stderr: run.stderr };
}
