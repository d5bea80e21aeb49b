/**
 * One check's world and the words it judges with. An Exam is a harness Session
 * (programs, clients, terminals, the wire log, seeded randomness) for one check
 * over one transport, plus what a grader needs on top: start the program under
 * test, open disturbed clients to it, wait for a line, and when something is
 * wrong, fail with what was expected and what arrived, in both languages, and
 * the symptoms seen (misconceptions.ts names them).
 *
 * Its waits end on evidence, not on time, so a verdict does not depend on how
 * busy the machine is: a line is heard, or nothing has moved for a while (no
 * byte on the wire, and every program it runs asleep, as the kernel says); a
 * deadline only stops a program that keeps busy without answering, and when the
 * programs were kept waiting for a CPU instead, the check says it could not tell.
 *
 * Past 400 lines: every check speaks through these few verbs (start, connect,
 * hear, settle, fail), and keeping them in one place keeps the checks' words alike.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { boundPorts, tcpPortInUse } from "../harness/kernel.ts";
import {
  accepted,
  activity,
  escapeBytes,
  freePort,
  freeze,
  HOST,
  limiter,
  NotListeningError,
  overTransport,
  processTree,
  Session,
  taken,
  tcpAccepts,
  thaw,
  TimeoutError,
  until,
  type Command,
  type Conn,
  type Peer,
  type Program,
  type TerminalProgram,
  type Transport,
} from "../harness/index.ts";
import { crashIn, type Crash } from "./crash.ts";
import { seededDisturbance } from "./disturb.ts";
import type { MisconceptionId } from "./misconceptions.ts";
import { both, type Text } from "./text.ts";

/** The exercises: lessons 01 to 03, lesson 04's small complete chat server, and lesson 06's bridge for browsers. */
export type ExerciseId = "01" | "02" | "03" | "04" | "06";

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

/**
 * The machine's timing, not the program, decided what was seen: the programs
 * waited for a CPU instead of running. The check says it could not tell, rather
 * than pass or fail.
 */
