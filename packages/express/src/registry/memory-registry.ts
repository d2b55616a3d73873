import { checkLimit, cutUserAgent, normalizeRegistryBounds, type RegistryBoundsOptions } from './bounds.js';
import { isPastLimits } from './touch-limits.js';
import {
  MAX_NOTICES_PER_SESSION,
  type LimitedCreateResult,
  type RememberDeviceOptions,
  type SessionLimit,
  type SessionNotice,
  type SessionRecord,
  type SessionRecordPatch,
  type SessionRef,
  type SessionRegistry,
  type TouchLimits,
} from './types.js';

const PATCHABLE_FIELDS = ['authHash', 'authenticatedAt', 'ip', 'userAgent'] as const satisfies ReadonlyArray<keyof SessionRecordPatch>;

/** Options of {@link createMemoryRegistry}. */
export interface MemoryRegistryOptions extends RegistryBoundsOptions {
  /**
   * How often records past `retainUntil` become tombstones and tombstones
   * past `keepEndedFor` are dropped, in milliseconds.
   * @default 60000
   */
  sweepInterval?: number;
  /**
   * The clock, for tests.
   * @default Date.now
   */
  now?: () => number;
}

/** Everything held about one user. */
interface UserSessions {
  /** Records by session id; some may be past `retainUntil` until the next sweep or lookup. */
  live: Map<string, SessionRecord>;
  /** Tombstones: session id → when its record ran out (its `retainUntil`). */
  ended: Map<string, number>;
}

/** A deep copy: the registry never shares a policy object or a notices array with its callers. */
function copy(record: SessionRecord): SessionRecord {
  const out: SessionRecord = { ...record };
  if (record.policy) out.policy = { ...record.policy };
  if (record.notices && record.notices.length > 0) out.notices = record.notices.map((notice) => ({ ...notice }));
  else delete out.notices;
  return out;
}

/** Least recently active first; then oldest; then by id, so the order never depends on insertion. */
const byActivity = (a: SessionRecord, b: SessionRecord) =>
  a.lastActivity - b.lastActivity || a.createdAt - b.createdAt || (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0);

/**
 * The embedded registry: one process, no dependencies. Per user, a map of
 * records and a map of tombstones. A sweep timer (unref'ed, so it never
 * holds the process open) turns records past `retainUntil` into tombstones
 * and drops tombstones past `keepEndedFor`; lookups do the same for what they
 * meet. Memory stays bounded by the sessions alive lately: at most
 * `maxSessionsPerUser` records and as many tombstones per user.
 */
