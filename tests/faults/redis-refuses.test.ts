/**
 * Redis refusing writes is a fault the link acts on, as a broken connection
 * is: when Redis answers XADD, XREAD or EVAL with an error, or holds them
 * unanswered, the link is down within 1.5 s, members on every server are told,
 * what Redis refused is kept and sent again, and once Redis accepts again every
 * line said meanwhile arrives, once, in order; none is reported lost.
 *
 * Each fault lasts 2.5 s, during traffic, on two linked servers with a TCP and
 * a UDP member each: every server's stream key replaced by a string, `maxmemory` with
 * `noeviction`, Redis turned into a read-only replica, and `CLIENT PAUSE
 * WRITE`. (Redis restarting is tests/link/faults.test.ts.)
 */
import { afterEach, describe, expect, test } from "bun:test";
import { until } from "../../tools/harness/until.ts";
import {
  everyLineOnceInOrder,
  LINES_LOST,
  LINK_BACK,
  LINK_DOWN,
  LinkedRoom,
  noRedis,
  talk,
  type Talker,
} from "./linked.ts";

let room: LinkedRoom | undefined;
afterEach(async () => {
  await room?.close();
  room = undefined;
});

/** A master the replica never reaches (so it keeps its data, and stays read-only). */
const UNREACHABLE_PORT = 1;
/** How long each fault lasts. */
const FAULT_MS = 2500;
/** The promise is 1.5 s; a loaded machine gets one more. */
const TOLD_WITHIN_MS = 2500;

/** Every key matching ARGV[1] (the servers' streams) replaced by a string: XADD and XREAD answer WRONGTYPE. */
const BREAK_STREAMS =
  "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) redis.call('SET', k, 'x') end";
/** ... and deleted: the next XADD makes each a stream again. */
const REPAIR_STREAMS = "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end";

interface Fault {
  name: string;
  /** Makes Redis refuse (or hold) writes. */
  start(room: LinkedRoom): Promise<unknown>;
  /** Makes it accept them again. */
  end(room: LinkedRoom): Promise<unknown>;
}

const FAULTS: Fault[] = [
  {
    name: "every server's stream key replaced by a string",
    start: (r) => r.redis.command("EVAL", [BREAK_STREAMS, "0", "chat:stream:*"]),
    end: (r) => r.redis.command("EVAL", [REPAIR_STREAMS, "0", "chat:stream:*"]),
  },
  {
    name: "maxmemory reached with the noeviction policy",
    start: async (r) => {
      await r.redis.command("CONFIG", ["SET", "maxmemory-policy", "noeviction"]);
      await r.redis.command("CONFIG", ["SET", "maxmemory", "1"]);
    },
    end: (r) => r.redis.command("CONFIG", ["SET", "maxmemory", "0"]),
  },
  {
    // As after a failover that left the servers on a replica: it answers, and refuses every write (READONLY).
    name: "Redis turned into a read-only replica",
    start: (r) => r.redis.command("REPLICAOF", ["127.0.0.1", String(UNREACHABLE_PORT)]),
    end: (r) => r.redis.command("REPLICAOF", ["NO", "ONE"]),
  },
  {
    name: "CLIENT PAUSE WRITE",
    start: (r) => r.redis.command("CLIENT", ["PAUSE", String(FAULT_MS + 5000), "WRITE"]),
    end: (r) => r.redis.command("CLIENT", ["UNPAUSE"]),
  },
];

describe.skipIf(noRedis)("Redis refusing writes, during traffic on two linked servers", () => {
  for (const fault of FAULTS) {
    test(`${fault.name}: every member is told within 1.5 s, and once repaired every line arrives once, in order, none reported lost`, async () => {
      room = await new LinkedRoom().start();
      const [a, b] = [await room.server(["--no-flood-limit"]), await room.server(["--no-flood-limit"])];
      const talkers: Talker[] = [];
      for (const [server, transport, nick] of [
        [a, "tcp", "a1"],
        [a, "udp", "a2"],
        [b, "tcp", "b1"],
        [b, "udp", "b2"],
      ] as const) {
        talkers.push({ nick, client: await room.join(server, transport, nick), sent: 0 });
      }
      for (const t of talkers.slice(0, -1)) await t.client.waitFor("*** b2 joined", 5000);
      const traffic = talk(room, talkers);
      await until(() => talkers[0]!.sent >= 10, 3000, "some traffic first");

      await fault.start(room);
      const startedAt = performance.now();
      const told = await Promise.allSettled(
        talkers.map((t) => t.client.waitFor(LINK_DOWN, TOLD_WITHIN_MS).then(() => performance.now() - startedAt)),
      );
      await Bun.sleep(Math.max(0, FAULT_MS - (performance.now() - startedAt))); // the fault's length
      await fault.end(room);
      // Told it was back, where it was told it was down (the others would wait in vain).
      const back = await Promise.allSettled(
        talkers.map((t, i) => (told[i]!.status === "fulfilled" ? t.client.waitFor(LINK_BACK, 5000) : Promise.reject())),
      );
      traffic.stop();

      const heard = (i: number) =>
        `${talkers[i]!.nick}: ${told[i]!.status === "fulfilled" ? "told" : "never told"}` +
        `${back[i]!.status === "fulfilled" ? ", back" : ""}`;
      expect(talkers.map((_, i) => heard(i))).toEqual(talkers.map((t) => `${t.nick}: told, back`));
      await everyLineOnceInOrder(talkers);
      for (const t of talkers) expect(t.client.matching(LINES_LOST)).toEqual([]);
      for (const t of talkers) expect(t.client.matching(/did not reach/)).toEqual([]);
    }, 40_000);
  }
});
