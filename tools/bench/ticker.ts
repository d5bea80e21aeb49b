/**
 * A metronome for the load generator, in a worker thread: it posts a message
 * every `periodMs` (0.2 ms by default) until told to stop.
 *
 * Why: Bun's timers fire at best every millisecond, so a sender driven by
 * setTimeout is up to a millisecond late, and that lateness would be counted
 * as the hub's latency. A worker blocked in Atomics.wait wakes on time without
 * spinning, and its message wakes the main thread's event loop at once.
 */
declare const self: Worker;

self.onmessage = (event: MessageEvent<{ periodMs: number; stop: SharedArrayBuffer }>) => {
  const { periodMs } = event.data;
  const stop = new Int32Array(event.data.stop);
  let next = performance.now();
  while (Atomics.load(stop, 0) === 0) {
    next += periodMs;
    const wait = next - performance.now();
    if (wait > 0) Atomics.wait(stop, 0, 0, wait);
    else next = performance.now(); // fell behind: do not post a backlog of ticks
    postMessage(0);
  }
  self.onmessage = null;
};
