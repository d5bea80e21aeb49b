/**
 * The page's parts that need no browser (src/page/): how it follows the room
 * from the server's notices, in English and Chinese, worded by the very
 * catalogue the hub uses; the reconnect delays and their jitter; the
 * connection's comings and goings with a fake WebSocket; nick colours.
 */
import { describe, expect, test } from "bun:test";
import { MESSAGES, type Lang } from "../src/i18n.ts";
import { backoffMs, Connection, type ConnectionEvents, type Environment } from "../src/page/connection.ts";
import { nickColour } from "../src/page/colour.ts";
import { Members } from "../src/page/members.ts";
import { fill, readRoom, type Room } from "../src/page/room.ts";
import { roomInfo } from "../src/transports/web.ts";

describe.each(["en", "zh"] as Lang[])("the member list, in a room that speaks %s", (lang) => {
  const t = MESSAGES[lang];
  // What the server puts in the page, read as the page reads it.
  const room: Room = readRoom(JSON.stringify(roomInfo(lang, 1024)));

  test("follows the welcome, joins, leaves (with and without a reason) and renames", () => {
    const m = new Members(room.notices);
    expect(m.notice(t.welcome("guest3")).welcomed).toBe(true);
    expect(m.me).toBe("guest3");
    m.notice(t.joined("bob"));
    m.notice(t.joined("张三"));
    expect(m.list()).toEqual(["bob", "guest3", "张三"].sort((a, b) => a.localeCompare(b)));
    m.notice(t.renamed("guest3", "alice"));
    expect(m.me).toBe("alice");
    expect(m.chosen).toBe("alice");
    m.notice(t.left("bob", ""));
    m.notice(t.left("张三", "gone (fishing)"));
    expect(m.list()).toEqual(["alice"]);
    expect(m.notice(t.renamed("carol", "dave")).changed).toBe(true);
    expect(m.me).toBe("alice");
  });

  test("takes the list from the answer to its own /who, hidden, over several lines; a /who the person typed is shown", () => {
    const m = new Members(room.notices);
    m.notice(t.welcome("alice"));
    m.askedByPage();
    const first = m.notice(t.who(4, ["alice", "bob"]));
    expect(first).toMatchObject({ hidden: true, changed: false });
    const more = m.notice(t.whoMore(["carol", "d-2"]));
    expect(more).toMatchObject({ hidden: true, changed: true });
    expect(m.list()).toEqual(["alice", "bob", "carol", "d-2"]);
    m.askedByPerson();
    expect(m.notice(t.who(1, ["alice"]))).toMatchObject({ hidden: false, changed: true });
    expect(m.list()).toEqual(["alice"]);
    // A "continued" line with no /who answer before it is nobody's: not taken.
    m.other();
    expect(m.notice(t.whoMore(["mallory"])).changed).toBe(false);
  });

  test("asks again after a big room's summary or the link's return", () => {
    const m = new Members(room.notices);
    for (const text of [t.summary(3, 0, 10), t.summary(0, 2, 10), t.summary(37, 5, 10), t.linkBack]) {
      expect(m.notice(text).refresh).toBe(true);
    }
    expect(m.notice(t.linkDown).refresh).toBe(false);
    expect(m.notice(t.shuttingDown)).toEqual({ changed: false, hidden: false, refresh: false, welcomed: false });
  });
});

test("fill puts values in a template and leaves unknown parts alone", () => {
  expect(fill("{n} new lines, {n}!", { n: 3 })).toBe("3 new lines, 3!");
  expect(fill("{time} {missing}", { time: "12:00:00" })).toBe("12:00:00 {missing}");
  expect(() => readRoom('{"lang":"en"}')).toThrow(/without its room/);
});

