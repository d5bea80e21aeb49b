/**
 * One member's flood gate on its own, on a fake clock: no hub, no room. The
 * hub's own flood tests (flood.test.ts) check the same rules through the room.
 */
import { describe, expect, test } from "bun:test";
import { MESSAGES } from "../../src/i18n.ts";
import { FloodGate } from "../../src/hub/flood-gate.ts";
import { FakeClock, line } from "./fakes.ts";
import type { LineFrame } from "../../src/protocol.ts";

function gate(burst = 2, rate = 1, queue = 3) {
  const clock = new FakeClock();
  const passed: string[] = [];
  const told: string[] = [];
  const state = { present: true, claiming: false };
  const g = new FloodGate({ burst, rate, queue }, clock, MESSAGES.en, {
    pass: (frame) => passed.push(frame.text),
    tell: (text) => told.push(text),
    present: () => state.present,
    claiming: () => state.claiming,
  });
  const offer = (...texts: string[]) => texts.forEach((t) => g.offer(line(t) as LineFrame));
  return { g, clock, passed, told, state, offer };
}

describe("a member's flood gate", () => {
  test("lets the burst through, then one line per token, in order", () => {
    const { clock, passed, offer } = gate();
    offer("a", "b", "c", "d");
    expect(passed).toEqual(["a", "b"]);
    clock.advance(1000);
    expect(passed).toEqual(["a", "b", "c"]);
    clock.advance(1000);
    expect(passed).toEqual(["a", "b", "c", "d"]);
  });

  test("with a burst of 0 there is no flood control at all", () => {
    const { passed, told, offer } = gate(0);
    offer(..."abcdefghij");
    expect(passed).toHaveLength(10);
    expect(told).toEqual([]);
  });

  test("refused lines, its own and those counted for it, are summed up once the queue is out", () => {
    const { g, clock, passed, told, offer } = gate(1, 1, 2);
    offer("a", "b", "c", "d"); // a passes, b and c wait, d is refused
    g.refuse(); // one refused elsewhere (a nick claim's waiting room was full)
    expect(told.filter((t) => t.startsWith("!!! you were"))).toEqual([]);
    clock.advance(2000);
    expect(passed).toEqual(["a", "b", "c"]);
    expect(told.filter((t) => t.startsWith("!!! you were"))).toEqual([
      "!!! you were sending too fast: 2 lines were not sent",
    ]);
  });

  test("holds its lines while a nick claim is pending, and goes on when told to resume", () => {
    const { g, clock, passed, state, offer } = gate(1, 1, 5);
    offer("a", "b");
    state.claiming = true;
    clock.advance(5000);
    expect(passed).toEqual(["a"]);
    state.claiming = false;
    g.resume();
    clock.advance(1);
    expect(passed).toEqual(["a", "b"]);
  });

  test("a member that left gets nothing more from its timer; drop lets go of what waits, and says how many", () => {
    const left = gate(1, 1, 5);
    left.offer("a", "b", "c");
    left.state.present = false;
    left.clock.advance(10_000);
    expect(left.passed).toEqual(["a"]);
    const leaving = gate(1, 1, 5);
    leaving.offer("a", "b", "c");
    expect(leaving.g.drop()).toBe(2);
    expect(leaving.clock.timers).toHaveLength(0);
    leaving.clock.advance(10_000);
    expect(leaving.passed).toEqual(["a"]);
  });

  test("passNow lets a line through only when a token allows it and nothing waits before it", () => {
    const { g, clock, passed, offer } = gate(1, 1, 5);
    offer("a");
    expect(g.passNow(line("b") as LineFrame)).toBe(false); // no token left
    clock.advance(1000);
    expect(g.passNow(line("c") as LineFrame)).toBe(true);
    offer("d", "e"); // d waits
    clock.advance(1000); // d goes
    offer("f");
    expect(g.passNow(line("g") as LineFrame)).toBe(false); // f waits before it
    expect(passed).toEqual(["a", "c", "d"]);
  });

  test("stop leaves no timer behind", () => {
    const { g, clock, offer } = gate(1, 1, 5);
    offer("a", "b");
    expect(clock.timers).toHaveLength(1);
    g.stop();
    expect(clock.timers).toHaveLength(0);
  });
});
