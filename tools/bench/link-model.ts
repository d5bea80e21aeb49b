/**
 * The model behind `bun tools/bench/link-scale.ts`, pure: what S linked servers
 * sharing one room cost one Redis (docs/LINKING.md, Beyond one Redis).
 *
 * Every server appends its batches to a stream of its own (XADD) and reads
 * every other server's in one blocking XREAD over all of them (src/link/). A
 * batch is what a server said during one round trip to Redis, or one window
 * (at least one line). A reader is woken by every batch of another server, at
 * most once per round trip or window (then it takes everything there is in
 * one read). Redis's CPU per command is a cost per call plus a cost per line,
 * and per stream a read names; the network's cost is the bytes.
 */

export interface Costs {
  /** Redis CPU µs per XADD: per call, plus per line of the batch. */
  xadd: { call: number; line: number };
  /** Redis CPU µs per XREAD: per call, plus per stream it names, plus per line it returns. */
  xread: { call: number; key: number; line: number };
  /** Where they were measured. */
  measured: string;
}

/**
 * Measured on the kit's development machine (2 cores, shared, Redis 7.0.15)
 * with `bun tools/bench/link-scale.ts --measure`, three times; the middle of
 * what the fits gave: see docs/LINKING.md.
 */
export const DEVELOPMENT: Costs = {
  xadd: { call: 14.5, line: 0.03 },
  xread: { call: 11, key: 0.27, line: 0.01 },
  measured: "the kit's development machine (2 shared cores, Redis 7.0.15)",
};

export interface Setting {
  costs: Costs;
  /** Bytes of a line's text. */
  size: number;
  /** A server's round trip to Redis, seconds. */
  rttS: number;
  /** A server sends a batch, and reads, at most once per this long (seconds; at least the round trip). */
  windowS: number;
}

/** A line in a batch: its text plus the JSON around it (`{"k":"line","text":"<nick> ..."},`). */
export const lineBytes = (size: number) => size + 40;
/** Bytes around an entry in a reply (id, field names, RESP framing), and around an XADD. */
export const ENTRY_BYTES = 80;
/** A server cuts its batches at this many messages (src/link/wire.ts MAX_BATCH_MESSAGES). */
const MAX_BATCH = 8192;

export interface Load {
  servers: number;
  rate: number;
  /** Lines per batch (per XADD). */
  batch: number;
  xaddsPerS: number;
  xreadsPerS: number;
  /** Entries returned per read. */
  entriesPerRead: number;
  /** Redis's thread: share of one core. */
  redisCore: number;
  egressBytesPerS: number;
  ingressBytesPerS: number;
}

/** `servers` linked servers sharing one room of `rate` lines/s. */
export function simulate(s: Setting, servers: number, rate: number): Load {
  const window = Math.max(s.rttS, s.windowS);
  const perServer = rate / servers;
  const batch = Math.min(MAX_BATCH, Math.max(1, perServer * window));
  const addsPerServer = perServer / batch;
  const xaddsPerS = servers * addsPerServer;
  // A reader is woken by each batch of the others, but reads at most once per window.
  const wakes = servers === 1 ? 0 : Math.min((servers - 1) * addsPerServer, 1 / window);
  const xreadsPerS = servers * wakes;
  const entriesPerRead = wakes > 0 ? ((servers - 1) * addsPerServer) / wakes : 0;
  const linesRead = rate * (servers - 1);
  const keys = servers; // the others' streams, and the arrivals stream
  const { xadd, xread } = s.costs;
  const redisUs =
    xaddsPerS * (xadd.call + batch * xadd.line) + xreadsPerS * (xread.call + keys * xread.key) + linesRead * xread.line;
  return {
    servers,
    rate,
    batch,
    xaddsPerS,
    xreadsPerS,
    entriesPerRead,
    redisCore: redisUs / 1e6,
    egressBytesPerS: linesRead * lineBytes(s.size) + xreadsPerS * entriesPerRead * ENTRY_BYTES,
    ingressBytesPerS: rate * lineBytes(s.size) + xaddsPerS * ENTRY_BYTES,
  };
}

/** The room's rate (lines/s) at which `full` first holds, by bisection; Infinity if never below a billion. */
export function limit(s: Setting, servers: number, full: (l: Load) => boolean): number {
  let lo = 1;
  let hi = 1e9;
  if (!full(simulate(s, servers, hi))) return Infinity;
  while (hi / lo > 1.01) {
    const mid = Math.sqrt(lo * hi);
    if (full(simulate(s, servers, mid))) hi = mid;
    else lo = mid;
  }
  return lo;
}

/** 1 Gb/s, in bytes per second. */
export const LINK_BYTES = 125_000_000;
