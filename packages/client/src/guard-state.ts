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
  /**
   * The last `signIn()` went over the server's session limit (409
   * `session_limit`): nothing is signed in. `canChoose`: the server lets the
   * user end some of `sessions` to sign in ({@link SessionGuard.endSessionsAndSignIn});
   * `false` (`sessionLimit: 'deny'`): only a sign-out elsewhere makes room.
   * `null` otherwise, and once the session is live again.
   */
  sessionLimit: SessionLimitState | null;
  /** Sign-ins of this user from new devices, oldest first, shared by the open tabs until dismissed in one of them. */
  notices: readonly DeviceNotice[];
}

/** The guard's methods for the session limit and the new-device notices (part of `SessionGuard`). */
export interface LimitsAndNotices {
  /** After `signIn()` answered `session-limit`: ends the sessions of `publicIds` (from `state.sessionLimit`) and signs in, without the password. */
  endSessionsAndSignIn(publicIds: readonly string[]): Promise<SessionLimitResult>;
  /** Forgets `state.sessionLimit` (the user would rather not end a session): the sign-in form again. */
  cancelSessionLimit(): void;
  /** Removes the notice of `publicId` from `state.notices`, in every tab. */
  dismissNotice(publicId: string): void;
  /** Ends the session a notice is about (`DELETE <baseUrl>/sessions/:publicId` through `guard.fetch`), then dismisses it. */
  endNoticeSession(publicId: string): Promise<EndSessionResult>;
}

/** See {@link GuardState.sessionLimit}. */
export interface SessionLimitState {
  /** The user's other sessions, the most recently active first (empty for `deny`). */
  sessions: readonly OtherSession[];
  canChoose: boolean;
}

/** One of the user's other sessions, as the session-limit answer lists it. */
export interface OtherSession {
  publicId: string;
  /** e.g. `Firefox 140`; `null` when unknown. */
  browser: string | null;
  /** e.g. `Windows 10`; `null` when unknown. */
  os: string | null;
  /** e.g. `desktop`; `null` when unknown. */
  device: string | null;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms. */
  lastActivity: number;
}

/** A sign-in from a new device (`GuardState.notices`). */
export interface DeviceNotice {
  /** The public id of that session: {@link SessionGuard.endNoticeSession} ends it. */
  publicId: string;
  browser: string | null;
  os: string | null;
  device: string | null;
  /** When it signed in (epoch ms, this device's clock). */
  at: number;
}

/**
 * What `endSessionsAndSignIn()` did: `ok`, the chosen sessions ended and this
 * page is signed in; `invalid`, the server no longer accepts the token (used,
 * expired): sign in again; `not-found`, none of them is a live session any
 * more (nothing ended; choose again); `session-limit`, the places were taken
 * meanwhile: a new list is in `sessionLimit`; `unreachable`, no answer or a
 * 5xx; `failed`, anything else.
 */
export type SessionLimitResult = 'ok' | 'invalid' | 'not-found' | 'session-limit' | 'unreachable' | 'failed';

/** What `endNoticeSession()` did: `ok` (ended, or already over: the notice is dismissed), `unreachable`, `failed`. */
export type EndSessionResult = 'ok' | 'unreachable' | 'failed';

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
 * 5xx; `failed`, any other answer (a 403 for a stale CSRF token, say);
 * `session-limit` (`signIn()` only), the server answered 409
 * `session_limit`: see {@link GuardState.sessionLimit}.
 */
export type SignInResult = 'ok' | 'invalid' | 'unreachable' | 'failed' | 'session-limit';

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
