import { checkLimit, cutUserAgent, normalizeRegistryBounds, type RegistryBoundsOptions } from '../registry/bounds.js';
import {
  MAX_NOTICES_PER_SESSION,
  type CheckRequest,
  type CheckResult,
  type LimitedCreateResult,
  type RememberDeviceOptions,
  type SessionLimit,
  type SessionNotice,
  type SessionRecord,
  type SessionRecordPatch,
  type SessionRef,
  type SessionRegistry,
  type SessionTimingPolicy,
  type TouchLimits,
} from '../registry/types.js';
import { claimKey, devicesKey, indexKey, recordKey, recordKeyPrefix } from './keys.js';
import {
  ADD_NOTICE,
  CHECK,
  CLAIM_ONCE,
  CLOCK,
  CREATE,
  ENDED_AT,
  GET,
  LIST,
  REMEMBER_DEVICE,
  REVOKE,
  REVOKE_USER,
  TAKE_NOTICES,
  TOUCH,
  UPDATE,
  type RegistryScript,
} from './scripts.js';
import { scriptCaller, type AnyRedisRegistryClient } from './client-adapter.js';
import { createScriptRunner } from './run-script.js';

export type { AnyRedisRegistryClient, IoRedisRegistryClient, RedisRegistryClient, RedisScriptArguments } from './client-adapter.js';

/** Options of {@link createRedisRegistry}. */
export interface RedisRegistryOptions extends RegistryBoundsOptions {
  /**
   * A node-redis v5 or v6 client or cluster client (`createClient` /
   * `createCluster`, connected), or an ioredis v5 or v6 client or cluster
   * client (`new Redis()` / `new Redis.Cluster()`), owned by the app: the registry
   * never connects, quits or listens to it, and imports neither library. It
   * tells them apart by their methods. An ioredis `keyPrefix` is honoured
   * (it comes before the registry's `prefix`). See the module documentation
   * for the client options that make failures fast and reconnection
   * automatic: with ioredis, `enableOfflineQueue: false` and
   * `maxRetriesPerRequest: 0`.
   */
  client: AnyRedisRegistryClient;
  /**
   * Prefix of every key, so several apps (or an app and its tests) can share
   * one Redis. Must not contain `{` or `}` (the hash tag is the registry's).
   * @default 'sg'
   */
  prefix?: string;
  /**
   * How long one operation may take, in milliseconds, before it rejects with
   * `SessionStoreUnavailableError`. A reply arriving later is ignored.
   * node-redis withdraws a command still waiting in its offline queue;
   * ioredis has no abort signal, so a command it queued while disconnected
   * may still run after it reconnects (the operation was already reported as
   * failed): give an ioredis client `enableOfflineQueue: false`, so nothing
   * is queued, and `maxRetriesPerRequest: 0`, so a command in flight when the
   * connection drops is rejected instead of re-sent after the reconnect.
   * @default 1000
   */
  commandTimeout?: number;
  /**
   * For tests only: the clock every script compares with (epoch ms), in
   * place of Redis's own `TIME`, so a test can move time without waiting.
   * Redis still expires keys on its own clock, so keep an injected clock at
   * or ahead of real time. Leave it out in production: every app server then
   * decides on the one clock Redis has, whatever its own says.
   * @default Redis's `TIME`
   */
  clock?: () => number;
}

/** The defaults of {@link RedisRegistryOptions}, in one place. */
const DEFAULTS = { prefix: 'sg', commandTimeout: 1000 } as const;

const PATCHABLE_FIELDS = ['authHash', 'authenticatedAt', 'ip', 'userAgent'] as const satisfies ReadonlyArray<
  keyof SessionRecordPatch
>;