export function createMemoryRegistry(options: MemoryRegistryOptions = {}) {
  const { maxSessionsPerUser, keepEndedFor } = normalizeRegistryBounds('createMemoryRegistry', options);
  const now = options.now ?? Date.now;
  const sweepInterval = options.sweepInterval ?? 60_000;
  if (typeof sweepInterval !== 'number' || !Number.isFinite(sweepInterval) || sweepInterval <= 0) {
    throw new TypeError(`createMemoryRegistry: \`sweepInterval\` must be a positive number of milliseconds (got ${String(sweepInterval)})`);
  }
  const users = new Map<string, UserSessions>();
  /** Known devices per user: device key → when last seen (epoch ms). */
  const devices = new Map<string, Map<string, number>>();
  /** Single-use keys: `<user>\0<key>` → until when it stays used (epoch ms). */
  const claims = new Map<string, number>();

  const userOf = (userId: string): UserSessions => {
    let user = users.get(userId);
    if (!user) users.set(userId, (user = { live: new Map(), ended: new Map() }));
    return user;
  };
  const dropIfEmpty = (userId: string, user: UserSessions) => {
    if (user.live.size === 0 && user.ended.size === 0) users.delete(userId);
  };

  /** Keeps the tombstone of a record that ran out at `endedAt`, within the per-user bound (the oldest go). */
  const bury = (user: UserSessions, sessionId: string, endedAt: number, at: number) => {
    user.ended.delete(sessionId);
    if (endedAt + keepEndedFor <= at) return;
    user.ended.set(sessionId, endedAt);
    while (user.ended.size > maxSessionsPerUser) {
      let oldest: string | undefined;
      let oldestAt = Infinity;
      for (const [id, when] of user.ended) {
        if (when < oldestAt) [oldest, oldestAt] = [id, when];
      }
      user.ended.delete(oldest!);
    }
  };

  /** Turns the user's records past retainUntil into tombstones, and drops tombstones past keepEndedFor. */
  const expireUser = (user: UserSessions, at: number) => {
    for (const [id, when] of user.ended) if (when + keepEndedFor <= at) user.ended.delete(id);
    for (const record of user.live.values()) {
      if (record.retainUntil <= at) {
        user.live.delete(record.sessionId);
        bury(user, record.sessionId, record.retainUntil, at);
      }
    }
  };

  /** The live record, burying it if it is past its retention; `null` for another user's session. */
  const live = (ref: SessionRef): SessionRecord | null => {
    const user = users.get(ref.userId);
    const record = user?.live.get(ref.sessionId);
    if (!user || !record) return null;
    const at = now();
    if (record.retainUntil <= at) {
      user.live.delete(record.sessionId);
      bury(user, record.sessionId, record.retainUntil, at);
      dropIfEmpty(ref.userId, user);
      return null;
    }
    return record;
  };

  const sweep = () => {
    const at = now();
    for (const [key, until] of claims) if (until <= at) claims.delete(key);
    for (const [userId, user] of users) {
      expireUser(user, at);
      dropIfEmpty(userId, user);
    }
  };
  const timer = setInterval(sweep, sweepInterval);
  timer.unref?.();

  /**
   * Writes `record`, keeping the user within `limit.max` live records (the
   * registry's own cap without one): evicts the least recently active, or,
   * with `refuse`, writes nothing and answers the live records.
   */
  const insert = (record: SessionRecord, limit: { max: number; refuse: boolean } | null): SessionRecord[] | LimitedCreateResult => {
    const at = now();
    const user = userOf(record.userId);
    // Ended sessions do not count toward the cap; a record or tombstone with this id is replaced.
    expireUser(user, at);
    const max = limit?.max ?? maxSessionsPerUser;
    if (limit?.refuse && record.retainUntil > at) {
      const others = [...user.live.values()].filter((old) => old.sessionId !== record.sessionId);
      if (others.length + 1 > max) {
        dropIfEmpty(record.userId, user);
        return { created: false, live: others.sort((a, b) => a.createdAt - b.createdAt).map(copy) };
      }
    }
    user.live.delete(record.sessionId);
    user.ended.delete(record.sessionId);
    const stored: SessionRecord = copy({ ...record, userAgent: cutUserAgent(record.userAgent) });
    const evicted: SessionRecord[] = [];
    if (stored.retainUntil > at) {
      const excess = user.live.size + 1 - max;
      if (excess > 0) {
        for (const old of [...user.live.values()].sort(byActivity).slice(0, excess)) {
          user.live.delete(old.sessionId);
          evicted.push(copy(old));
        }
      }
      user.live.set(stored.sessionId, stored);
    } else {
      bury(user, stored.sessionId, stored.retainUntil, at);
    }
    dropIfEmpty(record.userId, user);
    return evicted;
  };

  // Records are copied in and out so callers can never mutate the registry's state by accident.
  const registry = {
    touchLimits: true,
    async create(record) {
      return insert(record, null) as SessionRecord[];
    },
    async createLimited(record, limit: SessionLimit): Promise<LimitedCreateResult> {
      const max = Math.min(checkLimit(limit), maxSessionsPerUser);
      const result = insert(record, { max, refuse: limit.atLimit === 'refuse' });
      return Array.isArray(result) ? { created: true, evicted: result } : result;
    },
    async get(ref) {
      const record = live(ref);
      return record ? copy(record) : null;
    },
    async touch(ref, lastActivity, retainUntil, limits?: TouchLimits) {
      const record = live(ref);
      if (!record) return null;
      if (limits && isPastLimits(record, limits)) return copy(record);
      record.lastActivity = Math.max(record.lastActivity, lastActivity);
      record.retainUntil = Math.max(record.retainUntil, retainUntil);
      return copy(record);
    },
    async update(ref, patch: SessionRecordPatch) {
      const record = live(ref);
      if (!record) return null;
      // Only the patchable fields: a stray `userId` or `sessionId` from untyped callers would corrupt the index.
      for (const key of PATCHABLE_FIELDS) {
        const value = key === 'userAgent' ? cutUserAgent(patch.userAgent) : patch[key];
        if (value !== undefined) (record as unknown as Record<string, unknown>)[key] = value;
      }
      return copy(record);
    },
    async list(userId) {
      const user = users.get(userId);
      if (!user) return [];
      expireUser(user, now());
      const result = [...user.live.values()].sort((a, b) => a.createdAt - b.createdAt).slice(0, maxSessionsPerUser);
      dropIfEmpty(userId, user);
      return result.map(copy);
    },
    async endedAt(ref) {
      const user = users.get(ref.userId);
      if (!user || live(ref)) return null;
      const endedAt = user.ended.get(ref.sessionId);
      if (endedAt === undefined) return null;
      if (endedAt + keepEndedFor <= now()) {
        user.ended.delete(ref.sessionId);
        dropIfEmpty(ref.userId, user);
        return null;
      }
      return endedAt;
    },
    async revoke(ref) {
      const user = users.get(ref.userId);
      if (!user) return null;
      const record = live(ref);
      user.live.delete(ref.sessionId);
      user.ended.delete(ref.sessionId);
      dropIfEmpty(ref.userId, user);
      return record && copy(record);
    },
    async revokeUser(userId, exceptSessionId?: string) {
      const user = users.get(userId);
      if (!user) return [];
      expireUser(user, now());
      const removed: SessionRecord[] = [];
      for (const record of [...user.live.values()]) {
        if (record.sessionId === exceptSessionId) continue;
        user.live.delete(record.sessionId);
        removed.push(copy(record));
      }
      for (const sessionId of [...user.ended.keys()]) if (sessionId !== exceptSessionId) user.ended.delete(sessionId);
      dropIfEmpty(userId, user);
      return removed;
    },
    async addNotice(userId: string, notice: SessionNotice, exceptSessionId: string) {
      const user = users.get(userId);
      if (!user) return 0;
      expireUser(user, now());
      let told = 0;
      for (const record of user.live.values()) {
        if (record.sessionId === exceptSessionId) continue;
        record.notices = [...(record.notices ?? []), { ...notice }].slice(-MAX_NOTICES_PER_SESSION);
        told += 1;
      }
      dropIfEmpty(userId, user);
      return told;
    },
    async takeNotices(ref: SessionRef) {
      const record = live(ref);
      if (!record?.notices) return [];
      const taken = record.notices;
      delete record.notices;
      return taken.map((notice) => ({ ...notice }));
    },
    async claimOnce(userId: string, key: string, ttlMs: number) {
      const id = `${userId}\u0000${key}`;
      const at = now();
      const until = claims.get(id);
      if (until !== undefined && until > at) return false;
      claims.set(id, at + ttlMs);
      return true;
    },
    async rememberDevice(userId: string, deviceKey: string, { maxDevices, keepFor }: RememberDeviceOptions) {
      const at = now();
      let known = devices.get(userId);
      if (!known) devices.set(userId, (known = new Map()));
      for (const [key, seen] of known) if (seen + keepFor <= at) known.delete(key);
      const isNew = !known.has(deviceKey);
      const before = known.size - (isNew ? 0 : 1);
      // Re-inserted, so the map's order is least recently seen first.
      known.delete(deviceKey);
      known.set(deviceKey, at);
      while (known.size > maxDevices) known.delete(known.keys().next().value!);
      return { isNew, known: before };
    },
    async close() {
      clearInterval(timer);
    },
  } satisfies SessionRegistry;
  const inspection = {
    /** Records and tombstones held, ended or not; for tests and memory checks. */
    get size() {
      let held = 0;
      for (const user of users.values()) held += user.live.size + user.ended.size;
      return held;
    },
    /** How many of {@link size} are tombstones. */
    get tombstones() {
      let held = 0;
      for (const user of users.values()) held += user.ended.size;
      return held;
    },
    /** Buries every record past its retention and drops every tombstone past `keepEndedFor` now, without waiting for the timer. */
    sweep,
  };
  // Copies the getters as getters (Object.assign would read them once and store that number).
  return Object.defineProperties(registry, Object.getOwnPropertyDescriptors(inspection)) as typeof registry & typeof inspection;
}
