/**
 * The link's way in: every other hub's stream, each read from where this hub
 * was, all in one XREAD BLOCK on the reader's connection (with the arrivals
 * stream, which says when a hub joins, so that its stream is read at once);
 * each batch checked (src/link/wire.ts), duplicates and gaps found
 * (src/link/sequence.ts), and what it says done here: lines delivered, notices
 * worded, the copy of the other hubs' members kept up.
 *
 * A hub never reads its own stream: what it says is delivered here when it is
 * said. Which streams there are is learnt three ways: the heartbeat keys of the
 * hubs already there (SCAN, when this hub joins or rejoins the link), the
 * arrivals stream (a hub that joins later), and the hubs named in the nick
 * claims. A hub that stops answering is read until its stream expires
 * (src/link/hubs.ts). When reads are answered at once (the others are busy),
 * they keep a pace of one a millisecond (src/pace.ts), each bringing more.
 */
import type { Notice } from "../notices.ts";
import { paceWait } from "../pace.ts";
import type { LinkContext, LinkEvent } from "./context.ts";
import { isRefusal, READ_BLOCK_MS, type LinkHealth } from "./health.ts";
import { MAX_ROSTER_HELD, type Roster } from "./roster.ts";
import { Inbox, Positions } from "./sequence.ts";
import { arrivalHub, decodeEntry, entryHub, HUB_ID, type Batch } from "./wire.ts";

/** Lines delivered from the stream before the reader yields to the event loop (and the transports write). */
const LINES_PER_TURN = 512;
/**
 * Characters of lines delivered between two looks at the members' queues: well
 * under half of a member's queue (--max-queue-bytes, 256 KiB by default), so
 * that waiting at half full leaves room for what came since. (A server told to
 * keep queues under 32 KiB has less room than that.)
 */
const LOOK_EVERY_CHARS = 16 * 1024;
/** While members' queues are over half full, how often to look again. */
const BACKLOG_WAIT_MS = 5;
/** Entries asked for per read, per stream. */
const READ_COUNT = 64;
/** Heartbeat keys asked for per SCAN step. */
const SCAN_COUNT = 1000;
/** Skipped stream entries and dropped messages told to the log one by one; the rest are only counted (stats). */
const SKIPS_LOGGED = 10;

