/**
 * A server under test: started on a free port (`--port N`, env PORT=N), waited
 * for until it listens (or until it prints its ready lines), its output read all
 * the time, stopped with a signal (and killed if it does not stop). And any
 * program run to its end (`runToEnd`): what it printed, and how it exited.
 *
 * Every program gets our environment with its own `env` on top, always passed
 * explicitly: Bun.spawn without `env` passes on the environment this process
 * started with, not process.env as it is now (see tests/preload.ts).
 */
import type { Subprocess } from "bun";
import { activity } from "./activity.ts";
import { diesWithUs, killAtExit } from "./children.ts";
import type { Command } from "./command.ts";
import { freePort, HOST, waitUntilListening, type Transport } from "./ports.ts";
import { TimeoutError, until } from "./until.ts";

/** How often stopWhenStill looks at a program that has been asked to stop. */
const QUIET_LOOK_MS = 50;

export type ProgramOptions = {
  command: Command;
  transport: Transport;
  host?: string;
  /**
   * Default: a free port. The program gets `--port N` and env PORT=N. With
   * `ready`, 0 lets the program pick its port and report it in its ready line.
   */
  port?: number;
  /** More arguments, after the command and before --port. */
  args?: string[];
  env?: Record<string, string>;
  /** Its working directory (default: ours). */
  cwd?: string;
  /** How long the program may take to start listening. Default 10 s (slow machines, cold caches). */
  readyMs?: number;
  /**
   * Wait for a line of its output matching each of these, instead of probing the
   * port. The first one's first group, if it has one, is the port it listens on.
   */
  ready?: RegExp[];
  /**
   * Asked on every round of the wait while the program runs: a reason to stop
   * waiting now (it listens somewhere else, say), thrown as the NotListeningError's cause.
   */
  giveUp?: (program: Program) => string | undefined;
};

export type Exit = { code: number | null; signal: NodeJS.Signals | number | null };

/** A running server under test. Its stdout and stderr are read all the time (a full pipe would block it). */
export class Program {
  private out = "";
  private readonly outLines: string[] = [];
  readonly exited: Promise<Exit>;

  constructor(
    readonly proc: Subprocess<"ignore", "pipe", "pipe">,
    readonly label: string,
    readonly host: string,
    private listensOn: number,
    readonly transport: Transport,
  ) {
    const drain = async (stream: ReadableStream<Uint8Array>) => {
      const decoder = new TextDecoder();
      let partial = "";
      for await (const chunk of stream) {
        const text = decoder.decode(chunk, { stream: true });
        this.out += text;
        const lines = (partial + text).split("\n");
        partial = lines.pop()!;
        this.outLines.push(...lines);
      }
      if (partial) this.outLines.push(partial);
    };
    const reading = Promise.all([drain(proc.stdout), drain(proc.stderr)]).catch(() => {});
    // Report the exit only once the output has been read to its end.
    this.exited = proc.exited.then(async () => {
      await reading;
      return { code: proc.exitCode, signal: proc.signalCode };
    });
  }

  /** The port it listens on (read from its ready line when it picked one itself). */
  get port(): number {
    return this.listensOn;
  }

  /** Everything it printed so far, stdout and stderr interleaved as they arrived. */
  output(): string {
    return this.out;
  }

  /** The complete lines it printed so far, each stream framed on its own. */
  lines(): string[] {
    return [...this.outLines];
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /**
   * Ask it to stop, and kill it once it has sat still for `quietMs` without
   * exiting: asleep, none of its own threads woken, and this process on time to see it (a look
   * that comes late, this process itself having waited for a CPU, starts the
   * stillness again). A program still at work (a busy machine, a slow exit)
   * gets up to `capMs`. Where the kernel cannot be asked, as stop().
   */
  async stopWhenStill(signal: NodeJS.Signals, quietMs: number, capMs: number): Promise<Exit> {
    if (!this.running || activity(this.proc.pid) === undefined) return this.stop(signal, quietMs);
    this.proc.kill(signal);
    const started = performance.now();
    let still = performance.now();
    let last = performance.now();
    let runs = activity(this.proc.pid)?.runs ?? 0;
    while (this.running) {
      await Promise.race([this.exited, Bun.sleep(QUIET_LOOK_MS)]);
      if (!this.running) break;
      const now = performance.now();
      const a = activity(this.proc.pid);
      const moved = a === undefined || a.busy || a.runs > runs || now - last > 4 * QUIET_LOOK_MS;
      runs = a?.runs ?? runs;
      last = now;
      if (moved) still = now;
      if (now - still >= quietMs || now - started >= capMs) {
        this.proc.kill("SIGKILL");
        break;
      }
    }
    return this.exited;
  }

  /** Ask it to stop (SIGTERM by default); after `ms`, kill it. Resolves with how it exited. */
  async stop(signal: NodeJS.Signals = "SIGTERM", ms = 2000): Promise<Exit> {
    if (this.running) this.proc.kill(signal);
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), ms);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  /** Wait for its ready lines (see ProgramOptions.ready); the first one's group is its port. */
  async waitForReadyLines(ready: RegExp[], ms: number): Promise<void> {
    const found = () => {
      const lines = this.outLines;
      const hits = ready.map((r) => lines.map((l) => r.exec(l)).find((m) => m !== null));
      return hits.every((m) => m) ? hits : undefined;
    };
    const hits = await until(() => found() ?? (this.running ? undefined : "exited"), ms, "its ready lines");
    if (hits === "exited") throw new Error(`\`${this.label}\` ${describeExit(this.proc)} before it was ready`);
    if (hits[0]![1]) this.listensOn = Number(hits[0]![1]);
  }
}