describe("reconnecting", () => {
  test("waits from half of the delay to all of it, doubling from 1 s to at most 30 s", () => {
    const bounds = [2, 3, 4, 5, 6, 7, 8, 20].map((n) => [backoffMs(n, () => 0), backoffMs(n, () => 0.999999)]);
    expect(bounds).toEqual([
      [500, 1000],
      [1000, 2000],
      [2000, 4000],
      [4000, 8000],
      [8000, 16000],
      [15000, 30000],
      [15000, 30000],
      [15000, 30000],
    ]);
    // Jitter: thirty pages dropped at once do not all come back in the same instant.
    const delays = new Set([...Array(30)].map(() => backoffMs(5)));
    expect(delays.size).toBeGreaterThan(20);
  });

  /** A fake world: sockets the test opens and closes, and timers it runs by hand. */
  function world() {
    const sockets: FakeSocket[] = [];
    const timers: { fn: () => void; ms: number }[] = [];
    class FakeSocket {
      readyState = 0;
      sent: string[] = [];
      onopen: (() => void) | null = null;
      onmessage: ((e: { data: string }) => void) | null = null;
      onclose: ((e: { code: number; reason: string }) => void) | null = null;
      constructor(readonly url: string) {}
      send(line: string) {
        this.sent.push(line);
      }
      open() {
        this.readyState = 1;
        this.onopen?.();
      }
      drop(code = 1006, reason = "") {
        this.readyState = 3;
        this.onclose?.({ code, reason });
      }
    }
    const env: Environment = {
      socket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s as unknown as WebSocket;
      },
      random: () => 0.5,
      setTimeout: (fn, ms) => timers.push({ fn, ms }),
      clearTimeout: () => {},
    };
    const said: string[] = [];
    const events: ConnectionEvents = {
      connecting: (n) => void said.push(`connecting ${n}`),
      open: () => void said.push("open"),
      line: (text) => void said.push(`line ${text}`),
      closed: (wasOpen, code) => void said.push(`closed ${wasOpen} ${code}`),
      waiting: (ms, n) => void said.push(`waiting ${ms} ${n}`),
    };
    return { sockets, timers, env, said, events };
  }

  test("tries again with growing delays, starts counting again once welcomed, and stops after /quit", () => {
    const { sockets, timers, env, said, events } = world();
    const c = new Connection("ws://room/ws", events, env);
    c.start();
    sockets[0]!.open();
    expect(c.send("hello")).toBe(true);
    sockets[0]!.drop();
    expect(c.send("lost")).toBe(false);
    timers.shift()!.fn();
    sockets[1]!.drop(); // the server is still down
    timers.shift()!.fn();
    sockets[2]!.open();
    c.welcomed();
    sockets[2]!.drop();
    expect(said).toEqual([
      "connecting 1",
      "open",
      "closed true 1006",
      "waiting 750 2",
      "connecting 2",
      "closed false 1006",
      "waiting 1500 3",
      "connecting 3",
      "open",
      "closed true 1006",
      "waiting 750 1",
    ]);
    expect(sockets[0]!.sent).toEqual(["hello"]);
    timers.shift()!.fn();
    sockets[3]!.open();
    expect(c.quit("/quit bye")).toBe(true);
    sockets[3]!.drop(1000);
    expect(timers).toEqual([]); // no more attempts
    expect(said.at(-1)).toBe("closed true 1000");
  });

  test("tries at once when the network comes back, instead of waiting out the delay", () => {
    const { sockets, timers, env, events } = world();
    const c = new Connection("ws://room/ws", events, env);
    c.start();
    sockets[0]!.drop();
    expect(timers).toHaveLength(1);
    c.retryNow();
    expect(sockets).toHaveLength(2);
  });
});

describe("nick colours", () => {
  test("the same nick gets the same colour, whatever its case or width", () => {
    expect(nickColour("Alice")).toEqual(nickColour("alice"));
    expect(nickColour("ａｌｉｃｅ")).toEqual(nickColour("alice"));
    expect(nickColour("alice")).not.toEqual(nickColour("alicf"));
  });

  test("a class of 30 spreads over the colour wheel: few share a hue and a lightness", () => {
    const nicks = [...Array(30)].map((_, i) => `student${i + 1}`);
    const colours = nicks.map(nickColour);
    for (const c of colours) {
      expect(c.hue).toBeGreaterThanOrEqual(0);
      expect(c.hue).toBeLessThan(360);
      expect([0, 1, 2]).toContain(c.band);
    }
    // Alike: the same lightness step and hues within 10 degrees.
    let alike = 0;
    for (let i = 0; i < colours.length; i++) {
      for (let j = i + 1; j < colours.length; j++) {
        const [a, b] = [colours[i]!, colours[j]!];
        const apart = Math.min(Math.abs(a.hue - b.hue), 360 - Math.abs(a.hue - b.hue));
        if (a.band === b.band && apart < 10) alike++;
      }
    }
    // 435 pairs; at random about 435 × (1/3) × (19/360) ≈ 8 would be alike.
    expect(alike).toBeLessThanOrEqual(12);
    expect(new Set(colours.map((c) => Math.floor(c.hue / 30))).size).toBeGreaterThanOrEqual(10);
  });
});
