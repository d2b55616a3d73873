/**
 * The Lua scripts of the Redis registry. Each registry operation is exactly
 * one script, so it is atomic (Redis runs a script to the end before any other
 * command) and costs one round trip.
 *
 * Conventions shared by every script:
 * - A record is a hash with the fields of `SessionRecord`; a `null` field is
 *   an absent hash field. Timestamps are stored as the decimal strings the
 *   adapter sent, never reformatted by Lua (Lua numbers are doubles and
 *   `tostring` would round them to 14 digits): Lua only compares them.
 * - Expiry instants (`PEXPIREAT`, index scores) are integers (milliseconds,
 *   rounded up from `retainUntil`), computed by the caller.
 * - Every key has an expiry: a record expires at its `retainUntil`; the index
 *   expires with its last-expiring member (`syncIndexExpiry`). Redis deletes
 *   an emptied sorted set by itself.
 * - Record keys read from the index are built inside the script from the
 *   record key prefix (an argument) and the member. They carry the same hash
 *   tag as the index key (declared in KEYS), so they live in the same cluster
 *   slot and node: safe on Redis Cluster.
 * - Index members whose record has expired are pruned when a script walks the
 *   index (create, list, revokeUser), so the index never grows past the live
 *   sessions of the user plus those expired since the last walk.
 * - A missing record is `false` in Lua, `null` in the reply: no script ever
 *   writes a record it did not find, except `create`.
 */
import { createHash } from 'node:crypto';

/** A Lua script and its SHA1, for `EVALSHA` with a fallback to `EVAL`. */
export interface RegistryScript {
  /** For error messages. */
  readonly name: string;
  /** The Lua source. */
  readonly source: string;
  /** SHA1 of the source, as `SCRIPT LOAD` would return it. */
  readonly sha: string;
}

const PRELUDE = `
-- Sets the index's expiry to the largest score it holds, so the index
-- lives exactly as long as its longest-retained record.
local function syncIndexExpiry(idx)
  local last = redis.call('ZRANGE', idx, -1, -1, 'WITHSCORES')
  if last[2] then redis.call('PEXPIREAT', idx, last[2]) end
end

-- Drops index members whose record no longer exists (expired by Redis).
local function pruneIndex(idx, recordPrefix)
  for _, id in ipairs(redis.call('ZRANGE', idx, 0, -1)) do
    if redis.call('EXISTS', recordPrefix .. id) == 0 then redis.call('ZREM', idx, id) end
  end
end
`;

function script(name: string, body: string): RegistryScript {
  const source = `${PRELUDE}\n${body.trim()}\n`;
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * create. KEYS: record, index. ARGV: sessionId, expireAt, recordPrefix, then
 * field/value pairs of the non-null fields.
 *
 * Replaces the record as a whole (DEL first, so a field that is now null does
 * not survive from the old record), gives it its expiry, adds it to the index
 * and prunes the index. A record whose expireAt is already past is deleted by
 * PEXPIREAT at once and pruned from the index in the same script.
 */
export const CREATE = script(
  'create',
  `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
pruneIndex(KEYS[2], ARGV[3])
syncIndexExpiry(KEYS[2])
return 1
`,
);

/** get. KEYS: record. The record's fields and values, or an empty array. */
export const GET = script('get', `return redis.call('HGETALL', KEYS[1])`);

/**
 * touch. KEYS: record, index. ARGV: lastActivity, retainUntil, expireAt,
 * sessionId, activeAfter, createdAfter (the last two `''` for no limit).
 *
 * With limits, a record whose stored lastActivity is not after activeAfter,
 * or whose createdAt is not after createdAfter, is returned unchanged: the
 * caller checks the timeouts and records activity in this one round trip,
 * and an expired session can never be touched back to life.
 *
 * The existence check and the write are in one script: a revoke (DEL) either
 * ran before, and the touch finds nothing and returns null, or runs after and
 * removes the touched record. HSET on a missing key would recreate it, which
 * is exactly what the check prevents. Each value only moves forward; when the
 * retention grows, the record's expiry, its index score and the index's
 * expiry follow. HSET keeps the key's existing expiry.
 */
export const TOUCH = script(
  'touch',
  `
local current = redis.call('HMGET', KEYS[1], 'lastActivity', 'retainUntil', 'createdAt')
if not current[1] or not current[2] then return false end
if ARGV[5] ~= '' and tonumber(current[1]) <= tonumber(ARGV[5]) then return redis.call('HGETALL', KEYS[1]) end
if ARGV[6] ~= '' and tonumber(current[3]) <= tonumber(ARGV[6]) then return redis.call('HGETALL', KEYS[1]) end
if tonumber(ARGV[1]) > tonumber(current[1]) then
  redis.call('HSET', KEYS[1], 'lastActivity', ARGV[1])
end
if tonumber(ARGV[2]) > tonumber(current[2]) then
  redis.call('HSET', KEYS[1], 'retainUntil', ARGV[2])
  redis.call('PEXPIREAT', KEYS[1], ARGV[3])
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
  syncIndexExpiry(KEYS[2])
end
return redis.call('HGETALL', KEYS[1])
`,
);

/**
 * update. KEYS: record. ARGV: n, then n field/value pairs to set, then the
 * fields to delete (set to null). Never creates: a missing record returns null.
 */
export const UPDATE = script(
  'update',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local n = tonumber(ARGV[1])
if n > 0 then redis.call('HSET', KEYS[1], unpack(ARGV, 2, 1 + 2 * n)) end
if #ARGV > 1 + 2 * n then redis.call('HDEL', KEYS[1], unpack(ARGV, 2 + 2 * n)) end
return redis.call('HGETALL', KEYS[1])
`,
);

/**
 * list. KEYS: index. ARGV: recordPrefix. An array of records (each a flat
 * field/value array), in index order; members whose record expired are
 * removed from the index on the way. The caller sorts by createdAt.
 */
export const LIST = script(
  'list',
  `
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local fields = redis.call('HGETALL', ARGV[1] .. id)
  if #fields == 0 then redis.call('ZREM', KEYS[1], id) else out[#out + 1] = fields end
end
syncIndexExpiry(KEYS[1])
return out
`,
);

/**
 * revoke. KEYS: record, index. ARGV: sessionId. Reads and deletes the record
 * and its index entry; returns the record, or null when it was not there.
 */
export const REVOKE = script(
  'revoke',
  `
local fields = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
syncIndexExpiry(KEYS[2])
if #fields == 0 then return false end
return fields
`,
);

/**
 * revokeUser. KEYS: index. ARGV: recordPrefix, hasExcept ('1' or '0'),
 * exceptSessionId. Deletes every record in the index except the excepted
 * one, and their index entries; returns the deleted records that were still
 * live. A create racing it either ran before (its record is deleted and
 * returned) or after (its record stays): nothing is half-done.
 */
export const REVOKE_USER = script(
  'revokeUser',
  `
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if not (ARGV[2] == '1' and id == ARGV[3]) then
    local key = ARGV[1] .. id
    local fields = redis.call('HGETALL', key)
    if #fields > 0 then
      out[#out + 1] = fields
      redis.call('DEL', key)
    end
    redis.call('ZREM', KEYS[1], id)
  end
end
syncIndexExpiry(KEYS[1])
return out
`,
);
