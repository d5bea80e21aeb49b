/** The UDP server's table of strangers, pure: tokens, budgets, and members removed for their silence. */
import { describe, expect, test } from "bun:test";
import { Strangers } from "../src/transports/udp-strangers.ts";

describe("the UDP server's strangers", () => {
  test("a stranger may be sent 3x the bytes it sent, and keeps its token while it is young", () => {
    const s = new Strangers();
    const first = s.heard("a|1", 6, 0);
    expect(first.budget).toBe(18);
    expect(first.token).toMatch(/^[0-9a-f]{8}$/);
    const again = s.heard("a|1", 10, 30_000);
    expect(again.token).toBe(first.token);
    expect(again.budget).toBe(48);
  });

  test("a token expires a minute after it was issued, however often its stranger sends meanwhile", () => {
    const s = new Strangers();
    const first = s.heard("a|1", 6, 0);
    for (let t = 5000; t <= 60_000; t += 5000) expect(s.heard("a|1", 6, t).token).toBe(first.token);
    const later = s.heard("a|1", 6, 60_001);
    expect(later.token).not.toBe(first.token);
    expect(later.budget).toBe(18);
  });

  test("a token's life can be set shorter (for tests)", () => {
    const s = new Strangers(1000);
    const first = s.heard("a|1", 6, 0);
    expect(s.heard("a|1", 6, 1000).token).toBe(first.token);
    expect(s.heard("a|1", 6, 1001).token).not.toBe(first.token);
  });

  test("joins with its token (in either case), not another; a request naming a nick is the nick it asks for", () => {
    const s = new Strangers();
    const stranger = s.heard("a|1", 16, 0);
    expect(s.tryJoin("a|1", stranger, ["alice"], 0)).toBe("none");
    expect(stranger.wantedNick).toBe("alice");
    expect(stranger.wrong).toBe(0); // not a guess
    expect(s.tryJoin("a|1", stranger, [stranger.token.toUpperCase()], 0)).toBe("joined");
    // It is no longer a stranger: the next datagram from it starts afresh.
    expect(s.heard("a|1", 1, 1).token).not.toBe(stranger.token);
  });

  test("a wrong guess is 8 hex digits that are not the token: counted, never a nick; the third voids the token", () => {
    const s = new Strangers();
    const stranger = s.heard("a|1", 16, 0);
    const token = stranger.token;
    const wrong = token === "deadbeef" ? "cafebabe" : "deadbeef";
    expect(s.tryJoin("a|1", stranger, [wrong], 0)).toBe("wrong");
    expect(s.tryJoin("a|1", stranger, [wrong], 0)).toBe("wrong");
    expect(stranger.wantedNick).toBeUndefined();
    expect(stranger.token).toBe(token);
    expect(s.tryJoin("a|1", stranger, [wrong], 5000)).toBe("wrong");
    expect(stranger.token).not.toBe(token);
    expect(stranger.issuedAt).toBe(5000); // the fresh one lives from now
    expect(s.tryJoin("a|1", stranger, [token], 5000)).toBe("wrong"); // the old one is void
    expect(s.tryJoin("a|1", stranger, [stranger.token], 5000)).toBe("joined");
  });

  test("a datagram of several /join lines is one wrong guess, even with the token among them", () => {
    const s = new Strangers();
    const stranger = s.heard("a|1", 64, 0);
    expect(s.tryJoin("a|1", stranger, ["00000000", stranger.token], 0)).toBe("wrong");
    expect(s.tryJoin("a|1", stranger, [stranger.token, stranger.token], 0)).toBe("wrong");
    expect(stranger.wrong).toBe(2);
  });

  test("a member removed for its silence is remembered ten minutes, and told once", () => {
    const s = new Strangers();
    s.removedMember("a|1", "120", 0);
    expect(s.takeRemoved("a|1", 1000)).toBe("120");
    expect(s.takeRemoved("a|1", 1000)).toBeUndefined();
    s.removedMember("b|2", "120", 0);
    expect(s.takeRemoved("b|2", 10 * 60_000 + 1)).toBeUndefined();
  });

  test("remembers at most 4,096 strangers, forgetting the oldest first", () => {
    const s = new Strangers();
    const oldest = s.heard("0|0", 1, 0).token;
    for (let i = 1; i <= 4096; i++) s.heard(`${i}|${i}`, 1, 0);
    expect(s.heard("0|0", 1, 0).token).not.toBe(oldest);
  });
});
