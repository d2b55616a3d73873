/**
 * The session registry: the authoritative record of live sessions, indexed by
 * user. Framework-neutral: it takes plain ids and epoch-millisecond
 * timestamps, so another framework's adapter could reuse it.
 *
 * Every operation costs O(sessions of that user), never a scan of all
 * sessions, and what one user can cost is bounded: at most
 * `maxSessionsPerUser` live records (an option of each registry, default 100;
 * `create` evicts the least recently active beyond it), a `User-Agent` of at
 * most 512 bytes (`MAX_USER_AGENT_BYTES`) per record, and at most as many
 * tombstones as live records, each kept `keepEndedFor` milliseconds. Every
 * operation addresses a session by {@link SessionRef}, which carries the user
 * id, so a Redis implementation can keep all of a user's keys in one cluster
 * slot.
 */

/** Addresses one session. */
export interface SessionRef {
  /** The express-session id. Never leaves the server. */
  sessionId: string;
  /** The id of the signed-in user. */
  userId: string;
}

/** What the registry keeps about one session. Timestamps are epoch milliseconds. */
export interface SessionRecord extends SessionRef {
  /** Opaque id safe to show to the user: an HMAC of the session id. */
  publicId: string;
  /** When the user signed in to this session. */
  createdAt: number;
  /** Last activity the server knows of. Only ever moves forward. */
  lastActivity: number;
  /** When the user last proved who they are (sign-in, re-sign-in); for freshness checks. */
  authenticatedAt: number;
  /** Client IP at sign-in (or last seen), as Express reports it. */
  ip: string | null;
  /**
   * `User-Agent` header at sign-in. The registry keeps at most 512 bytes
   * (`MAX_USER_AGENT_BYTES`) of its UTF-8: `create` and `update`
   * cut a longer one on a character boundary.
   */
  userAgent: string | null;
  /** HMAC of the user's session auth hash at sign-in, or null when the app does not use one. */
  authHash: string | null;
  /**
   * The instant the record itself may be dropped. The adapter sets it to the
   * session's end (idle or absolute, whichever comes first) plus a small grace
   * for clock skew and requests in flight. After it, the registry forgets the
   * record and keeps only a tombstone (which session, of which user, ended at
   * this instant) for the registry's `keepEndedFor`, so that
   * {@link SessionRegistry.endedAt} can still tell an expired session from a
   * revoked one without holding the whole record.
   */
  retainUntil: number;
  /**
   * The timing policy this session was signed in with (seconds), when the
   * guard resolves one per user (`warnAfter`, `expireAfter`,
   * `absoluteTimeout` or `preset` given as functions): the registry's own
   * limit checks (`check`, the Redis scripts) use it in place of the
   * request's. Absent (or `null`): the guard's policy applies.
   */
  policy?: SessionTimingPolicy | null;
  /**
   * Sign-ins from new devices this session has not been told of yet, oldest
   * first (at most {@link MAX_NOTICES_PER_SESSION}); absent when none.
   * Written by {@link SessionRegistry.addNotice}, read and cleared by
   * {@link SessionRegistry.takeNotices}.
   */
  notices?: SessionNotice[];
}

/** A session's own timing policy, in seconds (as `TimingPolicy`, every field given). */
export interface SessionTimingPolicy {
  warnAfter: number;
  expireAfter: number;
  absoluteTimeout: number | null;
}

/** A sign-in from a device the user had not used before, as the user's other sessions are told of it. */
export interface SessionNotice {
  /** The public id of the new session (revocable through `DELETE <mount>/sessions/:publicId`). */
  publicId: string;
  /** Its `User-Agent` (bounded as in records). */
  userAgent: string | null;
  /** When it signed in (epoch ms). */
  at: number;
}

/** At most this many notices wait in one session; the oldest go first. */
export const MAX_NOTICES_PER_SESSION = 5;

/** What {@link SessionRegistry.createLimited} keeps to. */
export interface SessionLimit {
  /** At most this many live sessions of the user, the new one included: 1 or more (and never more than `maxSessionsPerUser`). */
  maxSessions: number;
  /**
   * At the limit: `'evict'` removes the least recently active sessions
   * (as `create` does at `maxSessionsPerUser`) and returns them; `'refuse'`
   * writes nothing.
   */
  atLimit: 'evict' | 'refuse';
}

/** The answer of {@link SessionRegistry.createLimited}. */
export type LimitedCreateResult =
  | {
      created: true;
      /** Removed to make room, least recently active first, as they were stored (the caller ends them). */
      evicted: SessionRecord[];
    }
  | {
      created: false;
      /** The user's live sessions that fill the limit, oldest first. */
      live: SessionRecord[];
    };

/** Options of {@link SessionRegistry.rememberDevice}. */
export interface RememberDeviceOptions {
  /** Devices kept per user; the least recently seen go first. */
  maxDevices: number;
  /** How long a device is remembered after its last sign-in, in milliseconds. */
  keepFor: number;
}

