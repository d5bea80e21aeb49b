/**
 * Nick claims in Redis: a nick is one member's in the whole room. Each change is
 * one atomic Lua script over the hash PREFIX:nicks (nick key -> "HUB MEMBER
 * NICK"); a claim's owner is "HUB MEMBER".
 *
 * Redis may be slow or away. A claim waits for it at most `claimWaitMs`, then is
 * granted for now; while the link is down every claim is granted for now. When
 * the link comes back, the hub's claims are made again to match its members
 * (SYNC), and a member whose nick another hub took meanwhile is told and gets
 * another. From the moment that SYNC is sent, claims and releases go to Redis
 * again, on the same connection: Redis applies them after the SYNC, so a nick
 * granted or let go while the SYNC's answer is on its way is never missed.
 */
import type { MemberRef } from "../room.ts";
import { checkNick, nickKey } from "../protocol.ts";
import type { LinkContext } from "./context.ts";
import { isRefusal, type LinkHealth } from "./health.ts";
import type { Roster } from "./roster.ts";
import { HUB_ID, MEMBER_ID, type LinkMessage } from "./wire.ts";

/**
 * Claims ARGV[1] (a nick key) for ARGV[2] (the owner) as ARGV[3] (the nick):
 * 0 when another owner holds it. ARGV[4], the owner's old nick key, is freed.
 */
