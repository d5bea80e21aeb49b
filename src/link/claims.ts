/**
 * Nick claims in Redis, atomic: one Lua script each, over the hash PREFIX:nicks
 * (nick key -> "HUB MEMBER NICK"). A claim's owner is "HUB MEMBER".
 */
import { checkNick } from "../protocol.ts";
import { HUB_ID, MEMBER_ID } from "./wire.ts";

/**
 * Claims ARGV[1] (a nick key) for ARGV[2] (the owner) as ARGV[3] (the nick):
 * 0 when another owner holds it. ARGV[4], the owner's old nick key, is freed.
 */
export const CLAIM = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur and string.sub(cur, 1, #ARGV[2] + 1) ~= ARGV[2] .. ' ' then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ' ' .. ARGV[3])
if ARGV[4] ~= '' and ARGV[4] ~= ARGV[1] then
  local old = redis.call('HGET', KEYS[1], ARGV[4])
  if old and string.sub(old, 1, #ARGV[2] + 1) == ARGV[2] .. ' ' then redis.call('HDEL', KEYS[1], ARGV[4]) end
end
return 1`;

/** Frees ARGV[1] (a nick key) if ARGV[2] (the owner) holds it. */
export const RELEASE = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur and string.sub(cur, 1, #ARGV[2] + 1) == ARGV[2] .. ' ' then redis.call('HDEL', KEYS[1], ARGV[1]) return 1 end
return 0`;

/**
 * A hub's claims made to match its members: ARGV[1] is the hub, then (key,
 * member, nick) triples. Claims of the hub's that are not in the list are
 * freed; the others are set, unless another hub holds the nick: those members
 * are returned. With no triples, it frees every claim of a hub that is gone.
 */
export const SYNC = `
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
  if cur and string.sub(cur, 1, #prefix) ~= prefix then lost[#lost + 1] = ARGV[i + 1]
  else redis.call('HSET', KEYS[1], ARGV[i], prefix .. ARGV[i + 1] .. ' ' .. ARGV[i + 2]) end
end
return lost`;

/** A claim's value, "HUB MEMBER NICK", checked. */
export function readClaim(value: unknown): { hub: string; id: string; nick: string } | undefined {
  if (typeof value !== "string" || value.length > 200) return undefined;
  const [hub, id, ...rest] = value.split(" ");
  const nick = rest.join(" ");
  const checked = checkNick(nick);
  if (!hub || !HUB_ID.test(hub) || !id || !MEMBER_ID.test(id) || !checked.ok || checked.nick !== nick) return undefined;
  return { hub, id, nick };
}
