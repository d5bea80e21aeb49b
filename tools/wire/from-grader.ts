/**
 * The grader's wire log (tools/harness/wire.ts: one event per write, read,
 * datagram, open and close of the grader's own clients) as a Sequence to
 * draw. The log is kept from the grader's side, so each event is a flow
 * between the peer that recorded it and the learner's program: what the peer
 * sent went to the program, what it received came from it.
 */
import type { Lang } from "../../src/i18n.ts";
import type { Transport } from "../harness/ports.ts";
import { noteIn } from "../harness/notes.ts";
import type { WireEvent } from "../harness/wire.ts";
import type { Divergence, Flow, Mark, Party, Sequence } from "./model.ts";

export const PROGRAM = "program";
/** The harness's terminal, typing into the program under test (tools/harness/terminal.ts). */
const KEYBOARD = "keyboard";

export type FromGrader = {
  title: string;
  transport: Transport;
  lang: Lang;
  /** The program's lane's name (default: "your program"). */
  programName?: string;
  /** The program ended during the check: how, in words, and when (default: after the last event). */
  exit?: { at?: number; text: string };
  /** What was expected, by which peer; `wanted` is the text it waited for, to find where things parted. */
  divergence?: { party: string; expected: string; arrived?: string; wanted?: string };
  /** When the check stopped waiting, and why, in words. */
  end?: { at: number; text: string };
};

const NEWLINE = 0x0a;

/** A Sequence of the grader's wire log. */
export function fromGrader(events: readonly WireEvent[], o: FromGrader): Sequence {
  const parties: Party[] = [
    { id: PROGRAM, name: o.programName ?? (o.lang === "zh" ? "你的程序" : "your program"), kind: "program" },
  ];
  for (const e of events)
    if (!parties.some((p) => p.id === e.peer)) {
      const name = e.peer === KEYBOARD && o.lang === "zh" ? "键盘" : e.peer;
      parties.push({ id: e.peer, name, kind: "grader" });
    }
  const flows = events.flatMap((e) => flowOf(e, o)).filter((f): f is Flow => f !== undefined);
  if (o.transport === "tcp") markSplitAndMerged(flows);
  if (o.exit) flows.push({ at: o.exit.at ?? flows.at(-1)?.at ?? 0, kind: "exit", from: PROGRAM, text: o.exit.text });
  flows.sort((a, b) => a.at - b.at); // stable: an exit without a time stays last
  let divergence: Divergence | undefined;
  if (o.divergence) {
    const { party, expected, arrived, wanted } = o.divergence;
    divergence = {
      party,
      expected,
      arrived,
      flow: wanted !== undefined ? firstDivergence(flows, party, wanted) : undefined,
    };
  }
  return { title: o.title, parties, flows, divergence, end: o.end };
}

function flowOf(e: WireEvent, o: FromGrader): Flow | undefined {
  const note = noteIn(e, o.lang);
  const id = e.said?.id;
  const base = { at: e.at, bytes: e.bytes };
  switch (e.kind) {
    case "open":
      // A client connected to the program; or the program connected to the grader's stand-in hub.
      if (id === "accepted") return { ...base, kind: "connect", from: PROGRAM, to: e.peer };
      if (o.transport === "tcp") return { ...base, kind: "connect", from: e.peer, to: PROGRAM };
      return { ...base, kind: "note", from: e.peer, text: note };
    case "sent":
    case "recv": {
      const marks: Mark[] =
        id === "duplicate" ? [{ kind: "duplicate" }] : id === "reordered" ? [{ kind: "reordered" }] : [];
      const ends = e.kind === "sent" ? { from: e.peer, to: PROGRAM } : { from: PROGRAM, to: e.peer };
      // Keys typed at a terminal are written to it whatever the transport.
      const kind =
        e.peer === KEYBOARD ? "write" : o.transport === "udp" ? "datagram" : e.kind === "sent" ? "write" : "read";
      // A duplicate or a late datagram is said by its mark; an address is kept as words.
      const text = marks.length > 0 ? undefined : note;
      return { ...base, kind, ...ends, marks, text };
    }
    case "close":
      if (id === "closed-by-program" || id === "client-closed") {
        const reset = /reset|ECONNRESET/i.test(e.said?.values.why ?? "");
        return { ...base, kind: reset ? "rst" : "fin", from: PROGRAM, to: e.peer, text: reset ? note : undefined };
      }
      if (id === "we-reset") return { ...base, kind: "rst", from: e.peer, to: PROGRAM };
      if (id === "we-half-closed") return { ...base, kind: "fin", from: e.peer, to: PROGRAM, text: note };
      if (id === "we-closed" && o.transport === "tcp") return { ...base, kind: "fin", from: e.peer, to: PROGRAM };
      // A UDP socket closed: the drawing says so in its own words.
      return { ...base, kind: "close", from: e.peer, text: id === "we-closed-socket" ? undefined : note };
    case "note":
      return { ...base, kind: "note", from: e.peer, text: note };
  }
}

