/**
 * What a hub can be told, and what it does unless told: the limits that keep
 * one client from hurting the others, in one place (src/config.ts has the
 * server's defaults, src/server.ts the command line that sets them).
 */
import { DEFAULTS } from "../config.ts";
import type { Lang } from "../i18n.ts";
import type { Clock } from "./clock.ts";
import { realClock } from "./clock.ts";
import type { FloodLimits } from "./flood-gate.ts";

export interface HubOptions {
  lang?: Lang;
  maxClients?: number;
  maxPerAddress?: number;
  /** Lines a member may send at once before flood control delays them; 0 = no flood control. */
  floodBurst?: number;
  /** Lines per second a member may send after the burst. */
  floodRate?: number;
  /** Delayed lines held per member; past this, lines are refused with a notice. */
  floodQueue?: number;
  maxLineBytes?: number;
  /** Past this many members, joins and leaves are summed up once per `summaryIntervalMs` instead of announced. */
  summarizeAbove?: number;
  summaryIntervalMs?: number;
  /**
   * How long a newcomer's join waits for its first line before it is announced.
   * A client that sets its nick as it connects (`/nick bob` first) is then
   * announced once, as `bob joined`; a person at `nc` who says nothing is
   * announced when this runs out.
   */
  joinHoldMs?: number;
  log?: (line: string) => void;
  clock?: Clock;
}

/** The default wait for a newcomer's first line: short enough to feel prompt, long enough for a round trip. */
export const JOIN_HOLD_MS = 500;

/** A hub's settings, every default filled in. */
export interface HubSettings {
  lang: Lang;
  maxClients: number;
  maxPerAddress: number;
  maxLineBytes: number;
  joinHoldMs: number;
  flood: FloodLimits;
  summarizeAbove: number;
  summaryIntervalMs: number;
  log: (line: string) => void;
  clock: Clock;
}

export function hubSettings(options: HubOptions): HubSettings {
  const burst = options.floodBurst ?? DEFAULTS.floodBurst;
  return {
    // English unless told: a hub in a test must not speak the machine's locale.
    lang: options.lang ?? "en",
    maxClients: options.maxClients ?? DEFAULTS.maxClients,
    maxPerAddress: options.maxPerAddress ?? DEFAULTS.maxPerAddress,
    maxLineBytes: options.maxLineBytes ?? DEFAULTS.maxLineBytes,
    joinHoldMs: options.joinHoldMs ?? JOIN_HOLD_MS,
    flood: {
      burst,
      rate: options.floodRate ?? DEFAULTS.floodRate,
      queue: options.floodQueue ?? Math.max(50, burst * 5),
    },
    summarizeAbove: options.summarizeAbove ?? DEFAULTS.summarizeAbove,
    summaryIntervalMs: options.summaryIntervalMs ?? DEFAULTS.summaryIntervalMs,
    log: options.log ?? (() => {}),
    clock: options.clock ?? realClock,
  };
}
