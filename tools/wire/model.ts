/**
 * What crossed the wire, as a drawing needs it: parties, and flows between them
 * in time. It knows nothing of the grader or of sockets; the grader's wire log
 * becomes one in a small adapter (from-grader.ts), and a test can write one by
 * hand.
 *
 * A flow is seen from one side only, and says which: a `write` is recorded
 * where it was written (its boundaries are the writer's, the grader's own
 * client), a `read` where it was read (its boundaries are the reader's: how
 * the bytes happened to arrive, not how the program wrote them). Over UDP a
 * `datagram` is the same on both sides.
 */

export type PartyKind =
  /** The learner's program, under test. */
  | "program"
  /** One of the grader's own clients, or its stand-in hub: what it sent and read is known byte for byte. */
  | "grader"
  /** A program the grader started for the learner's to talk to (lesson 02's hub, for a client). */
  | "helper";

export type Party = { id: string; name: string; kind: PartyKind };

export type FlowKind =
  /** `from` opened a TCP connection to `to` (the kernel of `to` accepted it). */
  | "connect"
  | "write"
  | "read"
  | "datagram"
  /** `from` closed its sending side: a FIN, the reader sees the end of the stream. */
  | "fin"
  /** `from` reset the connection: an RST, the other side's next read or write fails. */
  | "rst"
  /** `from` closed a UDP socket: nothing goes on the wire. */
  | "close"
  /** The program ended: `text` says how (an exit code, a signal). */
  | "exit"
  /** A remark on `from`'s lane: stopped reading, an error... */
  | "note";

/**
 * What an unkind network (the grader's disturbance) did to a flow.
 * split: piece `part` of `of` writes that were one send; merged: one write
 * carrying the end of one line and the start of the next; duplicate, reordered:
 * a datagram sent twice, or sent after the one that followed it.
 */
export type Mark =
  | { kind: "split"; part: number; of: number }
  | { kind: "merged"; lines: number }
  | { kind: "duplicate" }
  | { kind: "reordered" };

export type Flow = {
  /** Milliseconds since the check started. */
  at: number;
  kind: FlowKind;
  /** A party's id: who wrote, connected, closed, or (for a read) whose bytes were read. */
  from: string;
  /** A party's id: who the flow went to; none for exit, close and note. */
  to?: string;
  bytes?: Uint8Array;
  /** Words beside it (a note, how a program exited), already in the reader's language. */
  text?: string;
  marks?: Mark[];
  /** `bytes` holds only the first `head` and the last bytes of a flow of `size` bytes (cut to be kept). */
  cut?: { size: number; head: number };
  /** Not a flow: a place where this many flows were left out (to keep a record small). */
  leftOut?: number;
};

/**
 * Where what happened first parted from what was expected: at flow `flow`
 * (an index into flows), or, when what was expected never came, after the
 * last one, on the way to `party`.
 */
export type Divergence = { flow?: number; party: string; expected: string; arrived?: string };

export type Sequence = {
  /** What the drawing shows, in a line: its SVG <title>. */
  title: string;
  parties: Party[];
  flows: Flow[];
  divergence?: Divergence;
  /** When the check stopped waiting, and why, in words (time running out). */
  end?: { at: number; text: string };
};
