/**
 * The Lua scripts of the Redis registry. Each registry operation is exactly
 * one script, so it is atomic (Redis runs a script to the end before any other
 * command) and costs one round trip.
 *
 * Conventions shared by every script:
 * - A record is a hash with the fields of `SessionRecord`; a `null` field is
 *   an absent hash field. Timestamps are stored as the decimal strings the
 *   adapter sent, never reformatted by Lua (Lua numbers are doubles and
 *   `tostring` would round them to 14 digits): Lua only compares them. What
 *   Lua computes (now, now - keepEndedFor, score + keepEndedFor) it writes
 *   with `int()` (`%d`), never `tostring`.
 * - Expiry instants (`PEXPIREAT`, index scores) are integers (milliseconds,
 *   rounded up from `retainUntil`), computed by the caller.
 * - A record key expires at its `retainUntil`. Its index member (scored by
 *   the same instant) stays after that: a member whose score is past now is
 *   the session's TOMBSTONE (session id, user by the key, end by the score),
 *   read by `endedAt`. So the index sorts as tombstones first (score < now),
 *   then live records (score >= now: Redis keeps a key until now > its expiry).
 * - Every key has an expiry: the index expires `keepEndedFor` after its
 *   largest score (`syncIndexExpiry`), so its last tombstone goes with it.
 *   Redis deletes an emptied sorted set by itself.
 * - "Now" is Redis's own clock (`TIME`), never the app's: one clock for every
 *   comparison with the present, the one that also expires the keys. (Tests
 *   may inject a clock: a last argument `@now<ms>`, taken off ARGV by the
 *   prelude.) `check`, the adapter's per-request call, takes durations, not
 *   instants, and needs no clock at all when it writes nothing: a record
 *   the adapter wrote expires at the session's end, so one that exists is
 *   live, as Redis's clock has it, to the millisecond.
 * - Only `create` prunes: tombstones past `keepEndedFor` and, beyond
 *   `maxSessionsPerUser`, the oldest ones; so an index holds at most
 *   `maxSessionsPerUser` live members plus as many tombstones (plus those that
 *   ended since the last create). `list` reads at most `maxSessionsPerUser`
 *   members and writes nothing.
 * - Record keys read from the index are built inside the script from the
 *   record key prefix (an argument) and the member. They carry the same hash
 *   tag as the index key (declared in KEYS), so they live in the same cluster
 *   slot and node: safe on Redis Cluster.
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
  /**
   * True for a script that may run late harmlessly, after its caller gave up
   * (a read; an activity write that checks the limits and only moves forward):
   * sent without an abort signal, which costs a few microseconds per call.
   */
  readonly lateIsHarmless?: boolean;
}

const PRELUDE = `
-- An integer as Redis arguments want it: '%d', never tostring's 14 digits.
local function int(n) return string.format('%d', n) end

-- A clock injected for tests comes as a last argument '@now<ms>' (taken off ARGV here);
-- without it, "now" is Redis's own TIME.
local INJECTED_NOW = nil
if #ARGV > 0 and string.sub(ARGV[#ARGV], 1, 4) == '@now' then
  INJECTED_NOW = tonumber(string.sub(ARGV[#ARGV], 5))
  ARGV[#ARGV] = nil
end

-- Redis's clock (or the injected one), in epoch milliseconds.
local function nowMs()
  if INJECTED_NOW then return INJECTED_NOW end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Sets the index's expiry keepEndedFor after the largest score it holds, so
-- the index lives exactly as long as its longest-kept record or tombstone.
local function syncIndexExpiry(idx, keep)
  local last = redis.call('ZRANGE', idx, -1, -1, 'WITHSCORES')
  if last[2] then redis.call('PEXPIREAT', idx, int(tonumber(last[2]) + keep)) end
end
`;

function script(name: string, body: string, lateIsHarmless = false): RegistryScript {
  const source = `${PRELUDE}\n${body.trim()}\n`;
  return { name, source, sha: createHash('sha1').update(source).digest('hex'), lateIsHarmless };
}