function normalizeOptions(options: RedisRegistryOptions) {
  const caller = scriptCaller(options?.client, 'createRedisRegistry');
  const prefix = options.prefix ?? DEFAULTS.prefix;
  if (typeof prefix !== 'string' || prefix === '' || /[{}]/.test(prefix)) {
    throw new TypeError('createRedisRegistry: `prefix` must be a non-empty string without `{` or `}`');
  }
  const commandTimeout = options.commandTimeout ?? DEFAULTS.commandTimeout;
  if (typeof commandTimeout !== 'number' || !Number.isFinite(commandTimeout) || commandTimeout <= 0) {
    throw new TypeError('createRedisRegistry: `commandTimeout` must be a positive number of milliseconds');
  }
  if (options.clock !== undefined && typeof options.clock !== 'function') {
    throw new TypeError('createRedisRegistry: `clock` must be a function returning epoch milliseconds');
  }
  return { caller, prefix, commandTimeout, clock: options.clock ?? null, ...normalizeRegistryBounds('createRedisRegistry', options) };
}

/** The parts of {@link CheckRequest} as the check scripts take them, validated. */
export function checkArguments(request: CheckRequest): string[] {
  const ms = (name: string, value: number) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new TypeError(`check: \`${name}\` must be a number of milliseconds, 0 or more`);
    return String(Math.round(value));
  };
  return [
    request.activityAge === null ? '' : ms('activityAge', request.activityAge),
    ms('expireAfter', request.expireAfter),
    request.absoluteTimeout === null ? '' : ms('absoluteTimeout', request.absoluteTimeout),
    ms('granularity', request.granularity),
    request.clockHint === null || request.clockHint === undefined ? '' : ms('clockHint', request.clockHint),
  ];
}

const text = (value: unknown): string =>
  typeof value === 'string' ? value : value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : String(value);

/** The fields of a record, as the flat field/value arrays of `HGETALL` name them. */
type RecordFields = Partial<Record<keyof SessionRecord, string>>;

/**
 * A record from the flat field/value array of `HGETALL` (a check's reply
 * from `offset` on); `null` for an empty (missing) hash. One pass, no Map:
 * it runs on every request.
 */
function parseRecord(reply: unknown, offset = 0): SessionRecord | null {
  if (reply === null || reply === undefined) return null;
  if (!Array.isArray(reply)) throw new TypeError('unexpected reply from Redis');
  if (reply.length <= offset) return null;
  const fields: RecordFields = Object.create(null) as RecordFields;
  for (let i = offset; i + 1 < reply.length; i += 2) fields[text(reply[i]) as keyof SessionRecord] = text(reply[i + 1]);
  const required = (name: keyof SessionRecord) => {
    const value = fields[name];
    if (value === undefined) throw new TypeError(`session record in Redis lacks the field ${name}`);
    return value;
  };
  const record: SessionRecord = {
    sessionId: required('sessionId'),
    userId: required('userId'),
    publicId: required('publicId'),
    createdAt: Number(required('createdAt')),
    lastActivity: Number(required('lastActivity')),
    authenticatedAt: Number(required('authenticatedAt')),
    ip: fields.ip ?? null,
    userAgent: fields.userAgent ?? null,
    authHash: fields.authHash ?? null,
    retainUntil: Number(required('retainUntil')),
  };
  if (fields.policy !== undefined) record.policy = decodePolicy(fields.policy);
  if (fields.notices !== undefined) {
    const notices = decodeNotices(fields.notices);
    if (notices.length > 0) record.notices = notices;
  }
  return record;
}

/** A policy as stored in a record: `[warnAfter,expireAfter,absoluteTimeout]`, seconds (what the scripts read). */
export function encodePolicy(policy: SessionTimingPolicy): string {
  const { warnAfter, expireAfter, absoluteTimeout } = policy;
  for (const value of [warnAfter, expireAfter, absoluteTimeout ?? 1]) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new TypeError('a session policy needs positive finite numbers of seconds');
  }
  return JSON.stringify([warnAfter, expireAfter, absoluteTimeout ?? null]);
}

