/**
 * Nicks compared as a person sees them (src/nick.ts): the key, on its own, then
 * over real sockets: a server started as a person starts it, a raw client like
 * `nc`, and two servers linked through a redis-server of the test's own.
 */
import { afterEach, describe, expect, test } from "bun:test";
import fc from "fast-check";
import CONFUSABLES from "unhomoglyph/data.json";
import { MESSAGES } from "../src/i18n.ts";
import { checkNick, format, nickKey } from "../src/protocol.ts";
import { joinRoom, startChatServer, type ChatClient, type Program } from "../tools/harness/index.ts";
import { noRedis, startRedis, type TestRedis } from "./helpers/redis.ts";

const sameKey = (a: string, b: string) => expect({ a, key: nickKey(a) }).toEqual({ a, key: nickKey(b) });

describe("nickKey: when two nicks are one person's", () => {
  test.each(["ALICE", "Alice", "ａlice", "ＡＬＩＣＥ", "alıce", "ᴀlice", "aIice", "𝐚𝐥𝐢𝐜𝐞"])("%s is alice", (nick) => {
    sameKey(nick, "alice");
  });

  test.each([
    ["аре", "ape"], // all Cyrillic
    ["АРЕ", "ape"],
    ["ΒΕΝ", "ben"], // all Greek, in capitals
    ["ΤΙΜ", "tim"],
    ["һех", "hex"],
    ["с00l", "cool"],
    ["Ivan", "lvan"], // a capital I is an l in many fonts
    ["mary", "rnary"],
    ["ʙᴇᴛʜ", "beth"], // small capitals
    ["ᴊᴀᴋᴇ", "jake"],
  ])("%s is %s (a whole-script or look-alike pair)", (nick, other) => {
    sameKey(nick, other);
  });

  test.each([
    ["straße", "STRASSE"],
    ["STRAẞE", "strasse"],
    ["ǅemal", "ǆemal"], // a title-case digraph
    ["Ǆemal", "ǆemal"],
    ["ΟΔΥΣΣΕΥΣ", "οδυσσευς"], // a final sigma
    ["οδυσσευσ", "οδυσσευς"],
    ["ſam", "sam"], // a long s
    ["\u212Aim", "kim"], // the Kelvin sign
    ["İlker", "i̇lker"],
    ["ꭺꮒ", "ᎪᏂ"], // Cherokee folds to its capitals
  ])("%s is %s: full case folding, which toLowerCase is not", (nick, other) => {
    sameKey(nick, other);
  });

  test("toLowerCase alone would tell those apart", () => {
    expect("straße".toLowerCase()).not.toBe("STRASSE".toLowerCase());
    expect("οδυσσευσ".toLowerCase()).not.toBe("οδυσσευς".toLowerCase());
  });

  test.each([
    ["alice", "alicia"],
    ["bob", "bob2"],
    ["zoe", "zoë"],
    ["anna", "anne"],
    ["kim", "kin"],
    ["张三", "张二"],
    ["张三", "老李abc"],
    ["老李abc", "老李abd"],
    ["山田たろう", "山田たろ"],
  ])("%s and %s stay two nicks", (a, b) => {
    expect(nickKey(a)).not.toBe(nickKey(b));
  });

  test("张三 and 老李abc are accepted, and shown as typed; so is ａlice (only the key changes)", () => {
    for (const nick of ["张三", "老李abc", "ａlice", "ALICE", "Zoë"])
      expect(checkNick(nick)).toEqual({ ok: true, nick });
  });

  test("a guest nick is its own key (the hub numbers guests by key)", () => {
    for (let n = 1; n <= 1000; n++) expect(nickKey(`guest${n}`)).toBe(`guest${n}`);
  });

  test("every Cyrillic, Greek, Armenian and Cherokee letter Unicode's data says looks Latin has that look's key, or its capital's", () => {
    const data = CONFUSABLES as Record<string, string>;
    const letters = Object.entries(data).filter(
      ([from, to]) =>
        /^[\p{sc=Cyrl}\p{sc=Grek}\p{sc=Armn}\p{sc=Cher}]$/u.test(from) &&
        from.normalize("NFKC") === from && // a compatibility form counts as what it stands for
        /^[a-zA-Z]+$/.test(to),
    );
    expect(letters.length).toBeGreaterThan(100);
    for (const [from, to] of letters) {
      const capital = from.toUpperCase();
      const looks = [nickKey(to), nickKey(data[capital] ?? capital)];
      expect({ from, looks }).toEqual({ from, looks: expect.arrayContaining([nickKey(from)]) });
    }
  });

  test("a key is its own key, and case never counts, whatever the nick", () => {
    const chars = fc.constantFrom(
      ..."aAbBiIlL1oO0mMnrsSßẞσςΣ_-ａＡᴀᴇʙıİǅǄаАеЕрΡΒβνΝ张三老李たロ김ꭺᎪ\u0301\u0307\u3164\uFE0F",
    );
    fc.assert(
      fc.property(fc.array(chars, { minLength: 1, maxLength: 16 }), (parts) => {
        const nick = parts.join("");
        const key = nickKey(nick);
        expect(nickKey(key)).toBe(key);
        expect(nickKey(nick.toUpperCase())).toBe(key);
        expect(nickKey(nick.toLowerCase())).toBe(key);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("checkNick: what a nick may be", () => {
  test.each(["alice\u3164", "\u3164", "\u115Fbob", "bob\uFE0F", "bob\u034F"])(
    "refuses %j: it has a character that shows nothing",
    (nick) => {
      expect(checkNick(nick)).toEqual({ ok: false, problem: "bad-chars" });
    },
  );

  test("checks the scripts of what a compatibility form stands for: a mathematical Greek Β beside Latin is mixed", () => {
    expect(checkNick("𝚩ob")).toEqual({ ok: false, problem: "mixed-scripts" });
    expect(checkNick("𝐁𝐨𝐛")).toEqual({ ok: true, nick: "𝐁𝐨𝐛" });
  });
});

// ---------------------------------------------------------------------------
// Over real sockets.
// ---------------------------------------------------------------------------

let servers: Program[] = [];
let clients: ChatClient[] = [];
let redis: TestRedis | undefined;

afterEach(async () => {
  for (const c of clients) c.close();
  clients = [];
  await Promise.all(servers.map((s) => s.stop()));
  servers = [];
  await redis?.stop();
  redis = undefined;
});

const taken = (nick: string) => format.error(MESSAGES.en.nickTaken(nick));
const tooLike = (nick: string, like: string) => format.error(MESSAGES.en.nickLookAlike(nick, like));

/** `bun src/server.ts --port 0`, in English, with `args`. */
async function server(args: string[] = []): Promise<Program> {
  const program = await startChatServer(["tcp"], { args: ["--lang", "en", ...args] });
  servers.push(program);
  return program;
}

/** A client like `nc 127.0.0.1 PORT`: connected and welcomed, as a guest. */
async function raw(port: number): Promise<ChatClient> {
  const c = await joinRoom("tcp", port);
  clients.push(c);
  return c;
}

async function member(port: number, nick: string): Promise<ChatClient> {
  const c = await joinRoom("tcp", port, { nick });
  clients.push(c);
  return c;
}

/** Asks for `nick` and returns the line that answered it. */
async function ask(c: ChatClient, nick: string): Promise<string> {
  const from = c.lines.length;
  c.say(`/nick ${nick}`);
  return c.waitFor(new RegExp(`^(!!! .*|\\*\\*\\* .* is now .*)$`), 3000, from);
}

describe("look-alike nicks over TCP, on one server", () => {
  test("alice is in the room: ａlice, alıce, ᴀlice and ALICE are refused; 张三 and 老李abc are not", async () => {
    const { port } = await server();
    const alice = await member(port, "alice");
    const other = await raw(port);
    for (const nick of ["ａlice", "alıce", "ᴀlice"]) expect(await ask(other, nick)).toBe(tooLike(nick, "alice"));
    expect(await ask(other, "ALICE")).toBe(taken("ALICE")); // only case differs: plainly taken
    expect(await ask(other, "张三")).toEndWith(" is now 张三");
    expect(await ask(other, "老李abc")).toEndWith("张三 is now 老李abc");
    other.say("/who");
    expect(await other.waitFor("*** in the room")).toBe("*** in the room (2): alice, 老李abc");
    expect(alice.matching(/ is now (ａlice|alıce|ᴀlice|ALICE)$/)).toEqual([]);
  });

  test("a member who looks like a future guest's nick is never given it", async () => {
    const { port } = await server();
    const first = await raw(port); // guest1
    expect(await ask(first, "guestlo")).toEndWith(" is now guestlo"); // looks like guest10
    const guests: ChatClient[] = [];
    for (let i = 0; i < 9; i++) guests.push(await raw(port)); // guest2 .. guest9, then guest11
    first.say("/who");
    const who = await first.waitFor("*** in the room");
    expect(who).not.toContain("guest10");
    expect(who).toContain("guest11");
  });
});

describe.skipIf(noRedis)("look-alike nicks across two servers linked through Redis", () => {
  test("Alice on one server: the other refuses ａlice, alıce, ᴀlice and ALICE, and frees them when she leaves", async () => {
    redis = await startRedis();
    const [a, b] = await Promise.all([server(["--redis", redis.url]), server(["--redis", redis.url])]);
    const other = await raw(b!.port);
    const alice = await member(a!.port, "Alice");
    await other.waitFor("*** Alice joined", 5000);

    for (const nick of ["ａlice", "alıce", "ᴀlice", "ALICE", "alice"]) expect(await ask(other, nick)).toBe(taken(nick));
    expect(await ask(other, "老李abc")).toEndWith(" is now 老李abc");

    // The claim in Redis is under the look-alike key; the nick is kept as she typed it.
    const claims = (await redis.command("HGETALL", ["chat:nicks"])) as Record<string, string>;
    expect(claims[nickKey("ａlice")]).toEndWith(" Alice");
    expect(Object.keys(claims).sort()).toEqual([nickKey("Alice"), nickKey("老李abc")].sort());

    alice.close();
    await other.waitFor("*** Alice left", 5000);
    expect(await ask(other, "ａlice")).toBe("*** 老李abc is now ａlice");
  }, 30_000);
});
