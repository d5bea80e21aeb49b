/**
 * An interactive program driven through a real pseudo-terminal (PTY), as a
 * person at a keyboard would drive it.
 */
import type { Subprocess } from "bun";
import { diesWithUs, killAtExit } from "./children.ts";
import type { Command } from "./command.ts";
import type { Exit } from "./program.ts";
import type { WireLog } from "./wire.ts";

export type TerminalOptions = {
  command: Command;
  args?: string[];
  /** The program gets `--port N` and env PORT=N when given. */
  port?: number;
  env?: Record<string, string>;
  cols?: number;
  rows?: number;
  wire?: WireLog;
};

/** Remove terminal escape sequences (CSI, OSC, two-byte escapes) and carriage returns. */
export function stripAnsi(text: string): string {
  return text
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, "")
    .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, "")
    .replace(/\x1b[@-Z\\-_]/g, "")
    .replace(/\r/g, "");
}

/** A program driven through a real PTY, as a person at a keyboard would. */
export class TerminalProgram {
  private rawText = "";
  private readonly decoder = new TextDecoder();
  readonly proc: Subprocess;
  readonly exited: Promise<Exit>;
  readonly label: string;

  constructor(private readonly o: TerminalOptions) {
    const portArgs = o.port === undefined ? [] : ["--port", String(o.port)];
    this.label = [o.command.label, ...(o.args ?? []), ...portArgs].join(" ");
    const env = { ...process.env, ...o.env, ...(o.port === undefined ? {} : { PORT: String(o.port) }) };
    this.proc = Bun.spawn(diesWithUs([...o.command.argv, ...(o.args ?? []), ...portArgs], { env }), {
      env,
      terminal: {
        cols: o.cols ?? 100,
        rows: o.rows ?? 30,
        data: (_t, bytes) => {
          this.rawText += this.decoder.decode(bytes, { stream: true });
        },
      },
    });
    killAtExit(this.proc);
    this.exited = this.proc.exited.then(() => ({ code: this.proc.exitCode, signal: this.proc.signalCode }));
  }

  /** Type keys: "hello\r" is a line and Enter, "\x04" Ctrl+D, "\x03" Ctrl+C. */
  type(keys: string) {
    this.o.wire?.record("keyboard", "sent", new TextEncoder().encode(keys));
    this.proc.terminal?.write(keys);
  }

  /** Everything the program wrote to the terminal, escape sequences included. */
  raw(): string {
    return this.rawText;
  }

  /** What a person would read: the output without escape sequences and carriage returns. */
  screen(): string {
    return stripAnsi(this.rawText);
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  async stop(ms = 2000): Promise<Exit> {
    if (this.running) this.proc.kill("SIGTERM");
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), ms);
    const exit = await this.exited;
    clearTimeout(timer);
    this.proc.terminal?.close();
    return exit;
  }
}

export function startTerminal(o: TerminalOptions): TerminalProgram {
  return new TerminalProgram(o);
}
