import type { Api } from './api.js';
import type { AppCsrf } from './csrf.js';
import type { OtherSession, SessionLimitResult, SessionLimitState } from './guard-state.js';
import { errorCode } from './ping.js';

/** A 409 `session_limit` answer, checked: what the state shows, and the token (`null` for `deny`). */
export interface SessionLimitAnswer {
  state: SessionLimitState;
  token: string | null;
}

const isText = (value: unknown): value is string | null => value === null || (typeof value === 'string' && value.length <= 200);
const time = (value: unknown): number => (typeof value === 'string' ? Date.parse(value) : NaN);

/**
 * Reads the body of a 409 `session_limit`: with `sessions` and `token`
 * (`sessionLimit: 'ask'`) the user may choose; without them (`'deny'`) not.
 * `null` when it is not a session-limit answer; a malformed list is
 * treated as `deny` (nothing to choose from is safer than a wrong choice).
 */
export function parseSessionLimit(body: unknown): SessionLimitAnswer | null {
  if (!body || typeof body !== 'object' || (body as { error?: unknown }).error !== 'session_limit') return null;
  const { sessions, token } = body as { sessions?: unknown; token?: unknown };
  const deny: SessionLimitAnswer = { state: { sessions: [], canChoose: false }, token: null };
  if (typeof token !== 'string' || !token || !Array.isArray(sessions) || sessions.length > 100) return deny;
  const list: OtherSession[] = [];
  for (const item of sessions as Record<string, unknown>[]) {
    const { publicId, browser, os, device } = item ?? {};
    const createdAt = time(item?.createdAt);
    const lastActivity = time(item?.lastActivity);
    if (typeof publicId !== 'string' || !/^[\w-]{1,64}$/.test(publicId) || !isText(browser) || !isText(os) || !isText(device)) return deny;
    if (!Number.isFinite(createdAt) || !Number.isFinite(lastActivity)) return deny;
    list.push({ publicId, browser, os, device, createdAt, lastActivity });
  }
  return { state: { sessions: list, canChoose: list.length > 0 }, token };
}

/** This tab's pending over-the-limit sign-in: the list the state shows, and the token kept out of it. */
export interface SessionLimitKeeper {
  readonly state: SessionLimitState | null;
  /** Reads a refused sign-in of `username`: `true` when it was 409 `session_limit` (kept). */
  read(response: Response, username: string): Promise<boolean>;
  clear(): void;
  /** `POST <base>/sessions/limit`; on 200 `signedIn(response, username)` finishes as a sign-in does. */
  endAndSignIn(publicIds: readonly string[]): Promise<SessionLimitResult>;
}

/**
 * Keeps the answer of a sign-in over the limit until the user chooses.
 * `url`: `<base>/sessions/limit`; `onChange` publishes the state.
 */
export function createSessionLimit(
  api: Api,
  url: string,
  csrf: AppCsrf,
  signedIn: (response: Response, username: string) => Promise<void>,
  onChange: () => void,
): SessionLimitKeeper {
  let pending: (SessionLimitAnswer & { username: string }) | null = null;
  const set = (next: typeof pending): void => {
    pending = next;
    onChange();
  };
  const read = async (response: Response, username: string): Promise<boolean> => {
    if (response.status !== 409) return false;
    const answer = parseSessionLimit(await response.clone().json().catch(() => null));
    if (answer) set({ ...answer, username });
    return !!answer;
  };
  return {
    get state() {
      return pending?.state ?? null;
    },
    read,
    clear: () => void (pending && set(null)),
    async endAndSignIn(publicIds) {
      const kept = pending;
      if (!kept?.token) return 'invalid';
      let response: Response;
      try {
        response = await api.post(url, { json: { token: kept.token, end: [...publicIds] }, headers: csrf.headers((await csrf.fetchToken().catch(() => null)) ?? csrf.read()) });
      } catch {
        return 'unreachable';
      }
      if (response.ok) {
        set(null);
        await signedIn(response, kept.username);
        return 'ok';
      }
      if (response.status === 409) return (await read(response, kept.username)) ? 'session-limit' : 'failed';
      const code = await errorCode(response);
      if (code === 'session_limit_token_invalid') {
        set(null);
        return 'invalid';
      }
      if (response.status === 404) return 'not-found';
      return response.status >= 500 ? 'unreachable' : 'failed';
    },
  };
}
