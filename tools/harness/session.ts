/**
 * One test's world: every program, terminal, client and stand-in server it
 * starts, closed together in afterEach, and the whole story for a failure report.
 */
import { tcpClient, udpClient, type Peer } from "./clients.ts";
import { lessonCommand, type LessonId } from "./command.ts";
import { tcpServer, udpServer, type FakeServer } from "./fake-servers.ts";
import type { Transport } from "./ports.ts";
import { startProgram, type Program, type ProgramOptions } from "./program.ts";
import { startTerminal, type TerminalOptions, type TerminalProgram } from "./terminal.ts";
import { until } from "./until.ts";
import { WireLog } from "./wire.ts";


/**
 * Everything one test starts, so it can all be closed in afterEach, and so a
 * failure can report the whole story: the wire timeline, each program's output,
 * each terminal's screen.
 *
 *   let s: Session;
 *   beforeEach(() => { s = new Session(); });
 *   afterEach(() => s.close());
 */
export class Session {
  readonly wire = new WireLog();
  private readonly programs: Program[] = [];
  private readonly terminals: TerminalProgram[] = [];
  private readonly closers: (() => void)[] = [];

  /** Start lesson `lesson`'s program (see lessonCommand) and wait until it listens. */
  async start(lesson: LessonId, transport: Transport, o: Omit<ProgramOptions, "command" | "transport"> = {}): Promise<Program> {
    const program = await startProgram({ ...o, command: lessonCommand(lesson, transport), transport });
    this.programs.push(program);
    return program;
  }

  /** A test client connected to `port` (a Program's, or any). */
  async connect(transport: Transport, port: number, name: string): Promise<Peer> {
    const peer = transport === "tcp" ? await tcpClient(port, { name, wire: this.wire }) : await udpClient(port, { name, wire: this.wire });
    this.closers.push(() => peer.close());
    return peer;
  }

  /** A stand-in server on a free port, for a client under test to talk to. */
  async serve(transport: Transport, name = "hub"): Promise<FakeServer> {
    const server = transport === "tcp" ? await tcpServer({ name, wire: this.wire }) : await udpServer({ name, wire: this.wire });
    this.closers.push(() => server.close());
    return server;
  }

  /** Lesson `lesson`'s program in a pseudo-terminal (`--udp` appended for UDP). */
  terminal(lesson: LessonId, transport: Transport, o: Omit<TerminalOptions, "command" | "wire"> = {}): TerminalProgram {
    const term = startTerminal({ ...o, command: lessonCommand(lesson, transport), wire: this.wire });
    this.terminals.push(term);
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

  /** The wire timeline, then each program's output and each terminal's screen. */
  report(): string {
    const parts = [`--- wire (-> sent by the test, <- received from the program) ---\n${this.wire.format() || "(nothing)"}`];
    for (const p of this.programs) parts.push(`--- output of \`${p.label}\` ---\n${tail(p.output()) || "(nothing)"}`);
    for (const t of this.terminals) parts.push(`--- screen of \`${t.label}\` ---\n${tail(t.screen()) || "(nothing)"}`);
    return parts.join("\n\n");
  }

  /** Close every client and stand-in server, stop every program. */
  async close(): Promise<void> {
    for (const close of this.closers.splice(0)) {
      try {
        close();
      } catch {
        // already closed
      }
    }
    await Promise.all([...this.programs.splice(0).map((p) => p.stop()), ...this.terminals.splice(0).map((t) => t.stop())]);
  }
}

const tail = (text: string, lines = 40) => text.split("\n").slice(-lines).join("\n").trimEnd();
