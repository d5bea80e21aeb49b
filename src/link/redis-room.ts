/**
 * One room over several hubs, linked through Redis: the only file that talks to
 * Redis (Bun's built-in RedisClient). It is a `Room` (src/room.ts): the hub hands
 * it what is for the room, and it delivers that here at once and passes it on to
 * every other hub on the same Redis.
 *
 * Why a Redis *stream* and not plain pub/sub: pub/sub forgets. A message
 * published while a hub is disconnected, or while Redis restarts, is simply gone
 * (Socket.IO's Redis adapter documents exactly that loss). A stream keeps its
 * entries (here: the last 30 s), and a reader that remembers the id of the last
 * entry it read asks for everything after it, so a hub that was cut off catches
 * up. What a stream cannot keep (Redis restarted without persistence) each hub
 * sends again from its outbox (src/link/sequence.ts), and the numbering of
 * batches removes the duplicates. docs/LINKING.md tells the whole design.
 *
 * Keys, under a prefix (default "chat"):
 *   PREFIX:stream     the room: one entry per batch (src/link/wire.ts)
 *   PREFIX:nicks      nick claims: hash of nick key -> "HUB MEMBER NICK"
 *   PREFIX:hub:HUB    a hub's heartbeat: expires when the hub stops answering
 *
 * Two connections: one writes (XADD, claims, heartbeats), one reads (XREAD
 * BLOCK, which holds its connection while it waits). The nick claims' scripts
 * are in claims.ts, reaching Redis at start in reach.ts.
 *
 * Why one file, past 400 lines: whether the link is up, what goes out and what
 * comes in all turn on the same two connections and the same outbox, and the
 * order of those events is the whole difficulty; the parts below (what the hub
 * asks, up or down, out, in) read in turn.
 */

// Re-exported: the server and the tests meet the link here.
export { LinkError, redactUrl, type Unreachable } from "./reach.ts";
import type { LinkedHub, MemberRef, Notice, Room, RoomMessage } from "../room.ts";
import { nickKey } from "../protocol.ts";
import { CLAIM, readClaim, RELEASE, SYNC } from "./claims.ts";
import { LinkError, redactUrl, whyUnreachable } from "./reach.ts";
import { RedisLine } from "./redis-line.ts";
import { Roster } from "./roster.ts";
import { Inbox, Outbox } from "./sequence.ts";
import {
  BATCH_CHARS,
  decodeEntry,
  encodeMessages,
  entryFields,
  entryHub,
  MAX_BATCH_MESSAGES,
  newHubId,
  rosterMessages,
  type Batch,
  type LinkMessage,
} from "./wire.ts";
import type { SkipReason } from "../notices.ts";

export interface LinkTiming {
  /** How often a hub renews its heartbeat (and looks for hubs that stopped). */
  heartbeatMs: number;
  /** A hub whose heartbeat is this old is gone: its members are announced as left. */
  hubTtlMs: number;
  /** Redis silent this long (a ping unanswered): the link is down. */
  downAfterMs: number;
  /** How often a broken connection is tried again. */
  retryMs: number;
  /** How long batches Redis took are kept, to send again if it restarts. */
  windowMs: number;
  /** How much of the room the stream keeps, for hubs catching up. */
  historyMs: number;
  /** How long a nick claim waits for Redis before it is granted for now (and checked later). */
  claimWaitMs: number;
  connectTimeoutMs: number;
}

const DEFAULT_TIMING: LinkTiming = {
  heartbeatMs: 1000,
  hubTtlMs: 5000,
  downAfterMs: 1500,
  retryMs: 250,
  windowMs: 10_000,
  historyMs: 30_000,
  claimWaitMs: 1000,
  connectTimeoutMs: 3000,
};

/** What happened to the link, for the server's log (which words it). */
export type LinkEvent =
  | { kind: "down" }
  | { kind: "back" }
  | { kind: "hub-lost"; hub: string; members: number }
  | { kind: "skipped"; id: string; why: SkipReason }
  /** After the first SKIPS_LOGGED skipped entries, once: the rest are only counted. */
  | { kind: "skips-unlogged"; after: number };

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

