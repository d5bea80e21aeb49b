/**
 * The UDP join resists guessing (docs/SECURITY.md: only a real receiver can
 * know the token). A stranger may try one guess per datagram; three wrong
 * guesses void its token (a fresh challenge is due); its token expires a fixed
 * time after it was issued, whatever it sends; a wrong guess never becomes its
 * nick. And a person who mistypes the token once, then types it right, joins.
 *
 * The real server in a child process; the stranger is a raw UDP socket (`nc -u`).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { member, rawClient, startChild, type ChildServer } from "../reliability/child-server.ts";
import { challengeToken, isWelcomeLine, until, type ChatClient } from "../../tools/harness/index.ts";

let server: ChildServer | undefined;
let clients: ChatClient[] = [];
afterEach(async () => {
  for (const c of clients) c.close();
  clients = [];
  await server?.stop();
  server = undefined;
});

/** A server, a member (bob) to hear the room, and a stranger that has asked to join: its token. */
async function stranger(nick = "", env: Record<string, string> = {}) {
  server = await startChild([], 0, env);
  const bob = await member(server, "udp", "bob");
  const s = await rawClient(server, "udp");
  clients.push(bob, s);
  s.say(`/join ${nick}`.padEnd(24, " ")); // pays for the whole sentence
  const token = await until(() => s.lines.map(challengeToken).find(Boolean), 3000, "the challenge");
  return { bob, s, token };
}

/** The next reply to a padded join request, after everything before it: has the server let `s` in? */
async function nextReply(s: ChatClient): Promise<string> {
  const from = s.lines.length;
  s.say("/join".padEnd(24, " "));
  return until(() => s.lines[from], 3000, "an answer to the join request");
}

const welcomed = (s: ChatClient) => s.lines.some(isWelcomeLine);
/** A wrong guess, never the token. */
const wrong = (token: string, i: number) =>
  i.toString(16).repeat(8) === token ? "ffffffff" : i.toString(16).repeat(8);

describe("the UDP join against guessing", () => {
  test("takes at most one guess per datagram: a datagram of many /join lines lets nobody in, even with the token among them", async () => {
    const { s, token } = await stranger();
    s.write(
      [0, 1, 2, 3]
        .map((i) => `/join ${wrong(token, i)}`)
        .concat(`/join ${token}`)
        .join("\n") + "\n",
    );
    const reply = await nextReply(s);
    expect(welcomed(s)).toBe(false);
    expect(challengeToken(reply)).toBeDefined();
  });

  test("voids the token after three wrong guesses; the fresh challenge that follows lets the stranger in", async () => {
    const { bob, s, token } = await stranger();
    const before = s.lines.length;
    for (const i of [0, 1, 2]) s.say(`/join ${wrong(token, i)}`);
    s.say(`/join ${token}`); // right, but too late
    // Each of those is answered with the challenge it pays for: the last ones with the fresh token.
    await until(() => s.lines.length >= before + 4, 3000, "an answer to each guess");
    const reply = await nextReply(s);
    expect(welcomed(s)).toBe(false);
    const fresh = challengeToken(reply);
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(token);
    s.say(`/join ${fresh}`);
    await until(() => welcomed(s), 3000, "the welcome");
    await bob.waitFor(/^\*\*\* guest\d+ joined$/);
  });

  test("never takes a wrong guess for the nick asked for", async () => {
    const { bob, s, token } = await stranger("alice");
    s.say(`/join ${wrong(token, 11)}`); // a wrong guess: it is not a nick request
    s.say(`/join ${token}`);
    await until(() => welcomed(s), 3000, "the welcome");
    await bob.waitFor(/joined$/);
    expect(bob.matching(/joined$/)).toEqual(["*** alice joined"]);
  });

  test("lets in a person who mistypes the token once, then types it right", async () => {
    const { bob, s, token } = await stranger("alice");
    s.say(`/join ${token.slice(0, 7)}x`); // a typo
    s.say(`/join ${token}`);
    await until(() => welcomed(s), 3000, "the welcome");
    await bob.waitFor(/^\*\*\* \S+ joined$/); // under which nick: the test above
  });

  // A token lives 60 s; the server is told a shorter life for this test (CHAT_UDP_TOKEN_LIFE_MS,
  // docs/SECURITY.md "How this is tested"), so that it takes seconds, not a minute.
  test("expires a stranger's token a fixed time after it was issued, whatever the stranger sends meanwhile", async () => {
    const LIFE_MS = 1500;
    const { s, token } = await stranger("", { CHAT_UDP_TOKEN_LIFE_MS: String(LIFE_MS) });
    const issuedAt = performance.now();
    // A datagram every 200 ms: none of them keeps the token alive.
    while (performance.now() - issuedAt < LIFE_MS + 500) {
      s.say("still here".padEnd(24, " "));
      await Bun.sleep(200);
    }
    s.say(`/join ${token}`);
    const reply = await nextReply(s);
    expect(welcomed(s)).toBe(false);
    const fresh = challengeToken(reply);
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(token);
    // The fresh one works.
    s.say(`/join ${fresh}`);
    await until(() => welcomed(s), 3000, "the welcome");
  });

  test("keeps a token its stranger uses within its life", async () => {
    const { s, token } = await stranger("", { CHAT_UDP_TOKEN_LIFE_MS: "5000" });
    s.say("still here".padEnd(24, " "));
    s.say(`/join ${token}`);
    await until(() => welcomed(s), 3000, "the welcome");
  });
});