export function decodePolicy(text: string): SessionTimingPolicy {
  const [warnAfter, expireAfter, absoluteTimeout] = JSON.parse(text) as [number, number, number | null];
  return { warnAfter, expireAfter, absoluteTimeout };
}

/** The `notices` field: a JSON array of each notice's JSON text. */
function decodeNotices(text: string): SessionNotice[] {
  const list: unknown = JSON.parse(text);
  // cjson encodes an empty array as {}.
  if (!Array.isArray(list)) return [];
  return list.map((item) => JSON.parse(String(item)) as SessionNotice);
}

/** A notice as the scripts store it. */
export function encodeNotice(notice: SessionNotice): string {
  timestamp('at', notice.at);
  return JSON.stringify({ publicId: String(notice.publicId), userAgent: cutUserAgent(notice.userAgent ?? null), at: notice.at });
}

function parseRecords(reply: unknown): SessionRecord[] {
  if (!Array.isArray(reply)) throw new TypeError('unexpected reply from Redis');
  return reply.map((item) => parseRecord(item)).filter((record): record is SessionRecord => record !== null);
}

/** The reply of a check script: false for a missing record, else {state, reason, now, ...fields}. */
export function parseCheck(reply: unknown): CheckResult | null {
  if (reply === null || reply === undefined || reply === false) return null;
  if (!Array.isArray(reply) || reply.length < 3) throw new TypeError('unexpected reply from Redis');
  const state = text(reply[0]);
  const reason = text(reply[1]);
  const now = text(reply[2]);
  const record = parseRecord(reply, 3);
  if (!record) return null;
  const at = now === '' ? null : Number(now);
  if (state === 'expired') return { state, reason: reason === 'absolute' ? 'absolute' : 'idle', record, now: at };
  return { state: 'live', record, now: at };
}

/** The reply of the rememberDevice script: {isNew, known}. */
export function parseDevice(reply: unknown): { isNew: boolean; known: number } {
  if (!Array.isArray(reply) || reply.length < 2) throw new TypeError('unexpected reply from Redis');
  return { isNew: Number(reply[0]) === 1, known: Number(reply[1]) };
}

/** A timestamp as sent to Redis: the exact decimal form JavaScript reads back with `Number()`. */
function timestamp(name: string, value: number): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`${name} must be a finite number (epoch ms)`);
  return String(value);
}

/** `PEXPIREAT` takes whole milliseconds: round up so the record is never dropped early. */
const expireAt = (retainUntil: number) => String(Math.ceil(retainUntil));

function checkRef(ref: SessionRef): void {
  if (typeof ref?.userId !== 'string' || typeof ref.sessionId !== 'string') {
    throw new TypeError('a session ref needs string `userId` and `sessionId`');
  }
}

/**
 * The session registry on Redis, for more than one process or machine.
 *
 * Each operation is one Lua script: atomic, one round trip (two the first
 * time a Redis node sees the script: `EVALSHA`, then `EVAL` on `NOSCRIPT`).
 * Every key of a user shares the `{user}` hash tag, so the registry works on
 * Redis Cluster. Every key expires on its own (records at `retainUntil`, the
 * per-user index `keepEndedFor` after its last record: its members outlive
 * their records as tombstones), so nothing is left behind. Per user it holds
 * at most `maxSessionsPerUser` records and as many tombstones, and no
 * operation walks more than that (twice that for `revokeUser`).
 *
 * Fails closed: when Redis is unreachable, answers an error, or does not
 * answer within `commandTimeout`, every operation rejects with
 * `SessionStoreUnavailableError`; it never hangs and never guesses.
 *
 * Expiry, and every comparison with the present inside the scripts, run on
 * Redis's clock (`TIME`), while `retainUntil` comes from the adapter's: keep
 * the clocks NTP-synchronised (the adapter's grace absorbs small skew).
 */
