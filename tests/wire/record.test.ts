/**
 * A sequence as a small record that crosses a process boundary (JSON): the
 * same drawing back, a long write kept by its ends with its size, and a long
 * conversation by its start, its divergence and its end.
 */
import { describe, expect, test } from "bun:test";
import { drawSequence } from "../../tools/wire/diagram.ts";
import { timelineText } from "../../tools/wire/figure.ts";
import { render } from "../../tools/wire/markup.ts";
import type { Flow } from "../../tools/wire/model.ts";
import { fromRecord, toRecord } from "../../tools/wire/record.ts";
import { hubSequence } from "./fixtures.ts";

const draw = (seq: Parameters<typeof drawSequence>[0]) =>
  render(drawSequence(seq, { lang: "en", width: 1000, id: "d" }));

describe("a sequence's record", () => {
  test("comes back through JSON as the same drawing", () => {
    const seq = hubSequence("en");
    seq.flows = seq.flows.filter((f) => (f.bytes?.length ?? 0) < 600); // no write long enough to be cut
    const back = fromRecord(JSON.parse(JSON.stringify(toRecord(seq))));
    expect(draw(back)).toBe(draw(seq));
  });

  test("keeps a long write by its two ends, and says its whole size", () => {
    const seq = hubSequence("en");
    const back = fromRecord(JSON.parse(JSON.stringify(toRecord(seq, { bytes: 90 }))));
    const long = back.flows.find((f) => (f.cut?.size ?? 0) > 1000)!;
    expect(long.bytes).toHaveLength(90);
    expect(long.cut).toEqual({ size: 3001, head: 60 });
    expect(timelineText(back, "en")).toContain('"xxxx');
    expect(timelineText(back, "en")).toContain('x\\n" (3001 bytes)');
    expect(draw(back)).toContain("(3001 bytes)");
  });

  test("keeps a long conversation's start, the flows around its divergence and its end, counting the rest", () => {
    const seq = hubSequence("en");
    const reads: Flow[] = Array.from({ length: 1000 }, (_, i) => ({
      at: 7.6 + i / 10_000,
      kind: "read",
      from: "p",
      to: "a",
      bytes: new TextEncoder().encode(`line ${i}\n`),
    }));
    seq.flows = [...seq.flows.slice(0, 6), ...reads, ...seq.flows.slice(6)];
    seq.divergence!.flow = 1006;
    const record = toRecord(seq, { flows: 120 });
    expect(record.flows.filter((f) => f.leftOut === undefined)).toHaveLength(120);
    const left = record.flows.reduce((n, f) => n + (f.leftOut ?? 0), 0);
    expect(left).toBe(seq.flows.length - 120);
    const back = fromRecord(record);
    expect(back.flows[back.divergence!.flow!]!.bytes).toEqual(seq.flows[1006]!.bytes!);
    const svg = draw(back);
    expect(svg).toContain("events left out");
    expect(svg).toContain("&lt;script&gt;"); // the divergence, drawn
    expect(svg).toContain(`${seq.flows.length} events.`); // the description counts them all
  });
});
