/**
 * The hub without sockets: fake peers record what they were sent.
 */
import { describe, expect, test } from "bun:test";
import { Hub, JOIN_HOLD_MS, localRoom, type Clock, type HubOptions, type MemberRef, type Peer, type Room, type RoomMessage } from "../src/hub.ts";
import { nickKey, type Frame, type OutLine } from "../src/protocol.ts";

class FakePeer implements Peer {
  static count = 0;
  readonly label = `fake ${++FakePeer.count}`;
  readonly got: string[] = [];
  closed = false;
  constructor(readonly address = "10.0.0.1") {}
  send(line: OutLine) {
    this.got.push(line.text);
  }
  close() {
    this.closed = true;
  }
}

/** A clock that only moves when told. */
class FakeClock implements Clock {
  t = 0;
  timers: { at: number; fn: () => void }[] = [];
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const timer = { at: this.t + ms, fn };
    this.timers.push(timer);
    return timer;
  };
  clearTimeout = (h: unknown) => {
    this.timers = this.timers.filter((t) => t !== h);
  };
  advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      const next = this.timers.sort((a, b) => a.at - b.at)[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }
}

const line = (text: string): Frame => ({ kind: "line", text, invalidUtf8: false });

function setup(options: HubOptions = {}) {
  const clock = new FakeClock();
  const hub = new Hub({ floodBurst: 0, clock, ...options });
  const join = (nick?: string) => {
    const p = new FakePeer();
    hub.join(p, nick);
    return p;
  };
  return { hub, join, clock };
}

describe("Hub", () => {
  test("gives guests distinct nicks and welcomes them", () => {
    const { join, clock } = setup();
    const a = join();
    const b = join();
    clock.advance(JOIN_HOLD_MS);
    expect(a.got[0]).toBe("*** welcome, guest1! /help lists the commands");
    expect(b.got[0]).toBe("*** welcome, guest2! /help lists the commands");
    expect(a.got).toContain("*** guest2 joined");
    expect(b.got).not.toContain("*** guest2 joined");
  });

  test("a guest number never collides with a nick someone chose", () => {
    const { hub, join } = setup();
    join("guest2"); // guest1 renames itself to guest2
    join();
    expect(hub.nicks()).toEqual(["guest2", "guest3"]);
  });

  test("encodes a broadcast line once for all recipients", () => {
    const { hub, join } = setup();
    const a = join("a");
    const peers = [join("b"), join("c")];
    const seen: OutLine[] = [];
    for (const p of peers) p.send = (l) => void seen.push(l);
    hub.receive(a, line("hi"));
    expect(seen.length).toBe(2);
    expect(seen[0]).toBe(seen[1]!);
  });

  test("leaving twice, or leaving without joining, is harmless", () => {
    const { hub, join } = setup();
    const a = join("a");
    const b = join("b");
    hub.leave(b, "x");
    hub.leave(b, "x");
    hub.leave(new FakePeer(), "never joined");
    expect(a.got.filter((l) => l.includes("left"))).toEqual(["*** b left (x)"]);
  });

  test("frees a nick when its owner leaves", () => {
    const { hub, join } = setup();
    const a = join("alice");
    hub.leave(a);
    const b = join("alice");
    expect(b.got).toContain("*** guest2 is now alice");
  });

  test("two clients claiming one nick at the same moment: the first wins", () => {
    const { hub, join } = setup();
    const a = join();
    const b = join();
    hub.receive(a, line("/nick Sam"));
    hub.receive(b, line("/nick sam"));
    expect(hub.nicks()).toEqual(["Sam", "guest2"]);
    expect(b.got.at(-1)).toBe("!!! the nickname sam is taken");
  });

  test("refuses a member past the per-address limit, but not from another address", () => {
    const { hub } = setup({ maxPerAddress: 2 });
    const peers = [new FakePeer("1.1.1.1"), new FakePeer("1.1.1.1"), new FakePeer("1.1.1.1")];
    expect(peers.map((p) => hub.join(p))).toEqual([true, true, false]);
    expect(peers[2]!.got).toEqual(["!!! too many connections from your address (at most 2)"]);
    expect(hub.join(new FakePeer("2.2.2.2"))).toBe(true);
    hub.leave(peers[0]!);
    expect(hub.join(new FakePeer("1.1.1.1"))).toBe(true);
  });

  test("speaks Chinese when asked", () => {
    const { hub, join } = setup({ lang: "zh" });
    const a = join("小红");
    join("小明");
    expect(a.got).toContain("*** 小明 加入了聊天室");
    hub.receive(a, line("/nick 小李"));
    expect(a.got).toContain("*** 小红 改名为 小李");
  });

  test("closes the peer and tells the room on an overflow frame", () => {
    const { hub, join } = setup();
    const a = join("a");
    const b = join("b");
    hub.receive(b, { kind: "overflow", bytes: 20000 });
    expect(b.closed).toBe(true);
    expect(b.got.at(-1)).toContain("20000 bytes without a newline");
    expect(a.got.at(-1)).toBe("*** b left (no newline)");
  });

  test("shutdown tells every member and closes them", () => {
    const { hub, join } = setup();
    const a = join("a");
    const b = join("b");
    hub.shutdown();
    for (const p of [a, b]) {
      expect(p.got.at(-1)).toBe("*** the server is shutting down");
      expect(p.closed).toBe(true);
    }
    expect(hub.size).toBe(0);
  });

  test("room messages go through a replaceable Room", () => {
    const { hub, join } = setup();
    const a = join("a");
    join("b");
    const published: string[] = [];
    hub.useRoom({ ...localRoom(hub), publish: (m) => void published.push(m.text) });
    hub.receive(a, line("hello"));
    expect(published).toEqual(["<a> hello"]);
  });
});

