/**
 * The generator's receiving side, its hot path: every client's bytes framed into
 * lines without decoding them, each benchmark line's stamp read straight from the
 * bytes, and one count for all receivers: deliveries, duplicates, reorderings and
 * latency. Anything that is not a benchmark line (a welcome, a notice) is rare,
 * and only that is decoded.
 */
import { Histogram } from "./histogram.ts";
import type { LoadConfig } from "./load.ts";
import { readStamp, readStampText, type Stamp } from "./payload.ts";

/** One of the generator's clients, whichever socket is underneath. */
export interface Client {
  id: number;
  /** Sequence numbers seen, per sender: one bit per line. */
  seen: Uint8Array;
  maxSeq: Int32Array;
  /** TCP: the start of a line whose end has not arrived. */
  partial: Uint8Array | undefined;
  greeted: boolean;
  syncs: number;
  closed: boolean;
  /** The lines that were not benchmark lines, while it joins (then undefined: nothing kept). */
  heard?: string[];
  send(bytes: Uint8Array): void;
  sendMany?(lines: Uint8Array[]): void;
  /** Stop reading (the slow client). */
  hold?(): void;
  close(): void;
}

const MAX_NOTICES = 20;

export class Receiver {
  readonly latency = new Histogram();
  /** Latency from the moment a line was actually written: the generator's lateness left out. */
  readonly fromWrite = new Histogram();
  delivered = 0;
  duplicates = 0;
  reordered = 0;
  lastDeliveryUs = 0;
  /** While true, notices are sampled and closed connections counted. */
  measuring = false;
  closedByHub = 0;
  /** Bytes the idle clients received (they count, and frame nothing). */
  idleBytes = 0;
  readonly notices: string[] = [];
  readonly linesPerSender: number;
  private readonly seenStride: number;
  private readonly stamp: Stamp = { sender: 0, seq: 0, timeUs: 0, wroteUs: 0 };
  private readonly decoder = new TextDecoder();

  constructor(private readonly config: LoadConfig) {
    const perSender = Math.ceil((config.rate * config.durationS) / Math.max(1, config.senders)) + 1;
    this.linesPerSender = config.mode === "burst" ? config.linesPerSender : perSender;
    this.seenStride = Math.ceil(this.linesPerSender / 8) + 1;
  }

  newClient(id: number): Client {
    const idle = this.config.mode === "idle";
    return {
      id,
      seen: new Uint8Array(idle ? 0 : this.config.senders * this.seenStride),
      maxSeq: new Int32Array(idle ? 0 : this.config.senders).fill(-1),
      partial: undefined,
      greeted: false,
      syncs: 0,
      closed: false,
      send: () => {},
      close: () => {},
    };
  }

  /** A connection closed: by the hub, when we did not close it first. */
  closed(c: Client): void {
    if (!c.closed && this.measuring) this.closedByHub++;
    c.closed = true;
  }

  /** One line, buf[start, end), arrived at client `c` at time `now` (µs). */
  line(c: Client, buf: Uint8Array, start: number, end: number, now: number): void {
    if (readStamp(buf, start, end, this.stamp)) this.deliver(c, now);
    else this.notice(c, this.decoder.decode(buf.subarray(start, end)).replace(/\r$/, ""));
  }

  /** The same, for a line already decoded (the harness's client decodes every line). */
  textLine(c: Client, line: string, now: number): void {
    if (readStampText(line, this.stamp)) this.deliver(c, now);
    else this.notice(c, line);
  }

  /** A TCP chunk: whole lines, and the start of the next one kept for later. */
  chunk(c: Client, chunk: Uint8Array, now: number): void {
    let pos = 0;
    if (c.partial) {
      const nl = chunk.indexOf(0x0a);
      if (nl < 0) {
        c.partial = concat(c.partial, chunk);
        return;
      }
      const line = concat(c.partial, chunk.subarray(0, nl));
      c.partial = undefined;
      this.line(c, line, 0, line.length, now);
      pos = nl + 1;
    }
    while (pos < chunk.length) {
      const nl = chunk.indexOf(0x0a, pos);
      if (nl < 0) {
        c.partial = chunk.slice(pos);
        return;
      }
      this.line(c, chunk, pos, nl, now);
      pos = nl + 1;
    }
  }

  /** The line in `stamp` arrived at client `c` at time `now` (µs). */
  private deliver(c: Client, now: number): void {
    if (c.id >= this.config.clients) return; // the slow client: what it read before it stopped is not counted
    const { sender, seq, timeUs, wroteUs } = this.stamp;
    if (sender >= this.config.senders || seq >= this.linesPerSender) return;
    const bit = sender * this.seenStride * 8 + seq;
    const byte = bit >>> 3;
    const mask = 1 << (bit & 7);
    if (c.seen[byte]! & mask) {
      this.duplicates++;
      return;
    }
    c.seen[byte]! |= mask;
    if (seq < c.maxSeq[sender]!) this.reordered++;
    else c.maxSeq[sender] = seq;
    this.delivered++;
    this.latency.record(now - timeUs);
    this.fromWrite.record(now - wroteUs);
    this.lastDeliveryUs = now;
  }

  private notice(c: Client, text: string): void {
    c.greeted = true;
    if (text.includes("#sync")) c.syncs++;
    c.heard?.push(text);
    if (this.measuring && this.notices.length < MAX_NOTICES) this.notices.push(text);
  }
}

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
