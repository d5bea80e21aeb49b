/**
 * The generator's sending side: an open loop. Every line is stamped with the
 * time it was due, not the time it was written, so a generator that falls
 * behind shows up as latency instead of hiding it; how late it wrote each line
 * is recorded apart (`sendLag`).
 */
import type { Histogram } from "./histogram.ts";
import type { Gen } from "./load.ts";
import { LineWriter } from "./payload.ts";
import type { Client } from "./receiver.ts";

/** Rate mode: line n (over all senders) is due at n / rate seconds after the start. */
export async function sendAtRate(g: Gen, clients: Client[], startUs: number, sendLag: Histogram): Promise<number> {
  const { config, nowUs } = g;
  const S = config.senders;
  const total = Math.floor(config.rate * config.durationS);
  const writers = clients.slice(0, S).map((c) => new LineWriter(config.size, c.id));
  const lineBytes = config.size + 1;
  const usPerLine = 1e6 / config.rate;
  let next = 0;
  const batches: number[][] = Array.from({ length: S }, () => []);
  return new Promise((resolve) => {
    const tick = () => {
      const now = nowUs();
      for (const b of batches) b.length = 0;
      while (next < total && startUs + next * usPerLine <= now) {
        batches[next % S]!.push(next);
        next++;
      }
      for (let s = 0; s < S; s++) {
        const due = batches[s]!;
        if (due.length === 0) continue;
        const c = clients[s]!;
        if (config.transport === "tcp") {
          // Everything one sender owes goes out in one write.
          const buf = new Uint8Array(due.length * lineBytes);
          for (let k = 0; k < due.length; k++) {
            const n = due[k]!;
            writers[s]!.writeLine(buf, k * lineBytes, Math.floor(n / S), startUs + n * usPerLine, nowUs());
          }
          c.send(buf);
        } else {
          const lines = due.map((n) => {
            const buf = new Uint8Array(lineBytes);
            writers[s]!.writeLine(buf, 0, Math.floor(n / S), startUs + n * usPerLine, nowUs());
            return buf;
          });
          if (lines.length === 1) c.send(lines[0]!);
          else c.sendMany!(lines);
        }
        const wrote = nowUs();
        for (const n of due) sendLag.record(wrote - (startUs + n * usPerLine));
      }
      if (next >= total || Date.now() > g.deadline) {
        Atomics.store(stopTicks, 0, 1);
        Atomics.notify(stopTicks, 0);
        ticker.onmessage = null;
        ticker.terminate();
        resolve(next);
      }
    };
    // Ticks from a worker, not setTimeout: see ticker.ts.
    const stopTicks = new Int32Array(new SharedArrayBuffer(4));
    const ticker = new Worker(new URL("./ticker.ts", import.meta.url).href);
    ticker.onmessage = tick;
    ticker.postMessage({ periodMs: config.tickMs, stop: stopTicks.buffer });
    tick();
  });
}

/** Burst mode: every sender's lines, all scheduled at the start, written as fast as the socket takes them. */
export function sendBurst(g: Gen, clients: Client[], startUs: number, sendLag: Histogram): number {
  const { config, nowUs } = g;
  const S = config.senders;
  const K = config.linesPerSender;
  const lineBytes = config.size + 1;
  for (let s = 0; s < S; s++) {
    const writer = new LineWriter(config.size, clients[s]!.id);
    if (config.transport === "tcp") {
      const buf = new Uint8Array(K * lineBytes);
      const wrote = nowUs();
      for (let k = 0; k < K; k++) writer.writeLine(buf, k * lineBytes, k, startUs, wrote);
      clients[s]!.send(buf);
    } else {
      const lines: Uint8Array[] = [];
      for (let k = 0; k < K; k++) {
        const buf = new Uint8Array(lineBytes);
        writer.writeLine(buf, 0, k, startUs, nowUs());
        lines.push(buf);
      }
      for (let k = 0; k < K; k += 64) clients[s]!.sendMany!(lines.slice(k, k + 64));
    }
  }
  sendLag.record(nowUs() - startUs);
  return S * K;
}
