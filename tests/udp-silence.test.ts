/**
 * A UDP member who only reads, as a person at `nc -u` who never presses Enter:
 * asked at half the timeout whether they are still there, told when they are
 * removed, and told that their next line was not sent (with the line to type to
 * join again), in the room's language.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { parseChallenge } from "../src/protocol.ts";
import { startServer, udpClient, type RawClient, type TestServer } from "./helpers/chat.ts";
import { until } from "../tools/harness/until.ts";

let server: TestServer | undefined;
let clients: RawClient[] = [];

afterEach(async () => {
  for (const c of clients) c.close();
  clients = [];
  await server?.stop();
  server = undefined;
});

/** The UDP join by hand, in any language: the request, the token back, the welcome. */
async function join(nick: string): Promise<RawClient> {
  const c = await udpClient(server!.port);
  clients.push(c);
  c.say(`/join ${nick}`.padEnd(24, " "));
  const token = await until(() => c.lines.map(parseChallenge).find((t) => t !== undefined), 3000, "the challenge");
  c.say(`/join ${token}`);
  await c.waitFor(/^\*\*\* (welcome|欢迎)/);
  return c;
}

/** alice keeps sending (a heartbeat every 100 ms, from her join on); bob, once joined, only reads. */
async function roomWithReader(lang: "en" | "zh") {
  server = await startServer("udp", { lang, udpTimeoutMs: 1000 });
  const alice = await join("alice");
  const beat = setInterval(() => alice.say("/ping"), 100);
  const bob = await join("bob");
  return { alice, bob, stop: () => clearInterval(beat) };
}

describe("a UDP member who only reads", () => {
  test("is asked at half the timeout, told at the timeout, and told that a later line was not sent", async () => {
    const { alice, bob, stop } = await roomWithReader("en");
    try {
      const asked = await bob.waitFor("*** no word from you in", 3000);
      expect(asked).toMatch(
        /^\*\*\* no word from you in 0\.\ds: are you still there\? press Enter \(or send any line\) within 0\.\ds to stay in the room$/,
      );
      await bob.waitFor("!!! no word from you in 1s: you left the room", 3000);
      await alice.waitFor("*** bob left (timed out)");
      // Asked once, told once.
      expect(bob.matching("are you still there")).toHaveLength(1);
      const from = bob.lines.length;
      bob.say("hello, anyone?");
      await bob.waitFor("!!! your line was not sent: you had left the room (no word from you in 1s).", 3000, from);
      const challenge = await until(
        () => bob.lines.slice(from).find((l) => parseChallenge(l) !== undefined),
        3000,
        "the challenge",
      );
      expect(challenge).toMatch(/^\*\*\* to join, type: \/join [0-9a-f]{8}$/); // the sentence, whatever the line's size
      // Typing the line it names gets bob back in; the line it did not send never reached the room.
      bob.say(`/join ${parseChallenge(challenge)}`);
      await bob.waitFor("*** welcome, guest", 3000, from);
      expect(alice.matching("anyone?")).toEqual([]);
    } finally {
      stop();
    }
  });

  test("a member who answers the question stays", async () => {
    const { alice, bob, stop } = await roomWithReader("en");
    try {
      await bob.waitFor("are you still there?", 3000);
      bob.say(""); // Enter, at nc -u: an empty line
      // Asked again in the next silence, and still a member: a line of bob's reaches alice.
      const from = bob.lines.length;
      await bob.waitFor("are you still there?", 3000, from);
      bob.say("still here");
      await alice.waitFor("<bob> still here");
      expect(alice.matching("bob left")).toEqual([]);
    } finally {
      stop();
    }
  });

  test("in Chinese, in a zh room", async () => {
    const { bob, stop } = await roomWithReader("zh");
    try {
      await bob.waitFor(
        /^\*\*\* 0\.\d 秒没有收到你的消息：还在吗？请在 0\.\d 秒内按回车（或发送任意一行），否则会被移出聊天室$/,
        3000,
      );
      await bob.waitFor("!!! 1 秒没有收到你的消息：你已离开聊天室", 3000);
      const from = bob.lines.length;
      bob.say("你好");
      await bob.waitFor("!!! 你的这一行没有发送：你已离开聊天室（1 秒没有收到你的消息）。", 3000, from);
      await bob.waitFor(/^\*\*\* 加入请输入：\/join [0-9a-f]{8}$/, 3000, from);
    } finally {
      stop();
    }
  });
});
