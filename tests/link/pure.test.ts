/**
 * The link's pure parts, without Redis: the format between hubs and how it is
 * checked, the outbox and inbox numbering, and the copy of the other hubs' members.
 */
import { describe, expect, test } from "bun:test";
import { MESSAGES } from "../../src/i18n.ts";
import { MAX_ROSTER_HELD, Roster } from "../../src/link/roster.ts";
import { Inbox, MAX_FOLLOWED, Outbox, Positions } from "../../src/link/sequence.ts";
import {
  decodeEntry,
  encodeMessages,
  entryFields,
  MAX_ENTRY_CHARS,
  MAX_TEXT_CHARS,
  newHubId,
  ROSTER_PART,
  rosterMessages,
  type LinkMessage,
} from "../../src/link/wire.ts";

const HUB = "0123456789abcdef";

function entry(messages: unknown, overrides: Record<string, string> = {}): string[] {
  const fields: Record<string, string> = {
    v: "1",
    hub: HUB,
    seq: "7",
    msgs: typeof messages === "string" ? messages : JSON.stringify(messages),
    ...overrides,
  };
  return Object.entries(fields).flat();
}

describe("the format between hubs", () => {
  test("reads back every kind of message a hub sends", () => {
    const messages: LinkMessage[] = [
      { k: "line", text: "<alice> 你好 👋" },
      { k: "private", hub: HUB, member: "1/3", text: "*alice* psst" },
      { k: "joined", nick: "bob" },
      { k: "left", nick: "bob", reason: "gone fishing" },
      { k: "renamed", from: "guest1", to: "Zoë" },
      { k: "summary", joined: 3, left: 1, seconds: 10 },
      { k: "member", id: "1/3", nick: "张三" },
      { k: "gone", id: "1/3" },
      { k: "roster", members: [["1/3", "alice"]], more: false },
    ];
    const decoded = decodeEntry(entryFields(HUB, 42, encodeMessages(messages)));
    expect(decoded).toEqual({ ok: true, batch: { hub: HUB, seq: 42, messages }, dropped: [] });
  });

  test("cleans texts as if a client had sent them: no terminal controls arrive", () => {
    const decoded = decodeEntry(entry([{ k: "line", text: "<eve> \x1b]0;pwned\x07 \u202Eevil\nsecond" }]));
    expect(decoded.ok && decoded.batch.messages[0]).toEqual({
      k: "line",
      text: "<eve> \ufffd]0;pwned\ufffd \ufffdevil\ufffdsecond",
    });
  });

  test.each([
    ["no version", entry([], { v: "" })],
    ["another version", entry([], { v: "2" })],
    ["a bad hub id", entry([], { hub: "HUB!" })],
    ["a batch number that is not one", entry([], { seq: "-1" })],
    ["a batch number past 2^53", entry([], { seq: "9999999999999999" })],
    ["messages that are not JSON", entry("[{")],
    ["messages that are not a list", entry({ k: "line", text: "x" })],
    ["an entry over the bound", entry("x".repeat(MAX_ENTRY_CHARS + 1))],
    ["fields that are not pairs", ["v", "1", "hub"]],
    ["fields that are not text", ["v", 1]],
    ["no fields at all", null],
  ])("refuses an entry with %s, and says why", (_name, fields) => {
    const decoded = decodeEntry(fields);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok)
      for (const t of Object.values(MESSAGES)) expect(t.skipReason(decoded.why).length).toBeGreaterThan(0);
  });

  test.each([
    ["an unknown kind", { k: "shutdown" }],
    ["no kind at all", "just text"],
    ["a text that is not text", { k: "line", text: 42 }],
    ["a text over the bound", { k: "line", text: "x".repeat(MAX_TEXT_CHARS + 1) }],
    ["an empty nick (a member not welcomed yet)", { k: "joined", nick: "" }],
    ["a nick this kit would refuse", { k: "joined", nick: "bad nick" }],
    ["a nick with escapes", { k: "member", id: "1/1", nick: "\x1b[2J" }],
    ["a summary with a count that is not one", { k: "summary", joined: -1, left: 0, seconds: 10 }],
    ["a member id with spaces", { k: "gone", id: "1 2" }],
    ["a private line for a bad hub", { k: "private", hub: "x", member: "1/1", text: "hi" }],
    ["a roster with a bad pair", { k: "roster", members: [["1/1"]], more: false }],
    [
      "a roster part over the bound",
      { k: "roster", members: Array.from({ length: ROSTER_PART + 1 }, (_, i) => [`${i}`, "a"]), more: false },
    ],
  ])("drops a message with %s alone, and delivers the rest of its batch", (_name, message) => {
    const good = [
      { k: "line", text: "<alice> before" },
      { k: "line", text: "<alice> after" },
    ];
    const decoded = decodeEntry(entry([good[0], message, good[1]]));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.batch.seq).toBe(7);
    expect(decoded.batch.messages).toEqual(good as never);
    expect(decoded.dropped).toHaveLength(1);
    expect(decoded.dropped[0]!.length).toBeLessThanOrEqual(60);
  });

  test("cuts a big roster into parts, the last one saying no more follow", () => {
    const members = Array.from({ length: ROSTER_PART * 2 + 1 }, (_, i) => ({ id: `1/${i}`, nick: `n${i}` }));
    const parts = rosterMessages(members);
    expect(parts.map((p) => p.k === "roster" && [p.members.length, p.more])).toEqual([
      [ROSTER_PART, true],
      [ROSTER_PART, true],
      [1, false],
    ]);
    expect(rosterMessages([])).toEqual([{ k: "roster", members: [], more: false }]);
  });

  test("hub ids are 16 hex digits, new each time", () => {
    const a = newHubId();
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(newHubId()).not.toBe(a);
  });
});

