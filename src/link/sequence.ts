/**
 * Delivery you can trust between hubs, pure: numbering on the way out, and
 * duplicates and gaps on the way in.
 *
 * Out (Outbox): every batch a hub sends gets the next number, and stays here
 * until Redis has taken it, then for a while longer (the window). If the
 * connection to Redis breaks, everything here is sent again, oldest first:
 * whatever Redis had not taken arrives late, and whatever it had taken but lost
 * (a restart without persistence) arrives again. While Redis is away the outbox
 * holds what the room says, up to a bound; past it the oldest batches are let go,
 * counted, and the people who sent them are told.
 *
 * In (Inbox): per sending hub, the highest number seen. A batch at or below it
 * is a duplicate (a batch sent again) and is skipped; a batch more than one
 * above it means batches were lost in between, and the members are told.
 * Since each hub sends on one connection, in order, this keeps every sender's
 * lines in order, once each.
 *
 * Where (Positions): which other hubs' streams are read, and up to which entry.
 */

export interface OutBatch {
  seq: number;
  /** The `msgs` field, ready to send. */
  body: string;
  /** Chat lines in it (what people would miss if it were lost). */
  lines: number;
  /** When it was made (ms, the outbox's clock). */
  at: number;
  /** Sent on the current connection and not yet taken by Redis, or taken. */
  state: "unsent" | "sent" | "taken";
  /** Redis took it once (it may be sent again after a reconnect). */
  wasTaken: boolean;
}

export interface OutboxOptions {
  /** Bytes of batches held at most (taken ones in the window included). */
  maxChars: number;
  /** How long a batch Redis has taken is kept, to send again after a reconnect. */
  windowMs: number;
  /** Characters sent and not yet taken, at most: past this, batches wait here. */
  maxInFlightChars: number;
}

export class Outbox {
  /** Oldest first: taken ones (the window), then sent ones, then unsent ones. Live from `head` on. */
  private batches: OutBatch[] = [];
  private head = 0;
  /** The first batch not yet sent on this connection (everything before it is sent or taken). */
  private sendFrom = 0;
  private chars = 0;
  private inFlight = 0;
  private notTaken = 0;
  private nextSeq = 1;
  /** Chat lines let go unsent since the last `takeDropped()`. */
  private droppedLines = 0;
  private droppedBatches = 0;

  constructor(private readonly opts: OutboxOptions) {}

  /** A new batch, numbered. Past the bound the oldest batches are let go. */
  add(body: string, lines: number, now: number): OutBatch {
    const batch: OutBatch = { seq: this.nextSeq++, body, lines, at: now, state: "unsent", wasTaken: false };
    this.batches.push(batch);
    this.chars += body.length;
    this.notTaken++;
    while (this.chars > this.opts.maxChars) {
      // The oldest that is not in the socket already (those are bounded by maxInFlightChars).
      let i = this.head;
      while (i < this.batches.length && this.batches[i]!.state === "sent") i++;
      if (i >= this.batches.length || this.batches[i] === batch) break;
      const [oldest] = this.batches.splice(i, 1);
      if (i < this.sendFrom) this.sendFrom--;
      this.chars -= oldest!.body.length;
      if (oldest!.state !== "taken") this.notTaken--;
      if (!oldest!.wasTaken) {
        this.droppedLines += oldest!.lines;
        this.droppedBatches++;
      }
    }
    return batch;
  }

  /** Batches to send now, oldest first (marked sent), within the in-flight bound (and `max`). */
  takeUnsent(max = Infinity): OutBatch[] {
    const out: OutBatch[] = [];
    while (this.sendFrom < this.batches.length && out.length < max) {
      const b = this.batches[this.sendFrom]!;
      if (this.inFlight > 0 && this.inFlight + b.body.length > this.opts.maxInFlightChars) break;
      b.state = "sent";
      this.inFlight += b.body.length;
      out.push(b);
      this.sendFrom++;
    }
    return out;
  }

  /** Redis took this batch. */
  taken(batch: OutBatch): void {
    if (batch.state !== "sent") return;
    batch.state = "taken";
    batch.wasTaken = true;
    this.inFlight -= batch.body.length;
    this.notTaken--;
  }

  /**
   * Redis refused this batch: it is to be sent again, and so is everything sent
   * after it (a batch may not reach the stream before the one it follows).
   */
  unsend(batch: OutBatch): void {
    const at = this.batches.indexOf(batch, this.head);
    if (at < 0 || at >= this.sendFrom) return;
    for (let i = at; i < this.sendFrom; i++) {
      const b = this.batches[i]!;
      if (b.state === "sent") this.inFlight -= b.body.length;
      else if (b.state === "taken") this.notTaken++;
      b.state = "unsent";
    }
    this.sendFrom = at;
  }

