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