/** Waits one turn of the event loop: what was queued for the sockets gets written. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class StreamReader {
  private readonly inbox = new Inbox();
  /** The other hubs' streams, and where each was read to. */
  private readonly positions = new Positions();
  /** Where the arrivals stream was read to. */
  private arrivalsId = "0-0";
  /** Redis's clock (ms) when this hub first joined the link. */
  private startMs = 0;
  /** Skips and drops told to the log so far. */
  private logged = 0;
  /** Characters of lines delivered since the members' queues were last looked at. */
  private sinceLook = 0;
  /** When the last XREAD was sent (performance.now()). */
  private lastReadAt = -Infinity;

  constructor(
    private readonly link: LinkContext,
    private readonly health: LinkHealth,
    private readonly roster: Roster,
  ) {}

  /**
   * Reads from now on (Redis's clock): what was said before this hub came is
   * not its members' business. Every stream found later, however, is read
   * from this moment on (a hub that joins later, or while the link was down).
   */
  async startNow(): Promise<void> {
    const time = await this.link.writer.client.send("TIME", []);
    const [seconds = NaN, micros = NaN] = Array.isArray(time) ? time.map(Number) : [];
    if (!Number.isSafeInteger(seconds) || !Number.isSafeInteger(micros)) throw new Error("TIME: no answer");
    this.startMs = seconds * 1000 + Math.floor(micros / 1000);
    const now = `${this.startMs}-0`;
    this.positions.startFrom(now);
    this.arrivalsId = now;
  }

  /** Redis's clock (ms) when this hub first joined the link (0 before). */
  get startedAtMs(): number {
    return this.startMs;
  }

  /** The other hubs whose streams are read now. */
  get hubs(): string[] {
    return this.positions.get().hubs;
  }

  /** Reads `hub`'s stream too (a hub found in the nick claims, say). */
  follow(hub: string): void {
    if (hub !== this.link.hubId && HUB_ID.test(hub)) this.positions.follow(hub);
  }

  /** Stops reading `hub`'s stream: its hub stopped answering, and the stream has expired (src/link/hubs.ts). */
  unfollow(hub: string): void {
    this.positions.unfollow(hub);
  }

  /**
   * Finds the hubs there are by their heartbeat keys (SCAN): when this hub
   * joins the link, and each time it rejoins it (hubs may have come while it
   * was away, longer ago than the arrivals stream keeps).
   */
  async discover(): Promise<void> {
    const { writer, keys } = this.link;
    let cursor = "0";
    const prefix = keys.hub("");
    do {
      const reply = await writer.client.send("SCAN", [cursor, "MATCH", keys.hubPattern, "COUNT", String(SCAN_COUNT)]);
      if (!Array.isArray(reply) || typeof reply[0] !== "string" || !Array.isArray(reply[1])) return;
      cursor = reply[0];
      for (const key of reply[1]) {
        if (typeof key === "string" && key.startsWith(prefix)) this.follow(key.slice(prefix.length));
      }
    } while (cursor !== "0" && !this.link.closed);
  }

  /** Reads until the link is closed. */
  async run(): Promise<void> {
    const { reader, keys } = this.link;
    /** Reads refused in a row: the wait before the next one doubles. */
    let refusals = 0;
    while (!this.link.closed) {
      if (!reader.connected) {
        await reader.whenUp();
        continue;
      }
      await this.roomToDeliver(); // no more from the stream while members' queues are full
      if (this.link.closed) break;
      // Busy (the last read was answered at once): wait until PACE_MS after it,
      // so that one read brings a millisecond's batches, not one each.
      const early = paceWait(this.lastReadAt, performance.now());
      if (early > 0) await Bun.sleep(early);
      if (this.link.closed) break;
      let reply: unknown;
      this.lastReadAt = performance.now();
      this.health.readStarted();
      try {
        const { hubs, ids } = this.positions.get();
        const wait = ["COUNT", String(READ_COUNT), "BLOCK", String(READ_BLOCK_MS), "STREAMS"];
        const streams = [keys.arrivals, ...hubs.map((h) => keys.stream(h)), this.arrivalsId, ...ids];
        reply = await reader.client.send("XREAD", [...wait, ...streams]);
      } catch (error) {
        this.health.readEnded();
        // Refused (a stream key broken, say): the link is down until a read is answered,
        // tried again with backoff. A broken connection is waited for at the loop's top.
        if (isRefusal(error)) this.health.refused("XREAD", error);
        if (!this.link.closed && reader.connected) await Bun.sleep(this.health.readBackoff(refusals++));
        continue;
      }
      refusals = 0;
      this.health.readEnded();
      this.health.readAnswered();
      if (!reply || typeof reply !== "object") continue;
      // Hubs that joined: their streams are read from the next read on.
      this.arrivals((reply as Record<string, unknown>)[keys.arrivals]);
      // Down: what was read waits until the members have been told the link is back
      // (the news of the outage comes before the talk that was held by it).
      if (!this.health.isUp) await this.health.whenUp();
      if (this.link.closed) break;
      for (const [key, entries] of Object.entries(reply as Record<string, unknown>)) {
        const hub = keys.streamHub(key);
        if (hub !== undefined && Array.isArray(entries)) await this.receive(hub, entries);
        if (this.link.closed) return;
      }
    }
  }

  /** Entries of the arrivals stream: a hub joined the link (or joined it again). */
  private arrivals(entries: unknown): void {
    if (!Array.isArray(entries)) return;
    for (const entry of entries) {
      if (!Array.isArray(entry) || typeof entry[0] !== "string" || !/^\d+-\d+$/.test(entry[0])) continue;
      this.arrivalsId = entry[0];
      const hub = arrivalHub(entry[1]);
      if (hub === undefined) {
        this.link.counts.skipped++;
        this.log({ kind: "skipped", id: entry[0], why: { kind: "hub" } });
      } else this.follow(hub);
    }
  }

  /** Entries of `hub`'s stream, in order. */
  private async receive(hub: string, entries: unknown[]): Promise<void> {
    const { counts } = this.link;
    let delivered = 0;
    for (const entry of entries) {
      if (!Array.isArray(entry) || typeof entry[0] !== "string" || !/^\d+-\d+$/.test(entry[0])) continue;
      this.positions.read(hub, entry[0]);
      // Only the hub whose stream it is writes there: an entry that says otherwise is not trusted.
      const decoded =
        entryHub(entry[1]) === hub ? decodeEntry(entry[1]) : ({ ok: false, why: { kind: "hub" } } as const);
      if (!decoded.ok) {
        counts.skipped++;
        this.log({ kind: "skipped", id: entry[0], why: decoded.why });
        continue;
      }
      // A message that is not one is dropped alone; the rest of its batch goes on.
      for (const sample of decoded.dropped) {
        counts.droppedMessages++;
        this.log({ kind: "message-dropped", id: entry[0], sample });
      }
      const batch = decoded.batch;
      const { fresh, missing: lost } = this.inbox.accept(batch.hub, batch.seq);
      if (!fresh) {
        counts.duplicates++;
        continue;
      }
      counts.batchesRead++;
      // Batches of that hub's never came: said here, where the gap is, before what follows it.
      if (lost > 0) {
        counts.missingBatches += lost;
        this.link.tell({ kind: "link-missing", batches: lost });
      }
      delivered += await this.apply(batch);
      if (this.link.closed) return;
      if (delivered >= LINES_PER_TURN) {
        delivered = 0;
        await nextTurn();
        if (this.link.closed) return;
      }
    }
  }

  /**
   * Waits while members' queues are over half full (src/room.ts LinkedHub.backlogged):
   * what is read from the stream is pushed into them no faster than they are
   * written, so a catch-up after an outage never gets a member dropped as too
   * slow. Asked before each read, and every LOOK_EVERY_CHARS of lines delivered.
   */
  private async roomToDeliver(): Promise<void> {
    this.sinceLook = 0;
    while (!this.link.closed && this.link.hub.backlogged()) await Bun.sleep(BACKLOG_WAIT_MS);
  }

  /** Tells the log of a skipped entry or a dropped message: the first few, then only that the rest are counted. */
  private log(event: LinkEvent): void {
    const n = ++this.logged;
    if (n <= SKIPS_LOGGED) this.link.report(event);
    if (n === SKIPS_LOGGED) this.link.report({ kind: "skips-unlogged", after: SKIPS_LOGGED });
  }

  /** What another hub's batch says, done here. Returns how many lines it delivered. */
  private async apply(batch: Batch): Promise<number> {
    const { hub, hubId } = this.link;
    const tell = (notice: Notice) => this.link.tell(notice);
    let lines = 0;
    for (const m of batch.messages) {
      if (this.sinceLook >= LOOK_EVERY_CHARS) {
        await this.roomToDeliver();
        if (this.link.closed) return lines;
      }
      switch (m.k) {
        case "line":
          hub.deliver({ text: m.text });
          this.sinceLook += m.text.length + 1;
          lines++;
          break;
        case "private":
          if (m.hub === hubId) hub.deliver({ text: m.text, to: m.member });
          break;
        case "joined":
          tell({ kind: "joined", nick: m.nick });
          break;
        case "left":
          tell({ kind: "left", nick: m.nick, reason: m.reason });
          break;
        case "renamed":
          tell({ kind: "renamed", from: m.from, to: m.to });
          break;
        case "summary":
          tell({ kind: "summary", joined: m.joined, left: m.left, seconds: m.seconds });
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
          if (change === "too big") {
            this.log({ kind: "roster-too-big", hub: batch.hub, max: MAX_ROSTER_HELD });
            break;
          }
          for (const nick of change?.joined ?? []) tell({ kind: "joined", nick });
          for (const nick of change?.left ?? []) tell({ kind: "left", nick, reason: "" });
          break;
        }
      }
    }
    return lines;
  }
}
