/**
 * The Lua scripts of the sessionguard store (store-codec.ts has the value
 * layout). Two kinds of keys, and no script touches both:
 *
 * ```
 * <prefix>:s:<sessionId>          string: the session (head, record, data), expiring at retainUntil
 * <prefix>:u:{<user>}             sorted set: the user's session ids, scored by (at least) their retainUntil
 * <prefix>:u:{<user>}:lock        string: a short lease that orders one user's sign-ins and revocations
 * ```
 *
 * A session's key is found from its id alone, because that is all
 * express-session gives a store's `get`: the id cannot carry the user's hash
 * tag (sign-in flows that regenerate the id before the user is known, such
 * as Passport's, never let anyone choose it). So a script runs on one
 * session's key or on one user's index and lease, each a single slot: safe
 * on Redis Cluster with no cross-slot call. What needs both (a sign-in
 * within `maxSessionsPerUser`, revoking a user everywhere) runs as a few
 * such calls under the user's lease.
 *
 * The session's key is the truth: a session is live while its key holds a
 * record of that user, not past retainUntil, within the limits by Redis's
 * clock; its retainUntil is the session's end plus a grace (`expiredGrace`),
 * so a request just after the end is told it expired. The index is where a user's sessions are found: a member is added
 * before its record is written and removed after its record is deleted, so
 * every live record is in its user's index; a member whose record is gone
 * is a tombstone, scored by when it ended (as the Redis registry's). The
 * per-request path writes only the session's key: the index score is kept at
 * or ahead of retainUntil by a separate, rare call (once the retention passes
 * the score, the score moves a quarter of `expireAfter` ahead).
 *
 * Conventions (and the prelude: `int`, `nowMs` with an injectable clock) are
 * the registry's, see scripts.ts. Limits come as durations (milliseconds);
 * "now" is Redis's TIME, read once per script.
 */
import { createHash } from 'node:crypto';
import type { RegistryScript } from './scripts.js';