describe("Hub flood control", () => {
  function flood() {
    const clock = new FakeClock();
    const hub = new Hub({ floodBurst: 3, floodRate: 2, floodQueue: 5, clock });
    const a = new FakePeer();
    const b = new FakePeer();
    hub.join(a, "a");
    hub.join(b, "b");
    const chat = () => b.got.filter((l) => l.startsWith("<a>"));
    return { clock, hub, a, b, chat };
  }

  test("lets a burst through at once", () => {
    const { hub, a, chat } = flood();
    for (let i = 1; i <= 3; i++) hub.receive(a, line(`m${i}`));
    expect(chat()).toEqual(["<a> m1", "<a> m2", "<a> m3"]);
  });

  test("delays lines past the burst, tells the sender once, and delivers them in order", () => {
    const { clock, hub, a, chat } = flood();
    for (let i = 1; i <= 6; i++) hub.receive(a, line(`m${i}`));
    expect(chat().length).toBe(3);
    expect(a.got.filter((l) => l.includes("too fast")).length).toBe(1);
    clock.advance(500);
    expect(chat().length).toBe(4);
    clock.advance(1000);
    expect(chat()).toEqual(["<a> m1", "<a> m2", "<a> m3", "<a> m4", "<a> m5", "<a> m6"]);
  });

  test("refuses lines past the delay queue and says how many, once per flood episode, never silently", () => {
    const { clock, hub, a, chat } = flood();
    for (let i = 1; i <= 10; i++) hub.receive(a, line(`m${i}`));
    // 3 at once, 5 delayed, 2 refused: no notice per refused line...
    expect(chat().length).toBe(3);
    expect(a.got.filter((l) => l.startsWith("!!!"))).toEqual([]);
    // ...but one when the episode is over (the delayed lines are out), naming how many.
    clock.advance(3000);
    expect(chat().length).toBe(8);
    expect(a.got.filter((l) => l.startsWith("!!!"))).toEqual(["!!! you were sending too fast: 2 lines were not sent"]);
    // A second episode has its own notice.
    for (let i = 11; i <= 30; i++) hub.receive(a, line(`m${i}`));
    clock.advance(10_000);
    const notices = a.got.filter((l) => l.startsWith("!!!"));
    expect(notices).toHaveLength(2);
    const refused = Number(/^!!! you were sending too fast: (\d+) lines were not sent$/.exec(notices[1]!)![1]);
    expect(chat().length + refused).toBe(30 - 2);
  });

  test("a flood that never stops is summed up every 10 s, not once per line", () => {
    const { clock, hub, a, chat } = flood();
    // 60 s of 20 lines a second, against a rate of 2: a refusal almost every time.
    for (let s = 0; s < 60 * 20; s++) {
      hub.receive(a, line(`m${s}`));
      clock.advance(50);
    }
    clock.advance(10_000); // it stops: the delayed lines go out, and the last count comes
    const notices = a.got.filter((l) => l.startsWith("!!!"));
    expect(notices.length).toBeGreaterThanOrEqual(6);
    expect(notices.length).toBeLessThanOrEqual(8);
    const refused = notices.reduce((n, l) => n + Number(/(\d+) lines were not sent/.exec(l)![1]), 0);
    expect(refused + chat().length).toBe(1200); // each line delivered, or counted
  });

  test("delivers a leaving member's delayed lines before its leave notice", () => {
    const { hub, a, b, chat } = flood();
    for (let i = 1; i <= 5; i++) hub.receive(a, line(`m${i}`));
    hub.leave(a, "bye");
    expect(chat().length).toBe(5);
    expect(b.got.at(-1)).toBe("*** a left (bye)");
  });

  test("one flooding member does not delay another", () => {
    const { clock, hub, a, b } = flood();
    const c = new FakePeer();
    hub.join(c, "c");
    for (let i = 1; i <= 8; i++) hub.receive(a, line(`m${i}`));
    hub.receive(b, line("calm"));
    expect(c.got).toContain("<b> calm");
    clock.advance(10);
  });
});

