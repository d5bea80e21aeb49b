/**
 * One test's world, and one grader check's: every program, terminal, client and
 * stand-in server it starts, closed together at the end, its seeded randomness,
 * and the whole story for a failure report.
 */
import { tcpClient, udpClient, type Disturbance, type Peer } from "./clients.ts";
import { overTransport, programCommand, type Command, type LessonId } from "./command.ts";
import { tcpServer, udpServer, type FakeServer } from "./fake-servers.ts";
import type { Transport } from "./ports.ts";
import { NotListeningError, startProgram, type Program, type ProgramOptions } from "./program.ts";
import { mulberry32, seedFor } from "./random.ts";
import { startTerminal, type TerminalOptions, type TerminalProgram } from "./terminal.ts";
import { until } from "./until.ts";
import { WireLog } from "./wire.ts";

export type SessionOptions = {
  /** The seed of `random` (default: a random one). The same seed replays the same disturbances. */
  seed?: number;
  /** Make every client `connect` opens behave like an unkind network, its choices drawn from `random`. */
  disturb?: (random: () => number) => Disturbance;
};

/** A TCP connection to a program under test: our port, the program's, and our client's name. */
export type Conn = { ours: number; theirs: number; name: string };

/** What one program printed, or one terminal shows. */
export type Output = { of: Program | TerminalProgram; label: string; kind: "output" | "screen"; text: string };

/** What runs: a lesson's program (the kit's own, or LESSON_0N_CMD), or any command. */
export type Runnable = LessonId | Command;
const commandOf = (what: Runnable, transport: Transport): Command =>
  overTransport(typeof what === "string" ? programCommand(what) : what, transport);

/**
 * Everything one test (or one grader check) starts, so it can all be closed at
 * the end, and so a failure can report the whole story: the wire timeline, each
 * program's output, each terminal's screen.
 *
 *   let s: Session;
 *   beforeEach(() => { s = new Session(); });
 *   afterEach(() => s.close());
 *
 * or, one per test, so that tests can run at once (test.concurrent):
 *
 *   await using s = new Session();   // closed when the test's block ends
 */
export class Session implements AsyncDisposable {
  readonly wire = new WireLog();
  readonly seed: number;
  /** Seeded: the same seed gives the same numbers, so a failure replays. */
  readonly random: () => number;
  private readonly started: Program[] = [];
  private readonly terms: TerminalProgram[] = [];
  private readonly closers: (() => void)[] = [];
  private clientsMade = 0;

  constructor(private readonly options: SessionOptions = {}) {
    this.seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
    this.random = mulberry32(this.seed);
  }

  /** Every program started so far, one that never listened included. */
  get programs(): readonly Program[] {
    return this.started;
  }

  get terminals(): readonly TerminalProgram[] {
    return this.terms;
  }

  /**
   * Start a server (a lesson's, or any command; `--udp` appended for UDP) on a
   * free port and wait until it listens. A program that does not listen is kept,
   * so its output is in the report, and the NotListeningError is thrown on.
   */
  async start(
    what: Runnable,
    transport: Transport,
    o: Omit<ProgramOptions, "command" | "transport"> = {},
  ): Promise<Program> {
    try {
      const program = await startProgram({ ...o, command: commandOf(what, transport), transport });
      this.started.push(program);
      return program;
    } catch (err) {
      if (err instanceof NotListeningError) this.started.push(err.program);
      throw err;
    }
  }

  /** A test client connected to `port` (a Program's, or any); disturbed when the session disturbs. */
  async connect(transport: Transport, port: number, name: string): Promise<Peer> {
    // Each client draws from its own stream: what one does never shifts another's choices.
    const disturb = this.options.disturb?.(mulberry32(seedFor(this.seed, `${name}#${++this.clientsMade}`)));
    const o = { name, wire: this.wire, disturb, readBy: disturb ? (c: Conn) => this.readWatch(c) : undefined };
    const peer = transport === "tcp" ? await tcpClient(port, o) : await udpClient(port, o);
    this.closers.push(() => peer.close());
    return peer;
  }

  /**
   * For a disturbed client: a look at the program under test taken before a piece
   * is written, and the wait, after it, until that program has had its chance to
   * read it (see ClientOptions.readBy). None here: a grader's Exam has one.
   */
  protected readWatch(_conn?: Conn): (() => Promise<void>) | undefined {
    return undefined;
  }

  /** A stand-in server on a free port, for a client under test to talk to. */
  async serve(transport: Transport, name = "hub"): Promise<FakeServer> {
    const server =
      transport === "tcp" ? await tcpServer({ name, wire: this.wire }) : await udpServer({ name, wire: this.wire });
    this.closers.push(() => server.close());
    return server;
  }

  /** A program (a lesson's, or any command) in a pseudo-terminal, `--udp` appended for UDP. */
  terminal(what: Runnable, transport: Transport, o: Omit<TerminalOptions, "command" | "wire"> = {}): TerminalProgram {
    const term = startTerminal({ ...o, command: commandOf(what, transport), wire: this.wire });
    this.terms.push(term);
    return term;
  }

  /** `until`, with the full report attached when it times out. */
  async until<T>(check: () => T | Promise<T>, what: string | (() => string), ms = 5000): Promise<NonNullable<T>> {
    try {
      return await until(check, ms, what);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n\n${this.report()}`);
    }
  }

  /** Fail with `message` and the full report unless `ok`. */
  check(ok: unknown, message: string | (() => string)): void {
    if (!ok) throw new Error(`${typeof message === "function" ? message() : message}\n\n${this.report()}`);
  }

  /** The last `lines` lines of each program's output and each terminal's screen, labelled, and whose they are. */
  outputs(lines = 40): Output[] {
    return [
      ...this.started.map((p) => ({ of: p, label: p.label, kind: "output" as const, text: tail(p.output(), lines) })),
      ...this.terms.map((t) => ({ of: t, label: t.label, kind: "screen" as const, text: tail(t.screen(), lines) })),
    ];
  }

  /** Close this too when the session closes (a listener of the test's own, say). */
  defer(close: () => void): void {
    this.closers.push(close);
  }

  /** The wire timeline, then each program's output and each terminal's screen. */
  report(): string {
    const parts = [
      `--- wire (-> sent by the test, <- received from the program) ---\n${this.wire.format() || "(nothing)"}`,
    ];
    for (const o of this.outputs()) parts.push(`--- ${o.kind} of \`${o.label}\` ---\n${o.text || "(nothing)"}`);
    return parts.join("\n\n");
  }

  /** Close every client and stand-in server, stop every program (SIGTERM, then SIGKILL after `ms`). */
  async close(ms = 2000): Promise<void> {
    for (const close of this.closers.splice(0)) {
      try {
        close();
      } catch {
        // already closed
      }
    }
    const programs = this.started.splice(0);
    const terminals = this.terms.splice(0);
    await Promise.all([...programs.map((p) => p.stop("SIGTERM", ms)), ...terminals.map((t) => t.stop(ms))]);
  }

  /** `await using s = new Session()`: closed when the block ends, however it ends. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

const tail = (text: string, lines: number) => text.split("\n").slice(-lines).join("\n").trimEnd();
