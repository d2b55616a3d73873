import { SessionGuardConfigError, validateTimingPolicy } from '@sessionguard/core';
import { systemClock, type Clock } from './clock.js';
import type { DialogOptions } from './attach-dialogs.js';
import type { CsrfOptions } from './csrf.js';
import type { Leader } from './leader.js';
import type { TabChannel } from './tab-channel.js';
import type { TabMessage } from './tab-message.js';

/** Options of {@link createSessionGuard}. Times are seconds. */
export interface SessionGuardOptions {
  /**
   * Where the server mounted sessionguard's router; the ping goes to `${baseUrl}/ping`.
   * @default '/session'
   */
  baseUrl?: string;
  /**
   * JSON sign-in endpoint (`{"username","password"}` → 200 `{"username"}`,
   * with `"csrfToken"` for an app with a CSRF library, or 401
   * `invalid_credentials`) for signing in again in place (`signIn()`).
   * Without it the built-in expiry dialog's `Sign in` button goes to
   * `loginPageUrl`, saving fields marked `data-sessionguard-preserve` first.
   * @default null
   */
  signInUrl?: string | null;
  /**
   * Sign-out endpoint `logout()` posts to (with `Accept: application/json`).
   * @default null
   */
  logoutUrl?: string | null;
  /**
   * JSON step-up endpoint (`{"password"}` → 2xx, with `"csrfToken"` when the
   * app's CSRF token changed, or 401 `invalid_credentials`): with it, a
   * request of `guard.http` / `guard.fetch` answered 403
   * `reauthentication_required` is held, `state.stepUp` is set, and
   * `reauthenticate(password)` posts here and sends the request again.
   * Without it such a 403 goes to the app as it is.
   * @default null
   */
  reauthenticateUrl?: string | null;
  /**
   * The app's CSRF token for `logoutUrl`, `signInUrl` and `reauthenticateUrl`, refreshed in the
   * page after sign-in in place; see {@link CsrfOptions}.
   * @default null (no token sent)
   */
  csrf?: CsrfOptions | null;
  /**
   * The login page: every tab goes there after a deliberate sign-out.
   * @default null
   */
  loginPageUrl?: string | null;
  /**
   * The signed-in user: prefills the sign-in form. If someone else signs in
   * (or this is unknown), every tab reloads so no one sees another user's page.
   * It also says the page was rendered for a session: without it, the guard
   * shows no end until the server has answered for a live session, so a
   * login page in a shared layout (no session) stays inert.
   * @default null
   */
  username?: string | null;
  /**
   * Seconds of inactivity before the warning, used until the server's first
   * answer (which always wins). Set with `expireAfter`.
   * @default null (from the server)
   */
  warnAfter?: number | null;
  /**
   * Seconds of inactivity before expiry, used until the server's first answer.
   * At least 20 s after `warnAfter` (WCAG 2.2.1).
   * @default null (from the server)
   */
  expireAfter?: number | null;
  /**
   * @deprecated Options of the built-in dialogs: pass them to `attachDialogs`
   * (`@sessionguard/client/ui`). The headless guard ignores them; `attachDialogs`
   * reads them from here when its own options leave them out.
   */
  strings?: DialogOptions['strings'];
  /** @deprecated See `strings`. */
  locale?: string;
  /** @deprecated See `strings`. */
  nonce?: string | null;
  /**
   * Push: the leader tab holds the server's stream of session ends,
   * `GET ${baseUrl}/events`, so a revocation, a password change elsewhere or
   * an admin's sign-out reaches every tab within a second instead of at the
   * next ping. On by default: a server without push (404, 403, or a 200 that
   * is not an event stream) is not asked again on this page. Pings go on
   * either way; `false` keeps to them alone.
   * @default true
   */
  push?: boolean;
  /**
   * Name of the tab channel, leader lock and storage keys; guards with
   * different names ignore each other.
   * @default 'sessionguard'
   */
  name?: string;
  /**
   * The `fetch` used for every request (the ping, sign-in, sign-out, reauthentication, `http`, `fetch`).
   * @default globalThis.fetch (looked up at each call)
   */
  fetch?: typeof fetch;
  /** Seam: time and timers. @default systemClock */
  clock?: Clock;
  /** Seam: messaging between tabs. @default BroadcastChannel, else `storage` events */
  channel?: TabChannel<TabMessage>;
  /** Seam: leader election. @default Web Locks, else a localStorage lease */
  leader?: Leader;
  /** Seam: the window whose document, events and storage the guard uses. @default window */
  window?: Window;
  /** Seam: navigation. @default window.location */
  location?: Pick<Location, 'assign' | 'reload'>;
}