const describeExit = (e: { exitCode: number | null; signalCode: NodeJS.Signals | number | null }) =>
  e.signalCode ? `was killed by ${e.signalCode}` : `exited with code ${e.exitCode}`;

/**
 * Start a server under test and wait until it listens (or prints its ready
 * lines). Throws, with its output, if it does not.
 */
export async function startProgram(o: ProgramOptions): Promise<Program> {
  const host = o.host ?? HOST;
  const port = o.port ?? (await freePort(o.transport, host));
  const argv = [...o.command.argv, ...(o.args ?? []), "--port", String(port)];
  const env = { ...process.env, ...o.env, PORT: String(port) };
  const proc = Bun.spawn(diesWithUs(argv, { env, cwd: o.cwd }), {
    cwd: o.cwd,
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  killAtExit(proc);
  const label = [o.command.label, ...(o.args ?? []), "--port", String(port)].join(" ");
  const program = new Program(proc, label, host, port, o.transport);
  const readyMs = o.readyMs ?? 10_000;
  const where = o.ready ? "print its ready lines" : `listen on ${o.transport} ${host}:${port}`;
  try {
    if (o.ready) await program.waitForReadyLines(o.ready, readyMs);
    else {
      const gone = () => `\`${label}\` ${describeExit(proc)} before it listened on ${o.transport} ${host}:${port}`;
      await waitUntilListening(o.transport, host, port, readyMs, () =>
        program.running ? o.giveUp?.(program) : gone(),
      );
    }
  } catch (err) {
    await program.stop("SIGKILL", 500);
    const why =
      err instanceof TimeoutError ? `\`${label}\` did not ${where} within ${readyMs} ms` : (err as Error).message;
    const output = program.output() || "(nothing)";
    throw new NotListeningError(`${why}\n--- its output ---\n${output}`, program, { cause: err });
  }
  return program;
}

/** A program did not start listening: it exited first (cause: an Error) or took too long (cause: a TimeoutError). */
export class NotListeningError extends Error {
  override name = "NotListeningError";
  constructor(
    message: string,
    readonly program: Program,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

export type RunOptions = {
  /** Its working directory (default: ours). */
  cwd?: string;
  /** Added to our environment; a variable set to undefined is left out. */
  env?: Record<string, string | undefined>;
  /** Killed (SIGKILL) after this long. Default 15 s. */
  timeoutMs?: number;
};

export type RunResult = Exit & {
  stdout: string;
  stderr: string;
  /** It ran past `timeoutMs` and was killed. */
  timedOut: boolean;
};

/**
 * Run a program to its end, its stdin closed, and collect what it printed on
 * stdout and stderr and how it exited. One that runs past `timeoutMs` is killed.
 */
export async function runToEnd(argv: string[], o: RunOptions = {}): Promise<RunResult> {
  const env = { ...process.env, ...o.env };
  const proc = Bun.spawn(diesWithUs(argv, { env, cwd: o.cwd }), {
    cwd: o.cwd,
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  killAtExit(proc);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, o.timeoutMs ?? 15_000);
  const text = (stream: ReadableStream<Uint8Array>) => new Response(stream).text();
  const [stdout, stderr] = await Promise.all([text(proc.stdout), text(proc.stderr), proc.exited]);
  clearTimeout(timer);
  return { code: proc.exitCode, signal: proc.signalCode, stdout, stderr, timedOut };
}