/**
 * create. KEYS: record, index. ARGV: sessionId, expireAt, recordPrefix,
 * maxSessionsPerUser, keepEndedFor, mode ('' for plain create, 'evict' or
 * 'refuse' for createLimited), limit (live records kept: maxSessionsPerUser,
 * or a smaller per-user limit), then field/value pairs of the non-null fields. Plain create returns the evicted
 * records (flat field/value arrays), least recently active first;
 * createLimited returns {'created', ...evicted} or {'refused', ...live}.
 *
 * With 'refuse', when the user already holds `limit` live records besides
 * this session id, nothing is written (a dangling member, whose record is
 * missing, is dropped and does not count) and the live records are
 * returned, oldest first: counting and refusing in the one script is what
 * keeps concurrent sign-ins within the limit.
 *
 * Otherwise replaces the record as a whole (DEL first, so a field that is now null does
 * not survive from the old record; ZREM first, so the replaced record neither
 * counts nor is evicted). When the user already has maxSessionsPerUser live
 * records, evicts the least recently active (lastActivity, then createdAt,
 * then id) until the new one fits: it reads the live members only when the
 * count (ZCOUNT, O(log n)) says it must, and never evicts the new record.
 * A live member whose record is missing (deleted by hand, or by a maxmemory
 * policy) is dropped on the way. Then writes the record, its expiry and its
 * member, drops tombstones past keepEndedFor and the oldest beyond
 * maxSessionsPerUser, and syncs the index expiry. A record whose expireAt is
 * already past is deleted by PEXPIREAT at once: it leaves a tombstone at most,
 * and evicts nothing.
 */
export const CREATE = script(
  'create',
  `
local now = nowMs()
local cap = tonumber(ARGV[4])
local keep = tonumber(ARGV[5])
local mode = ARGV[6]
local limit = tonumber(ARGV[7])
local fresh = tonumber(ARGV[2]) >= now
-- The user's live records other than this session id; a member without its record is dropped.
local function readLive()
  local live = {}
  for _, id in ipairs(redis.call('ZRANGE', KEYS[2], int(now), '+inf', 'BYSCORE')) do
    if id ~= ARGV[1] then
      local t = redis.call('HMGET', ARGV[3] .. id, 'lastActivity', 'createdAt')
      if t[1] then
        live[#live + 1] = { id = id, last = tonumber(t[1]), created = tonumber(t[2]) or 0 }
      else
        redis.call('ZREM', KEYS[2], id)
      end
    end
  end
  return live
end
if mode == 'refuse' and fresh then
  local count = redis.call('ZCOUNT', KEYS[2], int(now), '+inf')
  local own = redis.call('ZSCORE', KEYS[2], ARGV[1])
  if own and tonumber(own) >= now then count = count - 1 end
  if count >= limit then
    local live = readLive()
    if #live >= limit then
      table.sort(live, function(a, b)
        if a.created ~= b.created then return a.created < b.created end
        return a.id < b.id
      end)
      local out = { 'refused' }
      for i = 1, #live do out[#out + 1] = redis.call('HGETALL', ARGV[3] .. live[i].id) end
      return out
    end
  end
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
local evicted = {}
if fresh and redis.call('ZCOUNT', KEYS[2], int(now), '+inf') >= limit then
  local live = readLive()
  if #live >= limit then
    table.sort(live, function(a, b)
      if a.last ~= b.last then return a.last < b.last end
      if a.created ~= b.created then return a.created < b.created end
      return a.id < b.id
    end)
    for i = 1, #live - limit + 1 do
      local key = ARGV[3] .. live[i].id
      evicted[#evicted + 1] = redis.call('HGETALL', key)
      redis.call('DEL', key)
      redis.call('ZREM', KEYS[2], live[i].id)
    end
  end
end
redis.call('HSET', KEYS[1], unpack(ARGV, 8))
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
-- At least 1 ms back: a member scored exactly now is still live (Redis keeps a key until now > its expiry).
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', int(now - math.max(keep, 1)))
local ended = redis.call('ZCOUNT', KEYS[2], '-inf', '(' .. int(now))
if ended > cap then redis.call('ZREMRANGEBYRANK', KEYS[2], 0, ended - cap - 1) end
syncIndexExpiry(KEYS[2], keep)
if mode == '' then return evicted end
return { 'created', unpack(evicted) }
`,
);