const PRELUDE = `
local function int(n) return string.format('%d', n) end
local INJECTED_NOW = nil
if #ARGV > 0 and string.sub(ARGV[#ARGV], 1, 4) == '@now' then
  INJECTED_NOW = tonumber(string.sub(ARGV[#ARGV], 5))
  ARGV[#ARGV] = nil
end
local function nowMs()
  if INJECTED_NOW then return INJECTED_NOW end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- A signed-in value: S1,<last>,<created>,<retain>,<score>,<n>,<record, n bytes><data>, or, for a
-- session with its own policy, S2,<last>,<created>,<retain>,<score>,<idle ms>,<absolute ms or ''>,<n>,...
local function isSigned(v)
  local kind = string.sub(v, 1, 3)
  return kind == 'S1,' or kind == 'S2,'
end
local function parseS(v)
  local last, created, retain, score, idle, absolute, n, pos
  local kind = string.sub(v, 1, 3)
  if kind == 'S1,' then
    last, created, retain, score, n, pos = string.match(v, '^S1,([^,]*),([^,]*),([^,]*),([^,]*),(%d+),()')
  elseif kind == 'S2,' then
    last, created, retain, score, idle, absolute, n, pos = string.match(v, '^S2,([^,]*),([^,]*),([^,]*),([^,]*),([^,]*),([^,]*),(%d+),()')
  end
  if not last then return nil end
  n = tonumber(n)
  return {
    lastS = last, createdS = created, retainS = retain, scoreS = score, idleS = idle, absoluteS = absolute,
    last = tonumber(last), created = tonumber(created), retain = tonumber(retain), score = tonumber(score),
    idle = idle and tonumber(idle), absolute = (absolute and absolute ~= '') and tonumber(absolute) or nil,
    rec = string.sub(v, pos, pos + n - 1), data = string.sub(v, pos + n),
  }
end
local function buildS(s)
  if s.idleS then
    return 'S2,' .. s.lastS .. ',' .. s.createdS .. ',' .. s.retainS .. ',' .. s.scoreS .. ',' .. s.idleS .. ',' .. s.absoluteS .. ',' .. #s.rec .. ',' .. s.rec .. s.data
  end
  return 'S1,' .. s.lastS .. ',' .. s.createdS .. ',' .. s.retainS .. ',' .. s.scoreS .. ',' .. #s.rec .. ',' .. s.rec .. s.data
end
-- The record is a JSON array starting with the user id: compared as JSON text, never parsed.
local function isUser(s, userJson)
  return string.sub(s.rec, 2, 1 + #userJson) == userJson and string.sub(s.rec, 2 + #userJson, 2 + #userJson) == ','
end
local function num(arg) if arg == '' then return nil end return tonumber(arg) end
-- Which limit the session is past at now ('idle', 'absolute'), or nil. It ends at its end instant itself.
local function pastLimits(s, now, idle, absolute)
  local idleEnd = s.last + idle
  local absoluteEnd = absolute and (s.created + absolute) or nil
  if math.min(idleEnd, absoluteEnd or idleEnd) > now then return nil end
  if absoluteEnd and absoluteEnd <= idleEnd then return 'absolute' end
  return 'idle'
end
-- Activity given as an age ('<ms>') or as an instant on Redis's clock ('@<ms>'); never later than now.
local function activityAt(arg, now)
  if arg == '' then return nil end
  if string.sub(arg, 1, 1) == '@' then return math.min(now, tonumber(string.sub(arg, 2))) end
  return math.min(now, now - tonumber(arg))
end
-- Writes activity into the head when it moves lastActivity by at least granularity: lastActivity,
-- retainUntil (the new end plus grace, never back) and, once the retention passes it, the index
-- score (moved margin ahead). Returns whether it wrote, and the score to send to the index ('' for none).
local function recordActivity(s, activity, idle, absolute, granularity, grace, margin)
  if not activity or activity - s.last < granularity then return false, '' end
  s.last = activity
  s.lastS = int(activity)
  local newEnd = activity + idle
  if absolute then newEnd = math.min(newEnd, s.created + absolute) end
  if newEnd + grace > s.retain then
    s.retain = newEnd + grace
    s.retainS = int(s.retain)
  end
  local refresh = ''
  if s.retain > s.score then
    s.score = s.retain + margin
    s.scoreS = int(s.score)
    refresh = s.scoreS
  end
  return true, refresh
end
local function expireAt(s) return int(math.ceil(s.retain)) end
`;

function script(name: string, body: string, lateIsHarmless = false): RegistryScript {
  const source = `${PRELUDE}\n${body.trim()}\n`;
  return { name, source, sha: createHash('sha1').update(source).digest('hex'), lateIsHarmless };
}

/**
 * load: the per-request read, and every read of one session. KEYS: session.
 * ARGV: userJson ('' for any user: express-session's get), expireAfter ('':
 * no limits known), absoluteTimeout (''), activity ('' none, '<age>' or
 * '@<instant>'), granularity, grace, margin. Returns false (no session, another
 * user's, past retainUntil), or {kind, now, value, extra}: kind 'anon' (a
 * value nobody is signed in to), 'live' or 'expired' (past a limit, returned
 * unchanged, extra its reason 'idle'/'absolute'); for 'live', extra is the
 * score to send to the user's index when one is due.
 *
 * Reads the value and Redis's clock, checks the limits, records activity
 * (coalesced) and refreshes the key's expiry: one script, one round trip.
 * Kept lean, as it runs on every request: only the head's numbers are read
 * (a pattern on the value's start) unless activity is due, about once a second.
 */
