import { CSRF_HEADER, CSRF_HEADER_VALUE } from '@sessionguard/core';
import type { KyInstance } from 'ky';
import { ky } from './deps.js';
import { endFromResponse } from './ping.js';

/**
 * Called when a request failed with a 401 naming the end of the session
 * (`session_expired`, `session_revoked`, or `unauthenticated`: once a session
 * has ended, the server no longer knows it and answers the latter): the guard
 * opens the sign-in dialog and resolves `true` once the user signed in again
 * (retry), `false` when they will not (sign-out, destroy).
 */
export type HoldRequest = (end: 'expired' | 'revoked' | 'signed-out') => Promise<boolean>;

/** The HTTP helpers a guard exposes. */
export interface GuardHttp {
  /** A ky instance: requests failing because the session ended (401) are held and retried after sign-in. */
  http: KyInstance;
  /** `fetch` with the same holding. */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
}

/**
 * Builds {@link GuardHttp} over `baseFetch`. The request is cloned before it
 * is sent, so its body can be sent again after sign-in. Same-origin requests
 * get the `X-SessionGuard` header, so the server answers them with JSON 401s
 * rather than redirects.
 */
export function createGuardHttp(baseFetch: typeof fetch, hold: HoldRequest, base: string): GuardHttp {
  const origin = new URL(base).origin;
  const mark = (request: Request): void => {
    if (new URL(request.url).origin === origin && !request.headers.has(CSRF_HEADER)) {
      request.headers.set(CSRF_HEADER, CSRF_HEADER_VALUE);
    }
  };
  const guardFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(typeof input === 'string' ? new URL(input, base) : input, init);
    mark(request);
    const spare = request.clone();
    const response = await baseFetch(request);
    const end = await endFromResponse(response);
    if (end && (await hold(end))) return guardFetch(spare);
    return response;
  };
  const http = ky.create({
    fetch: baseFetch,
    hooks: {
      beforeRequest: [mark],
      afterResponse: [
        async (request, _options, response) => {
          const end = await endFromResponse(response);
          // ky hands hooks an unsent clone of the request: its body is intact.
          if (end && (await hold(end))) return guardFetch(request);
          return undefined;
        },
      ],
    },
  });
  return { http, fetch: guardFetch };
}