/** get. KEYS: record. The record's fields and values, or an empty array. */
export const GET = script('get', `return redis.call('HGETALL', KEYS[1])`);

/**
 * touch. KEYS: record, index. ARGV: lastActivity, retainUntil, expireAt,
 * sessionId, activeAfter, createdAfter (the last two `''` for no limit),
 * keepEndedFor.
 *
 * With limits, a record whose stored lastActivity is not after activeAfter,
 * or whose createdAt is not after createdAfter, is returned unchanged: the
 * caller checks the timeouts and records activity in this one round trip,
 * and an expired session can never be touched back to life.
 *
 * The existence check and the write are in one script: a revoke (DEL) either
 * ran before, and the touch finds nothing and returns null, or runs after and
 * removes the touched record. HSET on a missing key would recreate it, which
 * is exactly what the check prevents. A tombstone (index member without its
 * record) is never touched back to life either. Each value only moves
 * forward, in one HSET; when the retention grows, the record's expiry, its
 * index score and the index's expiry follow. HSET keeps the key's existing
 * expiry.
 */
export const TOUCH = script(
  'touch',
  `
local current = redis.call('HMGET', KEYS[1], 'lastActivity', 'retainUntil', 'createdAt')
if not current[1] or not current[2] then return false end
if ARGV[5] ~= '' and tonumber(current[1]) <= tonumber(ARGV[5]) then return redis.call('HGETALL', KEYS[1]) end
if ARGV[6] ~= '' and tonumber(current[3]) <= tonumber(ARGV[6]) then return redis.call('HGETALL', KEYS[1]) end
local set = {}
if tonumber(ARGV[1]) > tonumber(current[1]) then
  set[#set + 1] = 'lastActivity'
  set[#set + 1] = ARGV[1]
end
local extend = tonumber(ARGV[2]) > tonumber(current[2])
if extend then
  set[#set + 1] = 'retainUntil'
  set[#set + 1] = ARGV[2]
end
if #set > 0 then redis.call('HSET', KEYS[1], unpack(set)) end
if extend then
  redis.call('PEXPIREAT', KEYS[1], ARGV[3])
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
  syncIndexExpiry(KEYS[2], tonumber(ARGV[7]))
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
 * list. KEYS: index. ARGV: recordPrefix, maxSessionsPerUser. An array of
 * records (each a flat field/value array), in index order: the live members
 * only (score >= now, by Redis's clock), at most maxSessionsPerUser of them,
 * so one call walks a bounded part of the index whatever it holds. Writes
 * nothing: tombstones stay for endedAt, and create prunes. The caller sorts
 * by createdAt.
 */
export const LIST = script(
  'list',
  `
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], int(nowMs()), '+inf', 'BYSCORE', 'LIMIT', 0, ARGV[2])) do
  local fields = redis.call('HGETALL', ARGV[1] .. id)
  if #fields > 0 then out[#out + 1] = fields end
end
return out
`,
);

/**
 * endedAt. KEYS: record, index. ARGV: sessionId, keepEndedFor. The session's
 * index score (the instant its record ran out) when the record is gone, the
 * score is past and not yet keepEndedFor old; otherwise false: a live record,
 * no member (never created, revoked, evicted, or pruned), or a member whose
 * record is missing before its end (deleted by hand or by a maxmemory
 * policy: not an expiry). Reads only.
 */
export const ENDED_AT = script(
  'endedAt',
  `
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not score then return false end
local now = nowMs()
local ended = tonumber(score)
if ended >= now or ended + tonumber(ARGV[2]) <= now then return false end
return score
`,
);

/**
 * revoke. KEYS: record, index. ARGV: sessionId, keepEndedFor. Reads and
 * deletes the record and its index entry (its tombstone, if that is all there
 * is); returns the record, or null when it was not there.
 */
export const REVOKE = script(
  'revoke',
  `
