/**
 * The linked soak's history, and its checker, in the spirit of Jepsen: every
 * line each member sent (its number and when), and everything each member
 * received (lines, and the notices that announce a gap), then judged per
 * sender at every receiver:
 *
 * - a TCP member gets every line of every other member once, in order;
 * - a UDP member gets each at most once, in order;
 * - every line missing is announced: by `some lines from the other servers were
 *   lost on the way` at the receiver (arriving in the gap: after the sender's
 *   line received before it, at latest with the one received after it), by `... did not reach the other servers` on
 *   the sender's server, by `SENDER left (their server stopped answering)` for
 *   what a killed server never passed on, or (UDP) by the server's own count of
 *   datagrams sent that never arrived (what the kit's client shows as `N lines
 *   lost`). A missing line with none of these is an unannounced loss.
 *
 * Judged receivers are those whose own server was never killed while they were
 * in the room; a line is expected at a receiver when it was sent while the
 * receiver was in the room. Pure: no sockets, no clock of its own.
 *
 * The `stopped answering` notice may come well after the talk has ended, and
 * must still be heard: the others take a killed server for gone only when its
 * heartbeat is missing, up to a heartbeat's life (5 s) and a beat after its
 * last beat; and when Redis restarted empty meanwhile (every heartbeat lost),
 * a whole life and a beat after the link is back, since a live server must
 * first have had time to renew its key (src/link/hubs.ts). A server killed at
 * 13 s, Redis killed at 15 s and back at 17 s: the notice comes at about 24 s.
 * So the soak asks `owedServerLost()` and, while notices are owed, keeps
 * listening for up to that bound after its last fault (linked.ts); one that
 * never comes leaves the loss unannounced.
 */
import type { Transport } from "../harness/index.ts";

/** How long after a line a notice still announces it: the stream's history. */
const NOTICE_REACH_MS = 30_000;

type Heard =
  | { kind: "line"; at: number; sender: string; seq: number }
  | { kind: "lost-on-the-way"; at: number }
  | { kind: "not-reached"; at: number }
  | { kind: "server-lost"; at: number; nick: string };

interface Life {
  id: string;
  transport: Transport;
  server: number;
  joinedAt: number;
  endedAt: number;
  /** Its server was killed while it was in the room. */
  killed: boolean;
  sent: number[]; // sent[seq] = when
  heard: Heard[];
  /** UDP: datagrams the server counted as sent to it that never arrived (undefined: not asked). */
  udpLost?: number;
}

export interface Figures {
  members: number;
  judged: number;
  linesSent: number;
  expected: number;
  delivered: number;
  lost: number;
  announced: number;
  unannounced: number;
  doubled: number;
  reordered: number;
  /** Notices that announce a gap, heard by judged members. */
  gapNotices: number;
  /** "RECEIVER <- SENDER: seq N sent at Ts", the first few unannounced losses. */
  examples: string[];
}

export class History {
  private readonly lives = new Map<string, Life>();

  joined(id: string, transport: Transport, server: number, at: number): void {
    this.lives.set(id, { id, transport, server, joinedAt: at, endedAt: Infinity, killed: false, sent: [], heard: [] });
  }

  /** `id` sent its line number `seq` (from 0, one after another). */
  sent(id: string, seq: number, at: number): void {
    this.lives.get(id)!.sent[seq] = at;
  }

  /** `id` left the room: its server was killed, or the run ended. */
  ended(id: string, at: number, killed: boolean): void {
    const life = this.lives.get(id)!;
    life.endedAt = Math.min(life.endedAt, at);
    life.killed ||= killed;
  }

  udpLost(id: string, datagrams: number): void {
    this.lives.get(id)!.udpLost = datagrams;
  }

  /** A line `id` received. */
  heard(id: string, line: string, at: number): void {
    const life = this.lives.get(id);
    if (!life || at > life.endedAt) return;
    const chat = /^<[^>]+> soak (\S+) (\d+)\b/.exec(line);
    if (chat) return void life.heard.push({ kind: "line", at, sender: chat[1]!, seq: Number(chat[2]) });
    if (/^\*\*\* .*lost on the way/.test(line)) life.heard.push({ kind: "lost-on-the-way", at });
    else if (/^\*\*\* .*did not reach the other servers/.test(line)) life.heard.push({ kind: "not-reached", at });
    else {
      const gone = /^\*\*\* (\S+) left \(their server stopped answering\)$/.exec(line);
      if (gone) life.heard.push({ kind: "server-lost", at, nick: gone[1]! });
    }
  }

