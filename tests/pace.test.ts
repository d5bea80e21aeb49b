// The flush's pace (src/pace.ts): at once when quiet, at most one flush a
// PACE_MS when busy (the last less than half a pace ago), at once whatever the
// pace when a turn is full.
import { describe, expect, test } from "bun:test";
import { FlushPacer, paceWait } from "../src/pace.ts";

const endOfTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("the flush's pace", () => {
  test("when quiet, a flush runs at the end of the turn that asked for it", async () => {
    let flushes = 0;
    const pacer = new FlushPacer(() => flushes++, 50);
    pacer.schedule();
    pacer.schedule();
    expect(flushes).toBe(0);
    await endOfTurn();
    expect(flushes).toBe(1);
  });

  test("when busy, the next flush waits until the pace allows, and carries everything asked meanwhile", async () => {
    let flushes = 0;
    const pacer = new FlushPacer(() => flushes++, 400);
    pacer.schedule();
    await endOfTurn();
    for (let i = 0; i < 10; i++) {
      pacer.schedule();
      await endOfTurn();
    }
    expect(flushes).toBe(1);
    await sleep(450);
    expect(flushes).toBe(2);
    await sleep(450);
    expect(flushes).toBe(2);
  });

  test("a full turn flushes at once, whatever the pace, and only once", async () => {
    let flushes = 0;
    const pacer = new FlushPacer(() => flushes++, 400);
    pacer.schedule();
    await endOfTurn();
    pacer.schedule(); // waits for the pace
    pacer.schedule(true); // the turn is full
    await endOfTurn();
    expect(flushes).toBe(2);
    await sleep(450);
    expect(flushes).toBe(2);
  });

  test("after a quiet spell, the first flush is at once again", async () => {
    let flushes = 0;
    const pacer = new FlushPacer(() => flushes++, 20);
    pacer.schedule();
    await endOfTurn();
    await sleep(30);
    pacer.schedule();
    await endOfTurn();
    expect(flushes).toBe(2);
  });

  test("busy means the last flush was less than half a pace ago: then it waits for the rest of the pace", () => {
    expect(paceWait(100, 100.2, 1)).toBeCloseTo(0.8);
    expect(paceWait(100, 100.49, 1)).toBeCloseTo(0.51);
    expect(paceWait(100, 100.5, 1)).toBe(0);
    expect(paceWait(100, 100.9, 1)).toBe(0);
    expect(paceWait(-Infinity, 5, 1)).toBe(0);
  });
});
