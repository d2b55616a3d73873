import { cutUserAgent, normalizeRegistryBounds, type RegistryBoundsOptions } from './bounds.js';
import { isPastLimits } from './touch-limits.js';
import type { SessionRecord, SessionRecordPatch, SessionRef, SessionRegistry, TouchLimits } from './types.js';

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
    for (const [userId, user] of users) {
      expireUser(user, at);
      dropIfEmpty(userId, user);
    }
  };
  const timer = setInterval(sweep, sweepInterval);
  timer.unref?.();

  // Records are copied in and out so callers can never mutate the registry's state by accident.
  const registry = {
    touchLimits: true,
    async create(record) {
      const at = now();
      const user = userOf(record.userId);
      // Ended sessions do not count toward the cap; a record or tombstone with this id is replaced.
      expireUser(user, at);
      user.live.delete(record.sessionId);
      user.ended.delete(record.sessionId);
      const stored: SessionRecord = { ...record, userAgent: cutUserAgent(record.userAgent) };
      const evicted: SessionRecord[] = [];
      if (stored.retainUntil > at) {
        const excess = user.live.size + 1 - maxSessionsPerUser;
        if (excess > 0) {
          for (const old of [...user.live.values()].sort(byActivity).slice(0, excess)) {
            user.live.delete(old.sessionId);
            evicted.push({ ...old });
          }
        }
        user.live.set(stored.sessionId, stored);
      } else {
        bury(user, stored.sessionId, stored.retainUntil, at);
      }
      dropIfEmpty(record.userId, user);
      return evicted;
    },
    async get(ref) {
      const record = live(ref);
      return record ? { ...record } : null;
    },
    async touch(ref, lastActivity, retainUntil, limits?: TouchLimits) {
      const record = live(ref);
      if (!record) return null;
      if (limits && isPastLimits(record, limits)) return { ...record };
      record.lastActivity = Math.max(record.lastActivity, lastActivity);
      record.retainUntil = Math.max(record.retainUntil, retainUntil);
      return { ...record };
    },
    async update(ref, patch: SessionRecordPatch) {
      const record = live(ref);
      if (!record) return null;
      // Only the patchable fields: a stray `userId` or `sessionId` from untyped callers would corrupt the index.
      for (const key of PATCHABLE_FIELDS) {
        const value = key === 'userAgent' ? cutUserAgent(patch.userAgent) : patch[key];
        if (value !== undefined) (record as unknown as Record<string, unknown>)[key] = value;
      }
      return { ...record };
    },
    async list(userId) {
      const user = users.get(userId);
      if (!user) return [];
      expireUser(user, now());
      const result = [...user.live.values()].sort((a, b) => a.createdAt - b.createdAt).slice(0, maxSessionsPerUser);
      dropIfEmpty(userId, user);
      return result.map((record) => ({ ...record }));
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
      return record;
    },
    async revokeUser(userId, exceptSessionId?: string) {
      const user = users.get(userId);
      if (!user) return [];
      expireUser(user, now());
      const removed: SessionRecord[] = [];
      for (const record of [...user.live.values()]) {
        if (record.sessionId === exceptSessionId) continue;
        user.live.delete(record.sessionId);
        removed.push(record);
      }
      for (const sessionId of [...user.ended.keys()]) if (sessionId !== exceptSessionId) user.ended.delete(sessionId);
      dropIfEmpty(userId, user);
      return removed;
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
