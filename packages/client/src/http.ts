import { CSRF_HEADER, CSRF_HEADER_VALUE } from '@sessionguard/core';
import type { KyInstance } from 'ky';
import type { Ended } from './guard-state.js';
import { createKyHttp } from './ky-http.js';
import { endFromResponse, errorCode } from './ping.js';

/**
 * Called when a request failed with a 401 naming the end of the session
 * (`session_expired`, `session_revoked`, or `unauthenticated`: once a session
 * has ended, the server no longer knows it and answers the latter), or with a
 * 403 `reauthentication_required` (`step-up`): the guard resolves `true` once
 * the user signed in again or reauthenticated (retry), `false` when they will
 * not (sign-out, cancel, destroy) or nothing waits for them.
 */
export type HoldRequest = (end: Ended | 'step-up') => Promise<boolean>;

/** Why the server refused `response` in a way a sign-in (or a fresh one) can fix, or null. */
async function refusal(response: Response): Promise<Ended | 'step-up' | null> {
  if (response.status === 403) return (await errorCode(response)) === 'reauthentication_required' ? 'step-up' : null;
  return endFromResponse(response);
}

/** The HTTP helpers a guard exposes. */
export interface GuardHttp {
  /**
   * A ky instance: requests failing because the session ended (401) are held
   * and retried after sign-in; with `reauthenticateUrl`, those answered 403
   * `reauthentication_required` are held and retried after `reauthenticate()`.
   */
  http: KyInstance;
  /** `fetch` with the same holding. */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
}

/**
 * Builds {@link GuardHttp} over `baseFetch`. The request is cloned before it
 * is sent, so its body can be sent again after sign-in. Same-origin requests
 * get the `X-SessionGuard` header, so the server answers them with JSON 401s
 * rather than redirects. The ky instance works with ky 1 and ky 2 (the peer
 * range), whose hooks take different arguments.
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
    const end = await refusal(response);
    if (end && (await hold(end))) return guardFetch(spare);
    return response;
  };
  let http: KyInstance | undefined;
  return {
    // Built on first use: the script tag carries no ky, and an app that only uses `fetch` never runs ky's set-up.
    get http() {
      return (http ??= createKyHttp({ fetch: baseFetch, mark, refusal, hold, resend: guardFetch }));
    },
    fetch: guardFetch,
  };
}
