/**
 * What the parts of one link share: its hub, its two connections to Redis, the
 * keys and timing, its counters, and how it tells the log and the members what
 * happened. src/link/redis-room.ts makes one per link and hands it to each part:
 * health.ts, sender.ts, reader.ts, claims.ts and hubs.ts.
 */
import type { Notice, SkipReason } from "../notices.ts";
import type { LinkedHub } from "../room.ts";
import type { RedisLine } from "./redis-line.ts";

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

export const DEFAULT_TIMING: LinkTiming = {
  heartbeatMs: 1000,
  hubTtlMs: 5000,
  downAfterMs: 1500,
  retryMs: 250,
  windowMs: 10_000,
  historyMs: 30_000,
  claimWaitMs: 1000,
  connectTimeoutMs: 3000,
};

/** How long a hub's stream outlives the hub's last beat (PEXPIRE): twice what the stream keeps. */
export function streamTtlMs(timing: LinkTiming): number {
  return 2 * timing.historyMs;
}

/** What happened to the link, for the server's log (which words it). */
export type LinkEvent =
  | { kind: "down" }
  /** Redis answered `command` with an error: the link is down until it takes it again. */
  | { kind: "refused"; command: string; error: string }
  | { kind: "back" }
  | { kind: "hub-lost"; hub: string; members: number }
  /** A hub's roster came in more parts than are held (`max` members): let go, its members known from its news. */
  | { kind: "roster-too-big"; hub: string; max: number }
  | { kind: "skipped"; id: string; why: SkipReason }
  /** A message of stream entry `id` was not one (`sample`): dropped alone, the rest of the entry delivered. */
  | { kind: "message-dropped"; id: string; sample: string }
  /** After the first few skipped entries and dropped messages, once: the rest are only counted. */
  | { kind: "skips-unlogged"; after: number };

/**
 * Keys, under a prefix (default "chat"):
 *   PREFIX:stream:HUB  a hub's share of the room: one entry per batch (src/link/wire.ts),
 *                      written by that hub alone, read by every other hub
 *   PREFIX:hubs        arrivals: a hub adds its id here each time it joins the link,
 *                      so that the others start reading its stream at once
 *   PREFIX:hub:HUB     a hub's heartbeat: expires when the hub stops answering (and
 *                      how a hub that starts finds the hubs already there: SCAN)
 *   PREFIX:nicks       nick claims: hash of nick key -> "HUB MEMBER NICK"
 */
export interface LinkKeys {
  stream(hub: string): string;
  /** The hub whose stream `key` is, or undefined. */
  streamHub(key: string): string | undefined;
  arrivals: string;
  nicks: string;
  hub(id: string): string;
  /** A SCAN pattern for every hub's heartbeat key. */
  hubPattern: string;
}

export function linkKeys(prefix: string): LinkKeys {
  const streams = `${prefix}:stream:`;
  const hubs = `${prefix}:hub:`;
  return {
    stream: (hub) => streams + hub,
    streamHub: (key) => (key.startsWith(streams) ? key.slice(streams.length) : undefined),
    arrivals: `${prefix}:hubs`,
    nicks: `${prefix}:nicks`,
    hub: (id) => hubs + id,
    // SCAN's MATCH is a glob: a prefix's own *, ?, [ and \ are taken literally.
    hubPattern: `${hubs.replace(/[*?[\]\\]/g, "\\$&")}*`,
  };
}

/** Counters, for the server's log and for tests. */
export interface LinkCounts {
  batchesSent: number;
  batchesRead: number;
  duplicates: number;
  missingBatches: number;
  skipped: number;
  /** Messages dropped alone from entries whose other messages were delivered. */
  droppedMessages: number;
  droppedLines: number;
  hubsLost: number;
}

export function newCounts(): LinkCounts {
  return {
    batchesSent: 0,
    batchesRead: 0,
    duplicates: 0,
    missingBatches: 0,
    skipped: 0,
    droppedMessages: 0,
    droppedLines: 0,
    hubsLost: 0,
  };
}

export interface LinkContext {
  /** This hub's id on the link: new each time a server starts. */
  readonly hubId: string;
  /** The hub this link serves. */
  readonly hub: LinkedHub;
  readonly keys: LinkKeys;
  readonly timing: LinkTiming;
  /** The connection that writes: XADD, claims, heartbeats. */
  readonly writer: RedisLine;
  /** The connection that waits in XREAD BLOCK. */
  readonly reader: RedisLine;
  readonly counts: LinkCounts;
  /** Closed (or dropped): every part stops. */
  readonly closed: boolean;
  /** Tells the server's log. */
  report(event: LinkEvent): void;
  /** Redis answered `command` with an error (src/link/health.ts isRefusal): the link is down until it takes it. */
  refused(command: string, error: unknown): void;
  /** News about the link, for this hub's members. */
  tell(notice: Notice): void;
}
