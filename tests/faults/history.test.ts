/**
 * The linked room's history, checked (tools/soak/linked.ts): a short run of
 * `bun run soak -- --linked --faults` (two servers, a TCP and a UDP member on
 * each, 18 s with a seeded fault every 2 s or so: Redis killed and restarted,
 * Redis and a server stopped and continued, CLIENT PAUSE WRITE, the stream keys
 * broken and repaired, a server killed and restarted). Every line sent and
 * received is checked per sender: no line may be lost without a word, doubled,
 * or reordered. `bun run soak -- --linked --faults --minutes 5` is the long run.
 */
import { describe, expect, test } from "bun:test";
import { ROOT, runToEnd } from "../../tools/harness/index.ts";
import { noRedis } from "./linked.ts";

/** The seed whose 18 s schedule has every kind of fault (tools/soak/faults.ts). */
const SEED = 1;

describe.skipIf(noRedis)("the linked room's history under faults", () => {
  test("a short seeded run finds no line lost without a word, none doubled, none reordered", async () => {
    const args = ["--linked", "--faults", "--minutes", "0.3", "--servers", "2", "--seed", String(SEED)];
    const run = await runToEnd([process.execPath, "tools/soak/soak.ts", ...args], { cwd: ROOT, timeoutMs: 60_000 });
    const figure = (name: string) => Number(new RegExp(`^\\s+${name}\\s+(\\d+)`, "m").exec(run.stdout)?.[1] ?? NaN);
    const report = run.stdout.slice(run.stdout.indexOf("linked soak report"));
    expect(
      { unannounced: figure("unannounced"), doubled: figure("doubled"), reordered: figure("reordered") },
      report,
    ).toEqual({
      unannounced: 0,
      doubled: 0,
      reordered: 0,
    });
    expect(figure("lines")).toBeGreaterThan(100);
    expect(run.code, report).toBe(0);
  }, 60_000);
});
