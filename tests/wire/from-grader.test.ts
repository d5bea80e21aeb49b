/**
 * The grader's wire log as a sequence to draw: each event a flow between the
 * client that recorded it and the learner's program, the grader's disturbance
 * marked, and the first divergence found where the expected line was due.
 */
import { describe, expect, test } from "bun:test";
import { recordNote } from "../../tools/harness/notes.ts";
import { WireLog, type WireEvent } from "../../tools/harness/wire.ts";
import { firstDivergence, fromGrader, PROGRAM } from "../../tools/wire/from-grader.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const decode = (b?: Uint8Array) => (b ? new TextDecoder().decode(b) : undefined);

/** A log as the harness's TCP clients write it: alice sends "hello" in three writes, bob reads it; bob resets. */
function tcpLog(): WireEvent[] {
  const log = new WireLog();
  recordNote(log, "alice", "open", "connected", { from: "127.0.0.1:4000", to: "127.0.0.1:9000" });
  recordNote(log, "bob", "open", "connected", { from: "127.0.0.1:4001", to: "127.0.0.1:9000" });
  log.record("alice", "sent", bytes("he"));
  log.record("bob", "recv", bytes("*** alice joined\n")); // another peer's event: alice's line goes on
  log.record("alice", "sent", bytes("l"));
  log.record("alice", "sent", bytes("lo\nbye"));
  log.record("alice", "sent", bytes("\n"));
  log.record("bob", "recv", bytes("<alice> he"));
  log.record("bob", "recv", bytes("<alice> llo\n"));
  recordNote(log, "bob", "close", "we-reset");
  recordNote(log, "alice", "close", "closed-by-program", { why: "" });
  recordNote(log, "alice", "note", "stop-reading");
  return log.events;
}

describe("a sequence from the grader's wire log", () => {
  test("has the program's lane first, then a lane per peer, in the order they appear", () => {
    const seq = fromGrader(tcpLog(), { title: "t", transport: "tcp", lang: "en" });
    expect(seq.parties).toEqual([
      { id: PROGRAM, name: "your program", kind: "program" },
      { id: "alice", name: "alice", kind: "grader" },
      { id: "bob", name: "bob", kind: "grader" },
    ]);
    const zh = fromGrader(tcpLog(), { title: "t", transport: "tcp", lang: "zh", programName: "02-hub.py" });
    expect(zh.parties[0]!.name).toBe("02-hub.py");
  });

  test("turns opens into connects, sends into writes to the program, receipts into reads from it, closes into FIN and RST", () => {
    const seq = fromGrader(tcpLog(), { title: "t", transport: "tcp", lang: "en" });
    const shape = seq.flows.map((f) => `${f.kind} ${f.from}->${f.to ?? ""} ${decode(f.bytes) ?? f.text ?? ""}`);
    expect(shape).toEqual([
      "connect alice->program ",
      "connect bob->program ",
      "write alice->program he",
      "read program->bob *** alice joined\n",
      "write alice->program l",
      "write alice->program lo\nbye",
      "write alice->program \n",
      "read program->bob <alice> he",
      "read program->bob <alice> llo\n",
      "rst bob->program ",
      "fin program->alice ",
      "note alice-> we stop reading",
    ]);
  });

  test("marks a line sent in several writes as split, and a write that runs two lines together as merged", () => {
    const seq = fromGrader(tcpLog(), { title: "t", transport: "tcp", lang: "en" });
    const marks = seq.flows.filter((f) => f.kind === "write").map((f) => f.marks);
    expect(marks).toEqual([
      [{ kind: "split", part: 1, of: 3 }],
      [{ kind: "split", part: 2, of: 3 }],
      [
        { kind: "merged", lines: 2 },
        { kind: "split", part: 3, of: 3 },
      ],
      [],
    ]);
  });

  test("keeps a line's writes one line when a read comes between them (the grader waits for the program to read)", () => {
    const log = new WireLog();
    log.record("alice", "sent", bytes("hel"));
    log.record("alice", "recv", bytes("06:01:17 hel"));
    log.record("alice", "sent", bytes("lo\n"));
    log.record("alice", "sent", bytes("next\n"));
    const seq = fromGrader(log.events, { title: "t", transport: "tcp", lang: "en" });
    expect(seq.flows.map((f) => f.marks)).toEqual([
      [{ kind: "split", part: 1, of: 2 }],
      [],
      [{ kind: "split", part: 2, of: 2 }],
      [],
    ]);
  });

  test("turns UDP sends into datagrams, the disturbance's duplicates and late ones marked, and words notes in the reader's language", () => {
    const log = new WireLog();
    recordNote(log, "alice", "open", "udp-opened", { local: "127.0.0.1:4000", remote: "127.0.0.1:9000" });
    log.record("alice", "sent", bytes("a\n"));
    recordNote(log, "alice", "sent", "duplicate", {}, bytes("a\n"));
    recordNote(log, "alice", "sent", "reordered", {}, bytes("c\n"));
    recordNote(log, "alice", "recv", "from", { address: "127.0.0.1:5555" }, bytes("a\n"));
    recordNote(log, "alice", "close", "we-closed-socket");
    const seq = fromGrader(log.events, { title: "t", transport: "udp", lang: "zh" });
    expect(seq.flows.map((f) => [f.kind, f.marks?.map((m) => m.kind).join() ?? "", f.text ?? ""])).toEqual([
      ["note", "", "udp 127.0.0.1:4000，对方是 127.0.0.1:9000"],
      ["datagram", "", ""],
      ["datagram", "duplicate", ""],
      ["datagram", "reordered", ""],
      ["datagram", "", "来自 127.0.0.1:5555"],
      ["close", "", ""],
    ]);
  });

  test("puts the program's exit on its lane, at its time or after everything", () => {
    const at = fromGrader(tcpLog(), { title: "t", transport: "tcp", lang: "en", exit: { at: 0, text: "exited" } });
    expect(at.flows[0]).toMatchObject({ kind: "exit", from: PROGRAM, text: "exited" });
    const last = fromGrader(tcpLog(), { title: "t", transport: "tcp", lang: "en", exit: { text: "killed" } });
    expect(last.flows.at(-1)).toMatchObject({ kind: "exit", text: "killed" });
  });

  test("finds the first divergence: the first read, by the one who waited, once the expected line was on its way", () => {
    const seq = fromGrader(tcpLog(), {
      title: "t",
      transport: "tcp",
      lang: "en",
      divergence: { party: "bob", expected: 'bob receives "<alice> hello"', wanted: "hello" },
    });
    // alice's "hello" started with "he" (flow 2): the next read of bob's is the first after it.
    expect(seq.divergence).toMatchObject({ party: "bob", flow: 3 });
    // A line nobody sent (the program's own words): the first read after the last write.
    expect(firstDivergence(seq.flows, "bob", "*** carol joined")).toBe(7);
    // Nothing read after it: what was expected never came.
    expect(firstDivergence(seq.flows, "alice", "hello")).toBeUndefined();
  });
});