local fields = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
syncIndexExpiry(KEYS[2], tonumber(ARGV[2]))
if #fields == 0 then return false end
return fields
`,
);

/**
 * revokeUser. KEYS: index. ARGV: recordPrefix, hasExcept ('1' or '0'),
 * exceptSessionId, keepEndedFor. Deletes every record in the index except the
 * excepted one, and their index entries, tombstones included; returns the
 * deleted records that were still live. Since create bounds both live
 * members and tombstones, the index holds at most twice maxSessionsPerUser
 * members, so the walk is bounded too (an index written before the bounds
 * is walked whole, once). A create racing it either ran before (its record is deleted and
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
syncIndexExpiry(KEYS[1], tonumber(ARGV[4]))
return out
`,
);

/**
 * check: the adapter's call on every request. KEYS: record, index. ARGV:
 * (a record's own `policy` field, when it has one, replaces expireAfter and
 * absoluteTimeout)
 * activityAge ('' for none), expireAfter, absoluteTimeout ('' for none),
 * granularity, clockHint ('' when unknown), sessionId, keepEndedFor (all
 * milliseconds). Returns false for a missing record, else
 * {state, reason, now, fields...}: state 'live' or 'expired', reason
 * 'idle'/'absolute' (or ''), now Redis's clock when it was read (or '').
 *
 * One HGETALL and nothing else, most of the time: the record's key expires
 * at the session's end (retainUntil, as the adapter writes it), so a record
 * that exists is within both limits by Redis's own clock. The clock is read
 * (TIME) only when a decision needs it: to write activity, for a record kept
 * past its end (retainUntil later than the limits put it), or under an
 * injected clock (whose "now" Redis's expiry does not follow).
 *
 * Activity is written only when it moves lastActivity by at least
 * `granularity` (coalescing), judged against the caller's clockHint without
 * reading the clock: lastActivity becomes max(stored, now - activityAge)
 * (never forward past now), retainUntil the new end, and the record's expiry,
 * its index score and the index's expiry follow (ZADD XX: a member revoked
 * meanwhile is never put back; PEXPIREAT GT: the index's expiry only grows).
 */
export const CHECK = script(
  'check',
  `
local fields = redis.call('HGETALL', KEYS[1])
if #fields == 0 then return false end
local last, created, retain, lastAt, retainAt, policy
for i = 1, #fields, 2 do
  local name = fields[i]
  if name == 'lastActivity' then
    last = tonumber(fields[i + 1])
    lastAt = i + 1
  elseif name == 'createdAt' then
    created = tonumber(fields[i + 1])
  elseif name == 'retainUntil' then
    retain = tonumber(fields[i + 1])
    retainAt = i + 1
  elseif name == 'policy' then
    policy = fields[i + 1]
  end
end
local idle = tonumber(ARGV[2])
local absolute = ARGV[3] ~= '' and tonumber(ARGV[3]) or nil
-- The session's own policy ([warnAfter, expireAfter, absoluteTimeout] in seconds), fixed at sign-in, wins.
if policy then
  local e, a = string.match(policy, '^%[[^,]*,([^,]*),([^%]]*)%]$')
  if e then
    idle = tonumber(e) * 1000
    absolute = (a ~= 'null') and tonumber(a) * 1000 or nil
  end
end
local idleEnd = last + idle
local absoluteEnd = absolute and (created + absolute) or idleEnd
local sessionEnd = math.min(idleEnd, absoluteEnd)
local now = INJECTED_NOW
-- A record kept past the end its limits give (retainUntil later) needs the clock to decide.
if not now and retain > sessionEnd then now = nowMs() end
local function expired(n)
  if absolute and absoluteEnd <= idleEnd then return { 'expired', 'absolute', int(n), unpack(fields) } end
  return { 'expired', 'idle', int(n), unpack(fields) }
end
if now then
  if sessionEnd <= now then return expired(now) end
  if retain <= now then return false end
end
if ARGV[1] ~= '' then
  local age = tonumber(ARGV[1])
  local granularity = tonumber(ARGV[4])
  if ARGV[5] == '' or tonumber(ARGV[5]) - age - last >= granularity then
    if not now then
      now = nowMs()
      if sessionEnd <= now then return expired(now) end
    end
    local activity = math.min(now, now - age)
    if activity - last >= granularity then
      local newEnd = activity + idle
      if absolute then newEnd = math.min(newEnd, created + absolute) end
      local newRetain = math.max(retain, newEnd)
      fields[lastAt] = int(activity)
      fields[retainAt] = int(newRetain)
      redis.call('HSET', KEYS[1], 'lastActivity', fields[lastAt], 'retainUntil', fields[retainAt])
      if newRetain > retain then
        redis.call('PEXPIREAT', KEYS[1], fields[retainAt])
        redis.call('ZADD', KEYS[2], 'XX', fields[retainAt], ARGV[6])
        redis.call('PEXPIREAT', KEYS[2], int(newRetain + tonumber(ARGV[7])), 'GT')
      end
    end
  end
end
return { 'live', '', now and int(now) or '', unpack(fields) }
`,
  true,
);

