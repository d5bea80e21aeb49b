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
 * Members removed for their silence are remembered here a while too: if one
 * speaks again, it is told its line went nowhere (src/transports/udp-server.ts).
 */

/** Strangers remembered at once (their tokens and byte budgets); the oldest are forgotten first. */
const MAX_STRANGERS = 4096;
/** A stranger's token expires after this long. */
const STRANGER_TTL_MS = 60_000;
/** A stranger is sent at most this many times the bytes received from it (QUIC, RFC 9000 §8.1). */
const AMPLIFICATION_LIMIT = 3;
/** Members removed for their silence, remembered this long (and at most MAX_STRANGERS of them). */
const REMOVED_TTL_MS = 10 * 60_000;

export interface Stranger {
  token: string;
  /** 3× the bytes received, less what we sent it: the most we may send it now. */
  budget: number;
  /** The nick its join request asked for. */
  wantedNick: string | undefined;
  seenAt: number;
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

  /**
   * A datagram of `bytes` from an address that is not a member: its stranger
   * record (new, or renewed), with the budget that datagram paid for.
   */
  heard(key: string, bytes: number, now: number): Stranger {
    let stranger = this.strangers.get(key);
    if (!stranger || now - stranger.seenAt > STRANGER_TTL_MS) {
      stranger = { token: randomToken(), budget: 0, wantedNick: undefined, seenAt: now };
      remember(this.strangers, key, stranger);
    }
    stranger.seenAt = now;
    stranger.budget += AMPLIFICATION_LIMIT * bytes;
    return stranger;
  }

  /**
   * The `/join` requests of a stranger's datagram, in order. True when one names
   * its token: it received the token at its address, so it is who it says it is,
   * and no longer a stranger. A request that names something else is the nick it asks for.
   */
  tryJoin(key: string, stranger: Stranger, joinArgs: string[]): boolean {
    for (const arg of joinArgs) {
      if (arg === stranger.token) {
        this.strangers.delete(key);
        return true;
      }
      if (arg) stranger.wantedNick = arg.split(/\s+/)[0];
    }
    return false;
  }

  /** A stranger with a fresh token and no budget (for an address that proved itself before). */
  renew(key: string, now: number): Stranger {
    const stranger = { token: randomToken(), budget: 0, wantedNick: undefined, seenAt: now };
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
    const stale = now - STRANGER_TTL_MS;
    for (const [key, s] of this.strangers) if (s.seenAt < stale) this.strangers.delete(key);
    for (const [key, r] of this.removed) if (now - r.at > REMOVED_TTL_MS) this.removed.delete(key);
  }
}
