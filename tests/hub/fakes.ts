/**
 * What the hub's tests share: fake peers that record what they were sent, a
 * clock that only moves when told, and a hub built on both.
 */
import { Hub } from "../../src/hub.ts";
import type { HubOptions } from "../../src/hub/options.ts";
import type { Clock } from "../../src/hub/clock.ts";
import type { Peer } from "../../src/hub/member.ts";
import type { Frame, OutLine } from "../../src/protocol.ts";

export class FakePeer implements Peer {
  static count = 0;
  readonly label = `fake ${++FakePeer.count}`;
  readonly got: string[] = [];
  closed = false;
  constructor(readonly address = "10.0.0.1") {}
  send(line: OutLine) {
    this.got.push(line.text);
  }
  close() {
    this.closed = true;
  }
}

/** A clock that only moves when told. */
export class FakeClock implements Clock {
  t = 0;
  timers: { at: number; fn: () => void }[] = [];
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const timer = { at: this.t + ms, fn };
    this.timers.push(timer);
    return timer;
  };
  clearTimeout = (h: unknown) => {
    this.timers = this.timers.filter((t) => t !== h);
  };
  advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      const next = this.timers.sort((a, b) => a.at - b.at)[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }
}

export const line = (text: string): Frame => ({ kind: "line", text, invalidUtf8: false });

export function setup(options: HubOptions = {}) {
  const clock = new FakeClock();
  const hub = new Hub({ floodBurst: 0, clock, ...options });
  const join = (nick?: string) => {
    const p = new FakePeer();
    hub.join(p, nick);
    return p;
  };
  return { hub, join, clock };
}
