/**
 * The grader's checks, one plain async function each, for lessons 01 and 02 over
 * TCP and UDP. A check talks to the program through disturbed clients (see
 * disturb.ts), and when it fails it says what it expected, what arrived, and
 * which symptoms it saw; misconceptions.ts names them.
 */
import {
  escapeBytes,
  HOST,
  NotListeningError,
  overTransport,
  pause,
  startProgram,
  tcpClient,
  TimeoutError,
  udpClient,
  WireLog,
  mulberry32,
  seedFor,
  type Command,
  type LessonId,
  type Peer,
  type Program,
  type Transport,
} from "../harness/index.ts";
import { kernelCapacity, seededDisturbance } from "./disturb.ts";
import type { MisconceptionId, Text } from "./misconceptions.ts";

export type GradeOptions = {
  command: Command;
  seed: number;
  /** Disturb the transport (default true). */
  disturb?: boolean;
  /** How long the program may take to listen. */
  readyMs?: number;
  /** How long to wait for each expected line. */
  waitMs?: number;
};

export class CheckFailure extends Error {
  constructor(
    readonly expected: string,
    readonly arrived: string,
    readonly symptoms: MisconceptionId[] = [],
    /** The program never listened: no point in running more checks. */
    readonly notListening = false,
  ) {
    super(expected);
  }
}

export type Check = {
  id: string;
  lesson: LessonId;
  transports: readonly Transport[];
  name: Text;
  run(c: Ctx): Promise<void>;
};

export type CheckResult = {
  check: Check;
  transport: Transport;
  ok: boolean;
  expected?: string;
  arrived?: string;
  symptoms: MisconceptionId[];
  notListening?: boolean;
  timeline: string;
  output: string;
  seed: number;
};

const wordsOf = (n: number) => `${n / 1000} s`;

/** One check's world: its program, its clients, its wire log, its randomness. */
export class Ctx {
  readonly wire = new WireLog();
  readonly random: () => number;
  private readonly programs: Program[] = [];
  private readonly peers: Peer[] = [];
  program?: Program;

  constructor(
    readonly transport: Transport,
    readonly o: GradeOptions,
    readonly seed: number,
  ) {
    this.random = mulberry32(seed);
  }

  get waitMs() {
    return this.o.waitMs ?? 3000;
  }

  /** Start the program on a free port (`--port N`, env PORT) and wait, by retrying, until it listens. */
  async start(args: string[] = []): Promise<Program> {
    const readyMs = this.o.readyMs ?? 5000;
    try {
      this.program = await startProgram({ command: overTransport(this.o.command, this.transport), transport: this.transport, args, readyMs });
    } catch (err) {
      if (!(err instanceof NotListeningError)) throw err;
      this.programs.push(err.program);
      const { label, port } = err.program;
      const what =
        this.transport === "tcp"
          ? `nothing accepted a connection on ${HOST}:${port} within ${wordsOf(readyMs)} — did your program bind to the port it was given?`
          : `nothing bound UDP ${HOST}:${port} within ${wordsOf(readyMs)} — did your program bind a UDP socket to the port it was given (it gets --udp)?`;
      throw new CheckFailure(`\`${label}\` listens on ${this.transport} ${HOST}:${port}`, err.cause instanceof TimeoutError ? what : (err.cause as Error).message, [], true);
    }
    this.programs.push(this.program);
    return this.program;
  }

  /** A client of the program, disturbed unless the options say not to. */
  async connect(name: string): Promise<Peer> {
    const port = this.program!.port;
    const o = { name, wire: this.wire, disturb: this.o.disturb === false ? undefined : seededDisturbance(this.random) };
    const peer = this.transport === "tcp" ? await tcpClient(port, o) : await udpClient(port, o);
    this.peers.push(peer);
    return peer;
  }

  /** Did the program exit? Then say how. */
  exited(): string | undefined {
    const p = this.program;
    if (!p || p.running) return undefined;
    return `your program exited (${p.proc.signalCode ? `killed by ${p.proc.signalCode}` : `code ${p.proc.exitCode}`})`;
  }

  /** What `who` received, escaped and short, plus whether the program is gone. */
  arrived(who: Peer): string {
    const text = who.text();
    const shown = text.length === 0 ? "(nothing)" : escapeBytes(new TextEncoder().encode(text.length > 400 ? "…" + text.slice(-400) : text));
    const gone = this.exited();
    return `${who.name} received ${shown}${gone ? `; ${gone}` : ""}`;
  }

