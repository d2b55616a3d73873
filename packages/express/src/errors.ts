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
