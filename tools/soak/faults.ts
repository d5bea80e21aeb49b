/**
 * The linked soak's faults, on a seeded schedule: which fault, on what, for how
 * long, and the quiet between two. The same seed gives the same schedule.
 *
 *   redis-kill      Redis killed (kill -9) and started again, empty
 *   redis-stop      Redis stopped (SIGSTOP), then continued (SIGCONT)
 *   pause-write     Redis told CLIENT PAUSE WRITE: writes wait, reads are answered
 *   stream-broken   every server's stream key replaced by a string, then deleted (repaired)
 *   server-stop     one server stopped (SIGSTOP), then continued, within its
 *                   heartbeat's life (5 s): the others must not take it for gone
 *   server-kill     one server killed (kill -9) and started again on its port;
 *                   its members are gone with it, and new ones join it
 */

export const FAULT_KINDS = [
  "redis-kill",
  "redis-stop",
  "pause-write",
  "stream-broken",
  "server-stop",
  "server-kill",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface ScheduledFault {
  kind: FaultKind;
  /** When it starts, ms from the start of the schedule. */
  atMs: number;
  /** How long it lasts. */
  forMs: number;
  /** The server it concerns (server-stop, server-kill), by index. */
  server: number;
}

/**
 * Faults from `firstMs` until `lastMs`, one at a time: every kind once in a
 * seeded order, then again in another, each lasting `holdMs` and followed by
 * `quietMs` of quiet (each a [min, max] range).
 */
export function faultSchedule(
  random: () => number,
  o: { firstMs: number; lastMs: number; servers: number; holdMs: [number, number]; quietMs: [number, number] },
): ScheduledFault[] {
  const between = ([min, max]: [number, number]) => Math.round(min + random() * (max - min));
  const out: ScheduledFault[] = [];
  let at = o.firstMs;
  let cycle: FaultKind[] = [];
  for (;;) {
    if (cycle.length === 0) cycle = shuffle([...FAULT_KINDS], random);
    const kind = cycle.shift()!;
    const forMs = between(o.holdMs);
    if (at + forMs > o.lastMs) return out;
    out.push({ kind, atMs: at, forMs, server: Math.floor(random() * o.servers) });
    at += forMs + between(o.quietMs);
  }
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