/** Lines delivered from the stream before the reader yields to the event loop (and the transports write). */
const LINES_PER_TURN = 512;
/** Entries asked for per read. */
const READ_COUNT = 64;
/** How often Redis is asked whether it is still there. */
const PING_EVERY_MS = 250;
/** How long one XREAD waits for news. */
const READ_BLOCK_MS = 1000;
/** Skipped stream entries told to the log one by one; the rest are only counted (stats.skipped). */
const SKIPS_LOGGED = 10;

/** Waits one turn of the event loop: what was queued for the sockets gets written. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class RedisRoom implements Room {
  /** This hub's id on the link: new each time a server starts. */
  readonly hubId = newHubId();
  private readonly counts = {
    batchesSent: 0,
    batchesRead: 0,
    duplicates: 0,
    missingBatches: 0,
    skipped: 0,
    droppedLines: 0,
    hubsLost: 0,
  };

  private readonly timing: LinkTiming;
  private readonly keys: { stream: string; nicks: string; hub: (id: string) => string };
  private readonly report: (event: LinkEvent) => void;
  private readonly safeUrl: string;
  private readonly writer: RedisLine;
  private readonly reader: RedisLine;
  private readonly outbox: Outbox;
  private readonly inbox = new Inbox();
  private readonly roster = new Roster();

  /** Messages of this turn, cut into one batch at its end. */
  private pending: LinkMessage[] = [];
  private pendingChars = 0;
  private cutScheduled = false;

  private state: "up" | "down" = "down";
  private upSince = 0;
  private registering = false;
  /** Have the members been told the link is down (so they are told when it is back)? */
  private toldDown = false;
  /** Waiting for the link to be up (the reader, with what it read while down). */
  private upWaiters: (() => void)[] = [];
  private droppedWhileDown = 0;
  /** A ping to Redis not yet answered: when it was sent (0: none); and when the last one was. */
  private pingSentAt = 0;
  private pingedAt = 0;
  /** The read waiting on Redis: when it was sent (0: none). */
  private readSentAt = 0;
  /** Redis's clock (ms) in the id of the last entry we added: the stream keeps `historyMs` before it. */
  private lastIdMs = 0;
  private lastReadId = "0-0";
  private closed = false;
  private timers: ReturnType<typeof setInterval>[] = [];

  private constructor(
    private readonly hub: LinkedHub,
    options: RedisRoomOptions,
  ) {
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    const p = options.prefix ?? "chat";
    this.keys = { stream: `${p}:stream`, nicks: `${p}:nicks`, hub: (id) => `${p}:hub:${id}` };
    this.report = options.report ?? (() => {});
    this.safeUrl = redactUrl(options.url);
    const maxChars = options.maxBufferChars ?? 8 * 1024 * 1024;
    this.outbox = new Outbox({
      maxChars,
      windowMs: this.timing.windowMs,
      maxInFlightChars: Math.min(maxChars, 2 * 1024 * 1024),
    });
    const lineOpts = {
      connectTimeoutMs: this.timing.connectTimeoutMs,
      retryMs: this.timing.retryMs,
      onUp: (line: RedisLine) => this.lineUp(line),
      onDown: () => this.evaluate(),
    };
    this.writer = new RedisLine(options.url, lineOpts);
    this.reader = new RedisLine(options.url, lineOpts);
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
      const { why, detail } = await whyUnreachable(options.url, error, room.timing.connectTimeoutMs);
      throw new LinkError(room.safeUrl, why, detail);
    }
    return room;
  }

  /** Where this hub is linked, with any password hidden. */
  get url(): string {
    return this.safeUrl;
  }

  get isUp(): boolean {
    return this.state === "up";
  }

  /** Counters, for the server's log and for tests; `waiting`: batches not yet taken by Redis. */
  get stats(): Readonly<typeof this.counts & { waiting: number }> {
    return { ...this.counts, waiting: this.outbox.waiting };
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
    if (m) this.queue(m);
  }

  claim(member: MemberRef, nick: string, done: (ok: boolean) => void): void {
    const key = nickKey(nick);
    const holder = this.roster.find(key);
    if (holder) return done(false);
    const granted = () => {
      this.queue({ k: "member", id: member.id, nick });
      done(true);
    };
    // Down: granted for now. When the link is back, every claim is made again in
    // Redis, and a member whose nick another hub took meanwhile gets another.
    if (this.state !== "up") return granted();
    let answered = false;
    const wait = setTimeout(() => {
      if (answered) return;
      answered = true;
      granted();
    }, this.timing.claimWaitMs);
    const old = member.nick ? nickKey(member.nick) : "";
    this.writer.client.send("EVAL", [CLAIM, "1", this.keys.nicks, key, this.owner(member.id), nick, old]).then(
      (result) => {
        clearTimeout(wait);
        const ok = result === 1;
        if (!answered) {
          answered = true;
          return ok ? granted() : done(false);
        }
        // Granted for now after the wait; Redis says no after all.
        if (!ok && this.hub.roster().some((m) => m.id === member.id && m.nick === nick)) this.hub.nickLost(member.id);
      },
      () => {
        clearTimeout(wait);
        if (answered) return;
        answered = true;
        granted(); // the connection broke: as when down
      },
    );
  }

  release(member: MemberRef): void {
    this.queue({ k: "gone", id: member.id });
    if (!member.nick || this.state !== "up") return; // when the link is back, the claims are made to match the members
    const args = [RELEASE, "1", this.keys.nicks, nickKey(member.nick), this.owner(member.id)];
    this.writer.client.send("EVAL", args).catch(() => {});
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
    this.queue({ k: "private", hub: target.hub, member: target.id, text });
    return target.nick;
  }

  /**
   * Leaves the link: sends what is queued (waiting up to `graceMs` for Redis to
   * take it), frees this hub's nicks and heartbeat, and closes the connections.
   */
  async close(graceMs = 2000): Promise<void> {
    if (this.closed) return;
    this.cut();
    const deadline = performance.now() + graceMs;
    while (this.outbox.waiting > 0 && this.writer.connected && performance.now() < deadline) await Bun.sleep(5);
    if (this.writer.connected && performance.now() < deadline) {
      const leave = Promise.all([
        this.writer.client.send("DEL", [this.keys.hub(this.hubId)]),
        this.writer.client.send("EVAL", [SYNC, "1", this.keys.nicks, this.hubId]),
      ]).catch(() => {});
      await Promise.race([leave, Bun.sleep(Math.max(0, deadline - performance.now()))]);
    }
    this.stop();
  }

  // ---------------------------------------------------------------------------
  // Starting, and knowing whether the link is up.

  private async start(): Promise<void> {
    await this.writer.open();
    await this.reader.open();
    // Read from the stream's end: what was said before this hub came is not its members' business.
    const last = await this.writer.client.send("XREVRANGE", [this.keys.stream, "+", "-", "COUNT", "1"]);
    const lastId = Array.isArray(last) && Array.isArray(last[0]) ? last[0][0] : undefined;
    if (typeof lastId === "string" && /^\d+-\d+$/.test(lastId)) this.lastReadId = lastId;
    // Who is on the other hubs now. Their news from here on comes through the stream.
    const claims = (await this.writer.client.send("HGETALL", [this.keys.nicks])) as Record<string, unknown> | null;
    for (const value of Object.values(claims ?? {})) {
      const c = readClaim(value);
      if (c && c.hub !== this.hubId) this.roster.set(c.hub, c.id, c.nick);
    }
    await this.register();
    this.timers.push(setInterval(() => this.evaluate(), 100));
    this.timers.push(setInterval(() => void this.heartbeat(), this.timing.heartbeatMs));
    for (const t of this.timers) t.unref();
    void this.readLoop();
  }

  /** Resolves when the link is up, or closed. */
  private whenUp(): Promise<void> {
    if (this.state === "up" || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.upWaiters.push(resolve));
  }

  private stop(): void {
    this.closed = true;
    for (const w of this.upWaiters.splice(0)) w();
    for (const t of this.timers) clearInterval(t);
    this.writer.close();
    this.reader.close();
  }

  /** A connection is (back) up. On the writer, everything held is to be sent again. */
  private lineUp(line: RedisLine): void {
    if (line === this.writer && line.generation > 1) {
      this.outbox.rewind();
      this.pingSentAt = 0;
      this.pump();
    }
    this.evaluate();
  }

  /** Is the link healthy? Called often: it pings Redis, and moves between up and down. */
  private evaluate(): void {
    if (this.closed) return;
    const now = performance.now();
    if (this.writer.connected && this.pingSentAt === 0 && now - this.pingedAt >= PING_EVERY_MS) {
      const sentAt = (this.pingSentAt = this.pingedAt = now);
      const gen = this.writer.generation;
      this.writer.client.send("PING", []).then(
        () => {
          if (gen === this.writer.generation && this.pingSentAt === sentAt) this.pingSentAt = 0;
        },
        () => {
          if (this.pingSentAt === sentAt) this.pingSentAt = 0;
        },
      );
    }
    const healthy =
      this.writer.connected &&
      this.reader.connected &&
      (this.pingSentAt === 0 || now - this.pingSentAt < this.timing.downAfterMs) &&
      (this.readSentAt === 0 || now - this.readSentAt < READ_BLOCK_MS + this.timing.downAfterMs);
    if (!healthy && this.state === "up") this.goDown();
    else if (healthy && this.state === "down" && !this.registering) void this.register().catch(() => {});
  }

  private goDown(): void {
    this.state = "down";
    this.toldDown = true;
    this.report({ kind: "down" });
    this.tell({ kind: "link-down" });
  }

  /**
   * Joins (or rejoins) the link: heartbeat, this hub's claims made to match its
   * members, and its roster sent to the others. After it, the link is up.
   */
  private async register(): Promise<void> {
    this.registering = true;
    try {
      const members = this.hub.roster();
      const triples = members.filter((m) => m.nick).flatMap((m) => [nickKey(m.nick), m.id, m.nick]);
      const [, lost] = await Promise.all([
        this.writer.client.send("SET", this.heartbeatArgs()),
        this.writer.client.send("EVAL", [SYNC, "1", this.keys.nicks, this.hubId, ...triples]),
      ]);
      if (this.closed) return;
      for (const m of rosterMessages(members.filter((m) => m.nick))) this.queue(m);
      this.state = "up";
      this.upSince = performance.now();
      if (this.toldDown) {
        this.toldDown = false;
        this.report({ kind: "back" });
        this.tell({ kind: "link-back" });
        if (this.droppedWhileDown > 0) this.tell({ kind: "link-dropped", lines: this.droppedWhileDown });
        this.droppedWhileDown = 0;
      }
      // Nicks another hub took while the link was down: those members get another.
      for (const id of Array.isArray(lost) ? lost : []) if (typeof id === "string") this.hub.nickLost(id);
      this.pump();
      // Now what the reader took while the link was down (the others' talk meanwhile) is delivered.
      for (const w of this.upWaiters.splice(0)) w();
    } finally {
      this.registering = false;
    }
  }

  /** Renews the heartbeat, and looks for hubs that stopped renewing theirs. */
  private async heartbeat(): Promise<void> {
    if (this.closed || !this.writer.connected) return;
    this.outbox.prune(performance.now());
    const w = this.writer.client;
    w.send("SET", this.heartbeatArgs()).catch(() => {});
    // Only after a whole TTL of being up: a live hub that was cut off with us has had time to renew.
    const settled = performance.now() - this.upSince >= this.timing.hubTtlMs + this.timing.heartbeatMs;
    if (this.state !== "up" || !settled) return;
    const hubs = this.roster.hubIds();
    if (hubs.length === 0) return;
    let beats: unknown;
    try {
      beats = await w.send(
        "MGET",
        hubs.map((h) => this.keys.hub(h)),
      );
    } catch {
      return;
    }
    if (this.state !== "up" || !Array.isArray(beats)) return;
    hubs.forEach((h, i) => {
      if (beats[i] === null) this.hubLost(h);
    });
  }

  /** A hub stopped answering (killed, or cut off for longer than the TTL): its members are gone. */
  private hubLost(hub: string): void {
    const nicks = this.roster.dropHub(hub);
    this.counts.hubsLost++;
    this.report({ kind: "hub-lost", hub, members: nicks.length });
    for (const nick of nicks) this.hub.deliver({ text: "", notice: { kind: "hub-lost", nick } });
    this.writer.client.send("EVAL", [SYNC, "1", this.keys.nicks, hub]).catch(() => {});
  }

  // ---------------------------------------------------------------------------
  // Out: one batch per event-loop turn.

  private queue(m: LinkMessage): void {
    this.pending.push(m);
    if (m.k === "line" || m.k === "private") this.pendingChars += m.text.length + 32;
    else this.pendingChars += m.k === "roster" ? m.members.length * 32 : 64;
    if (this.pending.length >= MAX_BATCH_MESSAGES || this.pendingChars >= BATCH_CHARS) this.cut();
    else if (!this.cutScheduled) {
      this.cutScheduled = true;
      setImmediate(this.cut);
    }
  }

  private readonly cut = (): void => {
    this.cutScheduled = false;
    if (this.pending.length === 0) return;
    let lines = 0;
    for (const m of this.pending) if (m.k === "line" || m.k === "private") lines++;
    this.outbox.add(encodeMessages(this.pending), lines, performance.now());
    this.pending = [];
    this.pendingChars = 0;
    const dropped = this.outbox.takeDropped();
    if (dropped.batches > 0) {
      if (this.droppedWhileDown === 0) this.tell({ kind: "link-dropped", lines: dropped.lines });
      this.droppedWhileDown += dropped.lines;
      this.counts.droppedLines += dropped.lines;
    }
    this.pump();
  };

  /** Sends what the outbox holds, pipelined on the writer's connection. */
  private pump(): void {
    if (this.closed || !this.writer.connected) return;
    const gen = this.writer.generation;
    for (const batch of this.outbox.takeUnsent()) {
      const minId = this.lastIdMs > this.timing.historyMs ? String(this.lastIdMs - this.timing.historyMs) : "0";
      const args = [this.keys.stream, "MINID", "~", minId, "*", ...entryFields(this.hubId, batch.seq, batch.body)];
      this.writer.client.send("XADD", args).then(
        (id: unknown) => {
          if (gen !== this.writer.generation) return; // an answer on a connection since replaced
          this.outbox.taken(batch);
          this.counts.batchesSent++;
          const ms = typeof id === "string" ? parseInt(id, 10) : NaN;
          if (ms > this.lastIdMs) this.lastIdMs = ms;
          this.pump();
        },
        () => {}, // the connection broke: everything is sent again when it is back
      );
    }
  }

  // ---------------------------------------------------------------------------
  // In: read the stream from where we were.

  private async readLoop(): Promise<void> {
    while (!this.closed) {
      if (!this.reader.connected) {
        await this.reader.whenUp();
        continue;
      }
      let reply: unknown;
      this.readSentAt = performance.now();
      try {
        const wait = ["COUNT", String(READ_COUNT), "BLOCK", String(READ_BLOCK_MS)];
        reply = await this.reader.client.send("XREAD", [...wait, "STREAMS", this.keys.stream, this.lastReadId]);
      } catch {
        this.readSentAt = 0;
        // A refused command, not a break: try again shortly.
        if (!this.closed && this.reader.connected) await Bun.sleep(this.timing.retryMs);
        continue;
      }
      this.readSentAt = 0;
      // Down: what was read waits until the members have been told the link is back
      // (the news of the outage comes before the talk that was held by it).
      if (reply && this.state !== "up") await this.whenUp();
      if (reply && !this.closed) await this.receive(reply);
    }
  }

  private async receive(reply: unknown): Promise<void> {
    const entries = (reply as Record<string, unknown>)[this.keys.stream];
    if (!Array.isArray(entries)) return;
    let delivered = 0;
    let missing = 0;
    for (const entry of entries) {
      if (!Array.isArray(entry) || typeof entry[0] !== "string" || !/^\d+-\d+$/.test(entry[0])) continue;
      this.lastReadId = entry[0];
      if (entryHub(entry[1]) === this.hubId) continue; // ours: delivered here when it was said
      const decoded = decodeEntry(entry[1]);
      if (!decoded.ok) {
        const n = ++this.counts.skipped;
        if (n <= SKIPS_LOGGED) this.report({ kind: "skipped", id: entry[0], why: decoded.why });
        if (n === SKIPS_LOGGED) this.report({ kind: "skips-unlogged", after: SKIPS_LOGGED });
        continue;
      }
      const batch = decoded.batch;
      const { fresh, missing: lost } = this.inbox.accept(batch.hub, batch.seq);
      if (!fresh) {
        this.counts.duplicates++;
        continue;
      }
      this.counts.batchesRead++;
      missing += lost;
      delivered += this.apply(batch);
      if (delivered >= LINES_PER_TURN) {
        delivered = 0;
        await nextTurn();
        if (this.closed) return;
      }
    }
    if (missing > 0) {
      this.counts.missingBatches += missing;
      this.tell({ kind: "link-missing", batches: missing });
    }
  }

  /** What another hub's batch says, done here. Returns how many lines it delivered. */
  private apply(batch: Batch): number {
    let lines = 0;
    for (const m of batch.messages) {
      switch (m.k) {
        case "line":
          this.hub.deliver({ text: m.text });
          lines++;
          break;
        case "private":
          if (m.hub === this.hubId) this.hub.deliver({ text: m.text, to: m.member });
          break;
        case "joined":
          this.tell({ kind: "joined", nick: m.nick });
          break;
        case "left":
          this.tell({ kind: "left", nick: m.nick, reason: m.reason });
          break;
        case "renamed":
          this.tell({ kind: "renamed", from: m.from, to: m.to });
          break;
        case "summary":
          this.tell({ kind: "summary", joined: m.joined, left: m.left, seconds: m.seconds });
          break;
        case "member":
          this.roster.set(batch.hub, m.id, m.nick);
          break;
        case "gone":
          this.roster.remove(batch.hub, m.id);
          break;
        case "roster": {
          // News that was lost on the way (a gap, or the hub was taken for gone): said now.
          const change = this.roster.rosterPart(batch.hub, m.members, m.more);
          for (const nick of change?.joined ?? []) this.tell({ kind: "joined", nick });
          for (const nick of change?.left ?? []) this.tell({ kind: "left", nick, reason: "" });
          break;
        }
      }
    }
    return lines;
  }

  private tell(notice: Notice): void {
    this.hub.deliver({ text: "", notice });
  }

  /** SET arguments of this hub's heartbeat: it expires unless renewed. */
  private heartbeatArgs(): string[] {
    return [this.keys.hub(this.hubId), String(Date.now()), "PX", String(this.timing.hubTtlMs)];
  }

  private owner(memberId: string): string {
    return `${this.hubId} ${memberId}`;
  }
}

/** What another hub needs to know of a notice; news about the link itself stays here. */
function noticeMessage(n: Notice): LinkMessage | undefined {
  switch (n.kind) {
    case "joined":
      return { k: "joined", nick: n.nick };
    case "left":
      return { k: "left", nick: n.nick, reason: n.reason };
    case "renamed":
      return { k: "renamed", from: n.from, to: n.to };
    case "summary":
      return { k: "summary", joined: n.joined, left: n.left, seconds: n.seconds };
    default:
      return undefined;
  }
}
