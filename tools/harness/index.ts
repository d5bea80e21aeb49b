/**
 * A black-box harness for the lessons, and for any program (in any language) that
 * claims to do a lesson's job: start it, wait until it listens, talk to it over TCP
 * or UDP the way `nc` would, and record every byte that crosses the wire.
 *
 * Which program is tested is one setting per lesson:
 *
 *   LESSON_01_CMD="python3 my_echo.py" bun test tests/lessons/01-echo.test.ts
 *
 * The value is split into words like a shell would (quotes and backslashes, no
 * variables or globs). Without it, the kit's own `bun lessons/0N-*.ts` runs. For
 * the UDP checks `--udp` is appended; every server also gets `--port N` and the
 * environment variable `PORT=N`, so a program may read either.
 *
 * Layers, each usable on its own:
 *   shellWords, programCommand, lessonCommand  which command to run
 *   freePort, waitUntilListening ...... ports and readiness (no fixed sleeps)
 *   startProgram / Program ............ a server under test and its output
 *   startTerminal / TerminalProgram ... an interactive program in a real PTY
 *   tcpClient, udpClient (Peer) ....... test clients, like `nc` and `nc -u`
 *   tcpServer, udpServer (FakeServer) . a stand-in hub for a client under test
 *   WireLog, escapeBytes .............. the timeline of every byte, for reports
 *   until, pause ....................... waiting
 *   Session ............................ all of the above for one test, closed in afterEach
 */
import type { Socket, Subprocess } from "bun";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TimeoutError, until } from "./until.ts";

export type Transport = "tcp" | "udp";
export const TRANSPORTS: readonly Transport[] = ["tcp", "udp"];
export const HOST = "127.0.0.1";

/** The repository root, so the default commands work from any working directory. */
export const ROOT = join(import.meta.dir, "..", "..");

// ---------------------------------------------------------------------------
// Which program

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
export const lessonCommand = (lesson: LessonId, transport: Transport, env = process.env): Command => overTransport(programCommand(lesson, env), transport);

// ---------------------------------------------------------------------------
// Waiting

export { TimeoutError, until };

/**
 * A deliberate gap, e.g. between the two halves of a split line so the program's
 * read returns the first half alone. Never use it to wait for readiness.
 */
export const pause = (ms: number) => Bun.sleep(ms);

// ---------------------------------------------------------------------------
// The wire log

export type WireKind = "open" | "sent" | "recv" | "close" | "note";
export type WireEvent = {
  /** Milliseconds since the log started. */
  at: number;
  /** Who, from the test's side: a client's name, "hub" for a stand-in server, "keyboard". */
  peer: string;
  /** "sent" = test -> program, "recv" = program -> test. One event per write, read or datagram. */
  kind: WireKind;
  bytes?: Uint8Array;
  note?: string;
};

/** Every byte the test sent and received, per peer, in order: the raw material of a report. */
export class WireLog {
  readonly events: WireEvent[] = [];
  private readonly start = performance.now();

  record(peer: string, kind: WireKind, bytes?: Uint8Array, note?: string) {
    this.events.push({ at: performance.now() - this.start, peer, kind, bytes: bytes?.slice(), note });
  }

  /** All bytes one peer received (or sent), joined. */
  bytes(peer: string, kind: "sent" | "recv" = "recv"): Uint8Array {
    return Buffer.concat(this.events.filter((e) => e.peer === peer && e.kind === kind && e.bytes).map((e) => e.bytes!));
  }