/**
 * TCP writes the grader cut up or ran together. A line one peer sent in
 * several writes (its writes up to the one with the "\n", whatever came
 * between them) is marked split, each write with its place; a write holding
 * the end of one line and more after it is marked merged (and ends the line).
 */
function markSplitAndMerged(flows: Flow[]): void {
  const runs = new Map<string, Flow[]>();
  const close = (peer: string) => {
    const run = runs.get(peer) ?? [];
    if (run.length > 1) run.forEach((f, i) => f.marks!.push({ kind: "split", part: i + 1, of: run.length }));
    runs.delete(peer);
  };
  for (const f of flows) {
    if (f.kind !== "write" || !f.bytes || f.from === KEYBOARD) continue;
    const inner = f.bytes.subarray(0, -1).filter((b) => b === NEWLINE).length;
    if (inner > 0) f.marks!.push({ kind: "merged", lines: inner + 1 });
    runs.set(f.from, [...(runs.get(f.from) ?? []), f]);
    if (f.bytes.includes(NEWLINE)) close(f.from);
  }
  for (const peer of [...runs.keys()]) close(peer);
}

const decoder = new TextDecoder();

/**
 * The flow where what `party` got first parted from what it waited for: the
 * first read (or datagram) `party` got once the line carrying `wanted` had
 * started on its way (its first write, by anyone). When no line carried it
 * (the program was to say it of its own), the first read after the last
 * write; none when nothing came after: then what was expected never arrived.
 */
export function firstDivergence(flows: readonly Flow[], party: string, wanted: string): number | undefined {
  const writes = flows
    .map((f, i) => ({ f, i }))
    .filter(({ f }) => (f.kind === "write" || f.kind === "datagram") && f.to === PROGRAM);
  // The line carrying `wanted`: the writes of one sender from one "\n" to the next.
  let start: number | undefined;
  const lines = new Map<string, { text: string; first: number }>();
  for (const { f, i } of writes) {
    const line = lines.get(f.from) ?? { text: "", first: i };
    if (line.text === "") line.first = i;
    line.text += decoder.decode(f.bytes ?? new Uint8Array());
    lines.set(f.from, line);
    if (start === undefined && line.text.includes(wanted)) start = line.first;
    if (line.text.endsWith("\n") || f.kind === "datagram") line.text = "";
  }
  start ??= writes.at(-1)?.i;
  const after = start ?? -1;
  const found = flows.findIndex((f, i) => i > after && f.to === party && (f.kind === "read" || f.kind === "datagram"));
  return found >= 0 ? found : undefined;
}

/** What a failing check of the grader's holds, as far as a drawing needs it. */
export type GradedCheck = {
  events: readonly WireEvent[];
  transport: Transport;
  name: Record<Lang, string>;
  expected?: Record<Lang, string>;
  arrived?: Record<Lang, string>;
  /** How long the check ran, ms. */
  ms: number;
};

/**
 * A failing check as a sequence: who waited (the expected words start with a
 * client's name: "bob receives a line containing ..."), what for (the first
 * quoted text in them), and the program's exit when the arrived words tell of
 * one. The grader's words are English and Chinese sentences, not data: what
 * they do not say is left out (no divergence flow, no exit), never guessed.
 */
export function gradedSequence(c: GradedCheck, lang: Lang, programName?: string): Sequence {
  const peers = [...new Set(c.events.map((e) => e.peer))];
  const first = c.expected?.en.split(/\s/)[0] ?? "";
  const party = peers.includes(first) ? first : peers[0];
  const quoted = /"((?:[^"\\]|\\.)*)"/.exec(c.expected?.en ?? "")?.[1];
  let wanted: string | undefined;
  try {
    wanted = quoted === undefined ? undefined : (JSON.parse(`"${quoted}"`) as string);
  } catch {
    wanted = quoted;
  }
  const exited = c.arrived?.[lang].match(
    lang === "zh"
      ? /你的程序(退出了（退出码 -?\d+）|被 \w+ 结束了)/
      : /your program (exited with code -?\d+|was killed by \w+)/,
  );
  const seq = fromGrader(c.events, {
    title: c.name[lang],
    transport: c.transport,
    lang,
    programName,
    exit: exited ? { text: exited[0] } : undefined,
    divergence:
      party !== undefined && c.expected
        ? { party, expected: c.expected[lang], arrived: c.arrived?.[lang], wanted }
        : undefined,
  });
  if (seq.divergence && seq.divergence.flow === undefined) {
    const s = (c.ms / 1000).toFixed(1);
    seq.end = {
      at: Math.max(c.ms, seq.flows.at(-1)?.at ?? 0),
      text: lang === "zh" ? `检查等了 ${s} 秒后停止` : `the check stopped waiting after ${s} s`,
    };
  }
  return seq;
}
