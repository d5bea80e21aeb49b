/**
 * One check's world and the words it judges with. An Exam is a harness Session
 * (programs, clients, terminals, the wire log, seeded randomness) for one check
 * over one transport, plus what a grader needs on top: start the program under
 * test, open disturbed clients to it, wait for a line, and when something is
 * wrong, fail with what was expected and what arrived, in both languages, and
 * the symptoms seen (misconceptions.ts names them).
 *
 * Past 400 lines: every check speaks through these few verbs (start, connect,
 * hear, fail), and keeping them in one place keeps the checks' words alike.
 */
import {
  escapeBytes,
  freePort,
  HOST,
  NotListeningError,
  Session,
  tcpAccepts,
  TimeoutError,
  until,
  type Command,
  type Peer,
  type Program,
  type TerminalProgram,
  type Transport,
} from "../harness/index.ts";
import { seededDisturbance } from "./disturb.ts";
import type { MisconceptionId } from "./misconceptions.ts";
import { both, type Text } from "./text.ts";

/** The exercises: lessons 01 to 03, and lesson 04's small complete chat server. */
export type ExerciseId = "01" | "02" | "03" | "04";

export type GradeOptions = {
  command: Command;
  seed: number;
  /** Disturb the transport (default true). */
  disturb?: boolean;
  /** How long the program may take to listen. */
  readyMs?: number;
  /** How long to wait for each expected line. */
  waitMs?: number;
  /** More arguments for the program under test, before the check's own (e.g. the kit's `--worker`). */
  args?: string[];
  /**
   * Shared by the checks of one run: the first plain launch (no arguments of a
   * check's own) goes ahead, the others wait for it, and when that program never
   * listened, they fail the same way at once instead of each waiting as long.
   */
  gate?: { first?: Promise<CheckFailure | undefined> };
};

export class CheckFailure extends Error {
  constructor(
    readonly expected: Text,
    readonly arrived: Text,
    readonly symptoms: MisconceptionId[] = [],
    /** The program never listened: no point in running more checks. */
    readonly notListening = false,
  ) {
    super(expected.en);
  }
}

export type Check = {
  /** "01.reply": the lesson, a dot, a short name. */
  id: string;
  lesson: ExerciseId;
  transports: readonly Transport[];
  name: Text;
  /**
   * What the check is about, when it needs earlier steps to get there. A failure
   * before the check calls `c.reached()` is reported as "could not reach ...",
   * not under the check's own name.
   */
  subject?: Text;
  /** Shown and named when it fails, but it does not fail the exercise. */
  extra?: boolean;
  /** The section of a lesson that does what the check asks: what to re-read when no misconception is named. */
  reread: Text;
  run(c: Exam): Promise<void>;
};

const wordsOf = (ms: number) => `${ms / 1000} s`;
/** Over UDP, how long before a program that listens on TCP instead is told so. */
const TCP_SUSPICION_MS = 1500;

/** One check over one transport: its program, clients, terminals and wire log. */
export class Exam extends Session {
  program?: Program;
  /** True once the check has reached its subject (see Check.subject). */
  atSubject = false;
  /** Programs the grader starts besides the one under test, and what each is ("lesson 02's hub"). */
  readonly helpers = new Map<Program | TerminalProgram, Text>();

  constructor(
    readonly transport: Transport,
    readonly o: GradeOptions,
    seed: number,
  ) {
    super({ seed, disturb: o.disturb === false ? undefined : seededDisturbance });
  }

  get waitMs(): number {
    return this.o.waitMs ?? 3000;
  }

  /** From here on a failure is the check's own. */
  reached(): void {
    this.atSubject = true;
  }

  /**
   * Start the program under test on a free port (`--port N`, env PORT; `--udp`
   * for UDP) and wait, by retrying, until it listens.
   */
  async launch(args: string[] = []): Promise<Program> {
    const gate = args.length === 0 ? this.o.gate : undefined;
    if (gate?.first) {
      const failed = await gate.first;
      if (failed) throw failed;
    } else if (gate) {
      const launched = this.launchNow(args);
      gate.first = launched.then(
        () => undefined,
        (err) => (err instanceof CheckFailure && err.notListening ? err : undefined),
      );
      return launched;
    }
    return this.launchNow(args);
  }