  /**
   * The connection broke: what was sent may not have arrived, and what Redis
   * took may be gone with it. Everything held is to be sent again, in order.
   */
  rewind(): void {
    for (let i = this.head; i < this.batches.length; i++) this.batches[i]!.state = "unsent";
    this.sendFrom = this.head;
    this.inFlight = 0;
    this.notTaken = this.batches.length - this.head;
  }

  /** Let go of batches Redis took longer ago than the window. */
  prune(now: number): void {
    while (this.head < this.sendFrom) {
      const b = this.batches[this.head]!;
      if (b.state !== "taken" || now - b.at < this.opts.windowMs) break;
      this.chars -= b.body.length;
      this.head++;
    }
    // Forget the pruned ones now and then, not one `shift()` at a time.
    if (this.head > 1024 && this.head * 2 > this.batches.length) {
      this.batches = this.batches.slice(this.head);
      this.sendFrom -= this.head;
      this.head = 0;
    }
  }

  /** Is a batch on its way to Redis (sent, not yet answered)? Then the next one waits, and grows (src/link/sender.ts). */
  get sending(): boolean {
    return this.inFlight > 0;
  }

  /** Batches not yet taken by Redis. */
  get waiting(): number {
    return this.notTaken;
  }

  get heldChars(): number {
    return this.chars;
  }

  /** What was let go unsent since the last call (and reset the count). */
  takeDropped(): { lines: number; batches: number } {
    const d = { lines: this.droppedLines, batches: this.droppedBatches };
    this.droppedLines = 0;
    this.droppedBatches = 0;
    return d;
  }
}

/** Hubs remembered at most; the one heard from longest ago is forgotten first. */
const MAX_HUBS = 4096;

export class Inbox {
  private last = new Map<string, number>();

  /**
   * A batch arrived. `fresh` false: a duplicate, skip it. `missing`: how many
   * batches of that hub never arrived before this one (0 for a hub not heard
   * from before: it was there before we were).
   */
  accept(hub: string, seq: number): { fresh: boolean; missing: number } {
    const last = this.last.get(hub);
    if (last !== undefined && seq <= last) return { fresh: false, missing: 0 };
    this.last.delete(hub); // re-insert: the map's order is "heard from longest ago" first
    this.last.set(hub, seq);
    if (this.last.size > MAX_HUBS) this.last.delete(this.last.keys().next().value!);
    return { fresh: true, missing: last === undefined ? 0 : seq - last - 1 };
  }
}

/** Other hubs' streams read at once, at most: past it, a hub announced is not read (bounds a forged flood of arrivals). */
export const MAX_FOLLOWED = 1024;

/**
 * The other hubs' streams this hub reads, and for each the id of the last
 * entry read from it. A stream not read before is read from `from`: the moment
 * this hub first joined the link, on Redis's clock (what was said before is not
 * its members' business; what was said after, up to what the stream keeps, is).
 * A hub no longer read (gone) keeps its place, so that if it comes back it is
 * read on from there; places are remembered for MAX_HUBS hubs.
 */
export class Positions {
  private readonly at = new Map<string, string>();
  private readonly followed = new Set<string>();

  constructor(private from = "0-0") {}

  /** Where streams not read before start: an entry id (Redis's clock when this hub first joined). */
  startFrom(id: string): void {
    this.from = id;
  }

  /** Reads `hub`'s stream from now on. False when it was read already, or too many are. */
  follow(hub: string): boolean {
    if (this.followed.has(hub) || this.followed.size >= MAX_FOLLOWED) return false;
    this.followed.add(hub);
    if (!this.at.has(hub)) {
      this.at.set(hub, this.from);
      if (this.at.size > MAX_HUBS) {
        for (const old of this.at.keys()) {
          if (this.followed.has(old)) continue;
          this.at.delete(old);
          if (this.at.size <= MAX_HUBS) break;
        }
      }
    }
    return true;
  }

  /** Stops reading `hub`'s stream (it is gone); its place is kept. */
  unfollow(hub: string): void {
    this.followed.delete(hub);
  }

  /** Entry `id` of `hub`'s stream was read. */
  read(hub: string, id: string): void {
    if (this.followed.has(hub)) this.at.set(hub, id);
  }

  /** The hubs whose streams are read, with the id each is read after. */
  get(): { hubs: string[]; ids: string[] } {
    const hubs = [...this.followed];
    return { hubs, ids: hubs.map((h) => this.at.get(h)!) };
  }

  isFollowed(hub: string): boolean {
    return this.followed.has(hub);
  }

  get size(): number {
    return this.followed.size;
  }
}
