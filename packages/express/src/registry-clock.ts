/**
 * One clock for sessions: the registry's. A Redis registry decides every
 * limit on Redis's clock (`TIME`, and keys that expire at the session's end),
 * but the adapter's code (sign-in, the ping's answer, freshness checks)
 * reads `options.now()`, which on another app server may be half a minute
 * off. This bridge sits between the two: it measures the app's clock
 * against the registry's (`clock()` and the `now` of `check` answers, NTP
 * style: the sample with the shortest round trip wins) and moves every
 * instant across: the app's into the registry's frame on the way in, the
 * registry's into the app's on the way out. So what the registry stores is on
 * its own clock whichever server wrote it, and what the adapter compares is
 * on its own clock whichever server reads it: two servers whose clocks
 * disagree end a session at the same moment and tell the browser the same
 * idle time.
 *
 * A registry without `clock()` (the memory registry: the app's own clock;
 * one written before it) is passed through unchanged.
 */
import { isSessionStoreUnavailableError, SessionStoreUnavailableError } from './errors.js';
import type { CheckRequest, CheckResult, LimitedCreateResult, SessionLimit, SessionRecord, SessionRecordPatch, SessionRef, SessionRegistry, TouchLimits } from './registry/types.js';

/** A measured offset older than this gives way to any fresher sample. */
const SAMPLE_LIFETIME_MS = 60_000;

/** The registry the adapter uses: the bridged one, with its clock offset for tests and logs. */
export interface BridgedRegistry extends SessionRegistry {
  /** Registry clock minus the app's clock (ms), as last measured; 0 before any measurement. */
  clockOffset(): number;
}

/** Rejects with SessionStoreUnavailableError when `run` fails or takes longer than `timeoutMs`, like guardRegistry. */
function guarded<T>(operation: string, timeoutMs: number, run: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new SessionStoreUnavailableError(`session registry: ${operation}() took longer than ${timeoutMs} ms`)), timeoutMs);
    timer.unref?.();
    let pending: Promise<T>;
    try {
      pending = Promise.resolve(run());
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(isSessionStoreUnavailableError(error) ? error : new SessionStoreUnavailableError(`session registry: ${operation}() failed`, { cause: error }));
      },
    );
  });
}

/**
 * Bridges `inner` (the registry behind the adapter's timeout, `guardRegistry`)
 * to the app's clock `now`. `raw` is the registry as given: its `check`,
 * `clock` and `takeRequestCheck` are called directly (behind the same
 * timeout), since `guardRegistry` knows only the older operations.
 */
