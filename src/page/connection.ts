/**
 * The page's WebSocket to the room, and getting it back when it drops.
 *
 * One text frame is one line, each way (docs/PROTOCOL.md, *In a browser*).
 * When the connection drops, the page tries again after a delay that doubles
 * from 1 s up to 30 s, each with jitter (between half of it and all of it), so
 * that thirty pages in a classroom do not all knock on a restarted server in
 * the same millisecond. The count starts again once the room has welcomed us,
 * so a room that refuses (full) is not knocked on ever faster. The page says
 * what it does meanwhile: `events.waiting` with the delay and the attempt.
 */

export interface ConnectionEvents {
  /** Trying to connect: the `attempt`th time since the last welcome (1: the first). */
  connecting(attempt: number): void;
  open(): void;
  line(text: string): void;
  /** Closed: `wasOpen` when it had opened; `code` and `reason` as the server closed it. */
  closed(wasOpen: boolean, code: number, reason: string): void;
  /** The next attempt is in `ms`. */
  waiting(ms: number, attempt: number): void;
}

const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30_000;

/** The delay before attempt `attempt` (2, 3, ...): doubling, capped, then jittered into [half, all]. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, attempt - 2));
  return Math.round(base / 2 + (random() * base) / 2);
}

/** What the connection needs from the world (a test gives its own). */
export interface Environment {
  socket(url: string): WebSocket;
  random(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
}

const browser: Environment = {
  socket: (url) => new WebSocket(url),
  random: Math.random,
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (timer) => clearTimeout(timer as number),
};

export class Connection {
  private ws: WebSocket | undefined;
  private attempt = 0;
  private timer: unknown;
  /** We are leaving (the person typed /quit, or the page is going): no more attempts. */
  private stopped = false;

  constructor(
    private readonly url: string,
    private readonly events: ConnectionEvents,
    private readonly env: Environment = browser,
  ) {}

  /** Connects now (first, or again after /quit). */
  start(): void {
    this.stopped = false;
    this.attempt = 0;
    this.connect();
  }

  /** The room welcomed us: the next drop starts counting from 1 again. */
  welcomed(): void {
    this.attempt = 0;
  }

  get isOpen(): boolean {
    return this.ws?.readyState === 1;
  }

  /** Sends one line (one text frame). False when not connected. */
  send(line: string): boolean {
    if (!this.isOpen) return false;
    this.ws!.send(line);
    return true;
  }

  /** Sends `/quit ...`; the server closes the connection, and we do not come back. */
  quit(line: string): boolean {
    if (!this.send(line)) return false;
    this.stopped = true;
    return true;
  }

  /** Waiting for the next attempt: try now instead (the network came back). */
  retryNow(): void {
    if (this.timer === undefined || this.stopped) return;
    this.env.clearTimeout(this.timer);
    this.timer = undefined;
    this.connect();
  }

  private connect(): void {
    this.attempt++;
    this.events.connecting(this.attempt);
    const ws = this.env.socket(this.url);
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.events.open();
    };
    ws.onmessage = (event) => {
      if (typeof event.data === "string") this.events.line(event.data);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.events.closed(opened, event.code, event.reason);
      if (this.stopped) return;
      const ms = backoffMs(this.attempt + 1, this.env.random);
      this.events.waiting(ms, this.attempt + 1);
      this.timer = this.env.setTimeout(() => {
        this.timer = undefined;
        if (!this.stopped) this.connect();
      }, ms);
    };
  }
}
