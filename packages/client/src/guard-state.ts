/**
 * Where the session stands, as this tab shows it. `anonymous`: the server
 * knows no session and this tab never knew one (a login or public page with
 * the script tag): the guard shows nothing and asks nothing more, until a
 * tab of this browser relays a session the server confirmed.
 */
export type GuardStatus = 'active' | 'warning' | 'expired' | 'revoked' | 'signed-out' | 'anonymous';

/**
 * Why the session ended, once it has:
 *
 * - `idle`: status `expired`, by inactivity;
 * - `absolute`: status `expired`, by the absolute lifetime (the server's `absoluteRemaining` ran out first);
 * - `revoked`: status `revoked`, ended on purpose on the server (a sign-out on another device, a password change, an admin);
 * - `unauthenticated`: status `signed-out`, the server no longer knows the session (401 `unauthenticated`);
 * - `signed-out`: status `signed-out`, this tab's `logout()`, confirmed by the server;
 * - `signed-out-elsewhere`: status `signed-out`, a sign-out in another tab (or a `data-sessionguard-logout` form), confirmed by the server.
 */
export type EndReason = 'idle' | 'absolute' | 'revoked' | 'unauthenticated' | 'signed-out' | 'signed-out-elsewhere';

/**
 * Emitted by {@link SessionGuard.state$} and {@link SessionGuard.subscribe}:
 * a new object only when a field changed, so its identity can be compared
 * (React's `useSyncExternalStore`).
 */
export interface GuardState {
  status: GuardStatus;
  /** When the warning shows (epoch ms); `null` before the server's first answer. */
  warnAt: number | null;
  /** When the session ends (epoch ms); `null` before the server's first answer. */
  expiresAt: number | null;
  /** Why it ended; `null` while it has not (and for `anonymous`). */
  reason: EndReason | null;
  /** Requests of `guard.http` / `guard.fetch` held until the user signs in again (or reauthenticates). */
  held: number;
  /** A request was answered 403 `reauthentication_required`: it waits for {@link SessionGuard.reauthenticate}. */
  stepUp: boolean;
}

/**
 * What `logout()` did: `ok`, signed out (the server answered 2xx, or 401: it
 * knows no session; or there is no `logoutUrl`); `refused`, the server
 * answered anything else (a 403 for a CSRF token it rejects, a 5xx): still
 * signed in; `unreachable`, no answer: still signed in.
 */
export type LogoutResult = 'ok' | 'refused' | 'unreachable';

/**
 * Outcome of `signIn()` or `reauthenticate()`: `ok`; `invalid`, the server
 * answered 401 (wrong username or password); `unreachable`, no answer or a
 * 5xx; `failed`, any other answer (a 403 for a stale CSRF token, say).
 */
export type SignInResult = 'ok' | 'invalid' | 'unreachable' | 'failed';

/** Events of {@link SessionGuard.on} and what their handlers receive. */
export interface GuardEvents {
  /** The warning opened. */
  warn: GuardState;
  /** The session expired (idle or absolute), or the server no longer knows it. */
  expire: GuardState;
  /** The warning closed because the session was extended (button, Escape, activity, another tab). */
  extend: GuardState;
  /** A deliberate sign-out, in this tab or another, that the server confirmed. */
  logout: GuardState;
  /**
   * `logout()` did not sign out: the server refused (`status`, e.g. 403 for
   * a CSRF token it rejects) or could not be reached (`null`). The user is
   * still signed in.
   */
  'logout-failed': { status: number | null };
  /**
   * The user signed in again in place. `csrfToken`: the app's fresh CSRF
   * token (from the sign-in answer or `csrf.tokenUrl`), already written to
   * the configured `<meta>` and hidden fields; `null` when there is none.
   */
  login: { username: string | null; csrfToken: string | null };
  /** The server ended the session on purpose (sign-out elsewhere, password change, admin). */
  revoked: GuardState;
  /**
   * The server's tag of the user this page is of became known (its first
   * answer); `undefined` from a server that sends none. Form preservation
   * waits for it.
   */
  user: { user: string | undefined };
}

/** Which end a 401 names: `session_expired`, `session_revoked`, or `unauthenticated` (`signed-out`). */
export type Ended = 'expired' | 'revoked' | 'signed-out';