describe("the outbox", () => {
  const options = { maxChars: 100, windowMs: 1000, maxInFlightChars: 30 };

  test("numbers batches and sends them in order, within the in-flight bound", () => {
    const out = new Outbox(options);
    for (let i = 0; i < 4; i++) out.add("x".repeat(10), 1, 0);
    const first = out.takeUnsent();
    expect(first.map((b) => b.seq)).toEqual([1, 2, 3]);
    expect(out.takeUnsent()).toEqual([]);
    out.taken(first[0]!);
    expect(out.takeUnsent().map((b) => b.seq)).toEqual([4]);
    expect(out.waiting).toBe(3);
  });

  test("after a reconnect sends again what Redis had not taken, and the window it had", () => {
    const out = new Outbox(options);
    for (let i = 0; i < 3; i++) out.add("x", 1, 0);
    const sent = out.takeUnsent();
    out.taken(sent[0]!);
    out.rewind();
    expect(out.takeUnsent().map((b) => b.seq)).toEqual([1, 2, 3]);
  });

  test("forgets what Redis took once it is older than the window", () => {
    const out = new Outbox(options);
    out.add("x", 1, 0);
    out.add("y", 1, 900);
    for (const b of out.takeUnsent()) out.taken(b);
    out.prune(1500);
    out.rewind();
    expect(out.takeUnsent().map((b) => b.seq)).toEqual([2]);
  });

  test("past its bound lets the oldest unsent batches go, and counts their lines", () => {
    const out = new Outbox({ ...options, maxInFlightChars: 20 });
    out.add("a".repeat(20), 3, 0);
    const inFlight = out.takeUnsent(); // batch 1 is in the socket: it is never let go
    for (let i = 0; i < 6; i++) out.add("b".repeat(20), 2, 0);
    expect(out.heldChars).toBeLessThanOrEqual(100);
    expect(out.takeDropped()).toEqual({ lines: 4, batches: 2 });
    expect(out.takeDropped()).toEqual({ lines: 0, batches: 0 });
    out.taken(inFlight[0]!);
    expect(out.takeUnsent().map((b) => b.seq)).toEqual([4]);
  });

  test("keeps its order through thousands of batches, the window forgotten a piece at a time", () => {
    const out = new Outbox({ maxChars: 1e9, windowMs: 1000, maxInFlightChars: 1e9 });
    for (let i = 0; i < 3000; i++) out.add("x", 1, i); // made at 0 ms, 1 ms, ... 2999 ms
    for (const b of out.takeUnsent()) out.taken(b);
    out.prune(3500); // the window keeps those made after 2500 ms
    out.add("y", 1, 3500);
    expect(out.takeUnsent().map((b) => b.seq)).toEqual([3001]);
    expect(out.waiting).toBe(1);
    out.rewind();
    const again = out.takeUnsent().map((b) => b.seq);
    expect(again[0]).toBe(2502);
    expect(again.at(-1)).toBe(3001);
    expect(again).toHaveLength(500);
    expect(out.waiting).toBe(500);
  });

  test("says whether a batch is on its way to Redis, so that the next one waits and grows", () => {
    const out = new Outbox(options);
    expect(out.sending).toBe(false);
    out.add("x", 1, 0);
    expect(out.sending).toBe(false); // made, not sent
    const [b] = out.takeUnsent();
    expect(out.sending).toBe(true);
    out.taken(b!);
    expect(out.sending).toBe(false);
    out.add("y", 1, 0);
    out.takeUnsent();
    out.rewind(); // the connection broke: nothing is on its way any more
    expect(out.sending).toBe(false);
  });

  test("letting go of a batch Redis took once is no loss", () => {
    const out = new Outbox({ maxChars: 25, windowMs: 60_000, maxInFlightChars: 100 });
    out.add("a".repeat(20), 5, 0);
    out.taken(out.takeUnsent()[0]!);
    out.add("b".repeat(20), 1, 0);
    expect(out.takeDropped()).toEqual({ lines: 0, batches: 0 });
  });
});

