/**
 * The model of many linked servers on one Redis (tools/bench/link-model.ts,
 * printed by `bun tools/bench/link-scale.ts`, docs/LINKING.md "Beyond one
 * Redis"), pure: what it says follows from how the link works, and its
 * command line keeps the kit's rule for tools.
 */
import { describe, expect, test } from "bun:test";
import { DEVELOPMENT, LINK_BYTES, limit, simulate, type Setting } from "../../tools/bench/link-model.ts";
import { ROOT, runToEnd } from "../../tools/harness/index.ts";

const AT_ONCE: Setting = { costs: DEVELOPMENT, size: 64, rttS: 0.0002, windowS: 0 };
const threadFull = (s: Setting, servers: number) => limit(s, servers, (l) => l.redisCore >= 1);

describe("the model of linked servers on one Redis", () => {
  test("every line is read once by every other server, and is written once", () => {
    for (const servers of [2, 3, 10, 100]) {
      const l = simulate(AT_ONCE, servers, 5000);
      expect(l.xaddsPerS * l.batch).toBeCloseTo(5000, 6);
      // Lines out of Redis: the room's, once per other server (bytes of a line: its text and JSON).
      expect(l.egressBytesPerS).toBeGreaterThanOrEqual(5000 * (servers - 1) * 104);
    }
  });

  test("batches follow the load: a line alone at a trickle, the round trip's lines together under load", () => {
    expect(simulate(AT_ONCE, 2, 1000).batch).toBe(1);
    expect(simulate(AT_ONCE, 2, 100_000).batch).toBeCloseTo(10, 6); // 50,000 lines/s each, 0.2 ms
  });

  test("the more servers, the more reads per line, and the sooner one Redis's thread is full", () => {
    const perLine = [2, 10, 100].map((n) => {
      const l = simulate(AT_ONCE, n, 5000);
      return (l.xaddsPerS + l.xreadsPerS) / 5000;
    });
    expect(perLine).toEqual([2, 10, 100]);
    const full = [3, 10, 100].map((n) => threadFull(AT_ONCE, n));
    expect(full[0]!).toBeGreaterThan(full[1]!);
    expect(full[1]!).toBeGreaterThan(full[2]!);
    // With three servers the network (1 Gb/s) fills long before Redis's thread.
    expect(limit(AT_ONCE, 3, (l) => l.egressBytesPerS >= LINK_BYTES)).toBeLessThan(full[0]!);
  });

  test("sending and reading on a clock takes one Redis further with many servers", () => {
    const windowed = { ...AT_ONCE, windowS: 0.005 };
    expect(threadFull(windowed, 100)).toBeGreaterThan(10 * threadFull(AT_ONCE, 100));
  });
});

describe("bun tools/bench/link-scale.ts", () => {
  const run = (args: string[]) => runToEnd([process.execPath, "tools/bench/link-scale.ts", ...args], { cwd: ROOT });

  test("prints, for each number of servers, what one Redis does and where it is full", async () => {
    const { code, stdout } = await run(["--servers", "2,100"]);
    expect(code).toBe(0);
    expect(stdout).toContain("commands/line");
    expect(stdout).toContain("Where one Redis is full");
    expect(stdout.split("\n").filter((l) => /^(2|100) /.test(l))).toHaveLength(4); // two tables, two rows each
  });

  test("--help exits 0; a value it cannot use is one line and exit 2", async () => {
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--window-ms");
    const bad = await run(["--rate", "0"]);
    expect(bad.stderr).toBe('link-scale: --rate must be a number of at least 1, not "0" (try --help)\n');
    expect(bad.code).toBe(2);
  });
});