export const STORE_LOAD = script(
  'load',
  `
local v = redis.call('GET', KEYS[1])
if not v then return false end
local now = nowMs()
if not isSigned(v) then
  if ARGV[1] ~= '' then return false end
  return { 'anon', now, v }
end
local last, created, retain = string.match(v, '^S%d,([^,]*),([^,]*),([^,]*),')
last = tonumber(last)
created = tonumber(created)
retain = tonumber(retain)
local idle = num(ARGV[2])
local absolute = num(ARGV[3])
if idle and string.sub(v, 1, 3) == 'S2,' then
  -- The session's own policy, fixed at sign-in, wins over the request's.
  local ownIdle, ownAbsolute = string.match(v, '^S2,[^,]*,[^,]*,[^,]*,[^,]*,([^,]*),([^,]*),')
  idle = tonumber(ownIdle)
  absolute = num(ownAbsolute)
end
if idle then
  local idleEnd = last + idle
  local absoluteEnd = absolute and (created + absolute) or nil
  if math.min(idleEnd, absoluteEnd or idleEnd) <= now then
    if ARGV[1] ~= '' then
      local s = parseS(v)
      if not s or not isUser(s, ARGV[1]) then return false end
    end
    if absoluteEnd and absoluteEnd <= idleEnd then return { 'expired', now, v, 'absolute' } end
    return { 'expired', now, v, 'idle' }
  end
end
if retain <= now then return false end
local activity = idle and activityAt(ARGV[4], now)
if ARGV[1] == '' and not (activity and activity - last >= tonumber(ARGV[5])) then return { 'live', now, v } end
local s = parseS(v)
if not s or (ARGV[1] ~= '' and not isUser(s, ARGV[1])) then return false end
local wrote, score = false, ''
if activity then wrote, score = recordActivity(s, activity, idle, absolute, tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])) end
if wrote then
  v = buildS(s)
  redis.call('SET', KEYS[1], v, 'PXAT', expireAt(s))
end
return { 'live', now, v, score }
`,
  true,
);

/**
 * save: express-session's `set`. KEYS: session. ARGV: userJson ('' for data
 * nobody is signed in to), data without the guard's entry ('' when it cannot
 * be implied), data (verbatim), the record's JSON tail the entry implies
 * (',<authHash>]'), anonymous TTL (ms), activity ('' none, '<age>',
 * '@<instant>'), expireAfter (''), absoluteTimeout (''), granularity, grace,
 * margin, the entry's createdAt. The entry is left out (only
 * `g<createdAt - record's>` kept) when the record has the same auth hash
 * and a whole-millisecond createdAt.
 *
 * Signed-in data is written only into a live record of the same user
 * (within the limits, not past retainUntil), in the same step as the check:
 * a save at the end of a request whose session was revoked or expired
 * meanwhile can never bring it back. Returns {'ok', now, indexScore},
 * {'refused', why}, or, for anonymous data over a record (the app signed out
 * by its data), {'dropped', record JSON}: the record is gone, the data stays.
 */
export const STORE_SAVE = script(
  'save',
  `
local v = redis.call('GET', KEYS[1])
if ARGV[1] == '' then
  local dropped = nil
  if v and isSigned(v) then
    local old = parseS(v)
    if old then dropped = old.rec end
  end
  redis.call('SET', KEYS[1], 'A1,' .. ARGV[3], 'PX', ARGV[5])
  if dropped then return { 'dropped', dropped } end
  return { 'ok', '', '' }
end
if not v or not isSigned(v) then return { 'refused', 'missing' } end
local s = parseS(v)
if not s or not isUser(s, ARGV[1]) then return { 'refused', 'other' } end
local now = nowMs()
local idle = num(ARGV[7])
local absolute = num(ARGV[8])
if idle and s.idleS then idle, absolute = s.idle, s.absolute end
if idle and pastLimits(s, now, idle, absolute) then return { 'refused', 'expired' } end
if s.retain <= now then return { 'refused', 'ended' } end
local tail = ARGV[4]
local createdAt = num(ARGV[12])
if ARGV[2] ~= '' and string.sub(s.rec, -#tail) == tail and createdAt and s.created == math.floor(s.created) then
  s.data = 'g' .. int(createdAt - s.created) .. ARGV[2]
else
  s.data = ARGV[3]
end
local wrote, score = false, ''
if idle then wrote, score = recordActivity(s, activityAt(ARGV[6], now), idle, absolute, tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])) end
if wrote then
  redis.call('SET', KEYS[1], buildS(s), 'PXAT', expireAt(s))
else
  redis.call('SET', KEYS[1], buildS(s), 'KEEPTTL')
end
return { 'ok', int(now), score }
`,
);

