/**
 * Is the link up? Both connections open, Redis answering a PING within
 * `downAfterMs`, and no blocking read overdue. When it goes down the members
 * are told, once; when it is healthy again the room rejoins the link
 * (src/link/redis-room.ts), and then it is up.
 */
import type { LinkContext } from "./context.ts";

/** How often Redis is asked whether it is still there. */
const PING_EVERY_MS = 250;
/** How long one XREAD waits for news (src/link/reader.ts). */
export const READ_BLOCK_MS = 1000;

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

  constructor(
    private readonly link: LinkContext,
    /** Healthy again while down: rejoin the link (which calls `up`). */
    private readonly rejoin: () => void,
  ) {}

  get isUp(): boolean {
    return this.state === "up";
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
    const healthy =
      writer.connected &&
      reader.connected &&
      (this.pingSentAt === 0 || now - this.pingSentAt < timing.downAfterMs) &&
      (this.readSentAt === 0 || now - this.readSentAt < READ_BLOCK_MS + timing.downAfterMs);
    if (!healthy && this.state === "up") this.goDown();
    else if (healthy && this.state === "down") this.rejoin();
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

  private goDown(): void {
    this.state = "down";
    this.toldDown = true;
    this.link.report({ kind: "down" });
    this.link.tell({ kind: "link-down" });
  }
}