  /**
   * A timeline, one event a line, each read or write shown whole so frame
   * boundaries stay visible:
   *      3.1 ms  alice   open   127.0.0.1:41000
   *      4.0 ms  alice   ->     "hello\n"
   *      5.2 ms  bob     <-     "<127.0.0.1:41000> hello\n"
   */
  format(limit = 200): string {
    const arrows: Record<WireKind, string> = { open: "open", sent: "->", recv: "<-", close: "close", note: "note" };
    const width = Math.max(4, ...this.events.map((e) => e.peer.length));
    const shown = this.events.slice(-limit);
    const lines = shown.map((e) => {
      const what = e.bytes ? escapeBytes(e.bytes) + (e.note ? `  (${e.note})` : "") : (e.note ?? "");
      return `${e.at.toFixed(1).padStart(8)} ms  ${e.peer.padEnd(width)}  ${arrows[e.kind].padEnd(5)}  ${what}`;
    });
    if (shown.length < this.events.length) lines.unshift(`  (${this.events.length - shown.length} earlier events left out)`);
    return lines.join("\n");
  }
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Bytes as a quoted, readable string: valid UTF-8 text as is, "\n", "\r", "\t",
 * other controls and invalid or cut-off UTF-8 bytes as \xNN, and invisible or
 * direction-changing characters as \u{...}.
 */
export function escapeBytes(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const size = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (size === 1) {
      const named: Record<number, string> = { 0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t", 0x5c: "\\\\", 0x22: '\\"' };
      out += named[b] ?? (b < 0x20 || b === 0x7f ? `\\x${hex(b)}` : String.fromCharCode(b));
      i += 1;
      continue;
    }
    let ch: string | undefined;
    if (size > 1 && i + size <= bytes.length) {
      try {
        ch = strictUtf8.decode(bytes.subarray(i, i + size));
      } catch {
        ch = undefined;
      }
    }
    if (ch === undefined) {
      out += `\\x${hex(b)}`;
      i += 1;
      continue;
    }
    const cp = ch.codePointAt(0)!;
    const invisible = (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp === 0xfeff;
    out += invisible ? `\\u{${cp.toString(16)}}` : ch;
    i += size;
  }
  return `"${out}"`;
}
const hex = (b: number) => b.toString(16).padStart(2, "0");

// ---------------------------------------------------------------------------
// Ports and readiness

/** A port that was free a moment ago: bind port 0 on `host`, read it back, let go. */
export async function freePort(transport: Transport, host = HOST): Promise<number> {
  if (transport === "udp") {
    const sock = await Bun.udpSocket({ hostname: host, port: 0 });
    const port = sock.port;
    sock.close();
    return port;
  }
  const listener = Bun.listen({ hostname: host, port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

/** Can we open a TCP connection to host:port right now? (The connection is closed at once.) */
export async function tcpAccepts(host: string, port: number): Promise<boolean> {
  try {
    const probe = await Bun.connect({ hostname: host, port, socket: { data() {}, error() {} } });
    probe.end();
    return true;
  } catch {
    return false;
  }
}

/** UDP ports bound on this machine, from the kernel's table (Linux); undefined elsewhere. */
function boundUdpPorts(): Set<number> | undefined {
  const tables = ["/proc/net/udp", "/proc/net/udp6"].filter((f) => existsSync(f));
  if (tables.length === 0) return undefined;
  const ports = new Set<number>();
  for (const table of tables) {
    for (const row of readFileSync(table, "utf8").split("\n").slice(1)) {
      const local = row.trim().split(/\s+/)[1]; // "0100007F:2329"
      const port = local?.split(":").pop();
      if (port) ports.add(parseInt(port, 16));
    }
  }
  return ports;
}

/**
 * Has some program bound UDP host:port? Nothing answers a UDP probe, so: on Linux,
 * look the port up in /proc/net/udp (no side effects); elsewhere, try to bind it
 * ourselves and take EADDRINUSE as yes (the probe lets go at once).
 */
export async function udpBound(host: string, port: number): Promise<boolean> {
  const bound = boundUdpPorts();
  if (bound) return bound.has(port);
  try {
    const probe = await Bun.udpSocket({ hostname: host, port });
    probe.close();
    return false;
  } catch (err) {
    return (err as { code?: string }).code === "EADDRINUSE";
  }
}

/**
 * Wait until a program listens on host:port: TCP by connect-with-retry, UDP by
 * `udpBound`. `gone()` is asked on every round and returns a reason when the
 * program has exited, so a crash is reported at once, not after the limit.
 */
export async function waitUntilListening(
  transport: Transport,
  host: string,
  port: number,
  ms: number,
  gone: () => string | undefined = () => undefined,
): Promise<void> {
  const deadline = performance.now() + ms;
  for (;;) {
    const why = gone();
    if (why) throw new Error(why);
    if (transport === "tcp" ? await tcpAccepts(host, port) : await udpBound(host, port)) return;
    if (performance.now() >= deadline) {
      throw new TimeoutError(`nothing listened on ${transport} ${host}:${port} within ${ms} ms`);
    }
    await Bun.sleep(10);
  }
}

// ---------------------------------------------------------------------------
// A program under test

export type ProgramOptions = {
  command: Command;
  transport: Transport;
  host?: string;
  /** Default: a free port. The program gets `--port N` and env PORT=N. */
  port?: number;
  /** More arguments, after the command and before --port. */
  args?: string[];
  env?: Record<string, string>;
  /** How long the program may take to start listening. Default 10 s (slow machines, cold caches). */
  readyMs?: number;
};

export type Exit = { code: number | null; signal: NodeJS.Signals | number | null };

/** A running server under test. Its stdout and stderr are read all the time (a full pipe would block it). */
export class Program {
  private out = "";
  readonly exited: Promise<Exit>;

  constructor(
    readonly proc: Subprocess<"ignore", "pipe", "pipe">,
    readonly label: string,
    readonly host: string,
    readonly port: number,
    readonly transport: Transport,
  ) {
    const drain = async (stream: ReadableStream<Uint8Array>) => {
      const decoder = new TextDecoder();
      for await (const chunk of stream) this.out += decoder.decode(chunk, { stream: true });
    };
    const reading = Promise.all([drain(proc.stdout), drain(proc.stderr)]).catch(() => {});
    // Report the exit only once the output has been read to its end.
    this.exited = proc.exited.then(async () => {
      await reading;
      return { code: proc.exitCode, signal: proc.signalCode };
    });
  }

  /** Everything it printed so far, stdout and stderr interleaved as they arrived. */
  output(): string {
    return this.out;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Ask it to stop (SIGTERM by default); after `ms`, kill it. Resolves with how it exited. */
  async stop(signal: NodeJS.Signals = "SIGTERM", ms = 2000): Promise<Exit> {
    if (this.running) this.proc.kill(signal);
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), ms);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }
}

const describeExit = (e: { exitCode: number | null; signalCode: NodeJS.Signals | number | null }) =>
  e.signalCode ? `was killed by ${e.signalCode}` : `exited with code ${e.exitCode}`;

/** Start a server under test on a free port and wait until it listens. Throws, with its output, if it does not. */
export async function startProgram(o: ProgramOptions): Promise<Program> {
  const host = o.host ?? HOST;
  const port = o.port ?? (await freePort(o.transport, host));
  const argv = [...o.command.argv, ...(o.args ?? []), "--port", String(port)];
  const proc = Bun.spawn(argv, {
    env: { ...process.env, ...o.env, PORT: String(port) },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const label = [o.command.label, ...(o.args ?? []), "--port", String(port)].join(" ");
  const program = new Program(proc, label, host, port, o.transport);
  const readyMs = o.readyMs ?? 10_000;
  try {
    await waitUntilListening(o.transport, host, port, readyMs, () =>
      program.running ? undefined : `\`${label}\` ${describeExit(proc)} before it listened on ${o.transport} ${host}:${port}`,
    );
  } catch (err) {
    await program.stop("SIGKILL", 500);
    const why = err instanceof TimeoutError ? `\`${label}\` did not listen on ${o.transport} ${host}:${port} within ${readyMs} ms` : (err as Error).message;
    throw new NotListeningError(`${why}\n--- its output ---\n${program.output() || "(nothing)"}`, program, { cause: err });
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

// ---------------------------------------------------------------------------
// An interactive program in a pseudo-terminal

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
    this.proc = Bun.spawn([...o.command.argv, ...(o.args ?? []), ...portArgs], {
      env: { ...process.env, ...o.env, ...(o.port === undefined ? {} : { PORT: String(o.port) }) },
      terminal: {
        cols: o.cols ?? 100,
        rows: o.rows ?? 30,
        data: (_t, bytes) => {
          this.rawText += this.decoder.decode(bytes, { stream: true });
        },
      },
    });
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

// ---------------------------------------------------------------------------
// Test clients, like `nc` and `nc -u`

/**
 * How a test client mistreats its own traffic, as an unkind network would (the
 * grader's seeded one is in tools/grader/disturb.ts). Without one, a client
 * sends each write or datagram exactly as given, like `nc`.
 */
export interface Disturbance {
  /** TCP: how many of the `left` bytes go in the next write, and the pause after it (ms). */
  piece(left: number): { size: number; pauseMs: number };
  /** TCP: after a read, stop reading for this many ms (0: read on). */
  readPause(): number;
  /** UDP: send a datagram, send it twice, or hold it back so the next one overtakes it. */
  datagram(): "send" | "twice" | "hold";
}

/** One side of a conversation with a program under test, over either transport. */
export interface Peer {
  readonly name: string;
  readonly transport: Transport;
  /** Our own port: the program sees us as 127.0.0.1:localPort. */
  readonly localPort: number;
  /** TCP: the program closed the connection. UDP: we closed our socket. */
  readonly closed: boolean;
  /**
   * These bytes: one write (TCP), or one datagram (UDP). A disturbed client cuts
   * and merges writes, and duplicates and reorders datagrams.
   */
  send(data: string | Uint8Array): void;
  /** A line, as `nc` sends it: text + "\n", through send(). */
  sendLine(text: string): void;
  /** Exactly these bytes in one write or one datagram, never disturbed. */
  sendExact(data: string | Uint8Array): void;
  /**
   * Complete lines received, without "\n" or "\r\n". TCP: the stream framed on
   * "\n" (a partial last line is not included). UDP: each datagram, minus one
   * trailing newline, split on "\n".
   */
  lines(): string[];
  /** Everything received, decoded. */
  text(): string;
  /** Resolves when every write so far has been handed to the kernel. */
  flushed(): Promise<void>;
  /** TCP: stop reading (true) or read again (false): a reader that falls behind. */
  hold(on: boolean): void;
  /** TCP: close with a reset (RST) instead of a normal close. UDP: close. */
  reset(): void;
  close(): void;
}

export type ClientOptions = { name: string; wire: WireLog; host?: string; disturb?: Disturbance };

const encoder = new TextEncoder();
const toBytes = (data: string | Uint8Array) => (typeof data === "string" ? encoder.encode(data) : data);

/** Split text received into lines, by transport. */
function framedLines(transport: Transport, pieces: string[]): string[] {
  if (transport === "tcp") {
    const all = pieces.join("").split("\n");
    all.pop(); // unfinished, or "" after the last "\n"
    return all.map((l) => l.replace(/\r$/, ""));
  }
  return pieces.flatMap((d) => d.replace(/\r?\n$/, "").split("\n").map((l) => l.replace(/\r$/, "")));
}

/**
 * A TCP client. Writes are honest: what the kernel does not take at once is
 * queued and written on drain, so a test never loses bytes it thinks it sent.
 * Disturbed, the writes of one turn of the event loop are merged, then cut into
 * pieces sent a moment apart, and reads pause now and then.
 */
export async function tcpClient(port: number, o: ClientOptions): Promise<Peer> {
  const host = o.host ?? HOST;
  const decoder = new TextDecoder();
  const received: string[] = [];
  let pending: Uint8Array[] = []; // disturbed: not yet cut into writes
  const kernelQueue: Uint8Array[] = []; // writes the kernel has not taken yet
  let pumping = false;
  let closed = false;
  const waiters: (() => void)[] = [];
  const settled = () => !pumping && pending.length === 0 && kernelQueue.length === 0;
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };

  const writeNow = (s: Socket<undefined>, bytes: Uint8Array) => {
    o.wire.record(o.name, "sent", bytes);
    kernelQueue.push(bytes);
    drainKernel(s);
  };
  const drainKernel = (s: Socket<undefined>) => {
    while (kernelQueue.length > 0) {
      const head = kernelQueue[0]!;
      const n = s.write(head);
      if (n < 0) return void kernelQueue.splice(0);
      if (n < head.length) return void (kernelQueue[0] = head.subarray(n));
      kernelQueue.shift();
    }
    if (settled()) wake();
  };
  const pump = async (s: Socket<undefined>, d: Disturbance) => {
    if (pumping) return;
    pumping = true;
    await Bun.sleep(0); // let the writes of this turn gather: lines merge
    while (pending.length > 0 && !closed) {
      const all = Buffer.concat(pending);
      pending = [];
      for (let at = 0; at < all.length && !closed; ) {
        const { size, pauseMs } = d.piece(all.length - at);
        writeNow(s, all.subarray(at, Math.min(all.length, at + size)));
        at += size;
        await Bun.sleep(pauseMs);
      }
    }
    pumping = false;
    if (settled()) wake();
  };

  const sock = await Bun.connect({
    hostname: host,
    port,
    socket: {
      binaryType: "uint8array",
      data(s, chunk) {
        o.wire.record(o.name, "recv", chunk);
        received.push(decoder.decode(chunk, { stream: true }));
        const pauseMs = o.disturb?.readPause() ?? 0;
        if (pauseMs > 0 && typeof s.pause === "function") {
          s.pause();
          setTimeout(() => s.resume(), pauseMs);
        }
      },
      drain: (s) => drainKernel(s),
      close(_s, err) {
        if (!closed) o.wire.record(o.name, "close", undefined, err ? `closed by the program (${err.message})` : "closed by the program");
        closed = true;
        wake();
      },
      error(_s, err) {
        o.wire.record(o.name, "note", undefined, `error: ${err.message}`);
      },
    },
  });
  sock.setNoDelay(true); // each write leaves as its own segment: splits stay split
  o.wire.record(o.name, "open", undefined, `${HOST}:${sock.localPort} -> ${host}:${port}`);
  const sendExact = (data: string | Uint8Array) => {
    if (!closed) writeNow(sock, toBytes(data));
  };
  const send = (data: string | Uint8Array) => {
    if (closed) return;
    if (!o.disturb) return writeNow(sock, toBytes(data));
    pending.push(toBytes(data));
    void pump(sock, o.disturb);
  };
  const end = (how: "close" | "reset") => {
    if (closed) return;
    closed = true;
    o.wire.record(o.name, "close", undefined, how === "reset" ? "we reset the connection (RST)" : "we closed");
    if (how === "reset") sock.terminate();
    else sock.end();
  };
  return {
    name: o.name,
    transport: "tcp",
    localPort: sock.localPort,
    get closed() {
      return closed;
    },
    send,
    sendLine: (text) => send(text + "\n"),
    sendExact,
    lines: () => framedLines("tcp", received),
    text: () => received.join(""),
    flushed: () => (settled() ? Promise.resolve() : new Promise<void>((r) => waiters.push(r))),
    hold(on) {
      if (on) sock.pause();
      else sock.resume();
      o.wire.record(o.name, "note", undefined, on ? "we stop reading" : "we read again");
    },
    reset: () => end("reset"),
    close: () => end("close"),
  };
}

/**
 * A UDP client on its own port. Unconnected, like a program that uses sendto():
 * it records who each datagram came from, and a vanished program does not make
 * it fail. Disturbed, datagrams are sometimes sent twice or overtaken by the next.
 */
export async function udpClient(port: number, o: ClientOptions): Promise<Peer> {
  const host = o.host ?? HOST;
  const datagrams: string[] = [];
  let closed = false;
  let held: { bytes: Uint8Array; timer: Timer } | undefined;
  const sock = await Bun.udpSocket({
    hostname: HOST,
    port: 0,
    binaryType: "uint8array",
    socket: {
      data(_s, buf, fromPort, fromAddress) {
        const note = fromPort === port && fromAddress === host ? undefined : `from ${fromAddress}:${fromPort}`;
        o.wire.record(o.name, "recv", buf, note);
        datagrams.push(new TextDecoder().decode(buf));
      },
      error(...args: unknown[]) {
        const err = args.find((a) => a instanceof Error);
        o.wire.record(o.name, "note", undefined, `error: ${err?.message ?? "unknown"}`);
      },
    },
  });
  o.wire.record(o.name, "open", undefined, `udp ${HOST}:${sock.port}, talking to ${host}:${port}`);
  const out = (bytes: Uint8Array, note?: string) => {
    if (closed) return;
    o.wire.record(o.name, "sent", bytes, note);
    try {
      sock.send(bytes, port, host);
    } catch (err) {
      o.wire.record(o.name, "note", undefined, `send failed: ${(err as Error).message}`);
    }
  };
  const release = () => {
    if (!held) return;
    clearTimeout(held.timer);
    const { bytes } = held;
    held = undefined;
    out(bytes, "sent late: reordered");
  };
  const send = (data: string | Uint8Array) => {
    const bytes = toBytes(data);
    if (!o.disturb) return out(bytes);
    const fate = o.disturb.datagram();
    if (fate === "hold" && !held) {
      held = { bytes, timer: setTimeout(release, 3) };
      return;
    }
    out(bytes);
    if (fate === "twice") out(bytes, "duplicate");
    release();
  };
  const close = () => {
    if (closed) return;
    release();
    closed = true;
    o.wire.record(o.name, "close", undefined, "we closed our socket");
    sock.close();
  };
  return {
    name: o.name,
    transport: "udp",
    localPort: sock.port,
    get closed() {
      return closed;
    },
    send,
    sendLine: (text) => send(text + "\n"),
    sendExact: (data) => {
      release();
      out(toBytes(data));
    },
    lines: () => framedLines("udp", datagrams),
    text: () => datagrams.join(""),
    flushed: async () => release(),
    hold() {},
    reset: close,
    close,
  };
}

// ---------------------------------------------------------------------------
// A stand-in server, for testing a client

/** Plays the hub for a client under test: records what it sends, and talks back. */
export interface FakeServer {
  readonly transport: Transport;
  readonly port: number;
  /** Clients seen: TCP connections accepted, or UDP addresses heard from. */
  readonly clients: number;
  /** TCP connections closed by the client. (Always 0 over UDP.) */
  readonly closedClients: number;
  /** Lines received from all clients, framed as in Peer.lines(). */
  lines(): string[];
  /** Send a line (text + "\n") to every client: each open connection, or each address heard from. */
  sendLine(text: string): void;
  close(): void;
}

export async function tcpServer(o: { name: string; wire: WireLog }): Promise<FakeServer> {
  type Conn = { received: string[]; decoder: TextDecoder; closed: boolean };
  const conns: Socket<Conn>[] = [];
  const listener = Bun.listen<Conn>({
    hostname: HOST,
    port: 0,
    socket: {
      binaryType: "uint8array",
      open(s) {
        s.data = { received: [], decoder: new TextDecoder(), closed: false };
        conns.push(s);
        o.wire.record(o.name, "open", undefined, `accepted ${s.remoteAddress}:${s.remotePort}`);
      },
      data(s, chunk) {
        o.wire.record(o.name, "recv", chunk);
        s.data.received.push(s.data.decoder.decode(chunk, { stream: true }));
      },
      close(s) {
        s.data.closed = true;
        o.wire.record(o.name, "close", undefined, "the client closed");
      },
      error(_s, err) {
        o.wire.record(o.name, "note", undefined, `error: ${err.message}`);
      },
    },
  });
  return {
    transport: "tcp",
    port: listener.port,
    get clients() {
      return conns.length;
    },
    get closedClients() {
      return conns.filter((c) => c.data.closed).length;
    },
    lines: () => conns.flatMap((c) => framedLines("tcp", c.data.received)),
    sendLine(text) {
      const bytes = encoder.encode(text + "\n");
      for (const c of conns) {
        if (c.data.closed) continue;
        o.wire.record(o.name, "sent", bytes);
        if (c.write(bytes) !== bytes.length) o.wire.record(o.name, "note", undefined, "short write (test lines are small: unexpected)");
      }
    },
    close: () => listener.stop(true),
  };
}

export async function udpServer(o: { name: string; wire: WireLog }): Promise<FakeServer> {
  const datagrams: string[] = [];
  const heard = new Map<string, { address: string; port: number }>();
  const sock = await Bun.udpSocket({
    hostname: HOST,
    port: 0,
    binaryType: "uint8array",
    socket: {
      data(_s, buf, port, address) {
        const key = `${address}:${port}`;
        if (!heard.has(key)) heard.set(key, { address, port });
        o.wire.record(o.name, "recv", buf, `from ${key}`);
        datagrams.push(new TextDecoder().decode(buf));
      },
      error(...args: unknown[]) {
        const err = args.find((a) => a instanceof Error);
        o.wire.record(o.name, "note", undefined, `error: ${err?.message ?? "unknown"}`);
      },
    },
  });
  return {
    transport: "udp",
    port: sock.port,
    get clients() {
      return heard.size;
    },
    closedClients: 0,
    lines: () => framedLines("udp", datagrams),
    sendLine(text) {
      const bytes = encoder.encode(text + "\n");
      for (const { address, port } of heard.values()) {
        o.wire.record(o.name, "sent", bytes, `to ${address}:${port}`);
        try {
          sock.send(bytes, port, address);
        } catch (err) {
          o.wire.record(o.name, "note", undefined, `send failed: ${(err as Error).message}`);
        }
      }
    },
    close: () => sock.close(),
  };
}

// ---------------------------------------------------------------------------
// One test's world

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
