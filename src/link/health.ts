/**
 * Is the link up? Both connections open, Redis answering a PING within
 * `downAfterMs`, no blocking read overdue, and Redis taking what it is sent.
 * When it goes down the members are told, once; when it is healthy again the
 * room rejoins the link (src/link/redis-room.ts), and then it is up.
 *
 * Redis can be there and answer, and still refuse: the stream key replaced by
 * another type (WRONGTYPE), `maxmemory` reached with `noeviction` (OOM), a
 * read-only replica after a failover (READONLY). Such an answer to an XADD,
 * XREAD, EVAL or the heartbeat is a fault the link acts on, as a broken
 * connection is: down at once, the members told, and tried again with backoff
 * (0.25 s, 0.5 s, 1 s, then every 2 s) until Redis takes it again.
 */
import type { LinkContext } from "./context.ts";

/** How often Redis is asked whether it is still there. */
const PING_EVERY_MS = 250;
/** How long one XREAD waits for news (src/link/reader.ts). */
export const READ_BLOCK_MS = 1000;
/** While Redis refuses, it is tried again after at most this long. */
const MAX_BACKOFF_MS = 2000;

/** Did Redis answer this command with an error (rather than the connection failing)? */
export function isRefusal(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === "ERR_REDIS_SERVER_ERROR";
}

export class LinkHealth {
  private state: "up" | "down" = "down";
  private upAt = 0;
  /** Have the members been told the link is down (so they are told when it is back)? */
  private toldDown = false;
  /** Waiting for the link to be up (the reader, with what it read while down). */
  private waiters: (() => void)[] = [];
  /** A ping to Redis not yet answered: when it was sent (0: none); and when the last one was. */
  private pingSentAt = 0;
  private pingedAt = 0;
  /** The read waiting on Redis: when it was sent (0: none). */
  private readSentAt = 0;
  /** Redis refused a write (XADD, EVAL, SET): cleared when the room has rejoined the link. */
  private writeRefused = false;
  /** Redis refused a read (XREAD): cleared by the next read it answers. */
  private readRefused = false;
  /** While refusing: the next attempt to rejoin, and the wait after it. */
  private retryAt = 0;
  private backoffMs: number;

  constructor(
    private readonly link: LinkContext,
    /** Healthy again while down: rejoin the link (which calls `up`). */
    private readonly rejoin: () => void,
    /** Redis refused something: the way out holds what it has until the link is back. */
    private readonly onRefused: () => void,
  ) {
    this.backoffMs = link.timing.retryMs;
  }

  get isUp(): boolean {
    return this.state === "up";
  }

  /** Is Redis refusing (a write or a read) in this episode? */
  get refusing(): boolean {
    return this.writeRefused || this.readRefused;
  }

  /** Is Redis refusing reads? Then the link cannot be rejoined yet (the reader tries again). */
  get readsRefused(): boolean {
    return this.readRefused;
  }

  /** When the link last came up (performance.now()). */
  get upSince(): number {
    return this.upAt;
  }

  /** Is the link healthy? Called often: it pings Redis, and moves between up and down. */
  evaluate(): void {
    const { writer, reader, timing } = this.link;
    if (this.link.closed) return;
    const now = performance.now();
    if (writer.connected && this.pingSentAt === 0 && now - this.pingedAt >= PING_EVERY_MS) {
      const sentAt = (this.pingSentAt = this.pingedAt = now);
      const gen = writer.generation;
      writer.client.send("PING", []).then(
        () => {
          if (gen === writer.generation && this.pingSentAt === sentAt) this.pingSentAt = 0;
        },
        () => {
          if (this.pingSentAt === sentAt) this.pingSentAt = 0;
        },
      );
    }
    const answering =
      writer.connected &&
      reader.connected &&
      (this.pingSentAt === 0 || now - this.pingSentAt < timing.downAfterMs) &&
      (this.readSentAt === 0 || now - this.readSentAt < READ_BLOCK_MS + timing.downAfterMs);
    if (!answering || this.refusing) {
      if (this.state === "up") this.goDown(this.refusing ? "refused" : "silent");
      // A refused write is tried again by rejoining, with backoff; a refused read, by the reader.
      if (!answering || this.readRefused || now < this.retryAt) return;
      this.retryAt = now + this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    }
    if (this.state === "down") this.rejoin();
  }

  /**
   * Redis answered `command` with an error (`isRefusal`): the link is down at
   * once, and stays down until Redis takes what it is sent again. Told to the
   * log once per episode. A read refused is cleared by the next read answered
   * (`readAnswered`); a write, by rejoining the link.
   */
  refused(command: string, error: unknown): void {
    if (this.link.closed) return;
    const first = !this.refusing;
    if (command === "XREAD") this.readRefused = true;
    else this.writeRefused = true;
    if (!first) return;
    this.retryAt = performance.now() + this.backoffMs;
    this.link.report({ kind: "refused", command, error: String((error as Error)?.message ?? error) });
    this.onRefused();
    if (this.state === "up") this.goDown("refused");
  }

  /** The wait before the reader tries a refused read again (doubling, up to 2 s). */
  readBackoff(tries: number): number {
    return Math.min(this.link.timing.retryMs * 2 ** tries, MAX_BACKOFF_MS);
  }

  /** Redis answered a read: reads are no longer refused. */
  readAnswered(): void {
    this.readRefused = false;
  }

  /**
   * This hub's heartbeat had lapsed (src/link/hubs.ts): the others may have
   * taken it for gone. The link is down, and is rejoined as after an outage.
   */
  lapsed(): void {
    if (this.link.closed || this.state !== "up") return;
    this.goDown("silent");
    this.evaluate();
  }

  /** The writer's connection was made again: a ping sent on the old one will never be answered. */
  writerReplaced(): void {
    this.pingSentAt = 0;
  }

  /** The reader sent a blocking read (it is overdue past READ_BLOCK_MS + downAfterMs). */
  readStarted(): void {
    this.readSentAt = performance.now();
  }

  readEnded(): void {
    this.readSentAt = 0;
  }

  /** The room has rejoined the link: it is up. True when the members had been told it was down. */
  up(): boolean {
    this.state = "up";
    this.upAt = performance.now();
    this.writeRefused = false;
    this.backoffMs = this.link.timing.retryMs;
    const told = this.toldDown;
    this.toldDown = false;
    return told;
  }

  /** What waited for the link to be up goes on (once the members have been told it is back). */
  wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves when the link is up, or closed. */
  whenUp(): Promise<void> {
    if (this.state === "up" || this.link.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private goDown(why: "silent" | "refused" = "silent"): void {
    this.state = "down";
    this.toldDown = true;
    this.link.report({ kind: "down" });
    this.link.tell({ kind: why === "refused" ? "link-refused" : "link-down" });
  }
}