  /** Symptoms when `who` never got a line with `text`. */
  missing(who: Peer, text: string): MisconceptionId[] {
    const got = who.text();
    const out: MisconceptionId[] = [];
    if (this.transport === "tcp" && got.includes(text)) out.push("no-newline");
    else if (got.includes("\uFFFD") || inPieces(got, text)) {
      out.push(this.transport === "tcp" ? "one-read-one-message" : "udp-reliable");
    }
    return out;
  }

  /** Wait until `who` has a line containing (or ending with) `text`; return it. */
  async hear(who: Peer, text: string, o: { endsWith?: boolean; symptoms?: MisconceptionId[] | (() => MisconceptionId[]); ms?: number } = {}): Promise<string> {
    const find = () => who.lines().find((line) => (o.endsWith ? line.endsWith(text) : line.includes(text)));
    const deadline = performance.now() + (o.ms ?? this.waitMs);
    for (;;) {
      const line = find();
      if (line !== undefined) return line;
      if (performance.now() >= deadline || (this.exited() && performance.now() + 200 >= deadline)) break;
      await Bun.sleep(5);
    }
    const how = o.endsWith ? "ending with" : "containing";
    const seen = this.missing(who, text);
    // What the bytes show comes first; the check's own guess only when they show nothing.
    throw new CheckFailure(`${who.name} receives a line ${how} ${JSON.stringify(text)} (with "\\n" at its end over TCP)`, this.arrived(who), seen.length > 0 ? seen : typeof o.symptoms === "function" ? o.symptoms() : (o.symptoms ?? []));
  }

  fail(expected: string, arrived: string, symptoms: MisconceptionId[] = []): never {
    throw new CheckFailure(expected, arrived, symptoms);
  }

  outputs(): string {
    return this.programs.map((p) => p.output().split("\n").slice(-15).join("\n").trimEnd()).join("\n") || "(nothing)";
  }

  async close(): Promise<void> {
    for (const p of this.peers) {
      try {
        p.close();
      } catch {
        // already closed
      }
    }
    await Promise.all(this.programs.map((p) => p.stop("SIGTERM", 1500)));
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
    for (; k < chars.length && at < got.length && at < limit; at++) if (got.startsWith(chars[k]!, at)) at += chars[k]!.length - 1, k++;
    if (k === chars.length) return true;
  }
  return false;
}

const TIME = /\d{1,2}:\d{2}:\d{2}.*\S+$/;
const both = ["tcp", "udp"] as const;
const tcpOnly = ["tcp"] as const;
const udpOnly = ["udp"] as const;

/** Clients join, and each is surely known to the hub: its line reaches another client. */
async function room(c: Ctx, names: string[]): Promise<Peer[]> {
  const peers: Peer[] = [];
  for (const name of names) {
    const peer = await c.connect(name);
    if (c.transport === "udp") peer.sendExact("\n"); // over UDP, a client joins by sending a datagram
    peers.push(peer);
  }
  if (peers.length < 2) return peers;
  for (let i = 0; i < peers.length; i++) {
    const from = peers[i]!;
    const to = peers[(i + 1) % peers.length]!;
    const deadline = performance.now() + c.waitMs;
    for (let k = 1; ; k++) {
      from.sendExact(`ready? ${from.name} #${k}\n`);
      const until = Math.min(deadline, performance.now() + 250);
      while (performance.now() < until && !to.text().includes(`ready? ${from.name}`)) await Bun.sleep(5);
      if (to.text().includes(`ready? ${from.name}`)) break;
      if (performance.now() >= deadline || c.exited()) {
        const back = from.text().includes(`ready? ${from.name}`) && !to.text().includes(`ready? ${from.name}`);
        c.fail(`${to.name} receives the lines ${from.name} sends (${from.name} sent "ready? ${from.name} #1\\n" and more)`, c.arrived(to), [...c.missing(to, `ready? ${from.name}`), ...(back ? (["echo-to-sender"] as const) : [])]);
      }
    }
  }
  return peers;
}

/** `from` sends a fresh marker and `to` hears it: what the hub sent `to` before has arrived. */
async function sync(c: Ctx, from: Peer, to: Peer) {
  const marker = `sync-${from.name}-${Math.floor(c.random() * 1e6)}`;
  from.sendExact(marker + "\n");
  await c.hear(to, marker);
}