/**
 * Conditions of {@link SessionRegistry.touch}, so a request can check the
 * timeouts and record activity in one atomic step (one Redis round trip): a
 * record past either limit is returned as it is, untouched, and the caller
 * ends it. Checking inside the operation matters: a separate check and touch
 * would let a concurrent touch bring an expired session back to life.
 */
export interface TouchLimits {
  /** Touch only when the stored `lastActivity` is later than this (epoch ms): not idle-expired. */
  activeAfter: number;
  /** Touch only when `createdAt` is later than this (epoch ms): not past its absolute lifetime. `null`: no limit. */
  createdAfter: number | null;
}

/**
 * What {@link SessionRegistry.check} is asked: the limits, and the activity
 * to record, all as durations. The registry measures them on its own clock
 * (Redis's `TIME` for the Redis registry and store), so app servers whose
 * clocks disagree still agree on when a session ends.
 */
export interface CheckRequest {
  /** Idle limit, in milliseconds: the session ends this long after its last activity. */
  expireAfter: number;
  /** Absolute limit, in milliseconds after `createdAt`; `null`: none. */
  absoluteTimeout: number | null;
  /**
   * Activity to record, as its age in milliseconds when the call is made
   * (0: now; a ping reports `idleFor`); `null` records none. Recorded only
   * within the limits, and only forward.
   */
  activityAge: number | null;
  /**
   * Coalescing: activity is written only once it moves `lastActivity` by at
   * least this many milliseconds. The idle check stays exact to the
   * millisecond against what is stored, so a session may end up to this much
   * earlier than `expireAfter` after its very last request.
   */
  granularity: number;
  /**
   * The caller's estimate of the registry's clock (epoch ms) at this call, so
   * a registry can tell without reading its clock that the activity is
   * within `granularity` of what it stores; `null` when unknown (write).
   */
  clockHint: number | null;
}

/** The answer of {@link SessionRegistry.check} for a session the registry holds. */
export type CheckResult =
  | {
      state: 'live';
      /** The record, with the activity recorded (when it was written). */
      record: SessionRecord;
      /** The registry's clock when it checked (epoch ms), when it read it. */
      now: number | null;
    }
  | {
      /** Past the idle or absolute limit by the registry's clock; returned unchanged. */
      state: 'expired';
      reason: 'idle' | 'absolute';
      record: SessionRecord;
      now: number | null;
    };

/** Fields {@link SessionRegistry.update} may change. */
export type SessionRecordPatch = Partial<Pick<SessionRecord, 'authHash' | 'authenticatedAt' | 'ip' | 'userAgent'>>;

/**
 * The store seam. Implementations: `createMemoryRegistry()` (embedded
 * default) and `createRedisRegistry()` from `@sessionguard/express/redis`.
 *
 * Contract, checked by one suite against every implementation:
 * - an operation on a session the registry does not hold (never created,
 *   revoked, evicted, or past `retainUntil`) returns `null` / does nothing: it
 *   never recreates a record;
 * - `touch` only moves `lastActivity` and `retainUntil` forward;
 * - a record past `retainUntil` leaves a tombstone for `keepEndedFor`
 *   milliseconds, read by `endedAt`; `revoke`, `revokeUser` and eviction leave
 *   none;
 * - a user never has more than `maxSessionsPerUser` live records, nor more
 *   tombstones than that once the next `create` has run;
 * - each operation is atomic.
 */