describe("Hub: one join line per newcomer", () => {
  test("a client that sets its nick first is announced once, under that nick", () => {
    const { hub, join, clock } = setup();
    const a = join("alice");
    const b = join();
    hub.receive(b, line("/nick bob"));
    clock.advance(JOIN_HOLD_MS * 2);
    expect(a.got.slice(2)).toEqual(["*** bob joined"]);
    // The newcomer itself hears its rename: that is how a client learns its nick.
    expect(b.got).toEqual(["*** welcome, guest2! /help lists the commands", "*** guest2 is now bob"]);
  });

  test("a nick asked for in the join request (UDP) gives one join line at once", () => {
    const { join } = setup();
    const a = join("alice");
    join("bob");
    expect(a.got.slice(2)).toEqual(["*** bob joined"]);
  });

  test("a newcomer who says nothing is announced promptly, one who speaks first before its line", () => {
    const { hub, join, clock } = setup();
    const a = join("alice");
    join();
    expect(a.got.slice(2)).toEqual([]);
    clock.advance(JOIN_HOLD_MS);
    expect(a.got.slice(2)).toEqual(["*** guest2 joined"]);
    const c = join();
    hub.receive(c, line("hello"));
    expect(a.got.slice(3)).toEqual(["*** guest3 joined", "<guest3> hello"]);
  });

  test("a refused nick still announces the newcomer, as the guest it is", () => {
    const { hub, join } = setup();
    const a = join("alice");
    const b = join();
    hub.receive(b, line("/nick ALICE"));
    expect(b.got.at(-1)).toBe("!!! the nickname ALICE is taken");
    expect(a.got.slice(2)).toEqual(["*** guest2 joined"]);
  });

  test("a newcomer gone before it was announced is neither announced nor seen leaving", () => {
    const { hub, join, clock } = setup();
    const a = join("alice");
    const b = join();
    hub.leave(b, "connection closed");
    const c = join();
    hub.receive(c, line("/quit"));
    clock.advance(JOIN_HOLD_MS * 2);
    expect(a.got.slice(2)).toEqual([]);
  });
});

