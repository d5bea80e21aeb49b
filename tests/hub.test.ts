/**
 * The hub without sockets: fake peers record what they were sent.
 */
import { describe, expect, test } from "bun:test";
import { Hub, localRoom, type Clock, type HubOptions, type Peer } from "../src/hub.ts";
import type { Frame, OutLine } from "../src/protocol.ts";

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
