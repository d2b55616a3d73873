import { SessionGuardConfigError, validateTimingPolicy } from '@sessionguard/core';
import { systemClock, type Clock } from './clock.js';
import type { Leader } from './leader.js';
import type { SessionGuardStrings } from './strings.js';
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
   * JSON sign-in endpoint (`{"username","password"}` → 200 `{"username"}` or 401
   * `invalid_credentials`) for signing in again in place. Without it the
   * expiry dialog's `Sign in` button goes to `loginPageUrl`, saving fields
   * marked `data-sessionguard-preserve` first.
   * @default null
   */
  signInUrl?: string | null;
  /**
   * Sign-out endpoint `logout()` posts to (with `Accept: application/json`).
   * @default null
   */
  logoutUrl?: string | null;
  /**
   * The login page: every tab goes there after a deliberate sign-out.
   * @default null
   */
  loginPageUrl?: string | null;
  /**
   * The signed-in user: prefills the sign-in form. If someone else signs in
   * (or this is unknown), every tab reloads so no one sees another user's page.
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
   * Locale of the times written in the dialogs (Intl). The texts come from
   * `strings`: pass the shipped `fr` or `de` (or `localeStrings(locale)`) with
   * it; the script-tag build does that from `data-locale`.
   * @default the page's `<html lang>`, else `navigator.language`, else `'en'`
   */
  locale?: string;
  /**
   * The dialogs' texts, over English: a shipped translation (`fr`, `de`) or
   * any subset of your own.
   * @default {} (English)
   */
  strings?: Partial<SessionGuardStrings>;
  /**
   * CSP nonce for the one `<style>` element the dialogs need.
   * @default null
   */
  nonce?: string | null;
  /**
   * Name of the tab channel, leader lock and storage keys; guards with
   * different names ignore each other.
   * @default 'sessionguard'
   */
  name?: string;
  /**
   * The `fetch` used for every request (the ping, sign-in, sign-out, `http`, `fetch`).
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
export type ResolvedOptions = Required<Omit<SessionGuardOptions, 'channel' | 'leader' | 'fetch'>> &
  Pick<SessionGuardOptions, 'channel' | 'leader' | 'fetch'>;

/** Type of each option checked at construction: `s` string, `n` string or null. */
const STRING_OPTIONS = {
  baseUrl: 's',
  locale: 's',
  name: 's',
  signInUrl: 'n',
  logoutUrl: 'n',
  loginPageUrl: 'n',
  username: 'n',
  nonce: 'n',
} as const;

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
  const resolved: ResolvedOptions = {
    baseUrl: '/session',
    signInUrl: null,
    logoutUrl: null,
    loginPageUrl: null,
    username: null,
    warnAfter: null,
    expireAfter: null,
    locale: win.document.documentElement.lang || win.navigator.language || 'en',
    strings: {},
    nonce: null,
    name: 'sessionguard',
    clock: systemClock,
    window: win,
    location: win.location,
  };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) (resolved as Record<string, unknown>)[key] = value;
  const fail = (option: string, problem: string): never => {
    throw new SessionGuardConfigError(option, problem);
  };
  for (const [key, kind] of Object.entries(STRING_OPTIONS)) {
    const value = resolved[key as keyof typeof STRING_OPTIONS];
    if (typeof value !== 'string' && (kind === 's' || value !== null)) {
      fail(key, `must be a string${kind === 'n' ? ' or null' : ''}, got ${typeof value}`);
    }
  }
  const { warnAfter, expireAfter, strings } = resolved;
  if (warnAfter !== null || expireAfter !== null) {
    if (warnAfter === null) fail('warnAfter', 'must be set together with expireAfter');
    if (expireAfter === null) fail('expireAfter', 'must be set together with warnAfter');
    validateTimingPolicy({ warnAfter: warnAfter!, expireAfter: expireAfter! });
  }
  if (typeof strings !== 'object' || strings === null) fail('strings', 'must be an object of strings');
  for (const [key, value] of Object.entries(strings)) if (typeof value !== 'string') fail(`strings.${key}`, 'must be a string');
  if (resolved.fetch !== undefined && typeof resolved.fetch !== 'function') fail('fetch', 'must be a function');
  return resolved;
}