export class CouldNotTell extends CheckFailure {
  constructor(why: Text) {
    super(both("a verdict that does not depend on how busy the machine is", "一个不受机器忙闲影响的结论"), why);
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
/** Without /proc: over UDP, how long before a program that listens on TCP instead is told so. */
const TCP_SUSPICION_MS = 1500;
/** How long nothing may move before a wait concludes that nothing more is coming. */
export const QUIET_MS = 300;
/** How long nothing may move before what was sent counts as read and answered (see settle). */
const SETTLE_MS = 40;
/** A look that comes this much later than asked for: this process itself was kept waiting for a CPU. */
const MISSED_MS = 80;
/** How long a program may sit idle, already started, before where it listens counts as final. */
const STARTED_MS = 300;

/** Programs starting at once, in the whole process: a start is the heaviest part of a check. */
const starting = limiter(4 * availableParallelism());

/** One look at everything a check runs: its programs' threads together, and how much has moved. */
type Look = { runs: number; busy: boolean; cpuMs: number; moved: number; sending: boolean; known: boolean };

/** One check over one transport: its program, clients, terminals and wire log. */
export class Exam extends Session {
  program?: Program;
  /** True once the check has reached its subject (see Check.subject). */
  atSubject = false;
  /** Programs the grader starts besides the one under test, and what each is ("lesson 02's hub"). */
  readonly helpers = new Map<Program | TerminalProgram, Text>();
  /** Why the machine's timing may have decided this check (see CouldNotTell). */
  readonly doubts: Text[] = [];
  private readonly peers: Peer[] = [];

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

  /** The machine's timing may have decided what this check saw: it will say it could not tell. */
  doubt(why: Text): void {
    if (!this.doubts.some((d) => d.en === why.en)) this.doubts.push(why);
  }

  override async connect(transport: Transport, port: number, name: string): Promise<Peer> {
    const peer = await super.connect(transport, port, name);
    this.peers.push(peer);
    if (transport === "tcp" && this.program?.running && port === this.program.port) await this.acceptedBy(peer);
    return peer;
  }

  /**
   * A TCP connect succeeds before the program has accepted it: wait until it
   * has (the kernel gave its side a socket) and gone back to sleep, its own
   * open() or accept() handled, so that what is sent next finds this client
   * known. A program that does not accept it now (it serves someone else, one
   * at a time) is not waited for once it has slept 100 ms.
   */
  private async acceptedBy(peer: Peer): Promise<void> {
    const p = this.program!;
    let still = { runs: -1, since: performance.now() };
    const start = performance.now();
    for (;;) {
      const a = activity(p.proc.pid);
      const taken = await accepted({ ours: peer.localPort, theirs: p.port });
      if (!a || taken === undefined || (taken && !a.busy)) return;
      const t = performance.now();
      if (a.busy || a.runs !== still.runs) still = { runs: a.runs, since: t };
      else if (t - still.since >= 100) return;
      if (t - start >= 4 * this.waitMs) return this.doubt(starved(t - start));
      await Bun.sleep(2);
    }
  }

  /**
   * Disturbed TCP, between two pieces: wait until the program under test has
   * had its chance to read the first on its own (activity.ts's taken()), so a
   * piece is one read whatever the machine's load.
   */
  protected override readWatch(conn?: Conn): (() => Promise<void>) | undefined {
    const p = this.program;
    const before = p?.running ? activity(p.proc.pid) : undefined;
    if (!p || !before) return undefined;
    // Did anyone else send the program something meanwhile (then its waking is no evidence of ours)?
    const mark = this.wire.events.length;
    const othersSent = () => this.wire.events.slice(mark).some((e) => e.kind === "sent" && e.peer !== conn?.name);
    return async () => {
      const how = await taken(p.proc.pid, before, { quietMs: 100, ms: 4 * this.waitMs, conn, othersSent });
      if (how === "unsure") this.doubt(starved(4 * this.waitMs));
    };
  }

  /** The processes this check runs and watches: the program under test, the grader's helpers, terminals. */
  private pids(): number[] {
    return [...this.programs.filter((p) => p.running), ...this.terminals.filter((t) => t.running)].map(
      (p) => p.proc.pid,
    );
  }

  private look(): Look {
    const moved = this.wire.events.length + this.terminals.reduce((n, t) => n + t.raw().length, 0);
    const sending = this.peers.some((p) => p.sending); // our own writes still to be made
    const look: Look = { runs: 0, busy: false, cpuMs: 0, moved, sending, known: true };
    for (const pid of this.pids()) {
      const a = activity(pid);
      if (!a) {
        look.known = look.known && !isLinux;
        continue;
      }
      look.runs += a.runs;
      look.cpuMs += a.cpuMs;
      look.busy ||= a.busy && !a.stopped;
    }
    return look;
  }

  /**
   * A watch on everything this check runs: asked often, how long (ms) nothing
   * has moved: no byte on the wire, no change on a terminal, none of our own
   * writes waiting, and every program asleep without having run. Without /proc,
   * only the bytes count, and `quietMs` (see quiet) is longer.
   */
  stillness(): (now?: Look) => number {
    let base = this.look();
    let since = performance.now();
    let asked = since;
    return (now = this.look()) => {
      const t = performance.now();
      // This process itself waited for a CPU: what arrived meanwhile may not be read yet,
      // so nothing can be said about that stretch. Stillness counts from here.
      const away = t - asked > MISSED_MS;
      asked = t;
      if (away || now.moved !== base.moved || now.sending || (now.known && (now.busy || now.runs !== base.runs))) {
        base = now;
        since = t;
      }
      return t - since;
    };
  }

  /** How long stillness must last before nothing more is coming. */
  get quietMs(): number {
    return isLinux ? QUIET_MS : 3 * QUIET_MS;
  }

  /**
   * Wait until `done()`, or nothing has moved for `quietMs`; true when done.
   * After `ms` of waiting while no byte moved, programs that had the CPU (waking
   * on a timer of their own, or busy without a word) are late: false. Programs
   * that were kept waiting for a CPU on a busy machine are waited for, up to
   * four times as long; then the check says it could not tell.
   */
  async waitOn(done: () => boolean, o: { ms?: number; quietMs?: number; stillMs?: number } = {}): Promise<boolean> {
    const still = this.stillness();
    const ms = o.ms ?? this.waitMs;
    const quietMs = o.quietMs ?? this.quietMs;
    const first = this.look();
    let last = performance.now();
    let moved = first.moved;
    // Time waited on the programs for nothing: while bytes move (ours going out, theirs
    // coming in), the clock stops; only a program that runs without a word is ever late.
    let elapsed = 0;
    let looks = 0;
    let busyLooks = 0;
    let lastLook = -Infinity;
    const outcome = await until(() => {
      if (done()) return "done";
      const t = performance.now();
      if (t - lastLook < 20) return undefined; // a look costs a few reads of /proc: not every round
      lastLook = t;
      const now = this.look();
      if (!now.sending && now.moved === moved) elapsed += Math.min(t - last, MISSED_MS);
      moved = now.moved;
      last = t;
      looks++;
      if (now.busy) busyLooks++;
      const stillFor = still(now);
      if (o.stillMs !== undefined && stillFor >= o.stillMs) return "done"; // (settle: still is what it waits for)
      if (stillFor >= quietMs) return "quiet";
      if (elapsed < ms) return undefined;
      const starved = now.known && busyLooks * 2 >= looks && now.cpuMs - first.cpuMs < elapsed / 4;
      return !starved ? "late" : elapsed >= 4 * ms ? "starved" : undefined;
    }, Infinity);
    // What arrived while this process itself waited for a CPU is read before any verdict.
    await Bun.sleep(1);
    if (outcome === "done" || done()) return true;
    if (outcome === "starved") throw new CouldNotTell(starved(elapsed));
    return false;
  }

  /**
   * Wait until every client has made its writes and the programs have read and
   * answered them: nothing moves for a moment. (Where a test would sleep.)
   */
  async settle(): Promise<void> {
    // A program that keeps working past the wait, with the CPU, is not waited for longer.
    await this.waitOn(() => false, { quietMs: Infinity, stillMs: SETTLE_MS });
  }

  /**
   * Send exactly these bytes (one write, or one datagram), and wait until the
   * program under test has had its chance to read them on their own: what comes
   * next is surely another read. (Without /proc: a pause.)
   */
  async sendOnItsOwn(peer: Peer, data: string | Uint8Array): Promise<void> {
    const conn = this.program && { ours: peer.localPort, theirs: this.program.port, name: peer.name };
    const wait = this.transport === "tcp" ? this.readWatch(conn) : undefined;
    peer.sendExact(data);
    await (wait ? wait() : Bun.sleep(60));
  }

  /**
   * Send while the program under test is stopped (SIGSTOP), so that everything
   * `send` sends is waiting in its sockets when it runs again, and its next
   * reads take it all together, on a busy machine or an idle one.
   */
  async frozen(send: () => void): Promise<void> {
    const p = this.program;
    if (!p?.running) return send();
    const tree = freeze(p.proc.pid);
    try {
      await until(() => activity(p.proc.pid)?.stopped !== false, this.waitMs).catch(() => undefined);
      send();
      await Bun.sleep(5); // a datagram sent is in the program's socket a few microseconds later
    } finally {
      thaw(tree);
    }
  }

  /**
   * Start the program under test on a free port (`--port N`, env PORT; `--udp`
   * for UDP) and wait, by retrying, until it listens.
   */
  async launch(args: string[] = [], listensOn: Transport = this.transport): Promise<Program> {
    if (listensOn !== this.transport) return this.launchNow(args, listensOn);
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

  /**
   * `listensOn`: where the program listens, when not over the transport it is
   * graded on (lesson 06's bridge serves its page over TCP, and is a client of a
   * UDP hub given --udp).
   */
  private async launchNow(args: string[], listensOn: Transport = this.transport): Promise<Program> {
    const readyMs = this.o.readyMs ?? 5000;
    const transport = listensOn;
    const port = await portFreeForBoth(transport);
    // Given --udp, a program written for TCP listens on TCP: notice it while we wait.
    // And a program that listens on a port of its own choosing: notice that too.
    let listensTcp = false;
    let probing = transport === "udp" && !isLinux;
    const probe = (async () => {
      while (probing) {
        if (await tcpAccepts(HOST, port)) return void (listensTcp = true);
        await Bun.sleep(100);
      }
    })();
    let elsewhere: { kind: "tcp-only" | "hard-coded-port"; transport: Transport; ports: number[] } | undefined;
    let late = false;
    let started = performance.now(); // (again once its turn to start has come)
    let lastLook = 0;
    let idle = { runs: -1, since: started };
    let looks = 0;
    let busyLooks = 0;
    const giveUp = (p: Program): string | undefined => {
      const now = performance.now();
      if (now - lastLook < 100) return undefined;
      lastLook = now;
      const a = activity(p.proc.pid);
      looks++;
      if (a?.busy) busyLooks++;
      const bound = boundPorts(processTree(p.proc.pid));
      if (a && (a.busy || a.runs !== idle.runs)) idle = { runs: a.runs, since: now };
      // It has started and waits: where it listens now is where it will listen.
      const settled = a ? now - idle.since >= STARTED_MS : now - started >= TCP_SUSPICION_MS;
      if (settled && transport === "udp" && (bound ? bound.tcp.length > 0 && bound.udp.length === 0 : listensTcp)) {
        elsewhere = { kind: "tcp-only", transport: "tcp", ports: bound?.tcp ?? [port] };
      } else if (settled) {
        const mine = bound?.[transport] ?? [];
        if (mine.length > 0 && !mine.includes(port))
          elsewhere = { kind: "hard-coded-port", transport: transport, ports: mine };
      }
      if (elsewhere) return `listens on ${elsewhere.transport} ${elsewhere.ports.join(", ")}`;
      // Past the limit, a program that sits idle without listening is late; one still
      // starting, runnable most of the time (a busy machine), is waited for, four times as long.
      const elapsed = now - started;
      const starting = a && busyLooks * 2 >= looks && now - idle.since < STARTED_MS;
      if (elapsed >= readyMs && (!starting || elapsed >= 4 * readyMs)) late = true;
      return late ? `did not listen within ${readyMs} ms` : undefined;
    };
    try {
      this.program = await starting(() => {
        started = performance.now();
        idle = { runs: -1, since: started };
        const command = transport === this.transport ? this.o.command : overTransport(this.o.command, this.transport);
        return this.start(command, transport, {
          port,
          args: [...(this.o.args ?? []), ...args],
          readyMs: 4 * readyMs,
          giveUp,
        });
      });
      return this.program;
    } catch (err) {
      if (!(err instanceof NotListeningError)) throw err;
      const label = err.program.label;
      const exited = !elsewhere && !late && !(err.cause instanceof TimeoutError);
      const crash = exited ? this.crashOf(err.program) : undefined;
      const tcp = both(
        `nothing accepted a connection on ${HOST}:${port} within ${wordsOf(readyMs)} — ` +
          "did your program bind to the port it was given?",
        `${wordsOf(readyMs)}内没有程序在 ${HOST}:${port} 上接受连接——你的程序绑定到给它的端口了吗？`,
      );
      const udp = both(
        `nothing bound UDP ${HOST}:${port} within ${wordsOf(readyMs)} — ` +
          "did your program bind a UDP socket to the port it was given (it gets --udp)?",
        `${wordsOf(readyMs)}内没有程序绑定 UDP ${HOST}:${port}——你的程序有没有把 UDP 套接字绑定到给它的端口（它会收到 --udp）？`,
      );
      const where = (e: NonNullable<typeof elsewhere>) => e.ports.map((n) => `${e.transport} ${HOST}:${n}`).join(", ");
      const arrived = elsewhere
        ? elsewhere.kind === "tcp-only"
          ? both(
              `your program listened on ${where(elsewhere)}, but bound no UDP socket — ` +
                "given --udp, it must bind one",
              `你的程序在 ${where(elsewhere)} 上监听，却没有绑定 UDP 套接字——收到 --udp 时，它必须绑定一个`,
            )
          : both(
              `your program listens on ${where(elsewhere)}, not on port ${port}, the one it was given ` +
                `(--port ${port}, and env PORT=${port})`,
              `你的程序在 ${where(elsewhere)} 上监听，而不是给它的端口 ${port}（--port ${port}，以及环境变量 PORT=${port}）`,
            )
        : exited
          ? this.exitedBeforeListening(err.program, crash)
          : transport === "tcp"
            ? tcp
            : udp;
      const symptoms: MisconceptionId[] = elsewhere
        ? [elsewhere.kind]
        : crash
          ? [crash.kind]
          : listensTcp
            ? ["tcp-only"]
            : [];
      throw new CheckFailure(
        both(
          `\`${label}\` listens on ${transport} ${HOST}:${port}`,
          `\`${label}\` 在 ${transport} ${HOST}:${port} 上监听`,
        ),
        arrived,
        symptoms,
        true,
      );
    } finally {
      probing = false;
      await probe;
    }
  }

  private exitedBeforeListening(p: Program, crash?: Crash): Text {
    const how = this.howExited(p);
    const why = saidWhy(crash);
    return both(`your program ${how.en} before it listened${why.en}`, `你的程序在开始监听之前就${how.zh}${why.zh}`);
  }

  /** The error a program's output ends with, placed in the program's own file when it can be. */
  crashOf(p: Program | TerminalProgram): Crash | undefined {
    const text = "output" in p ? p.output() : p.screen();
    return crashIn(text, this.o.command.argv.slice(1));
  }

  /** The program under test exited with an error: what kind (see crash.ts). */
  crash(): Crash | undefined {
    const p = this.program;
    return p && !p.running ? this.crashOf(p) : undefined;
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
    const why = saidWhy(this.crash());
    return both(`your program ${how.en}${why.en}`, `你的程序${how.zh}${why.zh}`);
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

  /**
   * Wait until `who` has a line containing (or ending with) `text`; return that
   * line. Fail when nothing more is coming (see waitOn), with the symptoms the
   * bytes show, else those the program's exit shows, else the check's own guess.
   */
  async hear(
    who: Peer,
    text: string,
    o: { endsWith?: boolean; symptoms?: MisconceptionId[] | (() => MisconceptionId[]); ms?: number } = {},
  ): Promise<string> {
    const find = () => who.lines().find((line) => (o.endsWith ? line.endsWith(text) : line.includes(text)));
    await this.waitOn(() => find() !== undefined, { ms: o.ms });
    const line = find();
    if (line !== undefined) return line;
    const quoted = JSON.stringify(text);
    const nl = this.transport === "tcp";
    throw new CheckFailure(
      both(
        `${who.name} receives a line ${o.endsWith ? "ending with" : "containing"} ${quoted}` +
          (nl ? ' (and "\\n" at its end)' : ""),
        `${who.name} 收到一行${o.endsWith ? "以" : "包含"} ${quoted}${o.endsWith ? " 结尾" : ""}${nl ? '（行尾有 "\\n"）' : ""}`,
      ),
      this.arrived(who),
      this.symptomsOf(this.missing(who, text), o.symptoms),
    );
  }

  /**
   * What a failure shows, most telling first: an error the program died of
   * (its own mistake, or a network condition it did not handle); what the bytes
   * show; else the check's guess, unless the program never sent anything to anyone.
   */
  symptomsOf(seen: MisconceptionId[], guess?: MisconceptionId[] | (() => MisconceptionId[])): MisconceptionId[] {
    const crash = this.crash();
    if (crash) return [crash.kind];
    if (seen.length > 0) return seen;
    const spoke = this.wire.events.some((e) => e.kind === "recv") || this.exited() !== undefined;
    return !spoke ? [] : typeof guess === "function" ? guess() : (guess ?? []);
  }

  fail(expected: Text, arrived: Text, symptoms: MisconceptionId[] = []): never {
    throw new CheckFailure(expected, arrived, symptoms);
  }

  /**
   * Wait until `ok` holds; else, when nothing more is coming (see waitOn), fail
   * with `expected`, `arrived()` and the symptoms. `patient`: the program is
   * waiting on a clock of its own (--idle, say): only `ms` ends the wait.
   */
  async waitFor(
    ok: () => boolean,
    expected: Text,
    arrived: () => Text,
    symptoms: MisconceptionId[] | (() => MisconceptionId[]) = [],
    o: { ms?: number; patient?: boolean } = {},
  ) {
    await this.waitOn(ok, { ms: o.ms, quietMs: o.patient ? Infinity : undefined });
    if (!ok()) this.fail(expected, arrived(), this.symptomsOf([], symptoms));
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
    const crash = this.crash();
    if (crash) return [crash.kind];
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

const isLinux = process.platform === "linux";

/** "the programs waited for a CPU for 3 s": why a check could not tell. */
const starved = (ms: number): Text =>
  both(
    `for ${(ms / 1000).toFixed(1)} s the programs waited for a CPU instead of running: ` +
      "the machine is too busy to tell; grade again when it is quieter",
    `有 ${(ms / 1000).toFixed(1)} 秒，程序在等 CPU 而没有运行：机器太忙，无法判断；等它空闲些再打分`,
  );

/** ": TypeError: ... (at workspace/01-echo.ts:63)", the error a program died of, for "arrived". */
function saidWhy(crash?: Crash): Text {
  if (!crash) return both("", "");
  const at = crash.where ? both(` (at ${crash.where})`, `（位于 ${crash.where}）`) : both("", "");
  return both(`, after this error: ${crash.error}${at.en}`, `，出错：${crash.error}${at.zh}`);
}

/**
 * A free port for `transport` whose number is free over the other transport too:
 * a program that binds the wrong one (TCP when given --udp) then fails our check,
 * not with EADDRINUSE because another check's program has that number. Picked
 * below the range the kernel gives outgoing connections (on Linux), so that none
 * of the many clients the grader opens meanwhile can take it before the program
 * binds it. A port with any TCP socket on it, even one in TIME_WAIT from an
 * earlier check, is passed over: a program without SO_REUSEADDR could not bind it.
 */
async function portFreeForBoth(transport: Transport): Promise<number> {
  const low = ephemeralLow();
  for (let attempt = 0; ; attempt++) {
    const port = low > 12000 ? 10000 + Math.floor(Math.random() * (low - 10000)) : await freePort(transport);
    try {
      if (tcpPortInUse(port)) throw new Error(`port ${port} has a TCP socket on it`);
      Bun.listen({ hostname: HOST, port, socket: { data() {} } }).stop(true);
      (await Bun.udpSocket({ hostname: HOST, port })).close();
      return port;
    } catch (err) {
      if (attempt >= 50) throw err;
    }
  }
}

/** The first port of the range the kernel picks outgoing connections' ports from (0 when unknown). */
function ephemeralLow(): number {
  try {
    return Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]) || 0;
  } catch {
    return 0;
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