export function createRedisRegistry(options: RedisRegistryOptions) {
  const { caller, prefix, commandTimeout, clock, maxSessionsPerUser, keepEndedFor } = normalizeOptions(options);
  const cap = String(maxSessionsPerUser);
  const keep = String(keepEndedFor);
  /** What the scripts put before a session id to reach its record: the client's own key prefix included. */
  const scriptRecordPrefix = (userId: string) => caller.keyPrefix + recordKeyPrefix(prefix, userId);

  const run = createScriptRunner(caller, { commandTimeout, clock, label: 'Redis registry' });

  /** The create script: `mode` '' (plain create: the evicted records), 'evict' or 'refuse' ({outcome, ...records}). */
  const write = (record: SessionRecord, mode: '' | 'evict' | 'refuse', limit: string) => {
    checkRef(record);
    const retainUntil = timestamp('retainUntil', record.retainUntil);
    const fields: string[] = [
      'sessionId', record.sessionId,
      'userId', record.userId,
      'publicId', String(record.publicId),
      'createdAt', timestamp('createdAt', record.createdAt),
      'lastActivity', timestamp('lastActivity', record.lastActivity),
      'authenticatedAt', timestamp('authenticatedAt', record.authenticatedAt),
      'retainUntil', retainUntil,
    ];
    for (const name of ['ip', 'userAgent', 'authHash'] as const) {
      const value = record[name];
      if (value !== null && value !== undefined) fields.push(name, name === 'userAgent' ? cutUserAgent(String(value)) : String(value));
    }
    if (record.policy) fields.push('policy', encodePolicy(record.policy));
    if (record.notices && record.notices.length > 0) {
      fields.push('notices', JSON.stringify(record.notices.slice(-MAX_NOTICES_PER_SESSION).map(encodeNotice)));
    }
    return run(
      CREATE,
      [recordKey(prefix, record.userId, record.sessionId), indexKey(prefix, record.userId)],
      [record.sessionId, expireAt(record.retainUntil), scriptRecordPrefix(record.userId), cap, keep, mode, limit, ...fields],
      (reply) => {
        if (mode === '') return parseRecords(reply);
        if (!Array.isArray(reply) || reply.length === 0) throw new TypeError('unexpected reply from Redis');
        return [text(reply[0]), ...parseRecords(reply.slice(1))] as unknown as SessionRecord[];
      },
    );
  };

  const registry = {
    touchLimits: true,
    // check decides on Redis's clock, and the records' keys run out at the session's end, leaving a tombstone.
    recordGrace: 0,
    async check(ref: SessionRef, request: CheckRequest): Promise<CheckResult | null> {
      checkRef(ref);
      return run(
        CHECK,
        [recordKey(prefix, ref.userId, ref.sessionId), indexKey(prefix, ref.userId)],
        [...checkArguments(request), ref.sessionId, keep],
        (reply) => parseCheck(reply),
      );
    },
    async clock(): Promise<number> {
      // Any key of ours routes it on a cluster; the script touches none.
      return run(CLOCK, [indexKey(prefix, '%clock')], [], (reply) => Number(text(reply)));
    },
    async create(record) {
      return write(record, '', cap);
    },
    async createLimited(record, limit: SessionLimit): Promise<LimitedCreateResult> {
      const max = Math.min(checkLimit(limit), maxSessionsPerUser);
      const reply = (await write(record, limit.atLimit, String(max))) as unknown as [string, ...SessionRecord[]];
      const [outcome, ...records] = reply;
      return outcome === 'refused' ? { created: false, live: records } : { created: true, evicted: records };
    },

    async addNotice(userId: string, notice: SessionNotice, exceptSessionId: string) {
      checkRef({ userId, sessionId: exceptSessionId });
      return run(
        ADD_NOTICE,
        [indexKey(prefix, userId)],
        [scriptRecordPrefix(userId), exceptSessionId, encodeNotice(notice), String(MAX_NOTICES_PER_SESSION)],
        (reply) => Number(reply),
      );
    },
    async takeNotices(ref: SessionRef) {
      checkRef(ref);
      return run(TAKE_NOTICES, [recordKey(prefix, ref.userId, ref.sessionId)], [], (reply) =>
        reply === null || reply === undefined || reply === false ? [] : decodeNotices(text(reply)),
      );
    },
    async claimOnce(userId: string, key: string, ttlMs: number) {
      checkRef({ userId, sessionId: key });
      return run(CLAIM_ONCE, [claimKey(prefix, userId, key)], [String(Math.max(1, Math.ceil(ttlMs)))], (reply) => Number(reply) === 1);
    },
    async rememberDevice(userId: string, deviceKey: string, { maxDevices, keepFor }: RememberDeviceOptions) {
      checkRef({ userId, sessionId: deviceKey });
      return run(REMEMBER_DEVICE, [devicesKey(prefix, userId)], [deviceKey, String(maxDevices), String(Math.ceil(keepFor))], parseDevice);
    },
    async get(ref) {
      checkRef(ref);
      return run(GET, [recordKey(prefix, ref.userId, ref.sessionId)], [], parseRecord);
    },

    async touch(ref, lastActivity, retainUntil, limits?: TouchLimits) {
      checkRef(ref);
      return run(
        TOUCH,
        [recordKey(prefix, ref.userId, ref.sessionId), indexKey(prefix, ref.userId)],
        [
          timestamp('lastActivity', lastActivity),
          timestamp('retainUntil', retainUntil),
          expireAt(retainUntil),
          ref.sessionId,
          limits ? timestamp('activeAfter', limits.activeAfter) : '',
          limits && limits.createdAfter !== null ? timestamp('createdAfter', limits.createdAfter) : '',
          keep,
        ],
        parseRecord,
      );
    },

    async update(ref, patch: SessionRecordPatch) {
      checkRef(ref);
      const set: string[] = [];
      const unset: string[] = [];
      for (const name of PATCHABLE_FIELDS) {
        const value = patch[name];
        if (value === undefined) continue;
        if (value === null) unset.push(name);
        else set.push(name, name === 'authenticatedAt' ? timestamp(name, value as number) : name === 'userAgent' ? cutUserAgent(String(value)) : String(value));
      }
      return run(
        UPDATE,
        [recordKey(prefix, ref.userId, ref.sessionId)],
        [String(set.length / 2), ...set, ...unset],
        parseRecord,
      );
    },

    async list(userId) {
      checkRef({ userId, sessionId: '' });
      const records = await run(LIST, [indexKey(prefix, userId)], [scriptRecordPrefix(userId), cap], parseRecords);
      return records.sort((a, b) => a.createdAt - b.createdAt);
    },

    async endedAt(ref: SessionRef): Promise<number | null> {
      checkRef(ref);
      return run(
        ENDED_AT,
        [recordKey(prefix, ref.userId, ref.sessionId), indexKey(prefix, ref.userId)],
        [ref.sessionId, keep],
        (reply) => (reply === null || reply === undefined ? null : Number(text(reply))),
      );
    },

    async revoke(ref) {
      checkRef(ref);
      return run(
        REVOKE,
        [recordKey(prefix, ref.userId, ref.sessionId), indexKey(prefix, ref.userId)],
        [ref.sessionId, keep],
        parseRecord,
      );
    },

    async revokeUser(userId, exceptSessionId?: string) {
      checkRef({ userId, sessionId: exceptSessionId ?? '' });
      const hasExcept = exceptSessionId !== undefined && exceptSessionId !== null;
      return run(
        REVOKE_USER,
        [indexKey(prefix, userId)],
        [scriptRecordPrefix(userId), hasExcept ? '1' : '0', hasExcept ? exceptSessionId : '', keep],
        parseRecords,
      );
    },

    async close() {
      // The client belongs to the app: nothing to release here.
    },
  } satisfies SessionRegistry;
  return registry;
}
