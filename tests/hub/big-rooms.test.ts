/**
 * The hub in a big room: joins and leaves summed up, /who in pieces within the
 * line limit.
 */
import { describe, expect, test } from "bun:test";
import { localRoom, type RoomMessage } from "../../src/room.ts";
import { line, setup } from "./fakes.ts";

describe("Hub: big rooms", () => {
  function bigRoom() {
    const published: RoomMessage[] = [];
    const { hub, join, clock } = setup({ summarizeAbove: 3, summaryIntervalMs: 10_000 });
    const publish = (m: RoomMessage) => {
      published.push(m);
      hub.deliver(m);
    };
    const local = { ...localRoom(hub), publish };
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
    const { hub, join } = setup({
      lang: "zh",
      maxLineBytes: 100,
      maxClients: 5000,
      maxPerAddress: 5000,
      summarizeAbove: 0,
    });
    const nicks = Array.from({ length: 60 }, (_, i) => `张三${i}`);
    const peers = nicks.map((n) => join(n));
    hub.receive(peers[0]!, line("/who"));
    const lines = peers[0]!.got.filter((l) => l.startsWith("*** 聊天室里有") || l.startsWith("*** （续）"));
    for (const l of lines) expect(new TextEncoder().encode(l).length).toBeLessThanOrEqual(100);
    expect(lines.flatMap((l) => l.replace(/^\*\*\* (聊天室里有 60 人：|（续）)/, "").split("、"))).toEqual(nicks);
  });
});
