#!/usr/bin/env bun
/**
 * Beyond one Redis, on paper: what N linked servers sharing one room cost one
 * Redis, and where it saturates (docs/LINKING.md, Beyond one Redis).
 *
 *   bun tools/bench/link-scale.ts                  with the costs measured on the kit's development machine
 *   bun tools/bench/link-scale.ts --measure        measures them here first (redis-server, redis-benchmark)
 *   bun tools/bench/link-scale.ts --servers 2,10,100 --rate 20000 --size 200 --rtt-ms 0.5
 *   bun tools/bench/link-scale.ts --window-ms 5    servers that batch and read every 5 ms at most
 *
 * The model (tools/bench/link-model.ts) is the kit's link (src/link/): every
 * server appends its batches to a stream of its own (XADD) and reads every
 * other server's in one blocking XREAD over all of them. A batch is what a
 * server said during one round trip to Redis (at least one line). A reader is
 * woken by every batch of another server, at most once per round trip. With
 * --window-ms, a server sends and reads at most once per window instead (what
 * the kit does not do: it would trade latency for Redis's time, the change to
 * make past ten servers or so). Redis's CPU per command is measured with
 * redis-benchmark at the kit's batch sizes, as a cost per call plus a cost per
 * line, and per stream a read names; the network's cost is the bytes. It
 * prints, for each number of servers, the commands and bytes per line and per
 * server, how busy Redis's one thread is, and the room's rate at which it is
 * full (or at which its egress fills 1 Gb/s).
 */
import { openingComment, readCpuSeconds, startRedis, toolArgs, usageError } from "../harness/index.ts";
import { DEVELOPMENT, LINK_BYTES, limit, simulate, type Costs, type Setting } from "./link-model.ts";

const flags = toolArgs(
  "link-scale",
  {
    options: {
      servers: { type: "string", default: "2,3,10,100" },
      rate: { type: "string", default: "5000" },
      size: { type: "string", default: "64" },
      "rtt-ms": { type: "string", default: "0.2" },
      "window-ms": { type: "string", default: "0" },
      measure: { type: "boolean", default: false },
    },
  },
  () => `${openingComment(import.meta.path)}

Options:
  --servers LIST   numbers of linked servers (2,3,10,100)
  --rate N         the room's lines per second, all servers together (5000)
  --size BYTES     bytes of a line (64)
  --rtt-ms MS      a server's round trip to Redis (0.2)
  --window-ms MS   servers send and read at most once per MS (0: at once, as the kit)
  --measure        measure Redis's costs here first (redis-server, redis-benchmark)`,
);
/** A number from the command line, or a usage error. */
function number(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min)
    usageError("link-scale", `--${name} must be a number of at least ${min}, not "${value}"`);
  return n;
}
const SERVERS = flags.servers.split(",").map((v) => Math.round(number("servers", v, 1)));
const RATE = number("rate", flags.rate, 1);
const SIZE = number("size", flags.size, 1);
const RTT_S = number("rtt-ms", flags["rtt-ms"], 0.001) / 1000;
const WINDOW_S = Math.max(RTT_S, number("window-ms", flags["window-ms"], 0) / 1000);

const costs = flags.measure ? await measure() : DEVELOPMENT;
const setting: Setting = { costs, size: SIZE, rttS: RTT_S, windowS: WINDOW_S };

const fmt = (n: number, digits = 0) =>
  n === Infinity ? "-" : n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mb = (bytes: number) => `${fmt(bytes / 1e6, 1)} MB/s`;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

console.log(
  `One room of ${fmt(RATE)} lines/s (${SIZE}-byte lines), servers ${RTT_S * 1000} ms from Redis` +
    (WINDOW_S > RTT_S ? `, each sending and reading once per ${WINDOW_S * 1000} ms at most` : "") +
    "; " +
    `Redis's costs as measured on ${costs.measured}:\n` +
    `  XADD ${costs.xadd.call} us + ${costs.xadd.line} us per line; ` +
    `XREAD ${costs.xread.call} us + ${costs.xread.key} us per stream named + ${costs.xread.line} us per line returned\n`,
);
const loads = SERVERS.map((n) => simulate(setting, n, RATE));
console.log(
  table(
    [
      "servers",
      "lines/batch",
      "XADD/s",
      "XREAD/s",
      "commands/line",
      "Redis out/line",
      "Redis CPU",
      "Redis in",
      "Redis out",
      "per server: cmds/s",
      "bytes in/s",
    ],
    loads.map((l) => [
      String(l.servers),
      fmt(l.batch, 1),
      fmt(l.xaddsPerS),
      fmt(l.xreadsPerS),
      fmt((l.xaddsPerS + l.xreadsPerS) / l.rate, 2),
      `${fmt(l.egressBytesPerS / l.rate)} B`,
      `${fmt(100 * l.redisCore)} %`,
      mb(l.ingressBytesPerS),
      mb(l.egressBytesPerS),
      fmt((l.xaddsPerS + l.xreadsPerS) / l.servers),
      mb(l.egressBytesPerS / l.servers),
    ]),
  ),
);
console.log(
  "\nWhere one Redis is full, as the room's rate grows (lines/s, all servers together):\n\n" +
    table(
      ["servers", "its one thread (100 % of a core)", "1 Gb/s out", "each server then parses (lines/s)"],
      SERVERS.map((n) => {
        const cpu = limit(setting, n, (l) => l.redisCore >= 1);
        const net = limit(setting, n, (l) => l.egressBytesPerS >= LINK_BYTES);
        const first = Math.min(cpu, net);
        return [String(n), fmt(cpu), fmt(net), fmt((first * (n - 1)) / n)];
      }),
    ),
);
console.log(
  "\nA model, not a measurement of many machines: costs per command come from redis-benchmark on one machine;\n" +
    "a real Redis also spends time on heartbeats, claims and the network stack, and readers that fall behind\n" +
    "read more per XREAD (cheaper per line) than the model's one read per round trip.",
);

