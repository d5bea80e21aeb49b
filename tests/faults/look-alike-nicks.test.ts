/**
 * Nicks compared as a person sees them: beside `alice`, the fullwidth
 * `ａlice`, the dotless `alıce`, the small capital `ᴀlice` and `ALICE` are
 * refused (NFKC, full case folding, UTS #39's skeleton), on one server and
 * across linked servers; `张三` and `老李abc` still work.
 *
 * Real servers in child processes, raw TCP clients.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { member, startChild, type ChildServer } from "../reliability/child-server.ts";
import type { ChatClient } from "../../tools/harness/index.ts";
import { LinkedRoom, noRedis } from "./linked.ts";

let server: ChildServer | undefined;
let room: LinkedRoom | undefined;
let clients: ChatClient[] = [];
afterEach(async () => {
  for (const c of clients) c.close();
  clients = [];
  await server?.stop();
  await room?.close();
  server = room = undefined;
});

const LOOK_ALIKES = ["ａlice", "alıce", "ᴀlice", "ALICE"];

/** `mallory` asks for each look-alike in turn: each is refused with a `!!!` line, and alice never hears a rename. */
async function refusesEach(mallory: ChatClient, alice: ChatClient): Promise<void> {
  const before = alice.lines.length;
  for (const nick of LOOK_ALIKES) {
    const from = mallory.lines.length;
    mallory.say(`/nick ${nick}`);
    const answer = await mallory.waitFor(/^(!!!|\*\*\* mallory is now)/, 3000, from);
    expect({ nick, answer: answer.startsWith("!!!") }).toEqual({ nick, answer: true });
  }
  // A line after the attempts, to know alice has read past them.
  mallory.say("done");
  await alice.waitFor("<mallory> done");
  expect(alice.lines.slice(before).filter((line) => /is now/.test(line))).toEqual([]);
}

/** Chinese nicks, and Chinese with Latin, are still fine. */
async function acceptsChinese(c: ChatClient, alice: ChatClient): Promise<void> {
  c.say("/nick 张三");
  await alice.waitFor(/is now 张三$/);
  c.say("/nick 老李abc");
  await alice.waitFor("*** 张三 is now 老李abc");
}

describe("nicks compared as a person sees them", () => {
  test(
    "refuses ａlice, alıce, ᴀlice and ALICE beside alice on one server, and takes 张三 and 老李abc",
    async () => {
      server = await startChild();
      const alice = await member(server, "tcp", "alice");
      const mallory = await member(server, "tcp", "mallory");
      clients.push(alice, mallory);
      await refusesEach(mallory, alice);
      await acceptsChinese(mallory, alice);
    },
  );

  describe.skipIf(noRedis)("across linked servers", () => {
    test(
      "refuses ａlice, alıce, ᴀlice and ALICE on another server beside alice, and takes 张三 and 老李abc",
      async () => {
        room = await new LinkedRoom().start();
        const [a, b] = [await room.server(), await room.server()];
        const alice = await room.join(a, "tcp", "alice");
        const mallory = await room.join(b, "tcp", "mallory");
        await alice.waitFor("*** mallory joined", 5000);
        await refusesEach(mallory, alice);
        await acceptsChinese(mallory, alice);
      },
    );
  });
});
