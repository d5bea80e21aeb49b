/**
 * A disturbed transport: the grader's own clients behave like a real, unkind
 * network, so a program that only works when every write arrives as one read is
 * caught. Everything random comes from one seed, so `--seed N` replays a run.
 *
 *   TCP: each write is cut into pieces (often single bytes) sent a moment apart,
 *        lines sent together leave in one write, and reads pause now and then.
 *   UDP: datagrams are sometimes sent twice and sometimes swapped with the next
 *        one. Nothing is dropped: lessons 01 and 02 promise an answer to every
 *        datagram on the loopback interface, so loss is not something they allow.
 */
import type { Disturbance } from "../harness/index.ts";

/**
 * The grader's unkind network, every choice drawn from `random`: a TCP write is
 * cut into pieces (often single bytes) a moment apart, a read pauses now and
 * then, and a datagram is sometimes sent twice or held back behind the next.
 */
export function seededDisturbance(random: () => number): Disturbance {
  return {
    piece(left) {
      const r = random();
      const size = r < 0.35 ? 1 : r < 0.7 ? 1 + Math.floor(random() * 4) : 1 + Math.floor(random() * left);
      return { size, pauseMs: random() < 0.5 ? 0 : 1 + Math.floor(random() * 3) };
    },
    readPause: () => (random() < 0.2 ? 2 + Math.floor(random() * 15) : 0),
    datagram() {
      const r = random();
      return r < 0.25 ? "hold" : r > 0.75 ? "twice" : "send";
    },
  };
}