  /** The lines each member has sent so far, and received from members it is judged on. */
  progress(): { expected: number; delivered: number } {
    const f = this.check();
    return { expected: f.expected, delivered: f.delivered };
  }

  /**
   * Notices still owed: receivers (judged) missing the last lines of a member whose
   * server was killed, and not yet told that member left (their server stopped
   * answering). Zero once every such loss is announced, or there is none.
   */
  owedServerLost(): number {
    const lives = [...this.lives.values()];
    let owed = 0;
    for (const r of lives) {
      if (r.killed) continue;
      for (const s of lives) {
        if (s === r || !s.killed) continue;
        if (r.heard.some((h) => h.kind === "server-lost" && h.nick === s.id)) continue;
        const got = new Set(r.heard.flatMap((h) => (h.kind === "line" && h.sender === s.id ? [h.seq] : [])));
        const max = Math.max(-1, ...got);
        const missing = s.sent.some((at, seq) => at > r.joinedAt && at < r.endedAt && seq > max && !got.has(seq));
        if (missing) owed++;
      }
    }
    return owed;
  }

  check(): Figures {
    const lives = [...this.lives.values()];
    const f: Figures = {
      members: lives.length,
      judged: 0,
      linesSent: lives.reduce((n, l) => n + l.sent.length, 0),
      expected: 0,
      delivered: 0,
      lost: 0,
      announced: 0,
      unannounced: 0,
      doubled: 0,
      reordered: 0,
      gapNotices: 0,
      examples: [],
    };
    // "did not reach the other servers", as heard on each server: it announces that server's senders' gaps.
    const notReached = new Map<number, number[]>();
    for (const l of lives) {
      for (const h of l.heard)
        if (h.kind === "not-reached") notReached.set(l.server, [...(notReached.get(l.server) ?? []), h.at]);
    }
    for (const r of lives) {
      if (r.killed) continue;
      f.judged++;
      f.gapNotices += r.heard.filter((h) => h.kind !== "line").length;
      const lostNotices = r.heard.filter((h) => h.kind === "lost-on-the-way").map((h) => h.at);
      let udpBudget = r.udpLost ?? 0;
      for (const s of lives) {
        if (s === r) continue;
        const got = r.heard.filter((h): h is Heard & { kind: "line" } => h.kind === "line" && h.sender === s.id);
        const seen = new Set<number>();
        let max = -1;
        for (const g of got) {
          if (seen.has(g.seq)) f.doubled++;
          else if (g.seq < max) f.reordered++;
          seen.add(g.seq);
          max = Math.max(max, g.seq);
        }
        const serverLost = r.heard.some((h) => h.kind === "server-lost" && h.nick === s.id);
        const arrival = new Map(got.map((g) => [g.seq, g.at]));
        const received = [...seen].sort((a, b) => a - b);
        /**
         * A "lost on the way" notice announces the gap it arrived in: after the line of the
         * sender received before the gap, and at latest with the one received after it.
         */
        const inGap = (seq: number, sentAt: number) => {
          const i = received.findIndex((n) => n > seq);
          const before = i === 0 ? undefined : received[i === -1 ? received.length - 1 : i - 1];
          const after = i === -1 ? undefined : received[i];
          const from = before === undefined ? sentAt : arrival.get(before)!;
          const to = after === undefined ? Infinity : arrival.get(after)!;
          return lostNotices.some((n) => n >= from && n <= to && n >= sentAt - NOTICE_REACH_MS);
        };
        s.sent.forEach((at, seq) => {
          if (at <= r.joinedAt || at >= r.endedAt) return;
          f.expected++;
          if (seen.has(seq)) return void f.delivered++;
          f.lost++;
          const announced =
            (s.killed && serverLost && seq > max) ||
            inGap(seq, at) ||
            (notReached.get(s.server) ?? []).some((n) => n >= at && n - at <= NOTICE_REACH_MS) ||
            (r.transport === "udp" && udpBudget-- > 0);
          if (announced) f.announced++;
          else {
            f.unannounced++;
            if (f.examples.length < 8)
              f.examples.push(`${r.id} <- ${s.id}: line ${seq}, sent at ${(at / 1000).toFixed(1)}s`);
          }
        });
      }
    }
    return f;
  }
}