// ---------------------------------------------------------------------------

/** Redis's CPU per command, measured with redis-benchmark at the kit's batch sizes (and fitted). */
async function measure(): Promise<Costs> {
  if (!Bun.which("redis-benchmark")) {
    console.error("link-scale: --measure needs redis-benchmark (Debian, Ubuntu: apt-get install redis-tools)");
    process.exit(2);
  }
  const redis = await startRedis();
  const say = (line: string) => console.error(line);
  try {
    const line = JSON.stringify({ k: "line", text: `<someone> ${"x".repeat(Math.max(0, SIZE - 10))}` });
    const body = (n: number) => `[${Array(n).fill(line).join(",")}]`;
    /** Redis CPU µs per command over `n` calls by 20 clients (median of three runs; /proc counts in 10 ms ticks). */
    const perCall = async (label: string, command: string[], n: number): Promise<number> => {
      const runs: number[] = [];
      for (let i = 0; i < 3; i++) {
        const cpu0 = readCpuSeconds(redis.proc.pid)!;
        const bench = Bun.spawn(
          ["redis-benchmark", "-p", String(redis.port), "-n", String(n), "-c", "20", "--csv", ...command],
          { stdout: "pipe", stderr: "ignore" },
        );
        await bench.exited;
        runs.push((1e6 * (readCpuSeconds(redis.proc.pid)! - cpu0)) / n);
      }
      const us = runs.sort((a, b) => a - b)[1]!;
      say(`  ${label}: ${us.toFixed(2)} us of Redis CPU per call (runs: ${runs.map((r) => r.toFixed(2)).join(", ")})`);
      return us;
    };
    say(`measuring Redis's cost per command with redis-benchmark (${SIZE}-byte lines):`);
    const batches = [1, 5, 50, 500];
    const adds: number[] = [];
    for (const b of batches) {
      const key = `bench:add:${b}`;
      const n = 20_000;
      const cmd = ["XADD", key, "MAXLEN", "~", "1000", "*", "v", "1", "hub", "0123456789abcdef", "seq", "1"];
      adds.push(await perCall(`XADD, ${b} lines`, [...cmd, "msgs", body(b)], n));
    }
    const reads: number[] = [];
    for (const b of batches) {
      const key = `bench:read:${b}`;
      await redis.command("XADD", [key, "*", "v", "1", "hub", "0123456789abcdef", "seq", "1", "msgs", body(b)]);
      const n = 20_000;
      reads.push(await perCall(`XREAD of one entry, ${b} lines`, ["XREAD", "COUNT", "1", "STREAMS", key, "0-0"], n));
    }
    const keyCounts = [1, 10, 100];
    const keyed: number[] = [];
    for (const k of keyCounts) {
      const keys = Array.from({ length: k }, (_, i) => `bench:keys:${i}`);
      const ids: string[] = [];
      for (const key of keys) ids.push(String(await redis.command("XADD", [key, "*", "f", "v"])));
      keyed.push(
        await perCall(`XREAD naming ${k} streams, nothing new`, ["XREAD", "STREAMS", ...keys, ...ids], 20_000),
      );
    }
    const fit = (xs: number[], ys: number[]) => {
      const n = xs.length;
      const mx = xs.reduce((a, b) => a + b, 0) / n;
      const my = ys.reduce((a, b) => a + b, 0) / n;
      const slope = xs.reduce((s, x, i) => s + (x - mx) * (ys[i]! - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
      return { at0: Math.max(0, my - slope * mx), slope: Math.max(0, slope) };
    };
    const a = fit(batches, adds);
    const r = fit(batches, reads);
    const k = fit(keyCounts, keyed);
    const round = (v: number) => Math.round(v * 100) / 100;
    console.error("");
    return {
      xadd: { call: round(a.at0), line: round(a.slope) },
      xread: { call: round(k.at0), key: round(k.slope), line: round(r.slope) },
      measured: "this machine, just now",
    };
  } finally {
    await redis.stop();
  }
}
