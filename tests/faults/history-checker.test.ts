/**
 * The linked soak's checker (tools/soak/history.ts), alone: histories written
 * by hand, no servers. Above all, a member of a killed server whose last line
 * never left it: that loss is announced by `NICK left (their server stopped
 * answering)`, which may come seconds after the talk ended (when Redis lost
 * every heartbeat meanwhile), and it is owed until it comes.
 */
import { describe, expect, test } from "bun:test";
import { History } from "../../tools/soak/history.ts";

const GONE = (nick: string) => `*** ${nick} left (their server stopped answering)`;

/** Server b's member `bu` says lines 0..last; `at` on server a hears them all but those in `unheard`. */
function killedSender(last: number, unheard: number[]): History {
  const h = new History();
  h.joined("at", "tcp", 0, 0);
  h.joined("bu", "udp", 1, 0);
  for (let seq = 0; seq <= last; seq++) {
    const sentAt = 1000 + seq * 200;
    h.sent("bu", seq, sentAt);
    if (!unheard.includes(seq)) h.heard("at", `<bu> soak bu ${seq}`, sentAt + 5);
  }
  h.ended("bu", 1000 + last * 200 + 1, true); // killed just after its last line
  return h;
}

describe("the linked soak's checker", () => {
  test("a killed server's member's last line, never passed on: owed a notice until it comes, even after the talk ended", () => {
    // As seen once: killed at 13.1 s, Redis restarted empty at 17.2 s, the notice at 23.9 s.
    const h = killedSender(61, [61]);
    expect(h.owedServerLost()).toBe(1);
    expect(h.check()).toMatchObject({ lost: 1, announced: 0, unannounced: 1 });
    h.heard("at", GONE("bu"), 23_900);
    expect(h.owedServerLost()).toBe(0);
    h.ended("at", 18_001, false); // the talk ended before the notice came
    expect(h.check()).toMatchObject({ expected: 62, delivered: 61, lost: 1, announced: 1, unannounced: 0 });
  });

  test("the notice of another member's leaving does not announce this one's loss", () => {
    const h = killedSender(10, [10]);
    h.heard("at", GONE("bt"), 5000);
    expect(h.owedServerLost()).toBe(1);
    expect(h.check().unannounced).toBe(1);
  });

  test("a line lost before others that arrived is not excused by the notice, and none is owed for it", () => {
    const h = killedSender(10, [5]);
    expect(h.owedServerLost()).toBe(0);
    h.heard("at", GONE("bu"), 5000);
    expect(h.check()).toMatchObject({ lost: 1, announced: 0, unannounced: 1 });
  });

  test("nothing is owed when every line arrived, or to members of the killed server itself", () => {
    expect(killedSender(10, []).owedServerLost()).toBe(0);
    const h = killedSender(10, [10]);
    h.joined("bt", "tcp", 1, 0);
    h.ended("bt", 3001, true); // on server b with bu, killed with it: not judged
    expect(h.owedServerLost()).toBe(1); // `at` only
    expect(h.check()).toMatchObject({ judged: 1, unannounced: 1 });
  });
});