  private async launchNow(args: string[]): Promise<Program> {
    const readyMs = this.o.readyMs ?? 5000;
    const port = await portFreeForBoth(this.transport);
    // Given --udp, a program written for TCP listens on TCP: notice it while we wait.
    let listensTcp = false;
    let probing = this.transport === "udp";
    const probe = (async () => {
      while (probing) {
        if (await tcpAccepts(HOST, port)) return void (listensTcp = true);
        await Bun.sleep(100);
      }
    })();
    const start = (ms: number) =>
      this.start(this.o.command, this.transport, { port, args: [...(this.o.args ?? []), ...args], readyMs: ms });
    try {
      if (this.transport === "tcp" || readyMs <= TCP_SUSPICION_MS) this.program = await start(readyMs);
      else {
        // Over UDP, look again after a moment: a program that listens on TCP instead is
        // told so at once; one that is only slow to start gets the rest of the time, anew.
        try {
          this.program = await start(TCP_SUSPICION_MS);
        } catch (err) {
          if (listensTcp || !(err instanceof NotListeningError) || !(err.cause instanceof TimeoutError)) throw err;
          this.program = await start(readyMs - TCP_SUSPICION_MS);
        }
      }
      return this.program;
    } catch (err) {
      if (!(err instanceof NotListeningError)) throw err;
      const label = err.program.label;
      const exited = !(err.cause instanceof TimeoutError);
      const tcp = both(
        `nothing accepted a connection on ${HOST}:${port} within ${wordsOf(readyMs)} — ` +
          "did your program bind to the port it was given?",
        `${wordsOf(readyMs)}内没有程序在 ${HOST}:${port} 上接受连接——你的程序绑定到给它的端口了吗？`,
      );
      const udp = listensTcp
        ? both(
            `your program listened on TCP ${HOST}:${port}, but nothing bound UDP there — ` +
              "given --udp, it must bind a UDP socket",
            `你的程序在 TCP ${HOST}:${port} 上监听，但没有绑定 UDP——收到 --udp 时，它必须绑定一个 UDP 套接字`,
          )
        : both(
            `nothing bound UDP ${HOST}:${port} within ${wordsOf(readyMs)} — ` +
              "did your program bind a UDP socket to the port it was given (it gets --udp)?",
            `${wordsOf(readyMs)}内没有程序绑定 UDP ${HOST}:${port}——你的程序有没有把 UDP 套接字绑定到给它的端口（它会收到 --udp）？`,
          );
      const arrived = exited ? this.exitedBeforeListening(err.program) : this.transport === "tcp" ? tcp : udp;
      throw new CheckFailure(
        both(
          `\`${label}\` listens on ${this.transport} ${HOST}:${port}`,
          `\`${label}\` 在 ${this.transport} ${HOST}:${port} 上监听`,
        ),
        arrived,
        listensTcp ? ["udp-like-tcp"] : [],
        true,
      );
    } finally {
      probing = false;
      await probe;
    }
  }

  private exitedBeforeListening(p: Program): Text {
    const how = this.howExited(p);
    return both(`your program ${how.en} before it listened`, `你的程序在开始监听之前就${how.zh}`);
  }

  private howExited(p: { proc: { signalCode: unknown; exitCode: number | null } }): Text {
    const signal = p.proc.signalCode;
    return signal
      ? both(`was killed by ${signal}`, `被 ${signal} 结束了`)
      : both(`exited with code ${p.proc.exitCode}`, `退出了（退出码 ${p.proc.exitCode}）`);
  }

  /**
   * Start a program of the grader's own for the one under test to talk to (the
   * kit's lesson 02 hub for a client), in English whatever the locale, so that
   * what it says never depends on the machine. Its output is labelled `whose`.
   */
  async helper(command: Command, whose: Text): Promise<Program> {
    try {
      const p = await this.start(command, this.transport, { args: ["--lang", "en"] });
      this.helpers.set(p, whose);
      return p;
    } catch (err) {
      if (err instanceof NotListeningError) this.helpers.set(err.program, whose);
      throw err;
    }
  }

  /**
   * Over UDP, listen on TCP at `port` too, for a client given --udp that connects
   * over TCP instead: whether one did (it is closed at once). Nothing when the
   * port is taken over TCP.
   */
  tcpTrap(port: number): () => boolean {
    let tried = false;
    try {
      const trap = Bun.listen({
        hostname: HOST,
        port,
        socket: {
          open(s) {
            tried = true;
            s.end();
          },
          data() {},
        },
      });
      this.defer(() => trap.stop(true));
    } catch {
      // the port is someone else's over TCP: no trap
    }
    return () => tried;
  }

