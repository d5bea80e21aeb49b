/**
 * The soak's bookkeeping: what every healthy member received from every other,
 * told apart by the sender and sequence number each chat line carries
 * (`soak ID SEQ ...`), so that a lost line, a duplicate and a reordering are
 * three different counts.
 */
import type { Transport } from "../harness/index.ts";

/** What one receiver saw from one healthy sender. */
interface Track {
  seen: Set<number>;
  max: number;
  duplicates: number;
  reordered: number;
}

export type Member = { id: string; transport: Transport };

export class Tally {
  readonly healthyIds = new Set<string>();
  /** Lines each healthy member has sent. */
  readonly sentBy = new Map<string, number>();
  /** Churners' lines that reached a healthy member. */
  churnDelivered = 0;
  /** Healthy members the server let go, and who saw it. */
  readonly droppedByServer = new Map<string, string>();
  readonly surprises: string[] = [];
  /** While true, a healthy member leaving is the server dropping it. */
  watching = true;
  private readonly tracks = new Map<string, Map<string, Track>>(); // receiver id -> sender id -> track

  constructor(private readonly started: number) {}

  addHealthy(id: string): void {
    this.healthyIds.add(id);
    this.tracks.set(id, new Map());
    this.sentBy.set(id, 0);
  }

  /** A line, as member `receiver` received it. */
  onLine(receiver: string, line: string): void {
    if (!this.healthyIds.has(receiver)) return;
    const m = /^<[^>]+> soak (\S+) (\d+) /.exec(line);
    if (m) return this.chatLine(receiver, m[1]!, Number(m[2]));
    const left = /^\*\*\* (\S+) left/.exec(line);
    const who = left?.[1];
    if (who && this.healthyIds.has(who) && this.watching && !this.droppedByServer.has(who)) {
      // The server let a healthy member go: over UDP its client cannot even tell.
      const atS = Math.round((performance.now() - this.started) / 1000);
      this.droppedByServer.set(who, `${line} (seen by ${receiver} at ${atS}s)`);
    }
    if (line.startsWith("!!! ") || line.includes("shutting down")) this.surprises.push(`${receiver} got: ${line}`);
  }

  private chatLine(receiver: string, sender: string, seq: number): void {
    if (!this.healthyIds.has(sender)) {
      this.churnDelivered++;
      return;
    }
    const byReceiver = this.tracks.get(receiver)!;
    let t = byReceiver.get(sender);
    if (!t) byReceiver.set(sender, (t = { seen: new Set(), max: -1, duplicates: 0, reordered: 0 }));
    if (t.seen.has(seq)) t.duplicates++;
    else if (seq < t.max) t.reordered++;
    t.seen.add(seq);
    t.max = Math.max(t.max, seq);
  }

  /** Deliveries expected and made between the healthy members, by the receiver's transport. */
  expectedAndDelivered(healthy: Member[]) {
    const by = { tcp: { expected: 0, delivered: 0 }, udp: { expected: 0, delivered: 0 } };
    let duplicates = 0;
    let reordered = 0;
    for (const r of healthy) {
      for (const s of healthy) {
        if (s === r) continue;
        const t = this.tracks.get(r.id)!.get(s.id);
        by[r.transport].expected += this.sentBy.get(s.id)!;
        by[r.transport].delivered += t?.seen.size ?? 0;
        duplicates += t?.duplicates ?? 0;
        reordered += t?.reordered ?? 0;
      }
    }
    return { by, duplicates, reordered };
  }

  /** "ID N" for each healthy sender some of whose lines some healthy member missed. */
  lossBySender(healthy: Member[]): string[] {
    return healthy
      .map((s) => {
        let missing = 0;
        for (const r of healthy) {
          if (r !== s) missing += this.sentBy.get(s.id)! - (this.tracks.get(r.id)!.get(s.id)?.seen.size ?? 0);
        }
        return missing ? `${s.id} ${missing}` : "";
      })
      .filter(Boolean);
  }
}
