/**
 * A disturbed transport: the grader's own clients behave like a real, unkind
 * network, so a program that only works when every write arrives as one read is
 * caught. Everything random comes from one seed, so `--seed N` replays a run; and
 * the seed only ever decides where and how, never whether, a bug shows:
 *
 *   TCP: every line is cut at least once inside its text (inside a multi-byte
 *        character when it has one), and sometimes more, often leaving a single
 *        byte; lines sent together leave in one write; reads pause now and then.
 *        The grader waits, after each piece, until the program has had its chance
 *        to read it on its own (see Exam.readWatch), so one piece is one read on
 *        a busy machine too.
 *   UDP: datagrams are sometimes sent twice, and sometimes overtaken by the next
 *        one sent in the same turn. Nothing is dropped: lessons 01 and 02 promise
 *        an answer to every datagram on the loopback interface, so loss is not
 *        something they allow.
 */
import { mulberry32, type Disturbance } from "../harness/index.ts";

/** The length of a UTF-8 character from its first byte. */
const charLength = (lead: number) => (lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2);

/**
 * Where a write must be cut: once inside each line's text (the bytes before its
 * "\r\n" or "\n", or the unfinished end), inside one of its multi-byte
 * characters when it has one. A line of one character cannot be cut.
 */
function mustCut(bytes: Uint8Array, random: () => number): number[] {
  const cuts: number[] = [];
  for (let start = 0; start < bytes.length;) {
    let nl = bytes.indexOf(0x0a, start);
    if (nl < 0) nl = bytes.length;
    const end = nl > start && bytes[nl - 1] === 0x0d ? nl - 1 : nl;
    const leads: number[] = [];
    for (let i = start; i < end; i++) if (bytes[i]! >= 0xc0 && i + 1 < end) leads.push(i);
    if (leads.length > 0) {
      const lead = leads[Math.floor(random() * leads.length)]!;
      const inside = Math.min(charLength(bytes[lead]!), end - lead) - 1;
      cuts.push(lead + 1 + Math.floor(random() * inside));
    } else if (end - start >= 2) cuts.push(start + 1 + Math.floor(random() * (end - start - 1)));
    start = nl + 1;
  }
  return cuts;
}

/**
 * The grader's unkind network, every choice drawn from `random`: a TCP write is
 * cut into pieces (see mustCut, and sometimes one cut more, often next to
 * another, leaving a single byte) a moment apart, a read pauses now and then,
 * and a datagram is sometimes sent twice or held back behind the next.
 */
export function seededDisturbance(seeded: () => number): Disturbance {
  // One stream of numbers per kind of choice: how many reads came before a write
  // (which depends on the machine) never changes where the write is cut.
  const stream = () => mulberry32(Math.floor(seeded() * 2 ** 32));
  const [random, reads, datagrams] = [stream(), stream(), stream()];
  return {
    cut(bytes) {
      const cuts = mustCut(bytes, random);
      const more = Math.floor(random() * 2);
      for (let k = 0; k < more && bytes.length > 1; k++) {
        if (cuts.length > 0 && random() < 0.5) cuts.push(cuts[Math.floor(random() * cuts.length)]! + 1);
        else cuts.push(1 + Math.floor(random() * (bytes.length - 1)));
      }
      const at = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
      return [...at, bytes.length].map((end, i) => ({
        size: end - (i === 0 ? 0 : at[i - 1]!),
        pauseMs: random() < 0.5 ? 0 : 1 + Math.floor(random() * 3),
      }));
    },
    readPause: () => (reads() < 0.2 ? 2 + Math.floor(reads() * 15) : 0),
    datagram() {
      const r = datagrams();
      return r < 0.25 ? "hold" : r > 0.75 ? "twice" : "send";
    },
  };
}
