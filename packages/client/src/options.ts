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
   * Language of the dialogs (`en`, `fr`, `de` shipped; others fall back to
   * English) and of the times written in them.
   * @default the page's `<html lang>`, else `navigator.language`, else `'en'`
   */
  locale?: string;
  /**
   * Replaces any of the dialogs' strings.
   * @default {} (the locale's strings)
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

const URL_OPTIONS = ['signInUrl', 'logoutUrl', 'loginPageUrl'] as const;

/**
 * Applies the defaults (the one place they live) and validates, throwing
 * {@link SessionGuardConfigError} naming the first bad option.
 */
export function resolveOptions(options: SessionGuardOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw new SessionGuardConfigError('options', 'must be an object');
  const win = options.window ?? window;
  const nav = win.navigator;
  const resolved: ResolvedOptions = {
    baseUrl: '/session',
    signInUrl: null,
    logoutUrl: null,
    loginPageUrl: null,
    username: null,
    warnAfter: null,
    expireAfter: null,
    locale: win.document.documentElement.lang || nav.language || 'en',
    strings: {},
    nonce: null,
    name: 'sessionguard',
    clock: systemClock,
    window: win,
    location: win.location,
    ...stripUndefined(options),
  };
  const isString = (key: keyof SessionGuardOptions, nullable: boolean) => {
    const value = resolved[key];
    if (!(typeof value === 'string' || (nullable && value === null))) {
      throw new SessionGuardConfigError(key, `must be a string${nullable ? ' or null' : ''}, got ${typeof value}`);
    }
  };
  isString('baseUrl', false);
  isString('locale', false);
  isString('name', false);
  isString('username', true);
  isString('nonce', true);
  for (const key of URL_OPTIONS) isString(key, true);
  if (resolved.warnAfter !== null || resolved.expireAfter !== null) {
    if (resolved.warnAfter === null) throw new SessionGuardConfigError('warnAfter', 'must be set together with expireAfter');
    if (resolved.expireAfter === null) throw new SessionGuardConfigError('expireAfter', 'must be set together with warnAfter');
    validateTimingPolicy({ warnAfter: resolved.warnAfter, expireAfter: resolved.expireAfter });
  }
  if (typeof resolved.strings !== 'object' || resolved.strings === null) {
    throw new SessionGuardConfigError('strings', 'must be an object of strings');
  }
  for (const [key, value] of Object.entries(resolved.strings)) {
    if (typeof value !== 'string') throw new SessionGuardConfigError(`strings.${key}`, 'must be a string');
  }
  if (resolved.fetch !== undefined && typeof resolved.fetch !== 'function') {
    throw new SessionGuardConfigError('fetch', 'must be a function');
  }
  try {
    new Intl.NumberFormat(resolved.locale);
  } catch {
    throw new SessionGuardConfigError('locale', `must be a BCP 47 language tag, got ${resolved.locale}`);
  }
  return resolved;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