/** touchAnonymous: express-session's `touch` of a session nobody is signed in to. KEYS: session. ARGV: TTL (ms). */
export const STORE_TOUCH_ANONYMOUS = script(
  'touchAnonymous',
  `
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, 3) == 'A1,' then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return 1
`,
);

/**
 * destroy: express-session's `destroy`. KEYS: session. Deletes it; returns
 * the record JSON of a signed-in value (so its index member goes next), ''
 * for an anonymous one, false when there was none.
 */
export const STORE_DESTROY = script(
  'destroy',
  `
local v = redis.call('GET', KEYS[1])
if not v then return false end
redis.call('DEL', KEYS[1])
local s = parseS(v)
if s then return s.rec end
return ''
`,
);

/**
 * create: writes a record. KEYS: session. ARGV: head (through the record
 * length and its comma), record JSON, retainUntil (when the key expires). Keeps the data of
 * what the key held (an anonymous session signing in keeps the app's data),
 * except a guard entry implied by a record it replaces. A record already past
 * its retention is not held: the key is deleted. Returns 1 when written.
 */
export const STORE_CREATE = script(
  'create',
  `
local now = nowMs()
local old = redis.call('GET', KEYS[1])
local data = ''
if old then
  if string.sub(old, 1, 3) == 'A1,' then
    data = string.sub(old, 4)
  else
    local s = parseS(old)
    if s then data = s.data end
    if string.sub(data, 1, 1) == 'g' then
      -- The JSON starts at its first '{', or at the token of '{"cookie":{' (the byte 1).
      local start = string.find(data, '[{' .. string.char(1) .. ']')
      data = start and string.sub(data, start) or ''
    end
  end
end
local retain = tonumber(ARGV[3])
if retain <= now then
  redis.call('DEL', KEYS[1])
  return 0
end
redis.call('SET', KEYS[1], ARGV[1] .. ARGV[2] .. data, 'PXAT', int(math.ceil(retain)))
return 1
`,
);

/**
 * touch: the registry's `touch`. KEYS: session. ARGV: userJson, lastActivity,
 * retainUntil (as given, written as given), activeAfter (''), createdAfter
 * (''). Moves both forward; past the limits, returns the value
 * unchanged. Returns false for no live record, else {value, indexScore}
 * (the retention as the new index score when it grew, else '').
 */
export const STORE_TOUCH = script(
  'touch',
  `
local v = redis.call('GET', KEYS[1])
if not v then return false end
local s = parseS(v)
if not s or not isUser(s, ARGV[1]) then return false end
local now = nowMs()
if s.retain <= now then return false end
if ARGV[4] ~= '' and s.last <= tonumber(ARGV[4]) then return { v, '' } end
if ARGV[5] ~= '' and s.created <= tonumber(ARGV[5]) then return { v, '' } end
local changed = false
if tonumber(ARGV[2]) > s.last then
  s.lastS = ARGV[2]
  changed = true
end
local score = ''
if tonumber(ARGV[3]) > s.retain then
  s.retainS = ARGV[3]
  s.retain = tonumber(ARGV[3])
  if s.retain > s.score then
    s.scoreS = ARGV[3]
    score = ARGV[3]
  end
  changed = true
end
if not changed then return { v, '' } end
v = buildS(s)
redis.call('SET', KEYS[1], v, 'PXAT', expireAt(s))
return { v, score }
`,
);

/** replace: compare-and-set of a whole value (the registry's `update`). KEYS: session. ARGV: old, new. 1 when replaced. */
export const STORE_REPLACE = script(
  'replace',
  `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1
`,
);

/**
 * revoke: deletes one user's session. KEYS: session. ARGV: userJson.
 * Returns false when the key held no record of that user, else {state,
 * value}: 'live', or 'ended' for a record past its retention (deleted too).
 */
