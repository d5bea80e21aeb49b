/**
 * What the load generator is asked to do (LoadConfig, from bench.ts) and what it
 * reports back (LoadResult), and the context its parts share (Gen).
 */
import type { LatencySummary } from "./histogram.ts";
import type { Receiver } from "./receiver.ts";

export interface LoadConfig {
  /** web: the room's WebSocket (`--web`), one text frame per line each way. */
  transport: "tcp" | "udp" | "web";
  port: number;
  /** Several hubs of one room (linked): client i joins ports[i % ports.length]. */
  ports?: number[];
  /** The hub's pid, to read its memory and CPU time (0: unknown). */
  hubPid: number;
  /** Linked hubs: every process of the room (the hubs and Redis), summed up as "the hub". */
  hubPids?: number[];
  mode: "rate" | "burst" | "idle";
  clients: number;
  /** The first `senders` clients send; every client receives. */
  senders: number;
  /** rate mode: lines per second, all senders together. */
  rate: number;
  /** rate mode: seconds of sending. */
  durationS: number;
  /** burst mode: lines per sender, all scheduled at the start. */
  linesPerSender: number;
  /** Bytes of each line, without its newline. */
  size: number;
  /** How clients join: the kit's UDP handshake, a first empty datagram, or nothing. */
  join: "kit" | "plain";
  /** Whether the hub greets a new client and relays lines (false for the sink). */
  relays: boolean;
  /** Add one client that joins and then never reads. */
  slow: boolean;
  /** idle mode: numbers of idle clients at which to read the hub's memory. */
  idleSteps: number[];
  /** Seconds to wait for the last deliveries once sending has ended. */
  drainS: number;
  /** Hard bound: report whatever has arrived after this many seconds. */
  timeLimitS: number;
  /** rate mode: how often the sender looks for due lines, ms. */
  tickMs: number;
  /** idle mode: seconds to keep the clients connected after the last step. */
  holdS?: number;
  /** The clients: the generator's lean ones (the default), or the harness's line client, to compare. */
  client?: "lean" | "harness";
}

export interface LoadResult {
  config: LoadConfig;
  timedOut: boolean;
  joinMs: number;
  /** Lines sent, all senders. */
  sent: number;
  /** Deliveries expected: every line to every client but its sender. */
  expected: number;
  /** Distinct deliveries received. */
  delivered: number;
  lost: number;
  duplicates: number;
  reordered: number;
  /** Seconds from the first scheduled send to the last line sent. */
  sendSeconds: number;
  /** Seconds from the first scheduled send to the last delivery. */
  seconds: number;
  msgsInPerS: number;
  deliveriesPerS: number;
  latency: LatencySummary;
  /** The same, from the moment each line was actually written (to read the above by, never instead of it). */
  latencyFromWrite: LatencySummary;
  /** How late the generator wrote lines, against their schedule. */
  sendLag: LatencySummary;
  hub: {
    rssBeforeKiB?: number;
    rssEndKiB?: number;
    peakKiB?: number;
    peakDuringKiB?: number;
    cpuPct?: number;
    /** CPU seconds, from the first line sent to the last delivery (or the drain wait's end). */
    cpuSeconds?: number;
    /** CPU seconds while measuring, each process of `hubPids` (linked: the hubs, then Redis). */
    cpuSecondsEach?: number[];
  };
  loadgen: { cpuPct: number; rssKiB: number };
  /** CPU used by everything else on the machine during the run, % of one core (other programs, softirq work). */
  otherCpuPct?: number;
  /** Lines that were not benchmark lines, received while measuring (a sample). */
  notices: string[];
  /** Connections the hub closed while measuring. */
  closedByHub: number;
  /** UDP datagrams the kernel dropped for want of receive buffer while measuring (whole machine). */
  udpBufferDrops?: number;
  idle?: { clients: number; hubRssKiB: number }[];
}

/** One run of the generator, as its parts see it. */
export interface Gen {
  readonly config: LoadConfig;
  /** Counts what every client receives. */
  readonly rx: Receiver;
  /** Microseconds since the generator's epoch: the clock stamped into every line. */
  nowUs(): number;
  /** Date.now() by which the run ends, whatever happens. */
  readonly deadline: number;
}