const notices = (who: Peer, about: Peer) => who.lines().filter((l) => l.startsWith("***") && l.includes(String(about.localPort)));

/**
 * Give the hub time to see that `who` left: until `to` gets the second notice
 * about it (a hub without notices fails "02.notices" on its own; here it only
 * costs a short wait).
 */
async function left(c: Ctx, to: Peer, who: Peer) {
  const deadline = performance.now() + Math.min(c.waitMs, 1000);
  while (notices(to, who).length < 2 && performance.now() < deadline && !c.exited()) await Bun.sleep(5);
}

async function waitFor(c: Ctx, ok: () => boolean, expected: string, arrived: () => string, symptoms: MisconceptionId[] = []) {
  const deadline = performance.now() + c.waitMs;
  while (!ok()) {
    if (performance.now() >= deadline) c.fail(expected, arrived(), symptoms);
    await Bun.sleep(5);
  }
}

async function stopsCleanly(c: Ctx) {
  const exit = await c.program!.stop("SIGTERM", 2000);
  if (exit.code !== 0) c.fail("exit code 0 on SIGTERM (trap the signal, close the sockets, exit)", `exit ${exit.signal ? `by signal ${exit.signal}` : `code ${exit.code}`}`);
}

export const CHECKS: Check[] = [
  // ------------------------------------------------------------------ lesson 01
  {
    id: "01.reply",
    lesson: "01",
    transports: both,
    name: { en: "answers a line with a reply that ends with that line", zh: "用以该行结尾的回复回答一行" },
    async run(c) {
      await c.start();
      const a = await c.connect("alice");
      a.sendLine("hello, echo");
      await c.hear(a, "hello, echo", { endsWith: true });
    },
  },
  {
    id: "01.time",
    lesson: "01",
    transports: both,
    name: { en: "puts the time in front of the echoed line", zh: "在回显的行前加上时间" },
    async run(c) {
      await c.start();
      const a = await c.connect("alice");
      a.sendLine("what time is it");
      const line = await c.hear(a, "what time is it", { endsWith: true });
      if (!TIME.test(line)) c.fail("a time like 03:45:00 before the text", JSON.stringify(line));
    },
  },
  {
    id: "01.utf8",
    lesson: "01",
    transports: both,
    name: { en: "echoes UTF-8 text unchanged, even split inside a character", zh: "原样回显 UTF-8 文本，即使在字符中间被拆开" },
    async run(c) {
      await c.start();
      const a = await c.connect("alice");
      a.sendLine("你好, wörld 🎉");
      await c.hear(a, "你好, wörld 🎉", { endsWith: true });
    },
  },
  {
    id: "01.split",
    lesson: "01",
    transports: tcpOnly,
    name: { en: "joins a line that arrives in two reads, even cut inside a character", zh: "把分两次读到的一行拼起来，即使在字符中间被切开" },
    async run(c) {
      await c.start();
      const a = await c.connect("alice");
      const bytes = new TextEncoder().encode("split 你好 in two reads\n");
      const cut = "split ".length + 1; // one byte into the three bytes of 你
      a.sendExact(bytes.subarray(0, cut));
      await pause(60); // a gap, so the program's first read returns only the first part
      a.sendExact(bytes.subarray(cut));
      await c.hear(a, "split 你好 in two reads", { endsWith: true, symptoms: ["one-read-one-message"] });
      await pause(50);
      if (a.lines().length !== 1) c.fail("exactly one reply", c.arrived(a), ["one-read-one-message"]);
    },
  },
  {
    id: "01.merged",
    lesson: "01",
    transports: tcpOnly,
    name: { en: "answers each of two lines that arrive in one read", zh: "一次读到两行时分别回答每一行" },
    async run(c) {
      await c.start();
      const a = await c.connect("alice");
      a.sendExact("first\nsecond\n");
      await c.hear(a, "second", { endsWith: true, symptoms: ["one-read-one-message"] });
      const lines = a.lines();
      if (!(lines.length === 2 && lines[0]!.endsWith("first") && lines.every((l) => TIME.test(l)))) {
        c.fail('two replies, one ending "first", one ending "second", each with its time', c.arrived(a), ["one-read-one-message"]);
      }
    },
  },
  {
    id: "01.crlf",
    lesson: "01",
    transports: tcpOnly,
    name: { en: "accepts lines that end in \\r\\n, as telnet and nc -C send them", zh: "接受以 \\r\\n 结尾的行（telnet 和 nc -C 这样发送）" },
    async run(c) {
      await c.start();
      const a = await c.connect("alice");
      a.sendExact("one\r\ntwo\r\n");
      await c.hear(a, "two", { endsWith: true });
      if (a.text().includes("\r\r")) c.fail('each "\\r" at most once in the replies', c.arrived(a));
    },
  },
  {
    id: "01.several",
    lesson: "01",
    transports: both,
    name: { en: "answers several clients at once, each at its own address with its own reply only", zh: "同时回答多个客户端，每个回复只发到发送者自己的地址" },
    async run(c) {
      await c.start();
      const peers: Peer[] = [];
      for (const name of ["ann", "bo", "cy", "di"]) peers.push(await c.connect(name));
      for (const p of peers) p.sendLine(`I am ${p.name}`);
      for (const p of peers) await c.hear(p, `I am ${p.name}`, { endsWith: true });
      await pause(30);
      for (const p of peers) {
        if (p.lines().some((line) => line.includes("I am ") && !line.endsWith(`I am ${p.name}`))) c.fail(`${p.name} gets only the replies to its own lines`, c.arrived(p), ["shared-state"]);
      }
    },
  },
  {
    id: "01.many",
    lesson: "01",
    transports: tcpOnly,
    name: { en: "keeps each client's half line to itself", zh: "每个客户端的半行只属于它自己" },
    async run(c) {
      await c.start();
      const names = ["ann", "bo", "cy", "di"];
      const peers: Peer[] = [];
      for (const n of names) peers.push(await c.connect(n));
      for (const p of peers) p.sendExact(`I am ${p.name[0]}`);
      await pause(60);
      for (const p of peers) p.sendExact(`${p.name.slice(1)} here\n`);
      const mixed = () => peers.some((p) => names.some((n) => n !== p.name && p.text().includes(`I am ${n[0]}`)));
      for (const p of peers) {
        try {
          await c.hear(p, `I am ${p.name} here`, { endsWith: true });
        } catch (err) {
          if (err instanceof CheckFailure && mixed()) throw new CheckFailure(err.expected, err.arrived, ["shared-state"]);
          throw err;
        }
      }
      if (mixed()) c.fail("each client gets only its own reply", peers.map((p) => c.arrived(p)).join("; "), ["shared-state"]);
    },
  },
  {
    id: "01.silent",
    lesson: "01",
    transports: tcpOnly,
    name: { en: "answers others while one client is silent in the middle of a line", zh: "一个客户端在行中间沉默时，照样回答其他人" },
    async run(c) {
      await c.start();
      // First, the program works at all: quiet gets an answer. Then quiet stops in
      // the middle of a line, and someone else asks.
      const quiet = await c.connect("quiet");
      quiet.sendExact("hello\n");
      await c.hear(quiet, "hello", { endsWith: true });
      quiet.sendExact("I am thinking");
      await pause(30);
      const a = await c.connect("alice");
      a.sendLine("anyone there?");
      await c.hear(a, "anyone there?", { endsWith: true, symptoms: () => (c.exited() ? [] : ["silence-stalls"]) });
    },
  },
  {
    id: "01.reset",
    lesson: "01",
    transports: both,
    name: { en: "keeps answering after clients leave, close or reset, without waiting for a reply", zh: "客户端不等回复就离开（关闭或重置）后继续回答其他人" },
    async run(c) {
      await c.start();
      // TCP: half a line, then gone, once with a close and once with a reset. UDP:
      // a datagram, and the socket closes before the reply arrives, so the reply
      // bounces (ICMP port unreachable).
      for (const how of ["close", "reset"] as const) {
        const quitter = await c.connect(`quitter-${how}`);
        if (c.transport === "tcp") {
          quitter.sendExact("never fin");
          await pause(30);
        } else quitter.sendExact("gone before you answer\n");
        quitter[how]();
      }
      await pause(30);
      const s = await c.connect("stayer").catch(() => c.fail("a new client can connect", c.exited() ?? "the connection was refused", ["crash-on-reset"]));
      for (const text of ["still there?", "and now?"]) {
        s.sendLine(text);
        await c.hear(s, text, { endsWith: true, symptoms: () => c.exited() ? ["crash-on-reset"] : [] });
      }
    },
  },
  {
    id: "01.slow-reader",
    lesson: "01",
    transports: tcpOnly,
    name: { en: "sends every reply whole to a client that reads slowly", zh: "对读得慢的客户端也完整地发送每个回复" },
    async run(c) {
      await c.start();
      // Enough replies to fill the kernel's buffers and half a megabyte more: from
      // there on, write() takes only part of what it is given.
      const LINE = 60_000;
      const count = Math.ceil(((await kernelCapacity()) + 512 * 1024) / (LINE + 20));
      const a = await c.connect("slowpoke");
      a.hold(true);
      const lines = Array.from({ length: count }, (_, i) => `${String(i).padStart(4, "0")}${"x".repeat(LINE - 4)}`);
      a.sendExact(lines.join("\n") + "\n");
      await a.flushed();
      await pause(300); // the program reads everything and writes into a full pipe
      a.hold(false);
      const expectBytes = lines.reduce((n, l) => n + l.length + 1, 0);
      const tail = "x".repeat(LINE - 4);
      const wholeReplies = (text: string) => text.split("\n").filter((l) => l.endsWith(tail)).length;
      // Megabytes: poll cheaply, by counting, until all replies are in or nothing moves for a while.
      let text = "";
      let lastLength = -1;
      let quietSince = performance.now();
      const deadline = performance.now() + c.waitMs + 3000;
      for (;;) {
        text = a.text();
        const whole = wholeReplies(text);
        if (whole >= count) return;
        if (text.length !== lastLength) (lastLength = text.length), (quietSince = performance.now());
        if (performance.now() >= deadline || performance.now() - quietSince > 1000 || c.exited()) break;
        await Bun.sleep(50);
      }
      const whole = wholeReplies(text);
      const summary = `${whole} whole replies of ${count}, ${text.length} bytes in all (the replies hold at least ${expectBytes} bytes)${c.exited() ? `; ${c.exited()}` : ""}`;
      const short = !c.exited() && text.length < expectBytes;
      c.fail(`${count} replies, each ending with the ${LINE} characters sent`, summary, short ? ["writes-assumed-complete"] : []);
    },
  },
  {
    id: "01.udp-plain",
    lesson: "01",
    transports: udpOnly,
    name: { en: "answers a datagram that has no newline", zh: "回答没有换行符的数据报" },
    async run(c) {
      await c.start();
      const a = await c.connect("alice");
      a.sendExact("no newline here");
      await c.hear(a, "no newline here", { endsWith: true, symptoms: ["udp-reliable"] });
    },
  },
  {
    id: "01.udp-two",
    lesson: "01",
    transports: udpOnly,
    name: { en: "answers every datagram, duplicated and reordered as they come", zh: "回答每个数据报，即使它们重复或乱序" },
    async run(c) {
      await c.start();
      const a = await c.connect("alice");
      for (const t of ["one", "two", "three"]) a.send(t);
      for (const t of ["one", "two", "three"]) await c.hear(a, t, { endsWith: true, symptoms: ["udp-reliable"] });
    },
  },
  {
    id: "01.sigterm",
    lesson: "01",
    transports: both,
    name: { en: "stops with exit code 0 on SIGTERM", zh: "收到 SIGTERM 时以退出码 0 结束" },
    async run(c) {
      await c.start();
      const a = await c.connect("alice");
      a.sendLine("goodbye soon");
      await c.hear(a, "goodbye soon", { endsWith: true });
      await stopsCleanly(c);
    },
  },
  // ------------------------------------------------------------------ lesson 02
  {
    id: "02.relay",
    lesson: "02",
    transports: both,
    name: { en: "delivers a line to every other client", zh: "把一行发给其他每个客户端" },
    async run(c) {
      await c.start();
      const [ann, bo, cy] = await room(c, ["ann", "bo", "cy"]);
      ann!.sendLine("hello, everyone");
      await c.hear(bo!, "hello, everyone");
      await c.hear(cy!, "hello, everyone");
    },
  },
  {
    id: "02.no-echo",
    lesson: "02",
    transports: both,
    name: { en: "never sends a line back to its sender", zh: "从不把一行发回给它的发送者" },
    async run(c) {
      await c.start();
      const [ann, bo] = await room(c, ["ann", "bo"]);
      ann!.sendExact("only for the others\n"); // one write: this check is about where the line goes
      await c.hear(bo!, "only for the others", { symptoms: () => ann!.text().includes("only for the others") ? ["echo-to-sender"] : [] });
      await sync(c, bo!, ann!);
      if (ann!.text().includes("only for the others")) c.fail("ann does not get her own line back", c.arrived(ann!), ["echo-to-sender"]);
    },
  },
  {
    id: "02.names",
    lesson: "02",
    transports: both,
    name: { en: "names the sender of each line by its host:port", zh: "用 host:port 标明每一行的发送者" },
    async run(c) {
      await c.start();
      const [ann, bo] = await room(c, ["ann", "bo"]);
      ann!.sendLine("who said this?");
      const line = await c.hear(bo!, "who said this?");
      if (!line.includes(String(ann!.localPort))) c.fail(`ann's port ${ann!.localPort} in the relayed line`, JSON.stringify(line));
    },
  },
  {
    id: "02.notices",
    lesson: "02",
    transports: both,
    name: { en: 'announces joining and leaving with lines starting "***"', zh: '用以 "***" 开头的行通知加入和离开' },
    async run(c) {
      await c.start();
      const [ann, bo] = await room(c, ["ann", "bo"]);
      await waitFor(c, () => notices(ann!, bo!).length >= 1, `ann gets a "*** ..." line naming bo's port ${bo!.localPort} (joined)`, () => c.arrived(ann!));
      await sync(c, bo!, ann!);
      if (notices(ann!, bo!).length !== 1) c.fail(`exactly one "*** ..." line naming bo's port ${bo!.localPort} after bo joined`, c.arrived(ann!));
      if (c.transport === "udp") bo!.sendExact("/quit\n");
      bo!.close();
      await waitFor(c, () => notices(ann!, bo!).length >= 2, `ann gets a second "*** ..." line naming bo's port ${bo!.localPort} (left)`, () => c.arrived(ann!));
    },
  },
  {
    id: "02.vanish",
    lesson: "02",
    transports: both,
    name: { en: "keeps delivering, and takes newcomers, after a client vanishes", zh: "有客户端消失后继续转发，也接纳新来的客户端" },
    async run(c) {
      await c.start();
      const [ann, bo, cy] = await room(c, ["ann", "bo", "cy"]);
      cy!.close();
      await pause(30);
      const blame: MisconceptionId[] = [c.transport === "tcp" ? "clients-never-removed" : "crash-on-reset"];
      for (const t of ["one", "two", "three"]) ann!.sendLine(`after cy: ${t}`);
      for (const t of ["one", "two", "three"]) await c.hear(bo!, `after cy: ${t}`, { symptoms: () => c.exited() ? blame : ["clients-never-removed"] });
      // And the room still takes newcomers, both ways.
      const di = await c.connect("di");
      di.sendLine("di is new here");
      await c.hear(ann!, "di is new here");
      await c.hear(bo!, "di is new here");
      bo!.sendLine("welcome, di");
      await c.hear(di, "welcome, di");
    },
  },
  {
    id: "02.reset",
    lesson: "02",
    transports: tcpOnly,
    name: { en: "survives a client that resets its connection", zh: "客户端重置连接后照常工作" },
    async run(c) {
      await c.start();
      const [ann, bo, cy] = await room(c, ["ann", "bo", "cy"]);
      cy!.sendExact("half");
      await pause(20);
      cy!.reset();
      await pause(50);
      ann!.sendLine("after the reset");
      await c.hear(bo!, "after the reset", { symptoms: () => c.exited() ? ["crash-on-reset"] : [] });
    },
  },
  {
    id: "02.many",
    lesson: "02",
    transports: both,
    name: { en: "relays lines from several clients at once", zh: "同时转发多个客户端的行" },
    async run(c) {
      await c.start();
      const peers = await room(c, ["p1", "p2", "p3", "p4", "p5"]);
      for (const p of peers) p.sendLine(`line from ${p.name}`);
      for (const p of peers) for (const q of peers) if (q !== p) await c.hear(q, `line from ${p.name}`);
      for (const p of peers) if (p.text().includes(`line from ${p.name}`)) c.fail(`${p.name} does not get its own line back`, c.arrived(p), ["echo-to-sender"]);
    },
  },
  {
    id: "02.split",
    lesson: "02",
    transports: tcpOnly,
    name: { en: "relays a line that arrives in two reads as one line, even cut inside a character", zh: "分两次读到的一行作为一行转发，即使在字符中间被切开" },
    async run(c) {
      await c.start();
      const [ann, bo] = await room(c, ["ann", "bo"]);
      const bytes = new TextEncoder().encode("split 你好 in two\n");
      const cut = "split ".length + 2; // two bytes into the three bytes of 你
      ann!.sendExact(bytes.subarray(0, cut));
      await pause(60); // a gap, so the hub's first read returns only the first part
      ann!.sendExact(bytes.subarray(cut));
      await c.hear(bo!, "split 你好 in two", { symptoms: ["one-read-one-message"] });
      await sync(c, ann!, bo!);
      if (bo!.lines().filter((l) => l.includes("split") || l.includes("in two")).length !== 1) c.fail("the line relayed once, whole", c.arrived(bo!), ["one-read-one-message"]);
    },
  },
  {
    id: "02.merged",
    lesson: "02",
    transports: tcpOnly,
    name: { en: "relays two lines that arrive in one read as two lines", zh: "一次读到的两行作为两行转发" },
    async run(c) {
      await c.start();
      const [ann, bo] = await room(c, ["ann", "bo"]);
      ann!.sendExact("first line\nsecond line\n");
      const first = await c.hear(bo!, "first line", { symptoms: ["one-read-one-message"] });
      const second = await c.hear(bo!, "second line", { symptoms: ["one-read-one-message"] });
      const port = String(ann!.localPort);
      if (first === second || !first.includes(port) || !second.includes(port)) {
        c.fail(`two relayed lines, each naming ann (${port})`, JSON.stringify([first, second]), ["one-read-one-message"]);
      }
    },
  },
  {
    id: "02.half-line",
    lesson: "02",
    transports: tcpOnly,
    name: { en: "never relays half a line", zh: "从不转发半行" },
    async run(c) {
      await c.start();
      const [ann, bo, cy] = await room(c, ["ann", "bo", "cy"]);
      cy!.sendExact("half a li");
      await pause(30);
      cy!.close();
      await left(c, ann!, cy!);
      await sync(c, bo!, ann!);
      if (ann!.text().includes("half a li")) c.fail('no line with "half a li" (it never got its "\\n")', c.arrived(ann!), ["one-read-one-message"]);
    },
  },
  {
    id: "02.shared",
    lesson: "02",
    transports: tcpOnly,
    name: { en: "keeps each client's half line to itself", zh: "每个客户端的半行只属于它自己" },
    async run(c) {
      await c.start();
      const [ann, bo, cy] = await room(c, ["ann", "bo", "cy"]);
      ann!.sendExact("ann says a");
      await pause(20);
      bo!.sendExact("bo says b");
      await pause(40);
      ann!.sendExact("pple\n");
      await pause(20);
      bo!.sendExact("anana\n");
      const mixed = () => cy!.lines().some((l) => l.includes("ann says abo says b") || l.includes("says aanana") || l.includes("says bpple"));
      try {
        await c.hear(cy!, "ann says apple");
        await c.hear(cy!, "bo says banana");
      } catch (err) {
        if (err instanceof CheckFailure && mixed()) throw new CheckFailure(err.expected, err.arrived, ["shared-state"]);
        throw err;
      }
    },
  },
  {
    id: "02.silent",
    lesson: "02",
    transports: tcpOnly,
    name: { en: "keeps relaying while one client is silent in the middle of a line", zh: "一个客户端在行中间沉默时照常转发" },
    async run(c) {
      await c.start();
      // First, the hub relays at all. Then quiet stops in the middle of a line.
      const [ann, bo] = await room(c, ["ann", "bo"]);
      const quiet = await c.connect("quiet");
      quiet.sendExact("I am thinking");
      await pause(30);
      ann!.sendLine("still flowing?");
      await c.hear(bo!, "still flowing?", { symptoms: () => (c.exited() ? [] : ["silence-stalls"]) });
    },
  },
  {
    id: "02.quit",
    lesson: "02",
    transports: udpOnly,
    name: { en: 'forgets a client that sent "/quit"', zh: '忘掉发送了 "/quit" 的客户端' },
    async run(c) {
      await c.start();
      const [ann, bo, cy] = await room(c, ["ann", "bo", "cy"]);
      bo!.sendExact("/quit\n");
      await left(c, ann!, bo!);
      ann!.sendLine("bo should not see this");
      await c.hear(cy!, "bo should not see this");
      await sync(c, cy!, ann!);
      await pause(30);
      if (bo!.text().includes("bo should not see this")) c.fail('bo gets nothing after "/quit"', c.arrived(bo!), ["clients-never-removed"]);
    },
  },
  {
    id: "02.idle",
    lesson: "02",
    transports: udpOnly,
    name: { en: "forgets a client that stays silent longer than --idle", zh: "忘掉沉默超过 --idle 的客户端" },
    async run(c) {
      await c.start(["--idle", "0.5"]);
      const [ann, bo] = await room(c, ["ann", "bo"]);
      // ann keeps talking; bo says nothing more.
      const chatter = setInterval(() => ann!.sendExact("still here\n"), 100);
      try {
        await waitFor(c, () => notices(ann!, bo!).length >= 2, `ann gets a "*** ..." line naming the silent bo's port ${bo!.localPort} (forgotten after --idle 0.5)`, () => c.arrived(ann!), ["clients-never-removed"]);
        // ann kept talking, so she is still in the room: she hears of a newcomer.
        const cy = await c.connect("cy");
        cy.sendExact("\n");
        await waitFor(c, () => notices(ann!, cy).length >= 1, `ann, who kept talking, gets a "*** ..." line naming cy's port ${cy.localPort} (joined)`, () => c.arrived(ann!));
      } finally {
        clearInterval(chatter);
      }
    },
  },
  {
    id: "02.udp-plain",
    lesson: "02",
    transports: udpOnly,
    name: { en: "relays a datagram that has no newline", zh: "转发没有换行符的数据报" },
    async run(c) {
      await c.start();
      const [ann, bo] = await room(c, ["ann", "bo"]);
      ann!.sendExact("no newline");
      await c.hear(bo!, "no newline", { symptoms: ["udp-reliable"] });
    },
  },
  {
    id: "02.sigterm",
    lesson: "02",
    transports: both,
    name: { en: "stops with exit code 0 on SIGTERM", zh: "收到 SIGTERM 时以退出码 0 结束" },
    async run(c) {
      await c.start();
      await room(c, ["ann"]);
      await stopsCleanly(c);
    },
  },
];

