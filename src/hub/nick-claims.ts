/**
 * Nicks on one hub: who holds which (case does not count), the claims waiting
 * for the room's answer, and guest nicks.
 *
 * The hub checks a nick against its own members at once; the room (src/room.ts)
 * has the last word, since a room spread over several hubs must ask the others.
 * A nick asked for is reserved here at once, so nobody on this hub takes it
 * meanwhile, and the member's lines wait for the answer (src/hub.ts).
 */
import { checkNick, format, MAX_NICK_CHARS, nickKey, sanitize } from "../protocol.ts";
import type { Messages } from "../i18n.ts";
import type { Room } from "../room.ts";
import type { Member } from "./member.ts";

/** What the claims need of the hub. */
export interface NickClaimsHost {
  /** The room's messages, in its language. */
  readonly messages: Messages;
  /** The room the hub delivers to (a linked room may replace the local one). */
  room(): Room;
  /** Is this member still in the room? */
  present(member: Member): boolean;
  /** A claim of the member's was answered (after its `done`): the lines that waited for it go on. */
  settled(member: Member): void;
  /** A line for the member (why a nick was refused). */
  tell(member: Member, text: string): void;
  /** The member's nick is now its own, in place of `from`: the hub tells the log and the room. */
  renamed(member: Member, from: string): void;
}

export class NickClaims {
  /** nick key -> the member holding it, or reserving it for a pending claim. */
  private readonly byKey = new Map<string, Member>();
  private nextGuest = 1;

  constructor(private readonly host: NickClaimsHost) {}

  /** The member of this hub holding `nick` (in any case), or reserving it. */
  holder(nick: string): Member | undefined {
    return this.byKey.get(nickKey(nick));
  }

  /** `/nick`: checked here, then claimed from the room. `after` runs once it is settled, whatever the answer. */
  rename(member: Member, requested: string, after?: () => void): void {
    const t = this.host.messages;
    const checked = checkNick(requested);
    if (!checked.ok) {
      const why = {
        empty: t.nickEmpty,
        "too-long": t.nickTooLong(MAX_NICK_CHARS),
        "bad-chars": t.nickBadChars,
        "mixed-scripts": t.nickMixedScripts,
      }[checked.problem];
      this.host.tell(member, format.error(t.nickRefused(why, sanitize(requested).text)));
      return after?.();
    }
    const holder = this.holder(checked.nick);
    if (holder && holder !== member) {
      // Same key, other letters (`ａlice` beside `alice`, not `ALICE`): say whom it looks like.
      const like = holder.nick.toLowerCase() !== checked.nick.toLowerCase() ? holder.nick : undefined;
      this.host.tell(member, format.error(like ? t.nickLookAlike(checked.nick, like) : t.nickTaken(checked.nick)));
      return after?.();
    }
    if (checked.nick === member.nick) return after?.();
    const old = member.nick;
    this.claim(member, checked.nick, (ok) => {
      if (!ok) this.host.tell(member, format.error(t.nickTaken(checked.nick)));
      else this.host.renamed(member, old);
      after?.();
    });
  }

  /**
   * Asks the room for `nick` (free on this hub: the caller checked). `done` is
   * not called if the member left meanwhile.
   */
  claim(member: Member, nick: string, done: (ok: boolean) => void): void {
    const key = nickKey(nick);
    this.byKey.set(key, member);
    member.claiming = key;
    this.host.room().claim({ id: member.id, nick: member.nick }, nick, (ok) => {
      if (!this.host.present(member)) {
        if (ok) this.host.room().release({ id: member.id, nick }); // it left meanwhile
        return;
      }
      member.claiming = undefined;
      const old = member.nick;
      if (ok) {
        if (old && nickKey(old) !== key) this.byKey.delete(nickKey(old));
        member.nick = nick;
      } else if (this.byKey.get(key) === member && nickKey(old) !== key) {
        this.byKey.delete(key);
      }
      done(ok);
      this.host.settled(member);
    });
  }

  /**
   * Gives the member the next guest nick the room grants, then calls `then`.
   *
   * A room answers a claim in one of two ways. At once, from inside `claim` (the
   * local room always; a linked room when it knows another hub holds the nick):
   * then a refusal means the next guest nick is tried here, in this loop, not by
   * recursion, since a room may turn many away in a row. Or later (a linked room
   * asking Redis): then this returns, and the answer's callback carries on.
   */
  takeGuest(member: Member, then: () => void): void {
    for (;;) {
      let answeredAtOnce: boolean | undefined;
      let returned = false;
      this.claim(member, this.guestNick(), (ok) => {
        if (!returned) answeredAtOnce = ok;
        else if (ok) then();
        else this.takeGuest(member, then);
      });
      returned = true;
      if (answeredAtOnce === undefined) return; // answered later, by the callback
      if (answeredAtOnce) return then();
    }
  }

  /** Stops waiting for the room's answer to a claim (the member is leaving); the nick reserved for it is free here. */
  unclaim(member: Member): void {
    if (member.claiming === undefined) return;
    const reserved = member.claiming;
    if (this.byKey.get(reserved) === member && nickKey(member.nick) !== reserved) this.byKey.delete(reserved);
    member.claiming = undefined;
  }

  /** The member is gone: its nick, and any it was claiming, are free here. */
  forget(member: Member): void {
    for (const nick of [member.nick, member.claiming]) {
      if (!nick) continue;
      const key = nickKey(nick);
      if (this.byKey.get(key) === member) this.byKey.delete(key);
    }
  }

  private guestNick(): string {
    let nick: string;
    do nick = `guest${this.nextGuest++}`;
    while (this.byKey.has(nickKey(nick)));
    return nick;
  }
}
