/**
 * Who is on the other hubs, pure: each linked hub keeps this copy of the other
 * hubs' members, fed by their roster messages (src/link/wire.ts), so that `/who`
 * and `/msg` are answered at once, without a round trip to Redis.
 *
 * It is a copy, so it can lag: a member who joined elsewhere a moment ago may
 * not be in it yet. Nick uniqueness does not rely on it (that is the atomic
 * claim in Redis); it only turns most clashes away early.
 */
import { nickKey } from "../protocol.ts";

/**
 * Members held in roster parts (`more: true`) waiting for their last part, all
 * hubs together, at most: 32 parts of 2,048 (src/link/wire.ts ROSTER_PART).
 * Anything that can write to Redis can send parts and never the last; past
 * this, the parts of the hub whose part overflows are let go, and so is the
 * rest of that roster (up to its last part): that hub's members are then known
 * from its `member` and `gone` news alone. A roster's parts come one after the
 * other, in one batch or the next, so a real hub's roster is never in doubt
 * below this (a server of more than 65,536 members would be).
 */
export const MAX_ROSTER_HELD = 65_536;

export interface RemoteMember {
  hub: string;
  id: string;
  nick: string;
}

export interface RosterChange {
  joined: string[];
  left: string[];
}

export class Roster {
  /** hub -> member id -> nick */
  private hubs = new Map<string, Map<string, string>>();
  /** nick key -> the member holding it */
  private byKey = new Map<string, RemoteMember>();
  /** Roster parts received, per hub, until the last one; and how many members they hold, all hubs. */
  private parts = new Map<string, [string, string][]>();
  private held = 0;
  /** Hubs whose roster was let go (too big): their parts are skipped up to the last one. */
  private skipping = new Set<string>();

  /** Member `id` of `hub` now holds `nick` (it arrived, or was renamed). Returns its previous nick. */
  set(hub: string, id: string, nick: string): string | undefined {
    let members = this.hubs.get(hub);
    if (!members) this.hubs.set(hub, (members = new Map()));
    const previous = members.get(id);
    if (previous !== undefined) this.unindex(hub, id, previous);
    members.set(id, nick);
    this.byKey.set(nickKey(nick), { hub, id, nick });
    return previous;
  }

  /** Member `id` of `hub` has gone. Returns its nick, if it was known. */
  remove(hub: string, id: string): string | undefined {
    const members = this.hubs.get(hub);
    const nick = members?.get(id);
    if (nick === undefined) return undefined;
    members!.delete(id);
    if (members!.size === 0) this.hubs.delete(hub);
    this.unindex(hub, id, nick);
    return nick;
  }

  /** Every member of `hub` has gone (the hub stopped answering). Returns their nicks. */
  dropHub(hub: string): string[] {
    const nicks: string[] = [];
    for (const id of [...(this.hubs.get(hub)?.keys() ?? [])]) {
      const nick = this.remove(hub, id);
      if (nick !== undefined) nicks.push(nick);
    }
    this.letGo(hub);
    this.skipping.delete(hub);
    return nicks;
  }

  /**
   * A part of `hub`'s whole roster. With the last part, the hub's members are
   * replaced by the roster, and what changed is returned (members we had not heard
   * of, members we had that are gone): news that was lost on the way. Undefined
   * while more parts are to come; "too big" when the parts held would pass
   * MAX_ROSTER_HELD (then that roster is let go, up to its last part).
   */
  rosterPart(hub: string, members: [string, string][], more: boolean): RosterChange | "too big" | undefined {
    if (this.skipping.has(hub)) {
      if (!more) this.skipping.delete(hub);
      return undefined;
    }
    if (more && this.held + members.length > MAX_ROSTER_HELD) {
      this.letGo(hub);
      this.skipping.add(hub);
      return "too big";
    }
    const got = this.parts.get(hub) ?? [];
    this.letGo(hub);
    for (const pair of members) got.push(pair); // not concat: a roster of many parts is not copied again per part
    if (more) {
      this.parts.set(hub, got);
      this.held += got.length;
      return undefined;
    }
    const change: RosterChange = { joined: [], left: [] };
    const now = new Map(got);
    for (const [id, nick] of [...(this.hubs.get(hub) ?? [])]) {
      if (now.has(id)) continue;
      this.remove(hub, id);
      change.left.push(nick);
    }
    for (const [id, nick] of now) {
      const previous = this.hubs.get(hub)?.get(id);
      if (previous === nick) continue;
      this.set(hub, id, nick); // a rename we missed is taken quietly
      if (previous === undefined) change.joined.push(nick);
    }
    return change;
  }

  /** Who holds this nick elsewhere (any case). */
  find(nick: string): RemoteMember | undefined {
    return this.byKey.get(nickKey(nick));
  }

  /** Every member on the other hubs, hub by hub. */
  nicks(): string[] {
    const out: string[] = [];
    for (const members of this.hubs.values()) out.push(...members.values());
    return out;
  }

  /** Hubs with members. */
  hubIds(): string[] {
    return [...this.hubs.keys()];
  }

  get size(): number {
    let n = 0;
    for (const members of this.hubs.values()) n += members.size;
    return n;
  }

  /** Members held in roster parts now, all hubs (for tests: bounded by MAX_ROSTER_HELD). */
  get heldInParts(): number {
    return this.held;
  }

  /** Lets go of the parts held for `hub`. */
  private letGo(hub: string): void {
    this.held -= this.parts.get(hub)?.length ?? 0;
    this.parts.delete(hub);
  }

  private unindex(hub: string, id: string, nick: string): void {
    const key = nickKey(nick);
    const holder = this.byKey.get(key);
    if (holder && holder.hub === hub && holder.id === id) this.byKey.delete(key);
  }
}