  /** A disturbed client of the program under test. */
  async client(name: string): Promise<Peer> {
    try {
      return await this.connect(this.transport, this.program!.port, name);
    } catch (err) {
      await Bun.sleep(50); // a program that is going down: let it finish, so we can say how
      this.fail(
        both(`${name} can connect to your program`, `${name} 能连上你的程序`),
        this.exited() ??
          both(`the connection failed: ${(err as Error).message}`, `连接失败：${(err as Error).message}`),
      );
    }
  }

  /** Did the program under test exit? Then how, in words. */
  exited(): Text | undefined {
    const p = this.program;
    if (!p || p.running) return undefined;
    const how = this.howExited(p);
    return both(`your program ${how.en}`, `你的程序${how.zh}`);
  }

  /**
   * What `who` (named with its address, as the program sees it) received,
   * escaped and short, and whether the program is gone. With `about`: only the
   * first line holding it, and how many more there are.
   */
  arrived(who: Peer, about?: string): Text {
    const name = both(`${who.name} (${HOST}:${who.localPort})`, `${who.name}（${HOST}:${who.localPort}）`);
    const gone = this.exited();
    const end = both(gone ? `; ${gone.en}` : "", gone ? `；${gone.zh}` : "");
    const quote = (text: string) => escapeBytes(new TextEncoder().encode(text));
    const hits = about === undefined ? [] : who.lines().filter((line) => line.includes(about));
    if (hits.length > 0) {
      const more = hits.length - 1;
      return both(
        `${name.en} received ${quote(hits[0]!)}${more > 0 ? ` and ${more} more line(s) like it` : ""}${end.en}`,
        `${name.zh}收到了 ${quote(hits[0]!)}${more > 0 ? `，还有 ${more} 行类似的` : ""}${end.zh}`,
      );
    }
    const text = who.text();
    const shown = quote(text.length > 300 ? "…" + text.slice(-300) : text);
    return both(
      `${name.en} received ${text === "" ? "nothing" : shown}${end.en}`,
      `${name.zh}${text === "" ? "什么也没收到" : `收到了 ${shown}`}${end.zh}`,
    );
  }

  /** Symptoms when `who` never got a line with `text`. */
  missing(who: Peer, text: string): MisconceptionId[] {
    const got = who.text();
    const out: MisconceptionId[] = [];
    if (got.includes("\uFFFD") && !text.includes("\uFFFD")) out.push("decode-per-read");
    // Whole but without its "\n": no newline, unless a "\n" came later, on its own (a read taken as a line).
    const at = got.lastIndexOf(text);
    if (this.transport === "tcp" && at >= 0)
      out.push(got.slice(at + text.length).includes("\n") ? "one-read-one-message" : "no-newline");
    else if (inPieces(got, text)) out.push(this.transport === "tcp" ? "one-read-one-message" : "udp-like-tcp");
    return out;
  }

  /** Wait until `who` has a line containing (or ending with) `text`; return that line. */
  async hear(
    who: Peer,
    text: string,
    o: { endsWith?: boolean; symptoms?: MisconceptionId[] | (() => MisconceptionId[]); ms?: number } = {},
  ): Promise<string> {
    const find = () => who.lines().find((line) => (o.endsWith ? line.endsWith(text) : line.includes(text)));
    // When the bytes already show the text mangled (cut up, or without its "\n")
    // and nothing more comes for a while, no correct program would be this far
    // along: fail now instead of at the deadline. A program that has exited has
    // sent what it will send a moment later.
    const still = stillFor(() => who.text().length);
    const gone = stillFor(() => (this.exited() ? 1 : 0));
    const over = () =>
      (this.exited() !== undefined && gone() > 200) || (still() > 400 && this.missing(who, text).length > 0);
    const found = await until(() => {
      const line = find();
      return line !== undefined ? { line } : over() ? { line } : undefined;
    }, o.ms ?? this.waitMs).catch(() => ({ line: undefined }));
    if (found.line !== undefined) return found.line;
    const quoted = JSON.stringify(text);
    const seen = this.missing(who, text);
    // What the bytes show comes first; the check's own guess only when they show nothing.
    // A program that never sent anything to anyone (and is still running) shows no symptom yet, only silence.
    const spoke = this.wire.events.some((e) => e.kind === "recv") || this.exited() !== undefined;
    const guess = !spoke ? [] : typeof o.symptoms === "function" ? o.symptoms() : (o.symptoms ?? []);
    const nl = this.transport === "tcp";
    throw new CheckFailure(
      both(
        `${who.name} receives a line ${o.endsWith ? "ending with" : "containing"} ${quoted}` +
          (nl ? ' (and "\\n" at its end)' : ""),
        `${who.name} 收到一行${o.endsWith ? "以" : "包含"} ${quoted}${o.endsWith ? " 结尾" : ""}${nl ? '（行尾有 "\\n"）' : ""}`,
      ),
      this.arrived(who),
      seen.length > 0 ? seen : guess,
    );
  }