const CLAIM = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur and string.sub(cur, 1, #ARGV[2] + 1) ~= ARGV[2] .. ' ' then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ' ' .. ARGV[3])
if ARGV[4] ~= '' and ARGV[4] ~= ARGV[1] then
  local old = redis.call('HGET', KEYS[1], ARGV[4])
  if old and string.sub(old, 1, #ARGV[2] + 1) == ARGV[2] .. ' ' then redis.call('HDEL', KEYS[1], ARGV[4]) end
end
return 1`;

/** Frees ARGV[1] (a nick key) if ARGV[2] (the owner) holds it. */
const RELEASE = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur and string.sub(cur, 1, #ARGV[2] + 1) == ARGV[2] .. ' ' then redis.call('HDEL', KEYS[1], ARGV[1]) return 1 end
return 0`;

/**
 * A hub's claims made to match its members: ARGV[1] is the hub, then (key,
 * member, nick) triples. Claims of the hub's that are not in the list are
 * freed; the others are set, unless another hub holds the nick: those members
 * are returned (member, nick, member, nick ...). With no triples, it frees
 * every claim of a hub that is gone.
 */
const SYNC = `
local prefix = ARGV[1] .. ' '
local mine = {}
for i = 2, #ARGV, 3 do mine[ARGV[i]] = true end
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if string.sub(all[i + 1], 1, #prefix) == prefix and not mine[all[i]] then redis.call('HDEL', KEYS[1], all[i]) end
end
local lost = {}
for i = 2, #ARGV, 3 do
  local cur = redis.call('HGET', KEYS[1], ARGV[i])
  if cur and string.sub(cur, 1, #prefix) ~= prefix then
    lost[#lost + 1] = ARGV[i + 1]
    lost[#lost + 1] = ARGV[i + 2]
  else redis.call('HSET', KEYS[1], ARGV[i], prefix .. ARGV[i + 1] .. ' ' .. ARGV[i + 2]) end
end
return lost`;

/** A claim's value, "HUB MEMBER NICK", checked. */
function readClaim(value: unknown): { hub: string; id: string; nick: string } | undefined {
  if (typeof value !== "string" || value.length > 200) return undefined;
  const [hub, id, ...rest] = value.split(" ");
  const nick = rest.join(" ");
  const checked = checkNick(nick);
  if (!hub || !HUB_ID.test(hub) || !id || !MEMBER_ID.test(id) || !checked.ok || checked.nick !== nick) return undefined;
  return { hub, id, nick };
}

/** A member whose nick another hub holds (both were granted it while the link between them was down). */
export interface LostNick {
  id: string;
  nick: string;
}

export class RedisClaims {
  /** A SYNC is on its way (the link is coming back): claims and releases go to Redis, after it. */
  private syncing = false;

  constructor(
    private readonly link: LinkContext,
    private readonly health: LinkHealth,
    private readonly roster: Roster,
    /** Tells the other hubs (who holds which nick, who is gone). */
    private readonly queue: (m: LinkMessage) => void,
  ) {}

  /** May Redis be asked now? When the link is up, and from the moment the SYNC of its return is sent. */
  private get asking(): boolean {
    return this.health.isUp || this.syncing;
  }

  /** Who is on the other hubs now (at start): their news from here on comes through the stream. */
  async loadOthers(): Promise<void> {
    const { writer, keys, hubId } = this.link;
    const claims = (await writer.client.send("HGETALL", [keys.nicks])) as Record<string, unknown> | null;
    for (const value of Object.values(claims ?? {})) {
      const c = readClaim(value);
      if (c && c.hub !== hubId) this.roster.set(c.hub, c.id, c.nick);
    }
  }

  /** Asks the room for `nick` (src/room.ts Room.claim). */
  claim(member: MemberRef, nick: string, done: (ok: boolean) => void): void {
    const { writer, keys, hub, timing } = this.link;
    const key = nickKey(nick);
    const holder = this.roster.find(key);
    if (holder) return done(false);
    const granted = () => {
      // The others hear of the member with its nick; of one that left meanwhile, nothing (its hub lets the nick go).
      if (hub.present(member.id)) this.queue({ k: "member", id: member.id, nick });
      done(true);
    };
    // Down: granted for now. When the link is back, every claim is made again in
    // Redis, and a member whose nick another hub took meanwhile gets another.
    if (!this.asking) return granted();
    let answered = false;
    const wait = setTimeout(() => {
      if (answered) return;
      answered = true;
      granted();
    }, timing.claimWaitMs);
    const old = member.nick ? nickKey(member.nick) : "";
    writer.client.send("EVAL", [CLAIM, "1", keys.nicks, key, this.owner(member.id), nick, old]).then(
      (result) => {
        clearTimeout(wait);
        const ok = result === 1;
        if (!answered) {
          answered = true;
          return ok ? granted() : done(false);
        }
        // Granted for now after the wait; Redis says no after all (the hub takes it back if the member holds it).
        if (!ok) hub.nickLost(member.id, nick);
      },
      (error: unknown) => {
        clearTimeout(wait);
        // Refused (out of memory, a read-only replica): the link is down, as when the connection broke.
        if (isRefusal(error)) this.link.refused("EVAL", error);
        if (answered) return;
        answered = true;
        granted(); // the connection broke, or Redis refused: as when down
      },
    );
  }

  /** The member left: its nick is free again (src/room.ts Room.release). */
  release(member: MemberRef): void {
    this.queue({ k: "gone", id: member.id });
    if (!member.nick || !this.asking) return; // when the link is back, the claims are made to match the members
    const args = [RELEASE, "1", this.link.keys.nicks, nickKey(member.nick), this.owner(member.id)];
    // Refused: the link is down, and when it is back the claims are made to match the members.
    this.link.writer.client
      .send("EVAL", args)
      .catch((error: unknown) => isRefusal(error) && this.link.refused("EVAL", error));
  }

  /**
   * This hub's claims made to match its members (the link is coming back).
   * Resolves to the members whose nick another hub holds. From the moment it is
   * sent, claims and releases go to Redis again (`done` ends that, whatever the answer).
   */
  async sync(members: MemberRef[]): Promise<LostNick[]> {
    const triples = members.filter((m) => m.nick).flatMap((m) => [nickKey(m.nick), m.id, m.nick]);
    const answer = this.link.writer.client.send("EVAL", [SYNC, "1", this.link.keys.nicks, this.link.hubId, ...triples]);
    this.syncing = true;
    const lost: unknown = await answer.catch((error: unknown) => {
      if (isRefusal(error)) this.link.refused("EVAL", error);
      throw error;
    });
    const out: LostNick[] = [];
    if (Array.isArray(lost))
      for (let i = 0; i + 1 < lost.length; i += 2) {
        const [id, nick] = [lost[i], lost[i + 1]];
        if (typeof id === "string" && typeof nick === "string") out.push({ id, nick });
      }
    return out;
  }

  /** The link's return is over (up, or down again): while down, claims are granted for now again. */
  synced(): void {
    this.syncing = false;
  }

  /** Every claim of a hub that is gone (or of this one, leaving) is freed. */
  freeHub(hub: string): Promise<unknown> {
    return this.link.writer.client.send("EVAL", [SYNC, "1", this.link.keys.nicks, hub]);
  }

  private owner(memberId: string): string {
    return `${this.link.hubId} ${memberId}`;
  }
}