describe("Hub: big rooms", () => {
  function bigRoom() {
    const published: RoomMessage[] = [];
    const { hub, join, clock } = setup({ summarizeAbove: 3, summaryIntervalMs: 10_000 });
    const local = { ...localRoom(hub), publish: (m: RoomMessage) => void (published.push(m), hub.deliver(m)) };
    hub.useRoom(local);
    return { hub, join, clock, published };
  }

  test("past the room size, joins and leaves are summed up once per interval, through the room", () => {
    const { hub, join, clock, published } = bigRoom();
    const peers = ["a", "b", "c", "d", "e", "f"].map((n) => join(n));
    // The first three were announced one by one; the rest only welcomed.
    expect(peers[0]!.got.filter((l) => l.endsWith(" joined"))).toEqual(["*** b joined", "*** c joined"]);
    expect(peers[3]!.got).toEqual(["*** welcome, guest4! /help lists the commands", "*** guest4 is now d"]);
    hub.leave(peers[5]!, "bye");
    clock.advance(10_000);
    const summary = "*** 3 joined and 1 left in the last 10s";
    for (const p of peers.slice(0, 5)) expect(p.got.at(-1)).toBe(summary);
    expect(published.map((m) => m.text)).toContain(summary);
    // Nothing else to say: no empty summaries.
    clock.advance(60_000);
    expect(peers[0]!.got.at(-1)).toBe(summary);
    // Back to the size, one by one again.
    hub.leave(peers[4]!);
    hub.leave(peers[3]!);
    expect(peers[0]!.got.at(-1)).toBe(summary);
    hub.leave(peers[2]!);
    expect(peers[0]!.got.at(-1)).toBe("*** c left");
  });

  test("every member still gets every chat line", () => {
    const { hub, join } = bigRoom();
    const peers = Array.from({ length: 50 }, (_, i) => join(`m${i}`));
    hub.receive(peers[7]!, line("hello, everyone"));
    for (const [i, p] of peers.entries()) expect(p.got.includes("<m7> hello, everyone")).toBe(i !== 7);
  });
});

describe("Hub: /who of any size", () => {
  test("splits the list into lines within the line limit, naming everyone once", () => {
    const { hub, join } = setup({ maxLineBytes: 200, maxClients: 5000, maxPerAddress: 5000, summarizeAbove: 0 });
    const nicks = Array.from({ length: 300 }, (_, i) => `member-${i}`);
    const peers = nicks.map((n) => join(n));
    const asker = peers[0]!;
    const before = asker.got.length;
    hub.receive(asker, line("/who"));
    const lines = asker.got.slice(before);
    expect(lines.length).toBeGreaterThan(10);
    for (const l of lines) expect(new TextEncoder().encode(l).length).toBeLessThanOrEqual(200);
    expect(lines[0]!.startsWith("*** in the room (300): member-0, member-1")).toBe(true);
    for (const l of lines.slice(1)) expect(l.startsWith("*** in the room, continued: ")).toBe(true);
    const named = lines.flatMap((l) => l.slice(l.indexOf(": ") + 2).split(", "));
    expect(named).toEqual(nicks);
  });

  test("in Chinese too, counted in bytes", () => {
    const { hub, join } = setup({ lang: "zh", maxLineBytes: 100, maxClients: 5000, maxPerAddress: 5000, summarizeAbove: 0 });
    const nicks = Array.from({ length: 60 }, (_, i) => `张三${i}`);
    const peers = nicks.map((n) => join(n));
    hub.receive(peers[0]!, line("/who"));
    const lines = peers[0]!.got.filter((l) => l.startsWith("*** 聊天室里有") || l.startsWith("*** （续）"));
    for (const l of lines) expect(new TextEncoder().encode(l).length).toBeLessThanOrEqual(100);
    expect(lines.flatMap((l) => l.replace(/^\*\*\* (聊天室里有 60 人：|（续）)/, "").split("、"))).toEqual(nicks);
  });
});

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
    expect(room.published.find((m) => m.text === "*** guest2 joined")?.notice).toEqual({ kind: "joined", nick: "guest2" });
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
    room.others.set("zoë", "Zoë");
    const a = join();
    hub.receive(a, line("/nick ZOË"));
    expect(a.got.at(-1)).toBe("!!! the nickname ZOË is taken");
    expect(room.claims).toEqual([]);
  });

  test("/who lists the other hubs' members too, and /msg reaches a member elsewhere", () => {
    const { hub, room, join } = linked();
    room.others.set("carol", "Carol");
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
    expect(a.got.slice(-4)).toEqual(["*** carol 离开了聊天室（连接已关闭）", "*** dave 离开了聊天室（其所在的服务器没有响应）", `*** ${hub.t.linkDown}`, "*carol* 只给你"]);
    expect(b.got.at(-1)).toBe(`*** ${hub.t.linkDown}`);
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
    hub.nickLost(hub.roster()[0]!.id);
    room.answer();
    expect(a.got.at(-2)).toStartWith("!!! while the link between the servers was down");
    expect(b.got.at(-1)).toBe("*** zoe is now guest3");
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
    expect(room.published.at(-1)?.notice).toEqual({ kind: "left", nick: "alice", reason: "the server is shutting down" });
    expect(room.released.map((m) => m.nick)).toEqual(["alice"]);
  });
});
