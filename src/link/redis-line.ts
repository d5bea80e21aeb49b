/**
 * One connection to Redis that comes back by itself, and says when it breaks.
 *
 * Bun's RedisClient can reconnect on its own, but then a break is easy to miss
 * (commands wait in its offline queue, and after 20 attempts it gives up). A
 * link must know at once: it tells people, and after a reconnect it must send
 * again what may have been lost. So here Bun's own reconnecting is off, commands
 * fail at once while the connection is down, and this class tries again every
 * `retryMs`, counting connections (`generation`) so that a late answer on an old
 * connection can be told from one on the new.
 */
import { RedisClient } from "bun";

export class RedisLine {
  readonly client: RedisClient;
  /** 1 for the first connection, one more each time it is made again. */
  generation = 0;
  connected = false;
  private closed = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private waiters: (() => void)[] = [];

  constructor(
    url: string,
    private readonly opts: {
      connectTimeoutMs: number;
      retryMs: number;
      onUp(line: RedisLine): void;
      onDown(line: RedisLine): void;
    },
  ) {
    this.client = new RedisClient(url, {
      autoReconnect: false,
      enableOfflineQueue: false,
      connectionTimeout: opts.connectTimeoutMs,
    });
    this.client.onclose = () => {
      if (!this.connected) return; // a failed attempt: `attempt` has already planned the next
      this.connected = false;
      this.opts.onDown(this);
      this.retry();
    };
  }

  /** The first connection: rejects when Redis cannot be reached (nothing is retried). */
  async open(): Promise<void> {
    await this.client.connect();
    this.up();
  }

  /** Resolves when connected (at once if it is). */
  whenUp(): Promise<void> {
    if (this.connected || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.connected = false;
    this.client.close();
    for (const w of this.waiters.splice(0)) w();
  }

  private up(): void {
    this.connected = true;
    this.generation++;
    for (const w of this.waiters.splice(0)) w();
    this.opts.onUp(this);
  }

  private retry(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.attempt();
    }, this.opts.retryMs);
  }

  private async attempt(): Promise<void> {
    if (this.closed || this.connected) return;
    try {
      await this.client.connect();
    } catch {
      return this.retry();
    }
    if (this.closed) return this.client.close();
    this.up();
  }
}
