/**
 * The hub without sockets: fake peers record what they were sent.
 */
import { describe, expect, test } from "bun:test";
import { JOIN_HOLD_MS } from "../src/hub/options.ts";
import { localRoom } from "../src/room.ts";
import type { OutLine } from "../src/protocol.ts";
import { FakePeer, line, setup } from "./hub/fakes.ts";

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

  test.each(["en", "zh"] as const)(
    "refuses a look-alike nick mixing scripts, in %s; Chinese with Latin is fine",
    (lang) => {
      const { hub, join } = setup({ lang });
      join("alice");
      const b = join();
      hub.receive(b, line("/nick \u0430lice")); // a Cyrillic а
      expect(b.got.at(-1)).toBe(
        lang === "en"
          ? "!!! a nickname is written in one script (Latin may go with Chinese, Japanese or Korean): mixing others, such as Latin and Cyrillic, makes look-alikes of other nicks: \u0430lice"
          : "!!! 昵称只能用一种文字书写（拉丁字母可以和中文、日文或韩文一起用）：混用其他文字（如拉丁字母和西里尔字母）会造出与别人相似的昵称：\u0430lice",
      );
      hub.receive(b, line("/nick 老李abc"));
      expect(hub.nicks()).toEqual(["alice", "老李abc"]);
    },
  );

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
