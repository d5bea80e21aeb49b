/**
 * A hub's nick claims on their own: a room that answers at once, or later, or
 * says no; members as plain records.
 */
import { describe, expect, test } from "bun:test";
import { MESSAGES } from "../../src/i18n.ts";
import type { Member } from "../../src/hub/member.ts";
import { NickClaims } from "../../src/hub/nick-claims.ts";
import { localRoom, type Room } from "../../src/room.ts";
import { nickKey } from "../../src/nick.ts";
import { FakePeer } from "./fakes.ts";

function claims(room: Room = localRoom({ deliver() {} })) {
  const present = new Set<Member>();
  const told: string[] = [];
  const renamed: string[] = [];
  const settled: string[] = [];
  const c = new NickClaims({
    messages: MESSAGES.en,
    room: () => room,
    present: (m) => present.has(m),
    settled: (m) => settled.push(m.id),
    tell: (_m, text) => told.push(text),
    renamed: (m, from) => renamed.push(`${from} -> ${m.nick}`),
  });
  let n = 0;
  const member = (): Member => {
    const m: Member = {
      ...{ id: `1/${++n}`, peer: new FakePeer(), nick: "", announced: true },
      ...{ joinTimer: undefined, claiming: undefined, awaitingNick: [], lostNick: undefined },
      flood: undefined as never, // the claims never touch it
    };
    present.add(m);
    return m;
  };
  return { c, member, present, told, renamed, settled };
}

describe("a hub's nick claims", () => {
  test("guests get distinct nicks, and a nick is held in any case", () => {
    const { c, member } = claims();
    const [a, b] = [member(), member()];
    c.takeGuest(a, () => {});
    c.takeGuest(b, () => {});
    expect([a.nick, b.nick]).toEqual(["guest1", "guest2"]);
    c.rename(a, "Alice");
    expect(c.holder("ALICE")).toBe(a);
    expect(c.holder("guest1")).toBeUndefined(); // its old nick is free
  });

  test("refuses a nick another member holds, and one the rules refuse, each with its reason", () => {
    const { c, member, told, renamed } = claims();
    const [a, b] = [member(), member()];
    c.rename(a, "alice");
    c.rename(b, "ALICE");
    c.rename(b, "аlice"); // a Cyrillic а
    expect(told).toEqual([
      "!!! the nickname ALICE is taken",
      expect.stringMatching(/^!!! a nickname is written in one script .*: аlice$/),
    ]);
    expect(renamed).toEqual([" -> alice"]);
  });

  test("a claim the room answers later reserves the nick meanwhile, and settles the member after", () => {
    let answer: ((ok: boolean) => void) | undefined;
    const room = {
      ...localRoom({ deliver() {} }),
      claim: (_m: unknown, _n: string, done: (ok: boolean) => void) => (answer = done),
    };
    const { c, member, settled, told } = claims(room);
    const [a, b] = [member(), member()];
    c.rename(a, "alice");
    expect(a.claiming).toBe(nickKey("alice")); // reserved by its key: what the nick looks like
    c.rename(b, "alice"); // reserved for a: refused here at once
    expect(told).toEqual(["!!! the nickname alice is taken"]);
    answer!(true);
    expect(a.nick).toBe("alice");
    expect(a.claiming).toBeUndefined();
    expect(settled).toEqual([a.id]);
  });

  test("a member gone before the answer: a late grant is let go in the room, and nothing is settled", () => {
    let answer: ((ok: boolean) => void) | undefined;
    const released: string[] = [];
    const room = {
      ...localRoom({ deliver() {} }),
      claim: (_m: unknown, _n: string, done: (ok: boolean) => void) => (answer = done),
      release: (m: { nick: string }) => released.push(m.nick),
    };
    const { c, member, present, settled } = claims(room);
    const a = member();
    c.rename(a, "alice");
    c.unclaim(a);
    present.delete(a);
    c.forget(a);
    expect(c.holder("alice")).toBeUndefined();
    answer!(true);
    expect(released).toEqual(["alice"]);
    expect(settled).toEqual([]);
  });

  test("takes the next guest nick, in a loop, when the room turns many away at once", () => {
    let refusals = 5000;
    const room = {
      ...localRoom({ deliver() {} }),
      claim: (_m: unknown, _n: string, done: (ok: boolean) => void) => done(refusals-- <= 0),
    };
    const { c, member } = claims(room);
    const a = member();
    let welcomed = false;
    c.takeGuest(a, () => (welcomed = true));
    expect(welcomed).toBe(true);
    expect(a.nick).toBe("guest5001");
  });
});
