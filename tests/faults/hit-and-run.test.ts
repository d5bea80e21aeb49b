/**
 * A hit-and-run client on a linked server: it connects, types one line and is
 * gone before its guest nick is granted (a port scanner, a health check,
 * `printf 'hi\n' | nc -q0 HOST PORT`). Nobody may hear of a member without a
 * nick (`***  joined`, `<> hi`), and no line of a real member, here or on the
 * other server, may be lost for it: no "lines were lost on the way" when
 * nothing failed.
 *
 * Redis answers the guest nick's claim within a fraction of a millisecond on
 * loopback; the server's Redis is put behind a proxy that delays it 100 ms, so
 * that the client is always gone first, as on a LAN under load.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { LINES_LOST, LinkedRoom, noRedis, numbersFrom, range } from "./linked.ts";
import { until } from "../../tools/harness/until.ts";

let room: LinkedRoom | undefined;
afterEach(async () => {
  await room?.close();
  room = undefined;
});

/** `printf 'LINE\n' | nc -q0 127.0.0.1 PORT`: connect, one line, close at once. */
async function hitAndRun(port: number, line: string): Promise<void> {
  let closed!: () => void;
  const done = new Promise<void>((resolve) => (closed = resolve));
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: { data() {}, close: () => closed(), error: () => closed() },
  });
  socket.write(`${line}\n`);
  socket.end();
  await done;
}

describe.skipIf(noRedis)("a hit-and-run client on a linked server", () => {
  test("is never announced or published without a nick, and costs nobody a line, here or on the other server", async () => {
    room = await new LinkedRoom().start();
    const a = await room.server(["--no-flood-limit"], { proxied: true });
    const b = await room.server(["--no-flood-limit"]);
    const alice = await room.join(a, "tcp", "alice"); // on the hit-and-run's server
    const bob = await room.join(b, "tcp", "bob"); // on the other
    const carol = await room.join(b, "udp", "carol");
    await alice.waitFor("*** carol joined", 5000);
    a.proxy!.delay(100);

    // alice talks all along, so that her lines share batches with whatever the newcomers cause.
    let sent = 0;
    const talk = room.every(5, () => alice.say(`seq alice ${sent++}`));
    for (const i of range(10)) await hitAndRun(a.port, `hi ${i}`);
    await until(() => sent >= 100, 5000, "alice to say 100 lines");
    talk.stop();

    await until(
      () => numbersFrom(bob, "alice").length >= sent,
      10_000,
      () => `bob to have alice's ${sent} lines`,
    );
    expect(numbersFrom(bob, "alice")).toEqual(range(sent));
    for (const c of [bob, carol]) expect(c.matching(LINES_LOST)).toEqual([]);
    // Nobody anywhere heard of a member without a nick. Its line went nowhere, or under the
    // guest nick it would have had.
    for (const c of [alice, bob, carol]) {
      expect(c.matching(/^\*\*\*  (joined|left)/)).toEqual([]);
      expect(c.matching(/^<> /)).toEqual([]);
      expect(c.matching(/hi \d$/).every((l) => /^<guest\d+> hi \d$/.test(l))).toBe(true);
    }
  }, 30_000);
});