/** The checks of one lesson over one transport. */
export const checksFor = (lesson: LessonId, transport: Transport) => CHECKS.filter((k) => k.lesson === lesson && k.transports.includes(transport));

/** Run one check; never throws. */
export async function runCheck(check: Check, transport: Transport, o: GradeOptions): Promise<CheckResult> {
  const seed = seedFor(o.seed, `${check.id}/${transport}`);
  const c = new Ctx(transport, o, seed);
  const base = { check, transport, seed: o.seed };
  try {
    await check.run(c);
    return { ...base, ok: true, symptoms: [], timeline: "", output: "" };
  } catch (err) {
    const f = err instanceof CheckFailure ? err : new CheckFailure("the check to finish", `an error: ${(err as Error).message}`);
    await Bun.sleep(20); // let the last bytes in flight land in the timeline
    return { ...base, ok: false, expected: f.expected, arrived: f.arrived, symptoms: [...new Set(f.symptoms)], notListening: f.notListening, timeline: c.wire.format({ limit: 40, width: 100 }), output: c.outputs() };
  } finally {
    await c.close();
  }
}

/** Run checks with at most `parallel` at a time; results in the order given. */
export async function runChecks(list: { check: Check; transport: Transport }[], o: GradeOptions, parallel = 4): Promise<CheckResult[]> {
  const results: CheckResult[] = new Array(list.length);
  if (list.length === 0) return results;
  // The first check alone: a program that never listens fails every check the same way, once.
  results[0] = await runCheck(list[0]!.check, list[0]!.transport, o);
  if (results[0].notListening) {
    return list.map(({ check, transport }, i) => (i === 0 ? results[0]! : { ...results[0]!, check, transport }));
  }
  let next = 1;
  const worker = async () => {
    while (next < list.length) {
      const i = next++;
      results[i] = await runCheck(list[i]!.check, list[i]!.transport, o);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, list.length) }, worker));
  return results;
}