export const STORE_REVOKE = script(
  'revoke',
  `
local v = redis.call('GET', KEYS[1])
if not v then return false end
local s = parseS(v)
if not s or not isUser(s, ARGV[1]) then return false end
redis.call('DEL', KEYS[1])
if s.retain <= nowMs() then return { 'ended', v } end
return { 'live', v }
`,
);

/**
 * beginCreate: takes the user's lease and adds the new member, first, so a
 * record is never written that its user's index does not hold. KEYS: index,
 * lease. ARGV: token, lease (ms), sessionId, score, limit (maxSessionsPerUser,
 * or a smaller per-user limit). Returns {'busy'} while another holds the
 * lease, else {'ok', now, existed (1 when the member was there), ...}: the
 * other members scored as live when the user already has the limit (the
 * caller then reads their records and evicts or refuses), nothing more
 * otherwise.
 */
export const INDEX_BEGIN_CREATE = script(
  'beginCreate',
  `
if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return { 'busy' } end
local now = nowMs()
local existed = redis.call('ZREM', KEYS[1], ARGV[3])
local out = { 'ok', int(now), existed }
if tonumber(ARGV[4]) >= now and redis.call('ZCOUNT', KEYS[1], int(now), '+inf') >= tonumber(ARGV[5]) then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[1], int(now), '+inf', 'BYSCORE')) do out[#out + 1] = id end
end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
return out
`,
);

/**
 * beginRevokeUser: takes the user's lease and returns every member. KEYS:
 * index, lease. ARGV: token, lease (ms). {'busy'} or {'ok', ...members}.
 */
export const INDEX_BEGIN_REVOKE_USER = script(
  'beginRevokeUser',
  `
if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return { 'busy' } end
local out = { 'ok' }
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do out[#out + 1] = id end
return out
`,
);

/**
 * finish: removes members, prunes tombstones, keeps the index's expiry in
 * step and releases the lease (when the token is still ours). KEYS: index,
 * lease. ARGV: token ('' for no lease), maxSessionsPerUser, keepEndedFor,
 * then the members to remove. Tombstones (members scored in the past) older
 * than keepEndedFor go, then the oldest beyond maxSessionsPerUser; the index
 * expires keepEndedFor after its largest score.
 */
export const INDEX_FINISH = script(
  'finish',
  `
local now = nowMs()
if #ARGV > 3 then redis.call('ZREM', KEYS[1], unpack(ARGV, 4)) end
local cap = tonumber(ARGV[2])
local keep = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', int(now - math.max(keep, 1)))
local ended = redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. int(now))
if ended > cap then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, ended - cap - 1) end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then redis.call('PEXPIREAT', KEYS[1], int(tonumber(last[2]) + keep)) end
if ARGV[1] ~= '' and redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return 1
`,
);

/** members: every member of the user's index. KEYS: index. */
export const INDEX_MEMBERS = script('members', `return redis.call('ZRANGE', KEYS[1], 0, -1)`);

/**
 * endedAt: a tombstone's end. KEYS: index. ARGV: sessionId, keepEndedFor.
 * The member's score when it is past and not yet keepEndedFor old, else false.
 * The caller has checked that the session holds no live record.
 */
export const INDEX_ENDED_AT = script(
  'indexEndedAt',
  `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then return false end
local now = nowMs()
local ended = tonumber(score)
if ended >= now or ended + tonumber(ARGV[2]) <= now then return false end
return score
`,
);

/**
 * refresh: moves a member's score forward (never back, never re-adding a
 * member removed meanwhile) and the index's expiry with it. KEYS: index.
 * ARGV: sessionId, score, keepEndedFor.
 */
export const INDEX_REFRESH = script(
  'refresh',
  `
redis.call('ZADD', KEYS[1], 'XX', 'GT', ARGV[2], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], int(tonumber(ARGV[2]) + tonumber(ARGV[3])), 'GT')
return 1
`,
);

/** clock: Redis's clock (or the injected one), epoch milliseconds. */
export const STORE_CLOCK = script('storeClock', `return int(nowMs())`);
