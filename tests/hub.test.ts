/**
 * The hub without sockets: fake peers record what they were sent.
 */
import { describe, expect, test } from "bun:test";
import { Hub, localRoom, type Clock, type HubOptions, type MemberRef, type Peer, type Room, type RoomMessage } from "../src/hub.ts";
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
  const hub = new Hub({ floodBurst: 0, ...options });
  const join = (nick?: string) => {
    const p = new FakePeer();
    hub.join(p, nick);
    return p;
  };
  return { hub, join };
}

describe("Hub", () => {
  test("gives guests distinct nicks and welcomes them", () => {
    const { join } = setup();
    const a = join();
    const b = join();
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
    const { join } = setup({ lang: "zh" });
    const a = join();
    join("小明");
    expect(a.got).toContain("*** guest2 加入了聊天室");
    expect(a.got).toContain("*** guest2 改名为 小明");
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

  test("refuses lines with a notice when the delay queue is full, never silently", () => {
    const { hub, a, chat } = flood();
    for (let i = 1; i <= 10; i++) hub.receive(a, line(`m${i}`));
    // 3 at once, 5 delayed, 2 refused
    expect(a.got.filter((l) => l === "!!! you are sending too fast: this line was not sent").length).toBe(2);
    expect(chat().length).toBe(3);
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
    const hub = new Hub({ floodBurst: 0, ...options });
    const room = new SlowRoom(hub);
    hub.useRoom(room);
    const join = (nick?: string, granted = true) => {
      const p = new FakePeer();
      hub.join(p, nick);
      if (granted) room.answer();
      return p;
    };
    return { hub, room, join };
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
    hub.receive(b, line("/nick bob"));
    hub.receive(b, line("last words"));
    hub.leave(b, "connection closed");
    expect(a.got.slice(-2)).toEqual(["<guest2> last words", "*** guest2 left (connection closed)"]);
    room.answer(); // the claim of "bob", answered too late
    expect(room.released.map((m) => m.nick)).toEqual(["guest2", "bob"]);
    const c = join("bob"); // and "bob" is free here again
    room.answer();
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
