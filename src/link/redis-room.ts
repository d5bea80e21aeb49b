/**
 * One room over several hubs, linked through Redis. It is a `Room`
 * (src/room.ts): the hub hands it what is for the room, and it delivers that
 * here at once and passes it on to every other hub on the same Redis.
 *
 * Why Redis *streams* and not plain pub/sub: pub/sub forgets. A message
 * published while a hub is disconnected, or while Redis restarts, is simply gone
 * (Socket.IO's Redis adapter documents exactly that loss). A stream keeps its
 * entries (here: the last 30 s), and a reader that remembers the id of the last
 * entry it read asks for everything after it, so a hub that was cut off catches
 * up. What a stream cannot keep (Redis restarted without persistence) each hub
 * sends again from its outbox (src/link/sequence.ts), and the numbering of
 * batches removes the duplicates. Each hub writes a stream of its own and reads
 * the others' (all in one XREAD): it never reads back what it wrote itself.
 * docs/LINKING.md tells the whole design.
 *
 * Two connections (redis-line.ts): one writes (XADD, claims, heartbeats), one
 * reads (XREAD BLOCK, which holds its connection while it waits). This file
 * wires the link's parts, each with one job, and (re)joins the link:
 *   health.ts   is the link up?           sender.ts   out: batches, XADD
 *   reader.ts   in: the others' streams   claims.ts   nick claims in Redis
 *   hubs.ts     heartbeats, arrivals,     roster.ts   the other hubs' members
 *               hubs gone
 * Reaching Redis at start, and saying why it cannot be reached, is reach.ts.
 */
import type { Notice } from "../notices.ts";
import type { LinkedHub, MemberRef, Room, RoomMessage } from "../room.ts";
import { RedisClaims } from "./claims.ts";
import { DEFAULT_TIMING, linkKeys, newCounts, type LinkContext, type LinkEvent, type LinkTiming } from "./context.ts";
import { isRefusal, LinkHealth } from "./health.ts";
import { HubHeartbeat } from "./hubs.ts";
import { LinkError, redactUrl, whyUnreachable } from "./reach.ts";
import { StreamReader } from "./reader.ts";
import { RedisLine } from "./redis-line.ts";
import { Roster } from "./roster.ts";
import { LinkSender } from "./sender.ts";
import { newHubId, noticeMessage, rosterMessages } from "./wire.ts";

export interface RedisRoomOptions {
  /** redis://[user:password@]host:port[/db], rediss:// for TLS, redis+unix:///path. */
  url: string;
  /** Every key starts with this (several rooms can share one Redis). */
  prefix?: string;
  /** Told what happens to the link, for the server's log. */
  report?: (event: LinkEvent) => void;
  timing?: Partial<LinkTiming>;
  /** What the outbox holds while Redis is away, in characters of batches (default 8 MiB). */
  maxBufferChars?: number;
}

export class RedisRoom implements Room {
  /** This hub's id on the link: new each time a server starts. */
  readonly hubId = newHubId();
  private readonly link: LinkContext;
  private readonly safeUrl: string;
  private readonly roster = new Roster();
  private readonly health: LinkHealth;
  private readonly sender: LinkSender;
  private readonly stream: StreamReader;
  private readonly claims: RedisClaims;
  private readonly hubs: HubHeartbeat;
  private registering = false;
  private closed = false;
  private timers: ReturnType<typeof setInterval>[] = [];

  private constructor(
    private readonly hub: LinkedHub,
    options: RedisRoomOptions,
  ) {
    this.safeUrl = redactUrl(options.url);
    const timing = { ...DEFAULT_TIMING, ...options.timing };
    const lineOpts = {
      connectTimeoutMs: timing.connectTimeoutMs,
      retryMs: timing.retryMs,
      onUp: (line: RedisLine) => this.lineUp(line),
      onDown: () => this.health.evaluate(),
    };
    const report = options.report ?? (() => {});
    const room = this;
    this.link = {
      hubId: this.hubId,
      hub,
      keys: linkKeys(options.prefix ?? "chat"),
      timing,
      writer: new RedisLine(options.url, lineOpts),
      reader: new RedisLine(options.url, lineOpts),
      counts: newCounts(),
      get closed() {
        return room.closed;
      },
      report: (event) => report(event),
      refused: (command, error) => this.health.refused(command, error),
      tell: (notice: Notice) => hub.deliver({ text: "", notice }),
    };
    this.health = new LinkHealth(
      this.link,
      () => {
        if (!this.registering) void this.register().catch(() => {});
      },
      () => this.sender.stall(),
    );
    this.sender = new LinkSender(this.link, options.maxBufferChars ?? 8 * 1024 * 1024);
    this.stream = new StreamReader(this.link, this.health, this.roster);
    this.claims = new RedisClaims(this.link, this.health, this.roster, (m) => this.sender.queue(m));
    this.hubs = new HubHeartbeat(this.link, this.health, this.roster, this.claims, this.stream);
  }

  /**
   * Links `hub` to the other hubs on the Redis at `options.url`. Rejects with a
   * LinkError (one line, password hidden) when Redis cannot be reached: a hub
   * that silently runs alone would split the room without anyone knowing.
   */
  static async connect(hub: LinkedHub, options: RedisRoomOptions): Promise<RedisRoom> {
    let room: RedisRoom;
    try {
      room = new RedisRoom(hub, options); // Bun's client throws at once on a URL it cannot read
    } catch (error) {
      throw new LinkError(redactUrl(options.url), "bad-url", (error as Error)?.message ?? String(error));
    }
    try {
      await room.start();
    } catch (error) {
      room.stop();
      const { why, detail } = await whyUnreachable(options.url, error, room.link.timing.connectTimeoutMs);
      throw new LinkError(room.safeUrl, why, detail);
    }
    return room;
  }

