/** The big-room summariser on its own, on a fake clock. */
import { describe, expect, test } from "bun:test";
import { Summariser } from "../../src/hub/summary.ts";
import type { Notice } from "../../src/notices.ts";
import { FakeClock } from "./fakes.ts";

function summariser() {
  const clock = new FakeClock();
  const published: Notice[] = [];
  const s = new Summariser(3, 10_000, clock, (n) => published.push(n));
  return { s, clock, published };
}

describe("the big-room summariser", () => {
  test("sums up a room past its size only", () => {
    const { s } = summariser();
    expect(s.covers(3)).toBe(false);
    expect(s.covers(4)).toBe(true);
  });

  test("one notice per interval, with the joins and leaves counted in it", () => {
    const { s, clock, published } = summariser();
    s.count("joined");
    s.count("joined");
    s.count("left");
    clock.advance(9_999);
    expect(published).toEqual([]);
    clock.advance(1);
    expect(published).toEqual([{ kind: "summary", joined: 2, left: 1, seconds: 10 }]);
    clock.advance(60_000);
    expect(published).toHaveLength(1); // nothing counted: nothing said
  });

  test("stopping drops the summary that was due", () => {
    const { s, clock, published } = summariser();
    s.count("left");
    s.stop();
    clock.advance(20_000);
    expect(published).toEqual([]);
  });
});
