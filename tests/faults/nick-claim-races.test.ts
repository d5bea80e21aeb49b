/**
 * Nick claims across linked servers, without races: the three interleavings
 * that left two members with one nick (or a nick nobody could take), each
 * forced with a fault proxy between one server and Redis (a link cut and then
 * slow to come back, or slow throughout), and no duplicate nick after any.
 *
 * 1. A nick granted "for now" while the link comes back, after the server took
 *    its member list for Redis and before Redis answered: it must be claimed.
 * 2. A member who leaves in that same window: its nick must be freed.
 * 3. Redis refusing a nick that was granted for now (another server's member
 *    took it first) while the member's next claim is pending: the refusal must
 *    not be dropped.
 *
 * `A` reaches Redis through the proxy, `B` directly.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { until } from "../../tools/harness/until.ts";
import { LINK_BACK, LINK_DOWN, LinkedRoom, noRedis, whoNicks, whoUntil, type LinkedServer } from "./linked.ts";
import type { ChatClient } from "../../tools/harness/index.ts";

let room: LinkedRoom | undefined;
afterEach(async () => {
  await room?.close();
  room = undefined;
});

async function twoServers() {
  room = await new LinkedRoom().start();
  const a = await room.server([], { proxied: true });
  const b = await room.server();
  const alice = await room.join(a, "tcp", "alice");
  const bob = await room.join(b, "tcp", "bob");
  await alice.waitFor("*** bob joined", 5000);
  return { a, b, alice, bob };
}

/**
 * Cuts A off, then lets it back through a slow path (each way `ms`): resolves
 * once A's first script since (the claims made to match its members) is on its
 * way to Redis, and so the answer is still `2 × ms` away.
 */
async function slowReturn(a: LinkedServer, alice: ChatClient, ms = 400): Promise<void> {
  a.proxy!.cut();
  await alice.waitFor(LINK_DOWN, 5000);
  a.proxy!.delay(ms);
  const from = a.proxy!.sentLength;
  a.proxy!.heal();
  await a.proxy!.waitForSent("EVAL", from, 10_000);
}

/** Both servers' /who, until each names `nick` at most once and both agree; else the last answers, for the failure. */
async function oneHolder(clients: ChatClient[], nick: string): Promise<string[]> {
  const answers: string[] = [];
  await until(
    async () => {
      answers.length = 0;
      for (const c of clients) answers.push(await whoUntil(c, /./));
      const counts = answers.map((w) => whoNicks(w).filter((n) => n === nick).length);
      const sorted = answers.map((w) => whoNicks(w).sort().join());
      return counts.every((n) => n <= 1) && sorted.every((s) => s === sorted[0]);
    },
    3000,
    () => `one ${nick} in the room, the same on both servers (${JSON.stringify(answers)})`,
  ).catch(() => {});
  return answers;
}

describe.skipIf(noRedis)("nick claims across linked servers", () => {
  test("a nick granted while the link comes back, before Redis answered, is claimed: no two members hold it", async () => {
    const { a, alice, bob } = await twoServers();
    await slowReturn(a, alice);
    alice.say("/nick zed"); // A: the link is not up yet, so granted for now
    bob.say("/nick zed"); // B: claimed in Redis, where nobody holds it
    await alice.waitFor(LINK_BACK, 5000);
    const answers = await oneHolder([alice, bob], "zed");
    for (const w of answers) expect(whoNicks(w).filter((n) => n === "zed")).toHaveLength(1);
  }, 30_000);

  test("a member who leaves while the link comes back frees its nick: a member of another server can take it", async () => {
    const { a, alice, bob } = await twoServers();
    alice.say("/nick zed");
    await bob.waitFor("*** alice is now zed");
    await slowReturn(a, alice);
    alice.say("/quit");
    await bob.waitFor("*** zed left", 5000);
    // Asked again until it is granted: news of the leave crosses the slow path first.
    let askedAt = -Infinity;
    await until(
      () => {
        if (bob.matching("*** bob is now zed").length > 0) return true;
        if (performance.now() - askedAt > 300) {
          askedAt = performance.now();
          bob.say("/nick zed");
        }
        return false;
      },
      4000,
      () => `bob to get zed (he heard: ${JSON.stringify(bob.matching(/zed/))})`,
    );
  }, 30_000);

  test("a member who leaves while the link comes back is not announced to the other servers again (no ghost)", async () => {
    const { a, alice, bob } = await twoServers();
    const carol = await room!.join(a, "tcp", "carol"); // stays on A, to show when A's news has all crossed
    await bob.waitFor("*** carol joined", 5000);
    alice.say("/nick zed");
    await bob.waitFor("*** alice is now zed");
    await slowReturn(a, alice);
    alice.say("/quit");
    await bob.waitFor("*** zed left", 5000);
    const from = bob.lines.length;
    await carol.waitFor(LINK_BACK, 5000);
    carol.say("after the return"); // sent after A's roster: once bob has it, he has the roster too
    await bob.waitFor("<carol> after the return", 5000);
    expect(bob.lines.slice(from).filter((l) => /zed/.test(l))).toEqual([]);
    expect(whoNicks(await whoUntil(bob, /carol/))).not.toContain("zed");
  }, 30_000);

  test("Redis refusing a nick granted for now, while the member's next claim is pending, still takes it away", async () => {
    room = await new LinkedRoom().start();
    const a = await room.server([], { proxied: true });
    const b = await room.server();
    const alice = await room.join(a, "tcp", "alice");
    const bob = await room.join(b, "tcp", "bob");
    const carol = await room.join(b, "tcp", "carol");
    await alice.waitFor("*** carol joined", 5000);
    // A's path to Redis takes 0.6 s each way: a claim waits 1 s for its answer, then is granted for now.
    a.proxy!.delay(600);
    await Bun.sleep(1500); // a measurement window: the link stays up at this latency (checked below)
    const t0 = performance.now();
    alice.say("/nick zed"); // reaches Redis in 0.6 s...
    bob.say("/nick zed"); // ...after bob's claim: Redis will say no to alice's
    await bob.waitFor("*** bob is now zed");
    await Bun.sleep(Math.max(0, 800 - (performance.now() - t0)));
    carol.say("/nick yak"); // A hears of it only 0.6 s later
    await carol.waitFor("*** carol is now yak");
    await alice.waitFor("*** alice is now zed", 3000); // granted for now, after the wait
    // From here the path is quick, but A's answers keep their order: Redis's "no" for zed
    // arrives first, while alice's claim of yak (refused: carol holds it) is pending.
    a.proxy!.delay(50);
    alice.say("/nick yak");
    await alice.waitFor(/yak/, 3000);
    expect(alice.matching(LINK_DOWN)).toEqual([]); // the link stayed up all along
    const answers = await oneHolder([alice, bob], "zed");
    for (const w of answers) expect(whoNicks(w).filter((n) => n === "zed")).toHaveLength(1);
    for (const w of answers) expect(whoNicks(w).filter((n) => n === "yak")).toHaveLength(1);
  }, 30_000);
});
