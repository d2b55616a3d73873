import { isPastLimits } from './touch-limits.js';
import type { SessionRecord, SessionRecordPatch, SessionRef, SessionRegistry, TouchLimits } from './types.js';

const PATCHABLE_FIELDS = ['authHash', 'authenticatedAt', 'ip', 'userAgent'] as const satisfies ReadonlyArray<keyof SessionRecordPatch>;

/** Options of {@link createMemoryRegistry}. */
export interface MemoryRegistryOptions {
  /**
   * How often expired records are swept, in milliseconds.
   * @default 60000
   */
  sweepInterval?: number;
  /**
   * The clock, for tests.
   * @default Date.now
   */
  now?: () => number;
}

/**
 * The embedded registry: one process, no dependencies. Records live in a map
 * by session id plus a per-user index; a sweep timer (unref'ed, so it never
 * holds the process open) drops records past `retainUntil`, so memory stays
 * bounded by the sessions alive in the last few minutes.
 */
export function createMemoryRegistry(options: MemoryRegistryOptions = {}) {
  const now = options.now ?? Date.now;
  const sweepInterval = options.sweepInterval ?? 60_000;
  const records = new Map<string, SessionRecord>();
  const byUser = new Map<string, Set<string>>();

  const forget = (record: SessionRecord) => {
    records.delete(record.sessionId);
    const ids = byUser.get(record.userId);
    ids?.delete(record.sessionId);
    if (ids?.size === 0) byUser.delete(record.userId);
  };

  /** The live record, dropping it if it is past its retention; `null` for another user's session. */
  const live = (ref: SessionRef): SessionRecord | null => {
    const record = records.get(ref.sessionId);
    if (!record || record.userId !== ref.userId) return null;
    if (record.retainUntil <= now()) {
      forget(record);
      return null;
    }
    return record;
  };

  const sweep = () => {
    const at = now();
    for (const record of records.values()) if (record.retainUntil <= at) forget(record);
  };
  const timer = setInterval(sweep, sweepInterval);
  timer.unref?.();

  // Records are copied in and out so callers can never mutate the registry's state by accident.
  const registry = {
    touchLimits: true,
    async create(record) {
      const previous = records.get(record.sessionId);
      if (previous) forget(previous);
      records.set(record.sessionId, { ...record });
      let ids = byUser.get(record.userId);
      if (!ids) byUser.set(record.userId, (ids = new Set()));
      ids.add(record.sessionId);
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
        const value = patch[key];
        if (value !== undefined) (record as unknown as Record<string, unknown>)[key] = value;
      }
      return { ...record };
    },
    async list(userId) {
      const result: SessionRecord[] = [];
      for (const sessionId of [...(byUser.get(userId) ?? [])]) {
        const record = live({ sessionId, userId });
        if (record) result.push({ ...record });
      }
      return result.sort((a, b) => a.createdAt - b.createdAt);
    },
    async revoke(ref) {
      const record = live(ref);
      if (!record) return null;
      forget(record);
      return record;
    },
    async revokeUser(userId, exceptSessionId) {
      const removed: SessionRecord[] = [];
      for (const sessionId of [...(byUser.get(userId) ?? [])]) {
        if (sessionId === exceptSessionId) continue;
        const record = live({ sessionId, userId });
        if (record) {
          forget(record);
          removed.push(record);
        }
      }
      return removed;
    },
    async close() {
      clearInterval(timer);
    },
  } satisfies SessionRegistry;
  return Object.assign(registry, {
    /** Number of records held, expired or not; for tests and memory checks. */
    get size() {
      return records.size;
    },
    /** Drops every record past its retention now, without waiting for the timer. */
    sweep,
  });
}