export function bridgeRegistryClock(inner: SessionRegistry, raw: SessionRegistry, timeoutMs: number, now: () => number): BridgedRegistry {
  const hasClock = typeof raw.clock === 'function';
  let best: { offset: number; roundTrip: number; at: number } | null = null;
  /**
   * A lower bound of the offset: the registry read its clock before the
   * answer came back, so `registryNow - receivedAt` is never more than the
   * truth. The hint for coalescing uses it, so a busy event loop (answers
   * received late) never makes the hint run ahead of Redis's clock and write
   * activity more often than the granularity allows.
   */
  let lower: { offset: number; at: number } | null = null;

  const learn = (registryNow: number | null, sentAt: number, receivedAt: number) => {
    if (registryNow === null || !Number.isFinite(registryNow)) return;
    const sample = { offset: registryNow - (sentAt + receivedAt) / 2, roundTrip: receivedAt - sentAt, at: receivedAt };
    if (!best || sample.roundTrip <= best.roundTrip || receivedAt - best.at > SAMPLE_LIFETIME_MS || receivedAt < best.at) best = sample;
    const bound = registryNow - receivedAt;
    if (!lower || bound >= lower.offset || receivedAt - lower.at > SAMPLE_LIFETIME_MS || receivedAt < lower.at) lower = { offset: bound, at: receivedAt };
  };
  /** The offset, measured first when there is none yet (one `clock()` call per process). */
  const offset = async (): Promise<number> => {
    if (!hasClock) return 0;
    if (!best) {
      const sentAt = now();
      const registryNow = await guarded('clock', timeoutMs, () => raw.clock!());
      learn(registryNow, sentAt, now());
    }
    return best ? Math.round(best.offset) : 0;
  };
  const known = () => (best ? Math.round(best.offset) : 0);

  const shift = (value: number, by: number) => (by === 0 ? value : Math.round(value + by));
  const fromRegistry = <R extends SessionRecord | null>(record: R, by: number): R => {
    if (!record || by === 0) return record;
    return {
      ...record,
      createdAt: shift(record.createdAt, -by),
      lastActivity: shift(record.lastActivity, -by),
      authenticatedAt: record.authenticatedAt === 0 ? 0 : shift(record.authenticatedAt, -by),
      retainUntil: shift(record.retainUntil, -by),
    };
  };
  const toRegistry = (record: SessionRecord, by: number): SessionRecord =>
    by === 0
      ? record
      : {
          ...record,
          createdAt: shift(record.createdAt, by),
          lastActivity: shift(record.lastActivity, by),
          // 0 marks a session that never proved who it is to the guard (adopted): it stays 0.
          authenticatedAt: record.authenticatedAt === 0 ? 0 : shift(record.authenticatedAt, by),
          retainUntil: shift(record.retainUntil, by),
        };
  const fromCheck = (answer: CheckResult | null, by: number): CheckResult | null =>
    answer && { ...answer, record: fromRegistry(answer.record, by), now: answer.now === null ? null : answer.now - by };

  const bridged: BridgedRegistry = {
    ...inner,
    clockOffset: known,
    async create(record) {
      const by = await offset();
      const evicted = await inner.create(toRegistry(record, by));
      return evicted ? evicted.map((r) => fromRegistry(r, by)) : evicted;
    },
    ...(inner.createLimited
      ? {
          async createLimited(record: SessionRecord, limit: SessionLimit): Promise<LimitedCreateResult> {
            const by = await offset();
            const result = await inner.createLimited!(toRegistry(record, by), limit);
            return result.created
              ? { created: true, evicted: result.evicted.map((r) => fromRegistry(r, by)) }
              : { created: false, live: result.live.map((r) => fromRegistry(r, by)) };
          },
        }
      : {}),
    async get(ref) {
      return fromRegistry(await inner.get(ref), known());
    },
    async touch(ref, lastActivity, retainUntil, limits?: TouchLimits) {
      const by = await offset();
      const moved = limits && {
        activeAfter: shift(limits.activeAfter, by),
        createdAfter: limits.createdAfter === null ? null : shift(limits.createdAfter, by),
      };
      return fromRegistry(await inner.touch(ref, shift(lastActivity, by), shift(retainUntil, by), moved), by);
    },
    async update(ref, patch: SessionRecordPatch) {
      const by = await offset();
      const moved = patch.authenticatedAt === undefined || patch.authenticatedAt === 0 ? patch : { ...patch, authenticatedAt: shift(patch.authenticatedAt, by) };
      return fromRegistry(await inner.update(ref, moved), by);
    },
    async list(userId) {
      const by = known();
      return (await inner.list(userId)).map((r) => fromRegistry(r, by));
    },
    async revoke(ref) {
      return fromRegistry(await inner.revoke(ref), known());
    },
    async revokeUser(userId, except) {
      const by = known();
      return (await inner.revokeUser(userId, except)).map((r) => fromRegistry(r, by));
    },
    ...(inner.endedAt
      ? {
          async endedAt(ref: SessionRef) {
            const at = await inner.endedAt!(ref);
            return at === null ? null : at - known();
          },
        }
      : {}),
  };
  if (typeof raw.check === 'function') {
    bridged.check = async (ref: SessionRef, request: CheckRequest) => {
      const hint = hasClock ? (lower ? now() + Math.floor(lower.offset) : null) : now();
      const sentAt = now();
      const answer = await guarded('check', timeoutMs, () => raw.check!(ref, { ...request, clockHint: hint }));
      learn(answer?.now ?? null, sentAt, now());
      return fromCheck(answer, known());
    };
  }
  if (typeof raw.takeRequestCheck === 'function') {
    bridged.takeRequestCheck = (req, ref, request) => {
      const answer = raw.takeRequestCheck!(req, ref, request);
      return answer === undefined ? undefined : fromCheck(answer, known());
    };
  }
  if (hasClock) bridged.clock = async () => (await guarded('clock', timeoutMs, () => raw.clock!())) - known();
  return bridged;
}
