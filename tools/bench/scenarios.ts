/**
 * The benchmark's scenarios: each a preset of load settings, most with a goal
 * that the report says is met or not (docs/PERFORMANCE.md says why each goal).
 */
import type { LoadConfig } from "./loadgen.ts";
import { met, type Row } from "./report.ts";

export interface Scenario {
  name: string;
  about: string;
  load: Partial<LoadConfig>;
  /** Compare against this target in the same run (the default bench compares burst with lesson 02). */
  compare?: string;
  /** Run twice: without and with one client that never reads. */
  slowPair?: boolean;
  /** Bursts and a steady rate against one hub, two and three linked, and a naive pub/sub pair (tools/bench/linked.ts). */
  linkedPair?: boolean;
  /** Burst and rate, each with TCP members and with WebSocket members (`--web`), in one run. */
  webPair?: boolean;
  /** Forced target (the sink scenario). */
  target?: string;
  maxQueueBytes?: number;
  goal?: (r: Row, all: Row[]) => string;
  /** The big-room scenario (tools/bench/bigroom.ts), with these extra hub options. */
  bigroom?: { hubArgs: string[] };
}

export function SCENARIOS(): Record<string, Scenario> {
  return {
    burst: {
      name: "burst",
      about: "TCP, 50 clients all sending 64-byte lines at once",
      load: { transport: "tcp", mode: "burst", linesPerSender: 1000 },
      compare: "lesson02",
      maxQueueBytes: 64 << 20,
      goal: (r) => `>= 800,000 deliveries/s, nothing lost: ${met(r.res.deliveriesPerS >= 800_000 && r.res.lost === 0)}`,
    },
    rate: {
      name: "rate",
      about: "TCP, 5,000 lines/s into 50 clients (245,000 deliveries/s)",
      load: { transport: "tcp", mode: "rate", rate: 5000, durationS: 10 },
      goal: (r) => `p99 <= 2 ms and nothing lost: ${met(r.res.latency.p99Us <= 2000 && r.res.lost === 0)}`,
    },
    udp: {
      name: "udp",
      about: "UDP, 1,000 lines/s into 50 clients",
      load: { transport: "udp", mode: "rate", rate: 1000, durationS: 10 },
      goal: (r) => `p99 <= 2 ms and nothing lost: ${met(r.res.latency.p99Us <= 2000 && r.res.lost === 0)}`,
    },
    "udp-burst": {
      name: "udp-burst",
      about: "UDP, 50 clients all sending at once (UDP drops what no buffer holds)",
      load: { transport: "udp", mode: "burst", linesPerSender: 200 },
      goal: (r) => `loss reported: ${((100 * r.res.lost) / Math.max(1, r.res.expected)).toFixed(1)} %`,
    },
    slow: {
      name: "slow",
      about: "TCP, 5,000 lines/s into 50 clients, then again with one more client that never reads",
      load: { transport: "tcp", mode: "rate", rate: 5000, durationS: 20 },
      slowPair: true,
    },
    idle: {
      name: "idle",
      about: "hub memory per idle TCP connection",
      load: { transport: "tcp", mode: "idle", idleSteps: [1000, 10_000], timeLimitS: 240 },
      // Joins are summed up past 100 members; the raised cap is for the kit's older
      // checkouts (kit:DIR), where every join was announced to every member.
      maxQueueBytes: 64 << 20,
    },
    hubs: {
      name: "hubs",
      about:
        "TCP, 50 clients on one hub, split across two and three hubs linked through one Redis, and across a naive " +
        "pub/sub pair: bursts and 5,000 lines/s, CPU per delivery",
      load: { transport: "tcp" },
      linkedPair: true,
    },
    web: {
      name: "web",
      about: "50 WebSocket members (--web) beside 50 TCP members: a burst, then 5,000 lines/s, each both ways",
      load: { transport: "web" },
      webPair: true,
    },
    bigroom: {
      name: "bigroom",
      about:
        "TCP, 10,000 members joining one after another (joins summed up past 100), then every member gets every line",
      load: { transport: "tcp" },
      bigroom: { hubArgs: [] },
    },
    "bigroom-announced": {
      name: "bigroom-announced",
      about: "the same with every join announced to every member (--summarize-above 1000000): N²/2 notices",
      load: { transport: "tcp" },
      // Each member must be able to hold its share of the notices while it catches up.
      maxQueueBytes: 64 << 20,
      bigroom: { hubArgs: ["--summarize-above", "1000000"] },
    },
    sink: {
      name: "sink",
      about: "the load generator alone: a burst into a hub that drops everything",
      load: { transport: "tcp", mode: "burst", linesPerSender: 20_000, relays: false },
      target: "sink",
    },
  };
}
