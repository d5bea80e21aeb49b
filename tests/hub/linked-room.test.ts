/**
 * The hub in a room spread over several hubs: nick claims the room answers
 * later, members elsewhere, lines that wait for a claim.
 */
import { describe, expect, test } from "bun:test";
import { Hub } from "../../src/hub.ts";
import { JOIN_HOLD_MS, type HubOptions } from "../../src/hub/options.ts";
import type { MemberRef, Room, RoomMessage } from "../../src/room.ts";
import { nickKey } from "../../src/protocol.ts";
import { FakeClock, FakePeer, line } from "./fakes.ts";

/**
 * A room spread over hubs, as the hub sees it: claims are answered only when
 * the test says so, and the other hubs' members are a list.
 */
class SlowRoom implements Room {
  readonly claims: { member: MemberRef; nick: string; done: (ok: boolean) => void }[] = [];
  readonly published: RoomMessage[] = [];
  readonly released: MemberRef[] = [];
  readonly whispers: { to: string; text: string }[] = [];
  readonly others = new Map<string, string>();
  constructor(private readonly hub: Hub) {}
  publish(m: RoomMessage) {
    this.published.push(m);
    this.hub.deliver(m);
  }
  claim(member: MemberRef, nick: string, done: (ok: boolean) => void) {
    if (this.others.has(nickKey(nick))) return done(false);
    this.claims.push({ member, nick, done });
  }
  /** Answers the oldest claim. */
  answer(ok = true) {
    this.claims.shift()!.done(ok);
  }
  release(member: MemberRef) {
    this.released.push(member);
  }
  elsewhere() {
    return [...this.others.values()];
  }
  elsewhereCount() {
    return this.others.size;
  }
  whisper(to: string, text: string) {
    const nick = this.others.get(nickKey(to));
    if (nick) this.whispers.push({ to: nick, text });
    return nick;
  }
  texts() {
    return this.published.map((m) => m.text);
  }
}

