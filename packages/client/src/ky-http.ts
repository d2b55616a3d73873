import type { KyInstance } from 'ky';
import { ky } from './deps.js';
import type { Ended } from './guard-state.js';
import type { HoldRequest } from './http.js';

/**
 * The request (and, for `afterResponse`, the response) a ky hook was called
 * with, on either supported ky major: ky 1 passes them as separate arguments
 * (`request, options, response, state`), ky 2 as one state object
 * (`{ request, options, response, retryCount }`). A `Request` has no
 * `request` property, so the first argument tells them apart.
 */
function hookArguments(args: unknown[]): { request: Request; response: Response | undefined } {
  const [first] = args;
  if (typeof first === 'object' && first !== null && 'request' in first) {
    const state = first as { request: Request; response?: Response };
    return { request: state.request, response: state.response };
  }
  return { request: first as Request, response: args[2] as Response | undefined };
}

/** What {@link createKyHttp} builds on: the pieces of `guard.fetch`. */
export interface KyHttpParts {
  fetch: typeof fetch;
  /** Adds the `X-SessionGuard` header to a same-origin request. */
  mark(request: Request): void;
  /** Why the server refused a response in a way a sign-in can fix, or null. */
  refusal(response: Response): Promise<Ended | 'step-up' | null>;
  hold: HoldRequest;
  /** Sends a request again through `guard.fetch` (after sign-in). */
  resend(request: Request): Promise<Response>;
}

/**
 * `guard.http`: a ky instance whose requests refused because the session
 * ended (or for a step-up) are held and sent again once the user signed in
 * (or reauthenticated). Its own module: the script tag, which carries no ky,
 * replaces it with one that throws (no-ky.ts).
 */
export function createKyHttp({ fetch: baseFetch, mark, refusal, hold, resend }: KyHttpParts): KyInstance {
  /**
   * An unsent copy of each ky request with a body, for the retry after
   * sign-in. ky 1 hands `afterResponse` an unsent clone of its own, and so
   * does ky 2 while retries are on; with `retry: 0`, ky 2 hands it the request
   * it sent, whose body is gone.
   */
  const spares = new WeakMap<Request, Request>();
  return ky.create({
    fetch: baseFetch,
    hooks: {
      beforeRequest: [
        (...args: unknown[]) => {
          const { request } = hookArguments(args);
          mark(request);
          if (request.body !== null) spares.set(request, request.clone());
        },
      ],
      afterResponse: [
        async (...args: unknown[]) => {
          const { request, response } = hookArguments(args);
          const end = response ? await refusal(response) : null;
          if (end && (await hold(end))) return resend(request.bodyUsed ? (spares.get(request) ?? request) : request);
          return undefined;
        },
      ],
    },
  });
}
