/**
 * The hub's flood control, on a fake clock: a burst, then a rate; lines over it
 * wait their turn; past the waiting room's size they are refused, and said so.
 */
import { describe, expect, test } from "bun:test";
import { Hub } from "../../src/hub.ts";
import { FakeClock, FakePeer, line } from "./fakes.ts";

describe("Hub flood control", () => {
  function flood() {
    const clock = new FakeClock();
    const logs: string[] = [];
    const hub = new Hub({ floodBurst: 3, floodRate: 2, floodQueue: 5, clock, log: (l) => logs.push(l) });
    const a = new FakePeer();
    const b = new FakePeer();
    hub.join(a, "a");
    hub.join(b, "b");
    const chat = () => b.got.filter((l) => l.startsWith("<a>"));
    return { clock, hub, a, b, chat, logs };
  }

  test("lets a burst through at once", () => {
    const { hub, a, chat } = flood();
    for (let i = 1; i <= 3; i++) hub.receive(a, line(`m${i}`));
    expect(chat()).toEqual(["<a> m1", "<a> m2", "<a> m3"]);
  });

  test("delays lines past the burst, tells the sender once and the rate, and delivers them in order", () => {
    const { clock, hub, a, chat } = flood();
    for (let i = 1; i <= 6; i++) hub.receive(a, line(`m${i}`));
    expect(chat().length).toBe(3);
    expect(a.got.filter((l) => l.includes("too fast"))).toEqual([
      "*** you are sending too fast: your lines are delayed, 2 a second get through",
    ]);
    clock.advance(500);
    expect(chat().length).toBe(4);
    clock.advance(1000);
    expect(chat()).toEqual(["<a> m1", "<a> m2", "<a> m3", "<a> m4", "<a> m5", "<a> m6"]);
  });

  test("says at the first refused line that lines are now dropped, naming the last that will be sent and when", () => {
    const { clock, hub, a, chat } = flood();
    for (let i = 1; i <= 10; i++) hub.receive(a, line(`m${i}`));
    // 3 at once, 5 delayed (m4..m8), then m9 refused: told once, at m9, and not again at m10.
    const dropping = a.got.filter((l) => l.startsWith("!!! you are sending too fast"));
    expect(dropping).toEqual([
      '!!! you are sending too fast: 5 lines are waiting (out in about 3s), and until then lines you send are dropped; the last line that will be sent: "m8"',
    ]);
    // About 3 s it says (5 lines at 2 a second, rounded up), and the last of them is out in 2.5 s.
    clock.advance(2499);
    expect(chat().at(-1)).toBe("<a> m7");
    clock.advance(1);
    expect(chat().at(-1)).toBe("<a> m8");
  });

  test("quotes a long last line cut short, and cleaned of controls", () => {
    const { hub, a } = flood();
    for (let i = 1; i <= 7; i++) hub.receive(a, line(`m${i}`));
    hub.receive(a, line("\x1b[2J" + "z".repeat(100)));
    hub.receive(a, line("refused"));
    const dropping = a.got.find((l) => l.startsWith("!!! you are sending too fast"))!;
    expect(dropping).toEndWith(`the last line that will be sent: "\ufffd[2J${"z".repeat(35)}…"`);
  });

  test("refuses lines past the delay queue and says how many, once per flood episode, never silently", () => {
    const { clock, hub, a, chat } = flood();
    const summaries = () => a.got.filter((l) => l.startsWith("!!! you were sending too fast"));
    for (let i = 1; i <= 10; i++) hub.receive(a, line(`m${i}`));
    // 3 at once, 5 delayed, 2 refused: no count per refused line...
    expect(chat().length).toBe(3);
    expect(summaries()).toEqual([]);
    // ...but one when the episode is over (the delayed lines are out), naming how many.
    clock.advance(3000);
    expect(chat().length).toBe(8);
    expect(summaries()).toEqual(["!!! you were sending too fast: 2 lines were not sent"]);
    // A second episode has its own notices.
    for (let i = 11; i <= 30; i++) hub.receive(a, line(`m${i}`));
    clock.advance(10_000);
    expect(a.got.filter((l) => l.startsWith("!!! you are sending too fast"))).toHaveLength(2);
    expect(summaries()).toHaveLength(2);
    const refused = Number(/^!!! you were sending too fast: (\d+) lines were not sent$/.exec(summaries()[1]!)![1]);
    expect(chat().length + refused).toBe(30 - 2);
  });

  test("a flood that never stops is summed up every 10 s, not once per line", () => {
    const { clock, hub, a, chat } = flood();
    // 60 s of 20 lines a second, against a rate of 2: a refusal almost every time.
    for (let s = 0; s < 60 * 20; s++) {
      hub.receive(a, line(`m${s}`));
      clock.advance(50);
    }
    clock.advance(10_000); // it stops: the delayed lines go out, and the last count comes
    const notices = a.got.filter((l) => l.startsWith("!!! you were sending too fast"));
    expect(notices.length).toBeGreaterThanOrEqual(6);
    expect(notices.length).toBeLessThanOrEqual(8);
    const refused = notices.reduce((n, l) => n + Number(/(\d+) lines were not sent/.exec(l)![1]), 0);
    expect(refused + chat().length).toBe(1200); // each line delivered, or counted
    // One episode: told once that lines are dropped.
    expect(a.got.filter((l) => l.startsWith("!!! you are sending too fast"))).toHaveLength(1);
  });

  test("holds to the end: a leaving member's delayed lines are dropped, not let through at once, and the log counts them", () => {
    const { clock, hub, a, b, chat, logs } = flood();
    for (let i = 1; i <= 8; i++) hub.receive(a, line(`m${i}`));
    clock.advance(500); // one more token: m4 goes
    hub.leave(a, "bye");
    expect(chat()).toEqual(["<a> m1", "<a> m2", "<a> m3", "<a> m4"]);
    expect(b.got.at(-1)).toBe("*** a left (bye)");
    expect(logs.filter((l) => l.includes("dropped"))).toEqual([
      `server: ${a.label} (a) left; 4 lines waiting their turn were dropped`,
    ]);
    clock.advance(10_000); // and nothing comes later either
    expect(chat()).toHaveLength(4);
  });

  test("a member that leaves with nothing waiting leaves no such line in the log", () => {
    const { hub, a, logs } = flood();
    hub.receive(a, line("m1"));
    hub.leave(a, "bye");
    expect(logs.filter((l) => l.includes("dropped"))).toEqual([]);
  });

  test("one flooding member does not delay another", () => {
    const { clock, hub, a, b } = flood();
    const c = new FakePeer();
    hub.join(c, "c");
    for (let i = 1; i <= 8; i++) hub.receive(a, line(`m${i}`));
    hub.receive(b, line("calm"));
    expect(c.got).toContain("<b> calm");
    // a's delayed lines come later, after b's.
    clock.advance(500);
    expect(c.got.indexOf("<a> m4")).toBeGreaterThan(c.got.indexOf("<b> calm"));
  });
});