describe("Hub in a room spread over hubs", () => {
  function linked(options: HubOptions = {}) {
    const clock = new FakeClock();
    const hub = new Hub({ floodBurst: 0, clock, ...options });
    const room = new SlowRoom(hub);
    hub.useRoom(room);
    /** A newcomer; its guest nick granted at once unless told, and (after the join hold) announced. */
    const join = (nick?: string, granted = true) => {
      const p = new FakePeer();
      hub.join(p, nick);
      if (granted) room.answer();
      clock.advance(JOIN_HOLD_MS);
      return p;
    };
    return { hub, room, join, clock };
  }

  test("welcomes a newcomer once the room grants its guest nick, and holds its lines until then", () => {
    const { hub, room, join } = linked();
    const a = join();
    const b = join(undefined, false);
    hub.receive(b, line("hi, early"));
    expect(b.got).toEqual([]);
    expect(a.got.filter((l) => l.includes("guest2"))).toEqual([]);
    room.answer();
    expect(b.got[0]).toMatch(/^\*\*\* welcome, guest2!/);
    expect(a.got.slice(-2)).toEqual(["*** guest2 joined", "<guest2> hi, early"]);
    expect(room.published.find((m) => m.text === "*** guest2 joined")?.notice).toEqual({
      kind: "joined",
      nick: "guest2",
    });
  });

  test("takes the next guest nick when another hub holds one", () => {
    const { room, join } = linked();
    room.others.set("guest1", "guest1");
    room.others.set("guest2", "guest2");
    const a = join();
    expect(a.got[0]).toMatch(/^\*\*\* welcome, guest3!/);
  });

  test("a rename waits for the room: lines after /nick go out under the new nick; a refusal keeps the old one", () => {
    const { hub, room, join } = linked();
    const a = join();
    const b = join();
    hub.receive(a, line("/nick bob"));
    hub.receive(a, line("hello"));
    expect(b.got.some((l) => l.includes("hello"))).toBe(false);
    room.answer();
    expect(b.got.slice(-2)).toEqual(["*** guest1 is now bob", "<bob> hello"]);
    expect(room.published.at(-2)?.notice).toEqual({ kind: "renamed", from: "guest1", to: "bob" });
    hub.receive(a, line("/nick carol"));
    room.answer(false);
    expect(a.got.at(-1)).toBe("!!! the nickname carol is taken");
    hub.receive(a, line("/who"));
    expect(a.got.at(-1)).toBe("*** in the room (2): bob, guest2");
  });

  test("refuses at once a nick a member of another hub holds", () => {
    const { hub, room, join } = linked();
    room.others.set(nickKey("Zoë"), "Zoë");
    const a = join();
    hub.receive(a, line("/nick ZOË"));
    expect(a.got.at(-1)).toBe("!!! the nickname ZOË is taken");
    expect(room.claims).toEqual([]);
  });

  test("/who lists the other hubs' members too, and /msg reaches a member elsewhere", () => {
    const { hub, room, join } = linked();
    room.others.set(nickKey("Carol"), "Carol");
    const a = join("alice");
    room.answer();
    hub.receive(a, line("/who"));
    expect(a.got.at(-1)).toBe("*** in the room (2): alice, Carol");
    hub.receive(a, line("/msg CAROL psst"));
    expect(room.whispers).toEqual([{ to: "Carol", text: "*alice* psst" }]);
    expect(a.got.at(-1)).toBe("-> *Carol* psst");
    hub.receive(a, line("/msg dave hi"));
    expect(a.got.at(-1)).toBe("!!! no such nickname: dave");
  });

  test("words news from other hubs in its own language, and gives a private line to its one member", () => {
    const { hub, room, join } = linked({ lang: "zh" });
    const a = join("alice");
    room.answer();
    const b = join();
    const alice = hub.roster().find((m) => m.nick === "alice");
    hub.deliver({ text: "", notice: { kind: "left", nick: "carol", reason: "connection closed" } });
    hub.deliver({ text: "", notice: { kind: "hub-lost", nick: "dave" } });
    hub.deliver({ text: "", notice: { kind: "link-down" } });
    hub.deliver({ text: "*carol* 只给你", to: alice!.id });
    expect(a.got.slice(-4)).toEqual([
      "*** carol 离开了聊天室（连接已关闭）",
      "*** dave 离开了聊天室（其所在的服务器没有响应）",
      `*** ${hub.messages.linkDown}`,
      "*carol* 只给你",
    ]);
    expect(b.got.at(-1)).toBe(`*** ${hub.messages.linkDown}`);
  });

  test("a member that leaves while its claim is pending: its lines still go out, and the late grant is let go", () => {
    const { hub, room, join } = linked();
    const a = join();
    const b = join();
    hub.receive(b, line("here")); // announced: the room has heard of guest2
    hub.receive(b, line("/nick bob"));
    hub.receive(b, line("last words"));
    hub.leave(b, "connection closed");
    expect(a.got.slice(-2)).toEqual(["<guest2> last words", "*** guest2 left (connection closed)"]);
    room.answer(); // the claim of "bob", answered too late
    expect(room.released.map((m) => m.nick)).toEqual(["guest2", "bob"]);
    const c = join("bob"); // and "bob" is free here again
    room.answer();
    expect(a.got.at(-1)).toBe("*** bob joined");
    expect(c.got.at(-1)).toBe("*** guest3 is now bob");
  });

  test("a newcomer that goes before the room granted its guest nick was never in the room", () => {
    const { hub, room, join } = linked();
    const a = join();
    const b = join(undefined, false);
    hub.leave(b, "connection closed");
    room.answer();
    expect(a.got.filter((l) => l.includes("guest2"))).toEqual([]);
    expect(room.released).toEqual([{ id: expect.any(String), nick: "guest2" }]);
  });

  test("a member whose nick another hub kept is told, and becomes a guest again", () => {
    const { hub, room, join } = linked();
    const a = join("zoe");
    room.answer();
    const b = join();
    hub.nickLost(hub.roster()[0]!.id, "zoe");
    room.answer();
    expect(a.got.at(-2)).toStartWith("!!! while the link between the servers was down");
    expect(b.got.at(-1)).toBe("*** zoe is now guest3");
  });

  test("is backlogged while a member's queue is over half full, and stops waiting for one that stays so over a second", () => {
    const { hub, join, clock } = linked();
    const a = join() as FakePeer & { backlog?: () => number };
    const b = join() as FakePeer & { backlog?: () => number };
    expect(hub.backlogged()).toBe(false); // peers without a queue (as over UDP)
    let fill = 0.4;
    a.backlog = () => fill;
    b.backlog = () => 0;
    expect(hub.backlogged()).toBe(false);
    fill = 0.6;
    expect(hub.backlogged()).toBe(true);
    clock.advance(999);
    expect(hub.backlogged()).toBe(true);
    clock.advance(1);
    expect(hub.backlogged()).toBe(false); // not keeping up: not waited for
    fill = 0.2; // it caught up: waited for again next time
    expect(hub.backlogged()).toBe(false);
    fill = 0.9;
    expect(hub.backlogged()).toBe(true);
  });

  test("a nick lost that the member no longer holds costs it nothing", () => {
    const { hub, room, join } = linked();
    const a = join("zoe");
    room.answer();
    hub.nickLost(hub.roster()[0]!.id, "yak");
    expect(a.got.filter((l) => l.startsWith("!!!"))).toEqual([]);
    expect(hub.nicks()).toEqual(["zoe"]);
  });

  test("a nick lost while the member's next claim is pending is taken back if that claim is refused", () => {
    const { hub, room, join } = linked();
    const a = join("zoe");
    room.answer();
    hub.receive(a, line("/nick yak")); // pending
    hub.nickLost(hub.roster()[0]!.id, "zoe"); // not dropped: decided when yak is answered
    room.answer(false); // yak refused: a still holds zoe, which another hub kept
    expect(a.got.filter((l) => l.startsWith("!!! while the link between the servers was down"))).toHaveLength(1);
    room.answer(); // its guest nick
    expect(hub.nicks()).toEqual([expect.stringMatching(/^guest\d+$/)]);
  });

  test("a nick lost while the member's next claim is pending is nothing if that claim is granted", () => {
    const { hub, room, join } = linked();
    const a = join("zoe");
    room.answer();
    hub.receive(a, line("/nick yak"));
    hub.nickLost(hub.roster()[0]!.id, "zoe");
    room.answer(true);
    expect(a.got.filter((l) => l.startsWith("!!! while the link"))).toEqual([]);
    expect(hub.nicks()).toEqual(["yak"]);
  });

  test("a newcomer that sets its nick first is announced once, under that nick, when the room grants it", () => {
    const { hub, room, join, clock } = linked();
    const a = join();
    const b = new FakePeer();
    hub.join(b);
    room.answer(); // its guest nick
    hub.receive(b, line("/nick bob"));
    clock.advance(JOIN_HOLD_MS * 2); // the room is slow: the join hold runs out meanwhile
    expect(a.got.filter((l) => l.includes("joined"))).toEqual([]);
    room.answer(); // "bob"
    expect(a.got.filter((l) => l.includes("guest2") || l.includes("bob"))).toEqual(["*** bob joined"]);
  });

  test("a big room is counted across hubs: joins are summed up, and so are those who go with a stopping hub", () => {
    const { hub, room, join, clock } = linked({ summarizeAbove: 100, summaryIntervalMs: 10_000 });
    for (let i = 0; i < 150; i++) room.others.set(`m${i}`, `m${i}`);
    const a = join();
    join();
    clock.advance(10_000);
    expect(a.got.filter((l) => l.includes("joined"))).toEqual(["*** 2 joined in the last 10s"]);
    expect(room.published.filter((m) => m.notice?.kind === "joined")).toEqual([]);
    hub.shutdown();
    expect(room.published.at(-1)?.notice).toEqual({ kind: "summary", joined: 0, left: 2, seconds: 10 });
  });

  test("shutting down tells the other hubs who went with it", () => {
    const { hub, room, join } = linked();
    const a = join("alice");
    room.answer();
    hub.shutdown();
    expect(a.got.at(-1)).toBe("*** the server is shutting down");
    expect(room.published.at(-1)?.notice).toEqual({
      kind: "left",
      nick: "alice",
      reason: "the server is shutting down",
    });
    expect(room.released.map((m) => m.nick)).toEqual(["alice"]);
  });
});