describe("the inbox", () => {
  test("takes each batch of a hub once, and counts the batches that never came", () => {
    const inbox = new Inbox();
    expect(inbox.accept("a", 5)).toEqual({ fresh: true, missing: 0 }); // first heard: it was there before us
    expect(inbox.accept("a", 6)).toEqual({ fresh: true, missing: 0 });
    expect(inbox.accept("a", 6)).toEqual({ fresh: false, missing: 0 });
    expect(inbox.accept("a", 3)).toEqual({ fresh: false, missing: 0 });
    expect(inbox.accept("a", 9)).toEqual({ fresh: true, missing: 2 });
    expect(inbox.accept("b", 1)).toEqual({ fresh: true, missing: 0 });
  });
});

describe("the other hubs' streams, and where each was read to", () => {
  test("reads a stream not read before from this hub's start, and each from where it was", () => {
    const p = new Positions();
    p.startFrom("1000-0");
    expect(p.follow("a")).toBe(true);
    expect(p.follow("a")).toBe(false);
    p.follow("b");
    p.read("a", "1005-2");
    expect(p.get()).toEqual({ hubs: ["a", "b"], ids: ["1005-2", "1000-0"] });
  });

  test("a hub gone is read no more, and if it comes back, read on from where it was", () => {
    const p = new Positions("1000-0");
    p.follow("a");
    p.read("a", "1200-0");
    p.unfollow("a");
    p.read("a", "1300-0"); // nothing is read from a stream not followed
    expect(p.get()).toEqual({ hubs: [], ids: [] });
    p.follow("a");
    expect(p.get()).toEqual({ hubs: ["a"], ids: ["1200-0"] });
  });

  test("reads at most MAX_FOLLOWED streams at once, whatever the arrivals say", () => {
    const p = new Positions("0-0");
    for (let i = 0; i < MAX_FOLLOWED + 10; i++) p.follow(`h${i}`);
    expect(p.size).toBe(MAX_FOLLOWED);
    p.unfollow("h0");
    expect(p.follow("h-late")).toBe(true);
  });
});

describe("the roster of the other hubs", () => {
  test("follows arrivals, renames and departures, and finds a nick in any case", () => {
    const r = new Roster();
    r.set("h1", "1", "alice");
    r.set("h2", "1", "bob");
    expect(r.find("ALICE")).toEqual({ hub: "h1", id: "1", nick: "alice" });
    expect(r.set("h1", "1", "Alicia")).toBe("alice");
    expect(r.find("alice")).toBeUndefined();
    expect(r.nicks()).toEqual(["Alicia", "bob"]);
    expect(r.remove("h2", "1")).toBe("bob");
    expect(r.hubIds()).toEqual(["h1"]);
    expect(r.dropHub("h1")).toEqual(["Alicia"]);
    expect(r.size).toBe(0);
  });

  test("a whole roster replaces a hub's members and says who came and went unannounced", () => {
    const r = new Roster();
    r.set("h1", "1", "alice");
    r.set("h1", "2", "bob");
    expect(r.rosterPart("h1", [["2", "robert"]], true)).toBeUndefined();
    const change = r.rosterPart("h1", [["3", "carol"]], false);
    expect(change).toEqual({ joined: ["carol"], left: ["alice"] });
    expect(r.nicks().sort()).toEqual(["carol", "robert"]);
  });

  test("holds at most 65,536 members in parts; past it, that roster is let go up to its last part, and the hub's members stay as they were", () => {
    const r = new Roster();
    r.set("h1", "0", "alice");
    const part = (from: number) =>
      Array.from({ length: 2048 }, (_, i): [string, string] => [`${from + i}`, `g${from + i}`]);
    for (let p = 0; p < 32; p++) expect(r.rosterPart("h1", part(p * 2048 + 1), true)).toBeUndefined();
    expect(r.heldInParts).toBe(MAX_ROSTER_HELD);
    expect(r.rosterPart("h1", part(32 * 2048 + 1), true)).toBe("too big");
    expect(r.heldInParts).toBe(0);
    // The rest of that roster is skipped, its last part too: nobody is taken for gone.
    expect(r.rosterPart("h1", part(33 * 2048 + 1), true)).toBeUndefined();
    expect(r.heldInParts).toBe(0);
    expect(r.rosterPart("h1", [], false)).toBeUndefined();
    expect(r.nicks()).toEqual(["alice"]);
    // The next roster is taken again.
    expect(
      r.rosterPart(
        "h1",
        [
          ["0", "alice"],
          ["1", "bob"],
        ],
        false,
      ),
    ).toEqual({ joined: ["bob"], left: [] });
  });

  test("the bound is for all hubs together, and a hub gone lets go of what it held", () => {
    const r = new Roster();
    const big = Array.from({ length: 40_000 }, (_, i): [string, string] => [`${i}`, `g${i}`]);
    expect(r.rosterPart("h1", big, true)).toBeUndefined();
    expect(r.rosterPart("h2", big, true)).toBe("too big");
    r.dropHub("h1");
    expect(r.heldInParts).toBe(0);
    expect(r.rosterPart("h3", big, true)).toBeUndefined();
  });
});
