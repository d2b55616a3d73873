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
  /** Releases timers and connections the registry owns (not an injected client). */
  close(): Promise<void>;
}
