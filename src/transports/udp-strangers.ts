/**
 * UDP, who is not a member yet: the server's table of strangers. Pure: no
 * socket here, and the time is given.
 *
 * Anyone can forge a source address, so a new address is only a *stranger*:
 * nothing it sends is relayed, and it is never sent more than 3× the bytes it
 * sent (QUIC's rule; else the server could be used to flood a victim:
 * reflection). Within that budget it is told the line to type to join,
 * `/join TOKEN`; only a client that really receives at that address can send
 * the token back and become a member.
 *
 * A forged address cannot see its token, so it can only guess: one guess per
 * datagram, three per token (then the token is void and a fresh one issued),
 * and a token lives a fixed time from its issue, whatever the stranger sends.
 * docs/SECURITY.md has what a blind join costs.
 *
 * Members removed for their silence are remembered here a while too: if one
 * speaks again, it is told its line went nowhere (src/transports/udp-server.ts).
 */

/** Strangers remembered at once (their tokens and byte budgets); the oldest are forgotten first. */
const MAX_STRANGERS = 4096;
/** A stranger's token expires this long after it was issued, whatever the stranger sends meanwhile. */
export const TOKEN_LIFE_MS = 60_000;
/** Wrong guesses at one token: at the last, the token is void and a fresh one is issued. */
export const MAX_WRONG_GUESSES = 3;
/** A stranger is sent at most this many times the bytes received from it (QUIC, RFC 9000 §8.1). */
const AMPLIFICATION_LIMIT = 3;
/** Members removed for their silence, remembered this long (and at most MAX_STRANGERS of them). */
const REMOVED_TTL_MS = 10 * 60_000;
/** What a token looks like: 8 hex digits. A `/join` argument of that shape is a guess, never a nick. */
const TOKEN_SHAPE = /^[0-9a-f]{8}$/i;

export interface Stranger {
  token: string;
  /** When its token was issued: it is void `tokenLifeMs` later. */
  issuedAt: number;
  /** Wrong guesses at this token so far. */
  wrong: number;
  /** 3× the bytes received, less what we sent it: the most we may send it now. */
  budget: number;
  /** The nick its join request asked for. */
  wantedNick: string | undefined;
}

/** What one datagram's `/join` lines come to. */
export type JoinAttempt = "joined" | "wrong" | "none";

function fresh(now: number): Stranger {
  return { token: randomToken(), issuedAt: now, wrong: 0, budget: 0, wantedNick: undefined };
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Remembers `value` under `key` as the newest; when full, the oldest is forgotten first. */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= MAX_STRANGERS) map.delete(map.keys().next().value!);
  map.delete(key);
  map.set(key, value);
}

export class Strangers {
  /** "address|port" -> its stranger record. */
  private readonly strangers = new Map<string, Stranger>();
  /** Addresses removed for their silence: when, and after how long a silence (text, for the notice). */
  private readonly removed = new Map<string, { at: number; silence: string }>();

  /** `tokenLifeMs`: how long a token lives (shorter only for tests: src/server.ts). */
  constructor(private readonly tokenLifeMs = TOKEN_LIFE_MS) {}

  /**
   * A datagram of `bytes` from an address that is not a member: its stranger
   * record (new, or with a new token if its own expired), with the budget that
   * datagram paid for. Datagrams pay for answers; they never keep a token alive.
   */
  heard(key: string, bytes: number, now: number): Stranger {
    let stranger = this.strangers.get(key);
    if (!stranger || now - stranger.issuedAt > this.tokenLifeMs) {
      stranger = fresh(now);
      remember(this.strangers, key, stranger);
    }
    stranger.budget += AMPLIFICATION_LIMIT * bytes;
    return stranger;
  }

  /**
   * The `/join` lines of one datagram of a stranger's (their arguments). One
   * guess per datagram at most: a datagram of several `/join` lines is one
   * wrong guess, whatever they say, so that guesses cost a datagram each.
   *
   * - Its token: it received the token at its address, so it is who it says it
   *   is, and no longer a stranger ("joined").
   * - 8 hex digits, not its token: a wrong guess ("wrong"), never a nick. At the
   *   third, the token is void and a fresh one issued: a fresh challenge is due.
   * - Anything else: the nick it asks for (`/join alice`), not a guess.
   */
  tryJoin(key: string, stranger: Stranger, joinArgs: string[], now: number): JoinAttempt {
    if (joinArgs.length === 0) return "none";
    const word = joinArgs[0]!.split(/\s+/)[0]!;
    if (joinArgs.length === 1 && word.toLowerCase() === stranger.token) {
      this.strangers.delete(key);
      return "joined";
    }
    if (joinArgs.length > 1 || TOKEN_SHAPE.test(word)) {
      if (++stranger.wrong >= MAX_WRONG_GUESSES) {
        stranger.token = randomToken();
        stranger.issuedAt = now;
        stranger.wrong = 0;
      }
      return "wrong";
    }
    if (word) stranger.wantedNick = word;
    return "none";
  }

  /** A stranger with a fresh token and no budget (for an address that proved itself before). */
  renew(key: string, now: number): Stranger {
    const stranger = fresh(now);
    remember(this.strangers, key, stranger);
    return stranger;
  }

  /** A member removed for its silence (`silence`: how long, as said to it): remembered a while. */
  removedMember(key: string, silence: string, now: number): void {
    remember(this.removed, key, { at: now, silence });
  }

  /**
   * Was this address a member removed for its silence, recently? Its silence,
   * as said to it, or undefined. Asked once: the address is forgotten here.
   */
  takeRemoved(key: string, now: number): string | undefined {
    const removed = this.removed.get(key);
    if (!removed) return undefined;
    this.removed.delete(key);
    return now - removed.at <= REMOVED_TTL_MS ? removed.silence : undefined;
  }

  /** Forgets strangers whose token expired, and members removed long ago. */
  sweep(now: number): void {
    const stale = now - this.tokenLifeMs;
    for (const [key, s] of this.strangers) if (s.issuedAt < stale) this.strangers.delete(key);
    for (const [key, r] of this.removed) if (now - r.at > REMOVED_TTL_MS) this.removed.delete(key);
  }
}
