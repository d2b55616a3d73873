import { SessionGuardError } from '@sessionguard/core';

/**
 * The session store (the registry's backend, e.g. Redis) could not be reached
 * or did not answer in time. The middleware fails closed on it: the request
 * gets 503 `session_store_unavailable`, never a pass.
 */
export class SessionStoreUnavailableError extends SessionGuardError {
  override name = 'SessionStoreUnavailableError' as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** True for a {@link SessionStoreUnavailableError}, even from another realm or bundle. */
export function isSessionStoreUnavailableError(value: unknown): value is SessionStoreUnavailableError {
  return value instanceof Error && value.name === 'SessionStoreUnavailableError';
}

/**
 * The request's session ended while the request was in flight (revoked from
 * elsewhere, or expired), so the guard refused to act on it: thrown by
 * `passwordChanged` and `reauthenticated` instead of renewing a session that
 * is no longer there. Nothing was created. `guard.errorHandler` answers it
 * like the middleware answers an ended session: 401 `code` for API requests,
 * a redirect to the login page otherwise.
 */
export class SessionEndedError extends SessionGuardError {
  override name = 'SessionEndedError' as const;

  /** @param code - the wire code the request is answered with */
  constructor(
    readonly code: 'session_expired' | 'session_revoked',
    message = code === 'session_expired' ? 'The session expired during the request.' : 'The session was ended during the request.',
  ) {
    super(message);
  }
}

/** True for a {@link SessionEndedError}, even from another realm or bundle. */
export function isSessionEndedError(value: unknown): value is SessionEndedError {
  return value instanceof Error && value.name === 'SessionEndedError';
}

/** One of the user's sessions, as the `'ask'` answer lists it: by public id, never by session id. */
export interface LimitedSessionSummary {
  publicId: string;
  /** e.g. `Chrome 126`; `null` when unknown. */
  browser: string | null;
  /** e.g. `Windows 10`; `null` when unknown. */
  os: string | null;
  /** e.g. `desktop`; `null` when unknown. */
  device: string | null;
  /** When it signed in, ISO 8601. */
  createdAt: string;
  /** Its last activity, ISO 8601. */
  lastActivity: string;
}

/**
 * The user already holds `maxSessions` live sessions and the sign-in was not
 * completed (`sessionLimit: 'deny'` or `'ask'`). Nothing was signed in.
 * `guard.errorHandler` answers it with 409 and {@link SessionLimitError.body}:
 * `{ "error": "session_limit", "message" }`, plus, with `'ask'`, `sessions`
 * (the user's live sessions, by public id) and `token` (single use, valid
 * for `sessionLimitTokenTtl` seconds, bound to this browser's pending
 * sign-in: `POST <mount>/sessions/limit` with `{ token, end: [publicId, ...] }`).
 *
 * @example
 * try {
 *   await guard.login(req, user.id);
 * } catch (error) {
 *   if (isSessionLimitError(error)) return res.status(409).json(error.body);
 *   throw error;
 * }
 */
export class SessionLimitError extends SessionGuardError {
  override name = 'SessionLimitError' as const;
  /** The wire code. */
  readonly code = 'session_limit' as const;

  constructor(
    /** With `'ask'`: the user's live sessions (oldest first). */
    readonly sessions?: LimitedSessionSummary[],
    /** With `'ask'`: the token that completes this sign-in once sessions are chosen. */
    readonly token?: string,
  ) {
    super(sessions ? 'Too many sessions: choose sessions to end to complete the sign-in.' : 'Too many sessions: sign out elsewhere first.');
  }

  /** The 409 answer's body. */
  get body(): { error: 'session_limit'; message: string; sessions?: LimitedSessionSummary[]; token?: string } {
    return { error: this.code, message: this.message, ...(this.sessions ? { sessions: this.sessions } : {}), ...(this.token ? { token: this.token } : {}) };
  }
}

/** True for a {@link SessionLimitError}, even from another realm or bundle. */
export function isSessionLimitError(value: unknown): value is SessionLimitError {
  return value instanceof Error && value.name === 'SessionLimitError';
}
