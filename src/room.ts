import type { Notice } from "./notices.ts";

export type { Notice };

/**
 * The seam between a hub and its room, pure: what the hub asks of the room
 * (publish a line, claim a nick, who is elsewhere, a private line elsewhere),
 * and what a room spread over several hubs needs of the hub (src/link/).
 *
 * A room on one machine (`localRoom`, the default) answers every question at
 * once and delivers straight back to its hub. A room spread over several hubs
 * has to ask the others, so its answers may come later: the hub (src/hub.ts)
 * is written so that either is right.
 */

/** A line for the room: every member gets it but the one it came from. */
export interface RoomMessage {
  text: string;
  /** Member id that must not receive it (the sender), if any. */
  except?: string;
  /** Only this member receives it (a private line that came from another hub). */
  to?: string;
  /**
   * What the line says, when it is news about the room rather than chat: each
   * hub words it in its own language (and `text` is then this hub's wording).
   */
  notice?: Notice;
}

/** A member as the room knows it: its id on its hub, and its nick ("" before it has one). */
export interface MemberRef {
  readonly id: string;
  readonly nick: string;
}

/**
 * Where the hub sends what is for the room. The hub checks everything it can
 * itself (its own members' nicks, flood control, sanitising) before it asks.
 * A room on one machine (the default) answers every question at once; a room
 * spread over several hubs (src/link/) asks the others, so answers may come later.
 */
export interface Room {
  /** A line (or a notice) for every member of the room but `except`: this hub's and every other hub's. */
  publish(message: RoomMessage): void;
  /**
   * Hold `nick` for `member` room-wide; its previous nick, if any, is let go
   * once it holds the new one. `done(true)` when the nick is now the member's,
   * `done(false)` when a member elsewhere has it. May call `done` before returning.
   */
  claim(member: MemberRef, nick: string, done: (ok: boolean) => void): void;
  /** The member left: its nick is free again. */
  release(member: MemberRef): void;
  /** The members of the other hubs, by nick (none for a room on one machine). */
  elsewhere(): string[];
  /** How many members the other hubs have (as `elsewhere().length`, without the list). */
  elsewhereCount(): number;
  /**
   * A private line for the member called `to` on another hub. Returns that
   * member's nick as it is written, or undefined when no other hub has it.
   */
  whisper(to: string, text: string): string | undefined;
}

/**
 * The room on one machine: what is published is delivered here, and there is
 * nobody elsewhere. The hub has already checked its own members' nicks.
 */
export function localRoom(hub: { deliver(message: RoomMessage): void }): Room {
  return {
    publish: (message) => hub.deliver(message),
    claim: (_member, _nick, done) => done(true),
    release: () => {},
    elsewhere: () => [],
    elsewhereCount: () => 0,
    whisper: () => undefined,
  };
}

/** What a room spread over several hubs needs from the hub it links. */
export interface LinkedHub {
  /** A message from the room (another hub's line, or news about the link) for this hub's members. */
  deliver(message: RoomMessage): void;
  /** This hub's members, to tell the other hubs after a reconnect. */
  roster(): MemberRef[];
  /** Is member `id` still on this hub? (A nick granted to one that left meanwhile is not told to the others.) */
  present(id: string): boolean;
  /**
   * Is a member's outgoing queue over half full (one that keeps up, for a
   * while)? Then the room reads no more from the other hubs until it is not:
   * a catch-up after an outage must not drop members as too slow.
   */
  backlogged(): boolean;
  /**
   * Another hub's member holds `nick`, which this member was granted for now
   * (claimed by both while the link was down, or Redis answered late): if it
   * still holds it, it must take another.
   */
  nickLost(id: string, nick: string): void;
}