/** {@link SessionGuardOptions} with every default applied. */
export type ResolvedOptions = Required<Omit<SessionGuardOptions, 'channel' | 'leader' | 'fetch' | 'csrf' | 'strings' | 'locale' | 'nonce'>> &
  Pick<SessionGuardOptions, 'channel' | 'leader' | 'fetch' | 'strings' | 'locale' | 'nonce'> & { csrf: Required<CsrfOptions> | null };

/** Type of each option checked at construction: `s` string, `n` string or null. */
const STRING_OPTIONS = {
  baseUrl: 's',
  name: 's',
  signInUrl: 'n',
  logoutUrl: 'n',
  reauthenticateUrl: 'n',
  loginPageUrl: 'n',
  username: 'n',
} as const;
/** The same for {@link CsrfOptions}. */
const CSRF_STRING_OPTIONS = { header: 's', meta: 'n', field: 'n', tokenUrl: 'n' } as const;

const fail = (option: string, problem: string): never => {
  throw new SessionGuardConfigError(option, problem);
};
/** Copies what `source` sets over `target` (`undefined` keeps the default). */
const assign = <T extends object>(target: T, source: object): T => {
  for (const [key, value] of Object.entries(source)) if (value !== undefined) (target as Record<string, unknown>)[key] = value;
  return target;
};
/** Checks each option of `kinds` in `values`, naming it with `prefix`. */
const checkStrings = (values: object, kinds: Record<string, 's' | 'n'>, prefix = ''): void => {
  for (const [key, kind] of Object.entries(kinds)) {
    const value = (values as Record<string, unknown>)[key];
    if (typeof value !== 'string' && (kind === 's' || value !== null)) {
      fail(prefix + key, `must be a string${kind === 'n' ? ' or null' : ''}, got ${typeof value}`);
    }
  }
};

/**
 * Applies the defaults (the one place they live) and validates, throwing
 * {@link SessionGuardConfigError} naming the first bad option.
 */
export function resolveOptions(options: SessionGuardOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw new SessionGuardConfigError('options', 'must be an object');
  // Server-side rendering imports the SDK without a window: say so rather than throw a ReferenceError.
  if (options.window === undefined && typeof window === 'undefined') {
    throw new SessionGuardConfigError(
      'window',
      'is missing: createSessionGuard runs in a browser. Create the guard on the client (e.g. in a useEffect), not while rendering on the server',
    );
  }
  const win = options.window ?? window;
  const resolved: ResolvedOptions = assign<ResolvedOptions>({
    baseUrl: '/session',
    signInUrl: null,
    logoutUrl: null,
    reauthenticateUrl: null,
    csrf: null,
    loginPageUrl: null,
    username: null,
    warnAfter: null,
    expireAfter: null,
    name: 'sessionguard',
    push: true,
    clock: systemClock,
    window: win,
    location: win.location,
  }, options);
  checkStrings(resolved, STRING_OPTIONS);
  const { warnAfter, expireAfter } = resolved;
  if (warnAfter !== null || expireAfter !== null) {
    if (warnAfter === null) fail('warnAfter', 'must be set together with expireAfter');
    if (expireAfter === null) fail('expireAfter', 'must be set together with warnAfter');
    validateTimingPolicy({ warnAfter: warnAfter!, expireAfter: expireAfter! });
  }
  if (resolved.fetch !== undefined && typeof resolved.fetch !== 'function') fail('fetch', 'must be a function');
  if (typeof resolved.push !== 'boolean') fail('push', `must be a boolean, got ${typeof resolved.push}`);
  if (resolved.csrf !== null) {
    if (typeof resolved.csrf !== 'object') fail('csrf', 'must be an object or null');
    const csrf = (resolved.csrf = assign({ header: 'x-csrf-token', meta: 'csrf-token', field: '_csrf', token: null, tokenUrl: null }, resolved.csrf));
    checkStrings(csrf, CSRF_STRING_OPTIONS, 'csrf.');
    if (csrf.token !== null && typeof csrf.token !== 'function') fail('csrf.token', 'must be a function or null');
  }
  return resolved;
}
