import { SessionGuardConfigError } from '@sessionguard/core';
import type { Api } from './api.js';
import { tokenOf, type AppCsrf } from './csrf.js';
import type { LogoutResult, SignInResult } from './guard-state.js';
import type { MachineEvent } from './machine.js';
import type { ResolvedOptions } from './options.js';
import { endFromResponse } from './ping.js';
import type { SessionLimitKeeper } from './session-limit.js';

/** The requests to the app's own account endpoints; their answers become machine events. */
export interface Account {
  logout(): Promise<LogoutResult>;
  signIn(username: string, password: string): Promise<SignInResult>;
  reauthenticate(password: string): Promise<SignInResult>;
}

/** 2xx signed out; 401: the server knows no session any more. Anything else: still signed in. */
export function logoutResult(status: number | null): LogoutResult {
  return status === null ? 'unreachable' : status === 401 || (status >= 200 && status < 300) ? 'ok' : 'refused';
}

/** A failed sign-in or reauthentication: 401 wrong credentials, 5xx as unreachable, anything else failed. */
const failure = (status: number): SignInResult => (status === 401 ? 'invalid' : status >= 500 ? 'unreachable' : 'failed');

export function createAccount(
  o: ResolvedOptions,
  api: Api,
  absolute: (url: string) => string,
  csrf: AppCsrf,
  dispatch: (event: MachineEvent) => void,
  limit: () => SessionLimitKeeper,
): Account & { signedIn(response: Response, username: string): Promise<void> } {
  /** POSTs `json` to the endpoint of option `option`, with the app's CSRF `token`; `null` when unreachable. */
  const send = async (option: 'signInUrl' | 'reauthenticateUrl', json: object, token: () => Promise<string | null>): Promise<Response | null> => {
    const url = o[option];
    if (!url) throw new SessionGuardConfigError(option, `is needed for ${option === 'signInUrl' ? 'signIn' : 'reauthenticate'}()`);
    try {
      return await api.post(absolute(url), { json, headers: csrf.headers(await token()) });
    } catch {
      return null;
    }
  };
  /** The signed-in session's CSRF token: in the answer, else from tokenUrl. */
  const freshToken = async (response: Response): Promise<[unknown, string | null]> => {
    const body: unknown = await response.json().catch(() => null);
    return [body, tokenOf(body) ?? (await csrf.fetchToken().catch(() => null))];
  };
  /** A sign-in succeeded (`signIn()`, or `endSessionsAndSignIn()`): the same event and CSRF token refresh either way. */
  const signedIn = async (response: Response, username: string): Promise<void> => {
    const [body, token] = await freshToken(response);
    const name = (body as { username?: unknown } | null)?.username;
    dispatch({ type: 'signed-in', username: typeof name === 'string' ? name : username, csrfToken: token });
  };
  return {
    signedIn,
    async logout() {
      let status: number | null = 204;
      if (o.logoutUrl) {
        try {
          status = (await api.post(absolute(o.logoutUrl), { headers: csrf.headers(csrf.read()) })).status;
        } catch {
          status = null;
        }
      }
      const result = logoutResult(status);
      dispatch({ type: 'logout', result, status });
      return result;
    },
    async signIn(username, password) {
      // A session-bound token (csrf-sync) ended with the session: the fresh anonymous session's comes from tokenUrl.
      const response = await send('signInUrl', { username, password }, async () => (await csrf.fetchToken()) ?? csrf.read());
      if (!response) return 'unreachable';
      limit().clear();
      if (!response.ok) return (await limit().read(response, username)) ? 'session-limit' : failure(response.status);
      await signedIn(response, username);
      return 'ok';
    },
    async reauthenticate(password) {
      const response = await send('reauthenticateUrl', { password }, async () => csrf.read());
      if (!response) return 'unreachable';
      if (!response.ok) {
        // The session itself is over: the sign-in dialog takes the step-up's place.
        const end = await endFromResponse(response);
        if (end) dispatch({ type: 'ended', end });
        return end ? 'failed' : failure(response.status);
      }
      const [, token] = await freshToken(response);
      dispatch({ type: 'reauthenticated', csrfToken: token });
      return 'ok';
    },
  };
}
