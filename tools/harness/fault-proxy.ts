/**
 * A TCP proxy that injects faults between a program and the service it talks
 * to (a chat server and its Redis): every byte passes through it, and on
 * command it is delayed, held, or cut.
 *
 *   delay(ms)        each chunk is passed on `ms` later, in order (a slow network)
 *   pause(), resume()  hold every byte, both ways, connections kept open (a frozen
 *                    path: nothing answers, nothing breaks); resume passes on
 *                    what was held, in order
 *   cut(), heal()    drop every connection through it (RST) and refuse new ones,
 *                    until heal
 *
 * It also keeps what the program sent (`sent()`, from an offset), so a test
 * can wait for a command to be on its way (`waitForSent("EVAL")`) and act in
 * the window before its answer: the interleavings a real network makes rare.
 */
import type { Socket } from "bun";
import { HOST } from "./ports.ts";
import { until } from "./until.ts";

export interface FaultProxy {
  readonly port: number;
  /** redis://127.0.0.1:PORT: for a program that speaks Redis through it. */
  readonly url: string;
  /** From now on each chunk is passed on `ms` later (0: at once), never ahead of one before it. */
  delay(ms: number): void;
  pause(): void;
  resume(): void;
  cut(): void;
  heal(): void;
  /** Connections open through it now. */
  readonly connections: number;
  /** What the program has sent through it so far (as text), from offset `from` on (the last few MiB). */
  sent(from?: number): string;
  /** The offset just past everything sent so far: `waitForSent(text, proxy.sentLength)` waits for a new one. */
  readonly sentLength: number;
  /** Waits until `text` has been sent through it after offset `from`; returns the offset just past it. */
  waitForSent(text: string, from?: number, ms?: number): Promise<number>;
  stop(): void;
}

type Direction = "up" | "down"; // up: program -> service; down: service -> program
type Side = { peer?: Socket<Side>; queue: Uint8Array[]; early: Uint8Array[]; direction: Direction };

/** Starts a proxy on 127.0.0.1 (a free port) in front of `targetPort` on 127.0.0.1. */
export function startFaultProxy(targetPort: number, targetHost = HOST): FaultProxy {
  const open = new Set<Socket<Side>>();
  let isCut = false;
  let paused = false;
  let delayMs = 0;
  /** When the last chunk of each direction is due, so that a shorter delay never overtakes a longer one. */
  const lastDue: Record<Direction, number> = { up: 0, down: 0 };
  const held: (() => void)[] = [];
  const decoder = new TextDecoder();
  /** What the program sent, the last few MiB of it: `sentText` starts at offset `sentBase`. */
  let sentText = "";
  let sentBase = 0;
  const keepSent = (text: string) => {
    sentText += text;
    if (sentText.length > 4 << 20) {
      sentBase += sentText.length - (2 << 20);
      sentText = sentText.slice(-(2 << 20));
    }
  };

  const write = (to: Socket<Side>, bytes: Uint8Array) => {
    if (to.data.queue.length > 0) return void to.data.queue.push(bytes);
    const wrote = to.write(bytes);
    if (wrote >= 0 && wrote < bytes.length) to.data.queue.push(bytes.subarray(wrote));
  };
  const flush = (s: Socket<Side>) => {
    while (s.data.queue.length > 0) {
      const head = s.data.queue[0]!;
      const wrote = s.write(head);
      if (wrote < 0) return;
      if (wrote < head.length) return void (s.data.queue[0] = head.subarray(wrote));
      s.data.queue.shift();
    }
  };
  /** Bytes that arrived on `from`, for its peer: now, later, or once resumed. */
  const pass = (from: Side, bytes: Uint8Array) => {
    const copy = bytes.slice();
    if (from.direction === "up") keepSent(decoder.decode(copy, { stream: true }));
    if (!from.peer) return void from.early.push(copy);
    const to = from.peer;
    const deliver = () => {
      if (open.has(to)) write(to, copy);
    };
    const now = performance.now();
    const due = Math.max(now + delayMs, lastDue[from.direction]);
    lastDue[from.direction] = due;
    const send = () => (due > performance.now() ? void setTimeout(deliver, due - performance.now()) : deliver());
    if (paused || held.length > 0) held.push(send);
    else send();
  };

  const listener = Bun.listen<Side>({
    hostname: HOST,
    port: 0,
    socket: {
      open(client) {
        client.data = { queue: [], early: [], direction: "up" };
        if (isCut) return void client.terminate();
        open.add(client);
        void Bun.connect<Side>({
          hostname: targetHost,
          port: targetPort,
          data: { peer: client, queue: [], early: [], direction: "down" },
          socket: {
            open(service) {
              if (!open.has(client)) return void service.terminate();
              open.add(service);
              client.data.peer = service;
              for (const b of client.data.early.splice(0)) pass(client.data, b);
            },
            data: (service, bytes) => pass(service.data, bytes),
            drain: flush,
            close(service) {
              open.delete(service);
              const peer = service.data.peer;
              if (peer && open.has(peer)) peer.end();
            },
            error() {},
          },
        }).catch(() => client.terminate());
      },
      data: (client, bytes) => pass(client.data, bytes),
      drain: flush,
      close(client) {
        open.delete(client);
        const peer = client.data.peer;
        if (peer && open.has(peer)) peer.end();
      },
      error() {},
    },
  });

  return {
    port: listener.port,
    url: `redis://${HOST}:${listener.port}`,
    delay(ms) {
      delayMs = ms;
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      for (const send of held.splice(0)) send();
    },
    cut() {
      isCut = true;
      held.length = 0;
      for (const s of [...open]) s.terminate();
      open.clear();
    },
    heal() {
      isCut = false;
    },
    get connections() {
      return [...open].filter((s) => s.data.direction === "up").length;
    },
    sent: (from = 0) => sentText.slice(Math.max(0, from - sentBase)),
    get sentLength() {
      return sentBase + sentText.length;
    },
    async waitForSent(text, from = 0, ms = 5000) {
      const at = await until(
        () => {
          const i = sentText.indexOf(text, Math.max(0, from - sentBase));
          return i >= 0 ? sentBase + i + text.length : undefined;
        },
        ms,
        `${JSON.stringify(text)} to be sent through the proxy`,
        1,
      );
      return at;
    },
    stop() {
      held.length = 0;
      for (const s of [...open]) s.terminate();
      listener.stop(true);
    },
  };
}