/** clock: Redis's clock (or the injected one), epoch milliseconds, as a string. */
export const CLOCK = script('clock', `return int(nowMs())`);

/**
 * addNotice. KEYS: index. ARGV: recordPrefix, exceptSessionId, notice JSON,
 * max notices per session. Appends the notice to the `notices` field (a JSON
 * array of notice JSON texts) of every live record of the user but the excepted one, keeping the
 * latest `max`; returns how many records got it. Never creates a record.
 */
export const ADD_NOTICE = script(
  'addNotice',
  `
local now = nowMs()
local max = tonumber(ARGV[4])
local told = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], int(now), '+inf', 'BYSCORE')) do
  if id ~= ARGV[2] then
    local key = ARGV[1] .. id
    if redis.call('EXISTS', key) == 1 then
      local current = redis.call('HGET', key, 'notices')
      -- A JSON array of each notice's own JSON text: the texts come back exactly as the adapter wrote them.
      local list = current and cjson.decode(current) or {}
      list[#list + 1] = ARGV[3]
      local kept = {}
      for i = math.max(1, #list - max + 1), #list do kept[#kept + 1] = list[i] end
      redis.call('HSET', key, 'notices', cjson.encode(kept))
      told = told + 1
    end
  end
end
return told
`,
);

/** takeNotices. KEYS: record. The record's `notices` field (a JSON array of notice JSON texts), removed; false for none. */
export const TAKE_NOTICES = script(
  'takeNotices',
  `
local notices = redis.call('HGET', KEYS[1], 'notices')
if not notices then return false end
redis.call('HDEL', KEYS[1], 'notices')
return notices
`,
);

/** claimOnce. KEYS: the claim. ARGV: ttl (ms). 1 the first time (the key is set), 0 while it exists. */
export const CLAIM_ONCE = script(
  'claimOnce',
  `
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 1 end
return 0
`,
);

/**
 * rememberDevice. KEYS: the user's devices (a sorted set of device keys,
 * scored by when last seen). ARGV: deviceKey, maxDevices, keepFor (ms).
 * Drops devices not seen for keepFor, adds or refreshes this one, keeps the
 * maxDevices most recently seen, and expires the set keepFor after now.
 * Returns {isNew (1 or 0), how many other devices were known before}.
 */
export const REMEMBER_DEVICE = script(
  'rememberDevice',
  `
local now = nowMs()
local keep = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', int(now - keep))
local known = redis.call('ZSCORE', KEYS[1], ARGV[1])
local before = redis.call('ZCARD', KEYS[1])
if known then before = before - 1 end
redis.call('ZADD', KEYS[1], int(now), ARGV[1])
local n = redis.call('ZCARD', KEYS[1])
local max = tonumber(ARGV[2])
if n > max then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - max - 1) end
redis.call('PEXPIRE', KEYS[1], int(math.max(keep, 1)))
if known then return { 0, before } end
return { 1, before }
`,
);
