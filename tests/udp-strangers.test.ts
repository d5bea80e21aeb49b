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

  test("a token not used for a minute is replaced, and the budget starts again", () => {
    const s = new Strangers();
    const first = s.heard("a|1", 6, 0);
    const later = s.heard("a|1", 6, 60_001);
    expect(later.token).not.toBe(first.token);
    expect(later.budget).toBe(18);
  });

  test("joins with its token, not another; a request naming something else is the nick it asks for", () => {
    const s = new Strangers();
    const stranger = s.heard("a|1", 16, 0);
    expect(s.tryJoin("a|1", stranger, ["alice"])).toBe(false);
    expect(stranger.wantedNick).toBe("alice");
    expect(s.tryJoin("a|1", stranger, [stranger.token])).toBe(true);
    // It is no longer a stranger: the next datagram from it starts afresh.
    expect(s.heard("a|1", 1, 1).token).not.toBe(stranger.token);
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
