/**
 * The session registry: the authoritative record of live sessions, indexed by
 * user. Framework-neutral: it takes plain ids and epoch-millisecond
 * timestamps, so another framework's adapter could reuse it.
 *
 * Every operation costs O(sessions of that user), never a scan of all
 * sessions. Every operation addresses a session by {@link SessionRef}, which
 * carries the user id, so a Redis implementation can keep all of a user's keys
 * in one cluster slot.
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
  /** `User-Agent` header at sign-in. */
  userAgent: string | null;
  /** HMAC of the user's session auth hash at sign-in, or null when the app does not use one. */
  authHash: string | null;
  /**
   * After this instant the registry may forget the record on its own (TTL).
   * The adapter sets it a little past the session's end so that an expired
   * session can still be told apart from a revoked one for a while.
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
 *   revoked, or past `retainUntil`) returns `null` / does nothing: it never
 *   recreates a record;
 * - `touch` only moves `lastActivity` and `retainUntil` forward;
 * - each operation is atomic.
 */
export interface SessionRegistry {
  /**
   * Records a new session. Replaces the user's record with the same session id.
   * A record of the same session id under another user is not guaranteed to be
   * replaced (a cluster-safe store only sees the given user's keys); session ids
   * are never reused across users, the adapter regenerates them at login.
   */
  create(record: SessionRecord): Promise<void>;
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
  /** The user's live sessions, oldest first. */
  list(userId: string): Promise<SessionRecord[]>;
  /** Removes one session; returns the removed record, or `null` when it was unknown. */
  revoke(ref: SessionRef): Promise<SessionRecord | null>;
  /** Removes every session of the user except `exceptSessionId`; returns the removed records. */
  revokeUser(userId: string, exceptSessionId?: string): Promise<SessionRecord[]>;
  /** Releases timers and connections the registry owns (not an injected client). */
  close(): Promise<void>;
}
