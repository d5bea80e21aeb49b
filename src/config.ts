/**
 * Settings, as the article's settings.py: where to listen, how long a line may
 * be, which language to speak, and the limits that keep one client from hurting
 * the others. Every limit is also a command-line option (see src/server.ts).
 */
import { MAX_LINE_BYTES } from "./protocol.ts";
import { langFromEnv, type Lang } from "./i18n.ts";

export interface Settings {
  host: string;
  port: number;
  lang: Lang;
  /** Longest line in bytes, without its newline (the article's BUFFERSIZE). */
  maxLineBytes: number;
  /** A TCP client with more than this many bytes waiting to be written is dropped. */
  maxQueueBytes: number;
  /** Most members in the room at once. */
  maxClients: number;
  /** Most members from one IP address. */
  maxPerAddress: number;
  /** Flood control: lines a member may send at once, then `floodRate` lines per second. 0 turns it off. */
  floodBurst: number;
  floodRate: number;
  /** A UDP member silent this long (ms) is removed. */
  udpTimeoutMs: number;
  /** A TCP member silent this long (ms) is asked whether it is still there, then closed; 0 = never. */
  idleTimeoutMs: number;
  /**
   * Past this many members, joins and leaves are no longer announced one by one
   * (N joins would make N²/2 notices) but summed up once per `summaryIntervalMs`.
   */
  summarizeAbove: number;
  summaryIntervalMs: number;
}

export const DEFAULTS: Settings = {
  host: "127.0.0.1",
  port: 9009,
  lang: langFromEnv(),
  maxLineBytes: MAX_LINE_BYTES,
  maxQueueBytes: 256 * 1024,
  maxClients: 1000,
  maxPerAddress: 100,
  floodBurst: 20,
  floodRate: 5,
  udpTimeoutMs: 120_000,
  idleTimeoutMs: 0,
  summarizeAbove: 100,
  summaryIntervalMs: 10_000,
};

/** How often the kit's UDP client says it is still there. */
export const UDP_HEARTBEAT_MS = 20_000;

// The room in a browser (--web).

/** Where `--web` serves the page when it is given no port. */
export const WEB_PORT = 8080;