  fail(expected: Text, arrived: Text, symptoms: MisconceptionId[] = []): never {
    throw new CheckFailure(expected, arrived, symptoms);
  }

  /**
   * Poll `ok` until it holds, or fail after `ms` with `expected` and `arrived()`.
   * When `settled` says the failure is already plain (and has said so for 400 ms,
   * e.g. the line came without its "\n"), fail then instead of at the deadline.
   */
  async waitFor(
    ok: () => boolean,
    expected: Text,
    arrived: () => Text,
    symptoms: MisconceptionId[] | (() => MisconceptionId[]) = [],
    ms = this.waitMs,
    settled?: () => boolean,
  ) {
    // `settled` is asked once a round (it may compare with the round before).
    let plainSince: number | undefined;
    const plainLongEnough = () => {
      const now = performance.now();
      plainSince = settled?.() ? (plainSince ?? now) : undefined;
      return plainSince !== undefined && now - plainSince > 400;
    };
    await until(() => ok() || plainLongEnough(), ms).catch(() => undefined);
    if (!ok()) this.fail(expected, arrived(), typeof symptoms === "function" ? symptoms() : symptoms);
  }

  /** Poll `ok` for up to `ms`; whether it came true. (For a step that may or may not happen.) */
  within(ok: () => boolean, ms: number): Promise<boolean> {
    return until(ok, ms).then(
      () => true,
      () => false,
    );
  }

  /** Symptoms a program shows in its own output or screen, such as a Python traceback. */
  symptomsInOutput(): MisconceptionId[] {
    const text = this.outputs(200)
      .filter((o) => !this.helpers.has(o.of))
      .map((o) => o.text)
      .join("\n");
    const out: MisconceptionId[] = [];
    if (text.includes("UnicodeDecodeError")) out.push("decode-per-read");
    if (text.includes("ConnectionResetError")) out.push("crash-on-reset");
    // A write to a client that has gone, not caught: one client's trouble stopped the server.
    if (text.includes("BrokenPipeError")) out.push("crash-on-reset");
    // A write to a client that has gone, caught or not: it was never removed.
    if (/Broken pipe|EPIPE/.test(text)) out.push("clients-never-removed");
    // select() on a socket that was closed but kept in the list.
    if (/file descriptor cannot be a negative integer|Bad file descriptor/.test(text))
      out.push("clients-never-removed");
    if (text.includes("BlockingIOError")) out.push("writes-assumed-complete");
    return out;
  }
}

/**
 * A free port for `transport` whose number is free over the other transport too:
 * a program that binds the wrong one (TCP when given --udp) then fails our check,
 * not with EADDRINUSE because another check's program has that number.
 */
async function portFreeForBoth(transport: Transport): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort(transport);
    try {
      if (transport === "udp") Bun.listen({ hostname: HOST, port, socket: { data() {} } }).stop(true);
      else (await Bun.udpSocket({ hostname: HOST, port })).close();
      return port;
    } catch (err) {
      if (attempt >= 20) throw err;
    }
  }
}

/**
 * Did `text` arrive cut up: all its characters, in order, within a short stretch
 * of `got`, but not in one piece? (What a program that handles each read as a
 * message sends: "<ann> he<ann> llo\n".)
 */
export function inPieces(got: string, text: string): boolean {
  if (text.length < 2 || text.length > 400) return false;
  got = got.length > 8192 ? got.slice(-8192) : got; // the recent past is enough, and keeps this cheap
  if (got.includes(text)) return false;
  const chars = [...text];
  for (let start = got.indexOf(chars[0]!); start >= 0; start = got.indexOf(chars[0]!, start + 1)) {
    let at = start;
    let k = 0;
    const limit = start + text.length * 4 + 200;
    for (; k < chars.length && at < got.length && at < limit; at++) {
      if (!got.startsWith(chars[k]!, at)) continue;
      at += chars[k]!.length - 1;
      k++;
    }
    if (k === chars.length) return true;
  }
  return false;
}

/** How long (ms) `read()` has given the same value; asked often, it follows the value as it changes. */
function stillFor(read: () => number): () => number {
  let value = read();
  let since = performance.now();
  return () => {
    const now = read();
    if (now !== value) {
      value = now;
      since = performance.now();
    }
    return performance.now() - since;
  };
}
