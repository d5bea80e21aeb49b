/**
 * A sequence as plain data that crosses a process boundary (the class
 * grader's workers send one per failing check) and is kept small: bytes as
 * base64, a long write kept by its two ends, and a long conversation by its
 * start, the flows around its divergence and its end, with the number left out
 * where they were.
 */
import type { Flow, Sequence } from "./model.ts";

export type FlowRecord = Omit<Flow, "bytes"> & { bytes?: string };
export type SequenceRecord = Omit<Sequence, "flows"> & { flows: FlowRecord[] };

export type Keep = {
  /** Flows kept at most (default 240): the first 40, 20 each side of the divergence, the rest from the end. */
  flows?: number;
  /** Bytes kept of one flow at most (default 600): two thirds from its start, a third from its end. */
  bytes?: number;
};

const base64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
const unbase64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"));

/** `seq` as a record, no bigger than `keep` says. */
export function toRecord(seq: Sequence, keep: Keep = {}): SequenceRecord {
  const most = keep.flows ?? 240;
  const cap = keep.bytes ?? 600;
  const kept = new Set<number>();
  const n = seq.flows.length;
  if (n <= most) for (let i = 0; i < n; i++) kept.add(i);
  else {
    for (let i = 0; i < 40; i++) kept.add(i);
    const d = seq.divergence?.flow;
    if (d !== undefined) for (let i = Math.max(0, d - 20); i <= Math.min(n - 1, d + 20); i++) kept.add(i);
    for (let i = n - 1; kept.size < most; i--) kept.add(i);
  }
  const flows: FlowRecord[] = [];
  let divergence = seq.divergence && { ...seq.divergence };
  let leftOut = 0;
  seq.flows.forEach((f, i) => {
    if (!kept.has(i)) return void (leftOut += f.leftOut ?? 1);
    if (leftOut > 0) flows.push({ at: f.at, kind: "note", from: f.from, leftOut });
    leftOut = 0;
    if (seq.divergence?.flow === i) divergence = { ...seq.divergence, flow: flows.length };
    const { bytes, ...rest } = f;
    if (!bytes) return void flows.push(rest);
    if (bytes.length <= cap || f.cut) return void flows.push({ ...rest, bytes: base64(bytes) });
    const head = Math.ceil((cap * 2) / 3);
    const ends = Buffer.concat([bytes.subarray(0, head), bytes.subarray(bytes.length - (cap - head))]);
    flows.push({ ...rest, bytes: base64(ends), cut: { size: bytes.length, head } });
  });
  if (leftOut > 0) flows.push({ at: seq.flows.at(-1)!.at, kind: "note", from: seq.flows.at(-1)!.from, leftOut });
  return { ...seq, flows, divergence };
}

/** The sequence a record holds. */
export function fromRecord(r: SequenceRecord): Sequence {
  return {
    ...r,
    flows: r.flows.map(({ bytes, ...f }) => (bytes === undefined ? f : { ...f, bytes: unbase64(bytes) })),
  };
}