export interface SessionRegistry {
  /**
   * Records a new session. Replaces the user's record (or tombstone) with the
   * same session id. A record of the same session id under another user is not
   * guaranteed to be replaced (a cluster-safe store only sees the given user's
   * keys); session ids are never reused across users, the adapter regenerates
   * them at login.
   *
   * Keeps the user within `maxSessionsPerUser` live records, in the same
   * atomic step: when the user already has that many, the least recently
   * active ones (smallest `lastActivity`; then oldest `createdAt`) are removed,
   * never the new one, and returned, least recently active first, as they
   * were stored. The caller ends them as revoked (an evicted session leaves no
   * tombstone). Returns an empty array (or, from a registry written before the
   * cap, nothing) when none was evicted. Ended records do not count.
   */
  create(record: SessionRecord): Promise<SessionRecord[] | void>;
  /** The record, or `null` when unknown. */
  get(ref: SessionRef): Promise<SessionRecord | null>;
  /**
   * Moves `lastActivity` and `retainUntil` forward to the given values
   * (each becomes the larger of stored and given). Returns the updated record,
   * or `null` when the session is unknown: a touch never recreates a revoked
   * session. With `limits`, a record past them is returned unchanged.
   */
  touch(ref: SessionRef, lastActivity: number, retainUntil: number, limits?: TouchLimits): Promise<SessionRecord | null>;
  /**
   * True when `touch` honours its `limits`; the adapter then checks the
   * timeouts and records activity in one call. For a registry without it (one
   * written before limits existed would ignore them and could touch an expired
   * session back to life), the adapter reads first and touches after.
   */
  readonly touchLimits?: boolean;
  /**
   * Checks the session against the limits and records activity, in one
   * atomic step, every time-based decision on the registry's own clock.
   * `null` when the registry does not hold it: never created, revoked,
   * evicted, or past `retainUntil` (a registry whose records run out at the
   * session's end, as the adapter writes them, reports an ended session so;
   * `endedAt` then tells expiry from revocation). Never recreates a record.
   */
  check?(ref: SessionRef, request: CheckRequest): Promise<CheckResult | null>;
  /** The registry's clock (epoch ms), read now: so the adapter can measure its own clock against it. */
  clock?(): Promise<number>;
  /**
   * How long past the session's end the adapter should have the registry
   * keep a record it creates (added to `retainUntil`), in milliseconds.
   * A registry that checks on its own clock and keeps tombstones needs none.
   * @default 60000
   */
  readonly recordGrace?: number;
  /**
   * For a registry that is also the app's express-session store (the
   * sessionguard Redis store): the check its `get` made when express-session
   * loaded this request's session, so the adapter makes no second call, or
   * `undefined` when it made none for `ref` (then the adapter calls `check`).
   * Synchronous. When `request` asks for activity, it is written when
   * express-session saves or touches the session at the request's end, in
   * the same atomic step as that call, and only when due (`granularity`).
   */
  takeRequestCheck?(req: object, ref: SessionRef, request: CheckRequest): CheckResult | null | undefined;
  /**
   * True for a registry that is also the express-session store and whose
   * `set` itself refuses, atomically, to write a signed-in session it does
   * not hold: the adapter then needs no registry lookup before a save.
   */
  readonly guardsSaves?: boolean;
  /**
   * Tells a registry that also loads sessions for express-session (the
   * sessionguard store) the limits the adapter enforces, in milliseconds, so
   * the check it makes while loading applies them. Called once, when the
   * guard is created.
   */
  usePolicy?(policy: { expireAfter: number; absoluteTimeout: number | null; granularity: number }): void;
  /** Changes some fields of a live record; `null` when unknown. */
  update(ref: SessionRef, patch: SessionRecordPatch): Promise<SessionRecord | null>;
  /**
   * The user's live sessions, oldest first (by `createdAt`): at most
   * `maxSessionsPerUser` of them, read in one bounded step.
   */
  list(userId: string): Promise<SessionRecord[]>;
  /**
   * When the session's record ran out (its last `retainUntil`, epoch ms), while
   * the registry still holds its tombstone (for `keepEndedFor` after that);
   * `null` for a live record, a session never created or another user's, a
   * revoked or evicted one, and once the tombstone is gone. The adapter asks
   * only after `get` or `touch` found no record, to answer `session_expired`
   * rather than `session_revoked`. Optional: without it, every missing record
   * reads as revoked.
   */
  endedAt?(ref: SessionRef): Promise<number | null>;
  /**
   * Removes one session, its tombstone included; returns the removed record,
   * or `null` when there was no live record.
   */
  revoke(ref: SessionRef): Promise<SessionRecord | null>;
  /**
   * Removes every session of the user except `exceptSessionId`, tombstones
   * included; returns the removed live records.
   */
  revokeUser(userId: string, exceptSessionId?: string): Promise<SessionRecord[]>;
  /**
   * {@link create} within a per-user limit, counted and enforced in the same
   * atomic step as the write (one Lua script on the Redis registry; under
   * the user's lease on the sessionguard store), so concurrent sign-ins of
   * one user never leave more than `limit.maxSessions` live sessions and
   * none is lost from the user's index. Replacing a record with the same
   * session id does not count it twice; ended records do not count.
   * Optional: without it, the guard refuses `maxSessions` at start-up.
   */
  createLimited?(record: SessionRecord, limit: SessionLimit): Promise<LimitedCreateResult>;
  /**
   * Appends `notice` to every live session of `userId` except
   * `exceptSessionId`, each keeping its {@link MAX_NOTICES_PER_SESSION}
   * latest; returns how many sessions got it. Never recreates a record.
   */
  addNotice?(userId: string, notice: SessionNotice, exceptSessionId: string): Promise<number>;
  /** Removes and returns the session's notices, atomically: each is taken once. `[]` for none or no record. */
  takeNotices?(ref: SessionRef): Promise<SessionNotice[]>;
  /**
   * Marks `key` used for `ttlMs` milliseconds: `true` for the first call,
   * `false` for every later one within that time, across processes. For
   * single-use tokens (the `'ask'` sign-in's).
   */
  claimOnce?(userId: string, key: string, ttlMs: number): Promise<boolean>;
  /**
   * Records that `userId` signed in from the device `deviceKey` (an opaque
   * hash, never the device cookie itself): `isNew` when the user had not
   * signed in from it before (within `keepFor`, among the `maxDevices` most
   * recently seen), and how many devices it knew of the user before this
   * call (other than this one), so a user's very first remembered device can
   * be told from a new one.
   */
  rememberDevice?(userId: string, deviceKey: string, options: RememberDeviceOptions): Promise<{ isNew: boolean; known: number }>;
  /** Releases timers and connections the registry owns (not an injected client). */
  close(): Promise<void>;
}