  /** Where this hub is linked, with any password hidden. */
  get url(): string {
    return this.safeUrl;
  }

  get isUp(): boolean {
    return this.health.isUp;
  }

  /** Counters, for the server's log and for tests; `waiting`: batches not yet taken by Redis. */
  get stats(): Readonly<LinkContext["counts"] & { waiting: number }> {
    return { ...this.link.counts, waiting: this.sender.waiting };
  }

  /** The other hubs whose streams this hub reads (never its own). */
  get streamsRead(): string[] {
    return this.stream.hubs;
  }

  /** Stops at once, as `kill -9` would: no goodbye, the heartbeat just stops (for tests). */
  drop(): void {
    this.stop();
  }

  // ---------------------------------------------------------------------------
  // Room: what the hub asks of the room.

  publish(message: RoomMessage): void {
    this.hub.deliver(message);
    if (message.to !== undefined) return;
    const m = message.notice ? noticeMessage(message.notice) : { k: "line" as const, text: message.text };
    if (m) this.sender.queue(m);
  }

  claim(member: MemberRef, nick: string, done: (ok: boolean) => void): void {
    this.claims.claim(member, nick, done);
  }

  release(member: MemberRef): void {
    this.claims.release(member);
  }

  elsewhere(): string[] {
    return this.roster.nicks();
  }

  elsewhereCount(): number {
    return this.roster.size;
  }

  whisper(to: string, text: string): string | undefined {
    const target = this.roster.find(to);
    if (!target) return undefined;
    this.sender.queue({ k: "private", hub: target.hub, member: target.id, text });
    return target.nick;
  }

  /**
   * Leaves the link: sends what is queued (waiting up to `graceMs` for Redis to
   * take it), frees this hub's nicks and heartbeat, and closes the connections.
   */
  async close(graceMs = 2000): Promise<void> {
    if (this.closed) return;
    const { writer } = this.link;
    this.sender.cut();
    const deadline = performance.now() + graceMs;
    while (this.sender.waiting > 0 && writer.connected && performance.now() < deadline) await Bun.sleep(5);
    if (writer.connected && performance.now() < deadline) {
      const leave = Promise.all([this.hubs.remove(), this.claims.freeHub(this.hubId)]).catch(() => {});
      await Promise.race([leave, Bun.sleep(Math.max(0, deadline - performance.now()))]);
    }
    this.stop();
  }

  // ---------------------------------------------------------------------------
  // Starting, stopping, and (re)joining the link.

  private async start(): Promise<void> {
    await this.link.writer.open();
    await this.link.reader.open();
    await this.stream.startNow();
    await this.claims.loadOthers();
    for (const hub of this.roster.hubIds()) this.stream.follow(hub);
    await this.register();
    this.timers.push(setInterval(() => this.health.evaluate(), 100));
    this.timers.push(setInterval(() => this.beat(), this.link.timing.heartbeatMs));
    for (const t of this.timers) t.unref();
    void this.stream.run();
  }

  private stop(): void {
    this.closed = true;
    this.health.wake();
    for (const t of this.timers) clearInterval(t);
    this.link.writer.close();
    this.link.reader.close();
  }

  /** A connection is (back) up. On the writer, everything held is to be sent again. */
  private lineUp(line: RedisLine): void {
    if (line === this.link.writer && line.generation > 1) {
      this.sender.resend();
      this.health.writerReplaced();
      this.sender.pump();
    }
    this.health.evaluate();
  }

  /** Lets go of what Redis took long ago, and renews this hub's heartbeat. */
  private beat(): void {
    if (this.closed || !this.link.writer.connected) return;
    this.sender.prune(performance.now());
    void this.hubs.beat();
  }

  /**
   * Joins (or rejoins) the link: heartbeat and arrival, this hub's claims made
   * to match its members, the other hubs found, and its roster sent to them.
   * After it, the link is up.
   */
  private async register(): Promise<void> {
    this.registering = true;
    const refusedAs = (command: string) => (error: unknown) => {
      if (isRefusal(error)) this.health.refused(command, error);
      throw error;
    };
    try {
      const w = this.link.writer.client;
      // Claims and releases made from here on go to Redis, after this SYNC (claims.ts).
      const [, , lost] = await Promise.all([
        w.send("SET", this.hubs.args()).catch(refusedAs("SET")),
        w
          .send("XADD", this.hubs.arrival(Math.max(this.sender.redisMs, this.stream.startedAtMs)))
          .catch(refusedAs("XADD")),
        this.claims.sync(this.hub.roster()),
        this.stream.discover(),
      ]);
      if (this.closed) return;
      // After a refusal, Redis must take a batch again before the link is up: what
      // it refused goes first, then everything held (sender.ts).
      await this.sender.probe();
      if (this.closed || this.health.readsRefused) return;
      // The roster as it is now, not as it was when the SYNC was sent: a member
      // who left meanwhile must not be announced to the others again.
      for (const m of rosterMessages(this.hub.roster())) this.sender.queue(m);
      if (this.health.up()) {
        this.link.report({ kind: "back" });
        this.link.tell({ kind: "link-back" });
        const dropped = this.sender.takeDroppedWhileDown();
        if (dropped > 0) this.link.tell({ kind: "link-dropped", lines: dropped });
      }
      // Nicks another hub took while the link was down: those members get another.
      for (const { id, nick } of lost) this.hub.nickLost(id, nick);
      this.sender.pump();
      // Now what the reader took while the link was down (the others' talk meanwhile) is delivered.
      this.health.wake();
    } finally {
      this.claims.synced();
      this.registering = false;
    }
  }
}
