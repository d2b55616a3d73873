import {
  SessionGuardConfigError,
  TIMING_PRESETS,
  validateTimingPolicy,
  type TimingPolicy,
  type TimingPresetName,
} from '@sessionguard/core';
import type { Request } from 'express';
import type { Store } from 'express-session';
import { defaultIsApiRequest } from './api-request.js';
import type { EndChannel } from './end-channel.js';
import { createConsoleLogger, type SessionGuardLogger } from './logger.js';
import { createMemoryRegistry } from './registry/memory-registry.js';
import type { SessionRegistry } from './registry/types.js';

/**
 * A value for every user, or a function deciding it per user at sign-in
 * (called with the user id and the sign-in's request). A function returning
 * `undefined` leaves the value as it is without it (e.g. the preset's).
 */
export type PerUser<T> = T | ((userId: string, req: Request) => T | undefined | Promise<T | undefined>);

/** What `policyFor` returns for a user: a preset, and/or the values that differ from the default. */
export interface TimingOverride {
  preset?: TimingPresetName;
  warnAfter?: number;
  expireAfter?: number;
  absoluteTimeout?: number | null;
}

/** Options of new-device notices (`deviceNotices`). */
export interface DeviceNoticeOptions {
  /**
   * Name of the device cookie: a random, opaque id (HttpOnly, SameSite=Lax,
   * Secure when the session cookie is), set at sign-in; nothing is read
   * from the browser besides it (no fingerprinting).
   * @default 'sessionguard.device'
   */
  cookieName?: string;
  /**
   * Devices remembered per user; the least recently seen are forgotten first
   * (signing in from one again is a new device then).
   * @default 20
   */
  maxDevices?: number;
  /**
   * Seconds a device is remembered after its last sign-in, and the device
   * cookie's lifetime.
   * @default 34560000 (400 days, the longest a browser keeps a cookie)
   */
  rememberFor?: number;
}

/** {@link DeviceNoticeOptions} after defaults. */
export interface ResolvedDeviceNoticeOptions {
  cookieName: string;
  maxDevices: number;
  rememberFor: number;
}

/** A policy that applies to every user (`true`), none (`false`), or is decided per user. */
export type UserPolicy = boolean | ((userId: string, req: Request) => boolean | Promise<boolean>);

/**
 * How many live sessions a user may hold at once, the new one included: a
 * number for everyone, or decided per user (return `null` or `undefined` for
 * no limit).
 */
export type MaxSessions = number | ((userId: string, req: Request) => number | null | undefined | Promise<number | null | undefined>);

/**
 * What a sign-in does when the user already holds `maxSessions` live sessions:
 * `'evict-oldest'` ends the least recently active one (reason
 * `session_limit`); `'deny'` refuses the sign-in (409 `session_limit`);
 * `'ask'` refuses it for now and lets the user pick sessions to end
 * (409 with the sessions and a single-use token, then
 * `POST <mount>/sessions/limit`).
 */
export type SessionLimitBehavior = 'evict-oldest' | 'deny' | 'ask';

const SESSION_LIMIT_BEHAVIORS: readonly SessionLimitBehavior[] = ['evict-oldest', 'deny', 'ask'];

/** Options of the rate limit on state-changing endpoints. */
export interface RateLimitOptions {
  /** Length of the window, in milliseconds. */
  windowMs: number;
  /** Requests allowed per user and IP within one window. */
  max: number;
}

/**
 * The timers the push streams schedule (heartbeats, the expiry checks of
 * sessions with an open stream). A seam for tests: pass one driven by the
 * same clock as `now`.
 */
export interface PushTimers {
  /** Calls `callback` once after `ms` milliseconds; returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * Options of the push stream, `GET <mount>/events` (Server-Sent Events that
 * tell a session's browser at once that the session ended). Times are
 * seconds. The caps count the streams this process holds.
 */
export interface PushOptions {
  /**
   * Seconds between heartbeats (an SSE comment line), so proxies and load
   * balancers see traffic and keep the stream open. Keep it below every idle
   * timeout between the browser and the app (nginx `proxy_read_timeout`
   * defaults to 60 s, AWS ALB's idle timeout to 60 s).
   * @default 25
   */
  heartbeatInterval?: number;
  /**
   * Open streams per session. A browser needs one (its leader tab's); a
   * stream beyond this closes the session's oldest (`closed` with reason
   * `replaced`), since the newest is the live leader's.
   * @default 4
   */
  maxStreamsPerSession?: number;
  /**
   * Open streams per user, over all of the user's sessions. Beyond it a new
   * stream is refused with 429 `too_many_streams` (the other streams are the
   * user's other devices): that browser falls back to its pings.
   * @default 20
   */
  maxStreamsPerUser?: number;
  /**
   * The SSE `retry` each stream is sent (how long a client waits before
   * reconnecting), drawn at random for each stream between `min` and `max`
   * seconds, so the streams of a restarted process do not all come back in
   * the same instant.
   * @default { min: 2, max: 12 }
   */
  reconnectDelay?: { min: number; max: number };
  /**
   * How ends reach the streams held by other processes. `null`: this
   * process only (enough for the memory registry). With the Redis registry:
   * `createRedisEndChannel({ client })` from `@sessionguard/express/redis`,
   * one per guard.
   * @default null
   */
  channel?: EndChannel | null;
  /**
   * The timers of heartbeats and expiry checks.
   * @default setTimeout and clearTimeout, unref'ed
   */
  timers?: PushTimers;
}

/** {@link PushOptions} after defaults and validation; reconnect delays in milliseconds. */
export interface ResolvedPushOptions {
  heartbeatInterval: number;
  maxStreamsPerSession: number;
  maxStreamsPerUser: number;
  reconnectDelayMs: { min: number; max: number };
  channel: EndChannel | null;
  timers: PushTimers;
}

/** Options of {@link createSessionGuard}. Timing values are seconds; `storeTimeout` is milliseconds. */
export interface SessionGuardOptions {
  /**
   * Secret(s) for the public session ids and the session auth hash, each at
   * least 32 characters. A list rotates secrets: the first signs, every entry
   * still verifies, and auth hashes verified with an older secret are rewritten
   * with the first. Public ids are computed once at sign-in and stored, so
   * rotation never changes a live session's public id.
   */
  secret: string | readonly string[];
  /**
   * A named timing policy from `TIMING_PRESETS` (NIST SP 800-63B AAL2/AAL3,
   * PCI DSS). `warnAfter`, `expireAfter` and `absoluteTimeout`, when given,
   * override the preset's values. Without a preset, `warnAfter` and
   * `expireAfter` are required.
   * @default undefined (no preset)
   */
  preset?: PerUser<TimingPresetName>;
  /**
   * Seconds of inactivity after which the client warns; at least 20 seconds
   * before `expireAfter` (WCAG 2.2.1).
   *
   * Each of `preset`, `warnAfter`, `expireAfter` and `absoluteTimeout` may
   * be a function of the user (`(userId, req) => value`, `undefined` for the
   * value without it): the policy is then resolved at sign-in, checked (a
   * policy under the 20 s minimum refuses that sign-in, with an error in the
   * log, and is never applied), stored with the session and enforced on it
   * by the middleware and the registry, and sent in its ping answers. The
   * policy with every function left out is the default (sessions recorded
   * without a policy of their own); it must be complete and valid. To keep
   * static values as the default and change them for some users, use
   * {@link SessionGuardOptions.policyFor}.
   * @default the preset's; required without a preset
   */
  warnAfter?: PerUser<number>;
  /**
   * Seconds of inactivity after which the session ends.
   * @default the preset's; required without a preset
   */
  expireAfter?: PerUser<number>;
  /**
   * Seconds after sign-in after which the session ends whatever the activity;
   * `null` for none.
   * @default the preset's, else `null`
   */
  absoluteTimeout?: PerUser<number | null>;
  /**
   * The timing policy of one user, decided at sign-in over the static
   * options (the default): return `undefined` to keep the default, or the
   * values to change (`{ warnAfter, expireAfter }`), or a `preset` (its
   * values, with any fields returned beside it). Resolved, checked (the 20 s
   * WCAG minimum: a bad policy refuses the sign-in, logged, never applied)
   * and stored with the session like the function-valued timing options.
   *
   * @example
   * policyFor: async (userId) => ((await users.get(userId))?.role === 'admin' ? { preset: 'aal3' } : undefined)
   * @default undefined (every user under the static policy)
   */
  policyFor?: (userId: string, req: Request) => TimingOverride | undefined | Promise<TimingOverride | undefined>;
  /**
   * New-device notices: a device cookie tells the devices a user signed in
   * from (remembered in the registry, hashed); `session.created` carries
   * `newDevice: true` on the first sign-in from a device, and the user's
   * other live sessions are told (ping answer `notices`, push event
   * `notice`). A user's first remembered device is no notice to anyone.
   * @default false
   */
  deviceNotices?: boolean | DeviceNoticeOptions;
  /**
   * Where live sessions are recorded. Use the Redis registry for more than one
   * process, or the sessionguard Redis store (`createRedisSessionStore`),
   * which is its own registry: given as `store`, it is used as the registry too.
   * @default the `store`'s registry when it is the sessionguard store, else createMemoryRegistry({ now })
   */
  registry?: SessionRegistry;
  /**
   * The express-session store, used to destroy the session data of revoked
   * sessions. When absent, the guard uses `req.sessionStore` of the first
   * request it sees, so give it explicitly when `revokeUser` may run before any
   * request (e.g. from a script). Without a store the registry still ends the
   * session (the middleware never accepts a session the registry does not
   * hold); only its data lingers until the store expires it. The sessionguard
   * Redis store (`createRedisSessionStore`) is also the guard's registry.
   * @default the `req.sessionStore` of the first request
   */
  store?: Store;
  /**
   * Where page requests of an ended session are redirected (303), with
   * `?next=<path>` holding the requested same-site path. A path starting with
   * `/`, or an absolute http(s) URL.
   * @default '/login'
   */
  loginUrl?: string;
  /**
   * Paths where a request whose session has just ended (expired, revoked)
   * goes on as anonymous instead of being answered 401 or redirected: the
   * sign-in page and endpoint, the sign-out endpoint, health checks. The
   * session is ended either way. A string matches the path exactly; a RegExp
   * is tested against it.
   * @default [the path of `loginUrl`] (when it is a path)
   */
  anonymousUrls?: ReadonlyArray<string | RegExp>;
  /**
   * Paths that do not count as activity (polling endpoints, assets). A string
   * matches the request path exactly; a RegExp is tested against the path.
   * The ping (`POST …/ping`) is always passive.
   * @default []
   */
  passiveUrls?: ReadonlyArray<string | RegExp>;
  /**
   * Whether an ended session gets a 401 JSON answer (true) or a redirect to
   * `loginUrl` (false).
   * @default JSON when the method is not GET/HEAD, or the request carries
   * `X-SessionGuard` or `X-Requested-With`, or prefers JSON over HTML
   */
  isApiRequest?: (req: Request) => boolean;
  /**
   * The user's session auth hash (Django's `get_session_auth_hash`), e.g.
   * derived from the password hash. When set, an HMAC of it is stored at
   * sign-in and compared on every request: changing it anywhere ends the old
   * sessions at their next request. Return `null` for a user without one.
   * @default undefined (no auth hash check)
   */
  getSessionAuthHash?: (userId: string) => string | null | undefined | Promise<string | null | undefined>;
  /**
   * Who is signed in by the app's own login, read from the request's session:
   * for Passport, `(req) => req.session.passport?.user`. A string or number
   * id, or `null`/`undefined` for nobody; synchronous. With it the app needs
   * no `guard.login`: a session that becomes signed in (Passport's
   * `req.login`, an OAuth callback, a signup route) is recorded at once and
   * is under every policy; `req.logout()`, `req.session.regenerate()` and
   * `req.session.destroy()` end its record; a signed-in session the guard
   * has not seen (signed in before the guard was deployed) is adopted at its
   * first request, its absolute lifetime counting from then, and is not a
   * fresh sign-in for `requireRecentSignIn`. Mount the middleware before the
   * app's login routes (and before `passport.session()`).
   * @default undefined (only `guard.login` signs in)
   */
  getUserId?: (req: Request) => string | number | null | undefined;
  /**
   * At sign-in, end the user's other sessions. Beware (OWASP ASVS 4.0 V3.7):
   * the last authenticator wins, which is often the attacker; pair it with
   * notifications and `events`.
   * @default false
   */
  singleSession?: UserPolicy;
  /**
   * At most this many live sessions per user, the new one included (a
   * number, or a function of the user returning one, or `null` for no
   * limit). Counted and enforced in one atomic step with the sign-in's write
   * (the memory registry, one Lua script on the Redis registry, the user's
   * lease on the sessionguard store), so concurrent sign-ins never leave
   * more. Applies to fresh sign-ins (`guard.login`, or a sign-in seen through
   * `getUserId`), not to renewals or adopted sessions. A function's answer is
   * checked at each sign-in: a bad one refuses the sign-in (logged).
   * @default undefined (only the registry's `maxSessionsPerUser`)
   */
  maxSessions?: MaxSessions;
  /**
   * What a sign-in over `maxSessions` does. Tradeoffs: `'evict-oldest'` can
   * end the legitimate user's session when an attacker signs in;
   * `'deny'` can lock the user out while stale sessions live on (pair it with
   * the sessions page and short timeouts); `'ask'` lets the user choose,
   * at the cost of a second step. With `getUserId` sign-ins (the app's own
   * login) `'ask'` acts as `'deny'`: the save that would sign in fails with
   * {@link SessionLimitError} and nothing is stored.
   * @default 'evict-oldest'
   */
  sessionLimit?: SessionLimitBehavior;
  /**
   * Seconds the `'ask'` token (and its pending sign-in) stays usable.
   * @default 300
   */
  sessionLimitTokenTtl?: number;
  /**
   * `logout` ends every session of the user, not only the current one.
   * @default false
   */
  logoutEverywhere?: UserPolicy;
  /**
   * Revoking sessions from the sessions router needs a sign-in at most this
   * many seconds old (OWASP ASVS 3.3.4); otherwise 403 `reauthentication_required`.
   * @default 600
   */
  reauthenticateWithin?: number;
  /**
   * The admin router needs a sign-in of the acting admin at most this many
   * seconds old (403 `reauthentication_required` otherwise), like revoking
   * one's own sessions: a stolen or forgotten admin session must not sign
   * other users out. `false` turns the check off.
   * @default the value of `reauthenticateWithin`
   */
  adminReauthenticateWithin?: number | false;
  /**
   * May `actor` force-logout `target` through the admin router?
   * @default () => false (deny everyone)
   */
  canRevoke?: (actorUserId: string, targetUserId: string, req: Request) => boolean | Promise<boolean>;
  /**
   * Origins (e.g. `https://app.example.com`) accepted on state-changing
   * requests besides the request's own origin, for apps behind a proxy that
   * changes the host or scheme.
   * @default []
   */
  trustedOrigins?: readonly string[];
  /**
   * Rate limit of the state-changing endpoints of the sessions and admin
   * routers, per user and IP (the ping is not limited: the SDK's leader tab
   * calls it on a schedule). `false` disables it.
   * @default { windowMs: 60000, max: 20 }
   */
  rateLimit?: RateLimitOptions | false;
  /**
   * Rate limit of `POST <mount>/ping`, per session. The SDK's leader tab
   * pings about once a minute and on focus or wake-up, far below the
   * default. `false` disables it.
   * @default { windowMs: 60000, max: 60 }
   */
  pingRateLimit?: RateLimitOptions | false;
  /**
   * Where log lines go. Lines carry public ids, never session ids.
   * @default JSON lines on the console
   */
  logger?: SessionGuardLogger;
  /**
   * Registry calls taking longer than this many milliseconds fail with
   * `SessionStoreUnavailableError` (503 `session_store_unavailable`).
   * @default 2000
   */
  storeTimeout?: number;
  /**
   * Seconds the default memory registry keeps the tombstone (which session,
   * when it ended; nothing else) of a session that ended by timeout without
   * anybody noticing, so its next request is told `session_expired` rather
   * than `session_revoked`. The whole record is dropped a minute after the
   * session's end. For a registry you pass in, set its own `keepEndedFor`.
   * @default 86400
   */
  retainExpiredFor?: number;
  /**
   * The push stream `GET <mount>/events` on `guard.router`: session ends
   * reach the open pages of that session at once. `false` removes the route.
   * Opening a stream counts against `pingRateLimit`.
   * @default {} (on, with the defaults of {@link PushOptions})
   */
  push?: PushOptions | false;
  /**
   * The clock, in epoch milliseconds; for tests.
   * @default Date.now
   */
  now?: () => number;
}

/** {@link SessionGuardOptions} after defaults and validation. */
export interface ResolvedOptions {
  secrets: readonly [string, ...string[]];
  /** The default policy (every per-user function left out). */
  policy: Required<TimingPolicy>;
  /** Resolves the policy of one user at sign-in; `null` when no timing option is a function. Throws SessionGuardConfigError for a bad one. */
  policyFor: ((userId: string, req: Request) => Promise<Required<TimingPolicy>>) | null;
  deviceNotices: ResolvedDeviceNoticeOptions | false;
  registry: SessionRegistry;
  ownsRegistry: boolean;
  store: Store | null;
  loginUrl: string;
  passiveUrls: ReadonlyArray<string | RegExp>;
  anonymousUrls: ReadonlyArray<string | RegExp>;
  isApiRequest: (req: Request) => boolean;
  getSessionAuthHash: SessionGuardOptions['getSessionAuthHash'] | null;
  getUserId: SessionGuardOptions['getUserId'] | null;
  singleSession: UserPolicy;
  logoutEverywhere: UserPolicy;
  maxSessions: MaxSessions | null;
  sessionLimit: SessionLimitBehavior;
  sessionLimitTokenTtl: number;
  reauthenticateWithin: number;
  adminReauthenticateWithin: number | false;
  canRevoke: NonNullable<SessionGuardOptions['canRevoke']>;
  trustedOrigins: ReadonlySet<string>;
  rateLimit: RateLimitOptions | false;
  pingRateLimit: RateLimitOptions | false;
  logger: SessionGuardLogger;
  storeTimeout: number;
  retainExpiredFor: number;
  push: ResolvedPushOptions | false;
  now: () => number;
}

/** The registry of a sessionguard Redis store (`createRedisSessionStore`), or `undefined` for any other store. */
export function sessionGuardStoreRegistry(store: unknown): SessionRegistry | undefined {
  const registry = (store as { registry?: SessionRegistry } | null | undefined)?.registry;
  return registry && typeof registry.check === 'function' && registry.guardsSaves === true ? registry : undefined;
}

/** The smallest secret length accepted, in characters (~192 bits of base64). */
export const MIN_SECRET_LENGTH = 32;

const isPositiveFinite = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value > 0;

function checkFunction(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new SessionGuardConfigError(name, `must be a function, got ${typeof value}`);
  }
}

function checkUserPolicy(name: string, value: unknown): UserPolicy {
  if (value === undefined) return false;
  if (typeof value === 'boolean' || typeof value === 'function') return value as UserPolicy;
  throw new SessionGuardConfigError(name, `must be a boolean or a function of the user, got ${typeof value}`);
}

function resolveSecrets(secret: unknown): readonly [string, ...string[]] {
  const list = typeof secret === 'string' ? [secret] : Array.isArray(secret) ? [...secret] : null;
  if (!list || list.length === 0) {
    throw new SessionGuardConfigError('secret', 'is required: a string or a non-empty list of strings');
  }
  list.forEach((entry, index) => {
    if (typeof entry !== 'string' || entry.length < MIN_SECRET_LENGTH) {
      throw new SessionGuardConfigError(
        'secret',
        `must hold strings of at least ${MIN_SECRET_LENGTH} characters (entry ${index} is ${typeof entry === 'string' ? `${entry.length} characters` : typeof entry})`,
      );
    }
  });
  return list as unknown as readonly [string, ...string[]];
}

/** The timing options with every value given (no function). */
interface TimingValues {
  preset?: TimingPresetName | undefined;
  warnAfter?: number | undefined;
  expireAfter?: number | undefined;
  absoluteTimeout?: number | null | undefined;
}

const TIMING_OPTIONS = ['preset', 'warnAfter', 'expireAfter', 'absoluteTimeout'] as const;

/** The default policy, and the per-user resolver when a timing option is a function. */
function resolveTiming(options: SessionGuardOptions): Pick<ResolvedOptions, 'policy' | 'policyFor'> {
  const given = Object.fromEntries(TIMING_OPTIONS.map((name) => [name, typeof options[name] === 'function' ? undefined : options[name]])) as TimingValues;
  const functions = TIMING_OPTIONS.filter((name) => typeof options[name] === 'function');
  let policy: Required<TimingPolicy>;
  try {
    policy = resolvePolicy(given);
  } catch (error) {
    if (functions.length === 0) throw error;
    throw new SessionGuardConfigError(
      functions[0]!,
      `is a function, so the policy of sessions without one of their own needs the other timing options (or a \`preset\`); or keep static values and change them per user with \`policyFor\` (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  checkFunction('policyFor', options.policyFor);
  const override = options.policyFor;
  if (functions.length === 0 && !override) return { policy, policyFor: null };
  const policyFor = async (userId: string, req: Request) => {
    const values: TimingValues = {};
    for (const name of TIMING_OPTIONS) {
      const option = options[name];
      (values as Record<string, unknown>)[name] = typeof option === 'function' ? await (option as (u: string, r: Request) => unknown)(userId, req) : option;
    }
    const base = resolvePolicy(values);
    const changed = override ? await override(userId, req) : undefined;
    if (changed === undefined || changed === null) return base;
    if (typeof changed !== 'object') throw new SessionGuardConfigError('policyFor', `must return an object of timing values or undefined, got ${typeof changed}`);
    return resolvePolicy(
      changed.preset !== undefined
        ? changed
        : {
            warnAfter: changed.warnAfter ?? base.warnAfter,
            expireAfter: changed.expireAfter ?? base.expireAfter,
            absoluteTimeout: changed.absoluteTimeout !== undefined ? changed.absoluteTimeout : base.absoluteTimeout,
          },
    );
  };
  return { policy, policyFor };
}

function resolvePolicy(options: TimingValues): Required<TimingPolicy> {
  // No silent default policy: how long a session may idle is a decision each app makes (or takes from a preset).
  const presetName = options.preset;
  let base: TimingPolicy | undefined;
  if (presetName !== undefined) {
    if (typeof presetName !== 'string' || !Object.prototype.hasOwnProperty.call(TIMING_PRESETS, presetName)) {
      throw new SessionGuardConfigError('preset', `must be one of ${Object.keys(TIMING_PRESETS).join(', ')}, got ${String(presetName)}`);
    }
    base = TIMING_PRESETS[presetName];
  }
  const warnAfter = options.warnAfter ?? base?.warnAfter;
  const expireAfter = options.expireAfter ?? base?.expireAfter;
  if (warnAfter === undefined) throw new SessionGuardConfigError('warnAfter', 'is required (or give `preset`)');
  if (expireAfter === undefined) throw new SessionGuardConfigError('expireAfter', 'is required (or give `preset`)');
  const absoluteTimeout = options.absoluteTimeout !== undefined ? options.absoluteTimeout : (base?.absoluteTimeout ?? null);
  return validateTimingPolicy({ warnAfter, expireAfter, absoluteTimeout });
}

function resolveLoginUrl(value: unknown): string {
  if (value === undefined) return '/login';
  if (typeof value === 'string' && /^\/(?![/\\])/.test(value)) return value;
  if (typeof value === 'string' && /^https?:\/\//i.test(value)) {
    try {
      new URL(value);
      return value;
    } catch {
      // fall through to the error below
    }
  }
  throw new SessionGuardConfigError('loginUrl', `must be a path starting with "/" or an absolute http(s) URL, got ${JSON.stringify(value)}`);
}

function resolveUrlList(name: string, value: unknown, fallback: ReadonlyArray<string | RegExp>): ReadonlyArray<string | RegExp> {
  if (value === undefined) return fallback;
  if (!Array.isArray(value)) throw new SessionGuardConfigError(name, 'must be an array of strings and RegExps');
  return value.map((entry, index) => {
    if (typeof entry === 'string') return entry;
    // A global or sticky RegExp keeps `lastIndex` between tests and would match every other request only.
    if (entry instanceof RegExp) return new RegExp(entry.source, entry.flags.replace(/[gy]/g, ''));
    throw new SessionGuardConfigError(name, `entry ${index} must be a string or a RegExp`);
  });
}

function resolveOrigins(value: unknown): ReadonlySet<string> {
  if (value === undefined) return new Set();
  if (!Array.isArray(value)) throw new SessionGuardConfigError('trustedOrigins', 'must be an array of origins');
  return new Set(
    value.map((entry) => {
      let origin: string | null = null;
      try {
        origin = typeof entry === 'string' ? new URL(entry).origin : null;
      } catch {
        origin = null;
      }
      if (!origin || origin === 'null') {
        throw new SessionGuardConfigError('trustedOrigins', `entries must be origins like "https://app.example.com", got ${JSON.stringify(entry)}`);
      }
      return origin;
    }),
  );
}

function resolveRateLimit(name: string, value: unknown, fallback: RateLimitOptions): RateLimitOptions | false {
  if (value === undefined) return fallback;
  if (value === false) return false;
  const { windowMs, max } = (value ?? {}) as Partial<RateLimitOptions>;
  if (!isPositiveFinite(windowMs) || !isPositiveFinite(max) || !Number.isInteger(max)) {
    throw new SessionGuardConfigError(name, 'must be false or { windowMs: positive milliseconds, max: positive integer }');
  }
  return { windowMs, max };
}

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (!isPositiveFinite(value)) throw new SessionGuardConfigError(name, `must be a positive number, got ${String(value)}`);
  return value;
}

function resolveDeviceNotices(value: unknown): ResolvedDeviceNoticeOptions | false {
  if (value === undefined || value === false) return false;
  if (value !== true && (value === null || typeof value !== 'object')) {
    throw new SessionGuardConfigError('deviceNotices', 'must be true, false or an object of device notice options');
  }
  const given = (value === true ? {} : value) as DeviceNoticeOptions;
  const cookieName = given.cookieName ?? 'sessionguard.device';
  if (typeof cookieName !== 'string' || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(cookieName)) {
    throw new SessionGuardConfigError('deviceNotices.cookieName', 'must be a cookie name (letters, digits and !#$%&\'*+-.^_`|~)');
  }
  return {
    cookieName,
    maxDevices: positiveInteger('deviceNotices.maxDevices', given.maxDevices, 20),
    rememberFor: positive('deviceNotices.rememberFor', given.rememberFor, 34_560_000),
  };
}

const defaultPushTimers: PushTimers = {
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, ms);
    // The streams' sockets keep the process alive while they are open; the timers never do.
    timer.unref?.();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (!isPositiveFinite(value) || !Number.isInteger(value)) throw new SessionGuardConfigError(name, `must be a positive integer, got ${String(value)}`);
  return value;
}

function resolvePush(value: unknown): ResolvedPushOptions | false {
  if (value === false) return false;
  if (value !== undefined && (value === null || typeof value !== 'object')) {
    throw new SessionGuardConfigError('push', 'must be false or an object of push options');
  }
  const push = (value ?? {}) as PushOptions;
  const delay = push.reconnectDelay ?? { min: 2, max: 12 };
  if (!isPositiveFinite(delay?.min) || !isPositiveFinite(delay?.max) || delay.max < delay.min) {
    throw new SessionGuardConfigError('push.reconnectDelay', 'must be { min, max }: positive seconds, max at least min');
  }
  const channel = push.channel ?? null;
  if (channel !== null) {
    for (const method of ['listen', 'watch', 'unwatch', 'publish', 'close'] as const) {
      if (typeof (channel as unknown as Record<string, unknown>)[method] !== 'function') {
        throw new SessionGuardConfigError('push.channel', `must implement EndChannel (missing ${method}())`);
      }
    }
  }
  const timers = push.timers ?? defaultPushTimers;
  if (typeof timers?.setTimeout !== 'function' || typeof timers.clearTimeout !== 'function') {
    throw new SessionGuardConfigError('push.timers', 'must have setTimeout() and clearTimeout()');
  }
  return {
    heartbeatInterval: positive('push.heartbeatInterval', push.heartbeatInterval, 25),
    maxStreamsPerSession: positiveInteger('push.maxStreamsPerSession', push.maxStreamsPerSession, 4),
    maxStreamsPerUser: positiveInteger('push.maxStreamsPerUser', push.maxStreamsPerUser, 20),
    reconnectDelayMs: { min: Math.round(delay.min * 1000), max: Math.round(delay.max * 1000) },
    channel,
    timers,
  };
}

function resolveMaxSessions(value: unknown, registry: SessionRegistry | undefined): MaxSessions | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') checkSessionCount(value);
  else if (typeof value !== 'function') throw new SessionGuardConfigError('maxSessions', `must be a whole number (1 or more) or a function of the user, got ${typeof value}`);
  if (registry !== undefined && typeof registry.createLimited !== 'function') {
    throw new SessionGuardConfigError('maxSessions', 'needs a registry with createLimited() (the memory and Redis registries, the sessionguard store)');
  }
  return value as MaxSessions;
}

/** Throws {@link SessionGuardConfigError} (`maxSessions`) unless `value` is a whole number of sessions, 1 or more. */
export function checkSessionCount(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new SessionGuardConfigError('maxSessions', `must be a whole number of sessions, 1 or more, got ${String(value)}`);
  }
  return value;
}

function resolveSessionLimitBehavior(value: unknown): SessionLimitBehavior {
  if (value === undefined) return 'evict-oldest';
  if (SESSION_LIMIT_BEHAVIORS.includes(value as SessionLimitBehavior)) return value as SessionLimitBehavior;
  throw new SessionGuardConfigError('sessionLimit', `must be one of ${SESSION_LIMIT_BEHAVIORS.map((b) => `'${b}'`).join(', ')}, got ${JSON.stringify(value)}`);
}

/**
 * Applies the defaults (all of them live here) and validates every option,
 * throwing {@link SessionGuardConfigError} naming the first bad one.
 */
export function resolveOptions(options: SessionGuardOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new SessionGuardConfigError('options', 'must be an object with at least `secret`');
  }
  const secrets = resolveSecrets(options.secret);
  const { policy, policyFor } = resolveTiming(options);
  checkFunction('now', options.now);
  const now = options.now ?? Date.now;
  checkFunction('isApiRequest', options.isApiRequest);
  checkFunction('getSessionAuthHash', options.getSessionAuthHash);
  checkFunction('getUserId', options.getUserId);
  checkFunction('canRevoke', options.canRevoke);
  if (options.registry !== undefined) {
    const registry = options.registry as unknown as Record<string, unknown>;
    for (const method of ['create', 'get', 'touch', 'update', 'list', 'revoke', 'revokeUser', 'close']) {
      if (typeof registry?.[method] !== 'function') {
        throw new SessionGuardConfigError('registry', `must implement SessionRegistry (missing ${method}())`);
      }
    }
  }
  if (options.store !== undefined && typeof (options.store as { destroy?: unknown })?.destroy !== 'function') {
    throw new SessionGuardConfigError('store', 'must be an express-session store (with destroy())');
  }
  // The sessionguard Redis store is its own registry: one key per session holds both.
  const storeRegistry = sessionGuardStoreRegistry(options.store);
  if (storeRegistry && options.registry !== undefined && options.registry !== storeRegistry) {
    throw new SessionGuardConfigError('registry', 'must be left out (or be store.registry) with the sessionguard Redis store as `store`: the store is its own registry');
  }
  const registry = options.registry ?? storeRegistry;
  const deviceNotices = resolveDeviceNotices(options.deviceNotices);
  if (registry) {
    const needs = (option: string, methods: readonly string[]) => {
      for (const method of methods) {
        if (typeof (registry as unknown as Record<string, unknown>)[method] !== 'function') {
          throw new SessionGuardConfigError(option, `needs a registry with ${method}() (the memory and Redis registries and the sessionguard store have it)`);
        }
      }
    };
    if (deviceNotices) needs('deviceNotices', ['rememberDevice', 'addNotice', 'takeNotices']);
  }
  const loginUrl = resolveLoginUrl(options.loginUrl);
  const reauthenticateWithin = positive('reauthenticateWithin', options.reauthenticateWithin, 600);
  const retainExpiredFor = positive('retainExpiredFor', options.retainExpiredFor, 86_400);
  const logger = options.logger ?? createConsoleLogger();
  for (const level of ['info', 'warn', 'error'] as const) {
    if (typeof logger?.[level] !== 'function') throw new SessionGuardConfigError('logger', `must have a ${level}() method`);
  }
  return {
    secrets,
    policy,
    policyFor,
    deviceNotices,
    registry: registry ?? createMemoryRegistry({ now, keepEndedFor: retainExpiredFor * 1000 }),
    ownsRegistry: registry === undefined,
    store: options.store ?? null,
    loginUrl,
    passiveUrls: resolveUrlList('passiveUrls', options.passiveUrls, []),
    anonymousUrls: resolveUrlList('anonymousUrls', options.anonymousUrls, loginUrl.startsWith('/') ? [loginUrl.replace(/[?#].*$/, '')] : []),
    isApiRequest: options.isApiRequest ?? defaultIsApiRequest,
    getSessionAuthHash: options.getSessionAuthHash ?? null,
    getUserId: options.getUserId ?? null,
    singleSession: checkUserPolicy('singleSession', options.singleSession),
    logoutEverywhere: checkUserPolicy('logoutEverywhere', options.logoutEverywhere),
    maxSessions: resolveMaxSessions(options.maxSessions, registry),
    sessionLimit: resolveSessionLimitBehavior(options.sessionLimit),
    sessionLimitTokenTtl: positive('sessionLimitTokenTtl', options.sessionLimitTokenTtl, 300),
    reauthenticateWithin,
    adminReauthenticateWithin:
      options.adminReauthenticateWithin === false ? false : positive('adminReauthenticateWithin', options.adminReauthenticateWithin, reauthenticateWithin),
    canRevoke: options.canRevoke ?? (() => false),
    trustedOrigins: resolveOrigins(options.trustedOrigins),
    rateLimit: resolveRateLimit('rateLimit', options.rateLimit, { windowMs: 60_000, max: 20 }),
    pingRateLimit: resolveRateLimit('pingRateLimit', options.pingRateLimit, { windowMs: 60_000, max: 60 }),
    logger,
    storeTimeout: positive('storeTimeout', options.storeTimeout, 2000),
    retainExpiredFor,
    push: resolvePush(options.push),
    now,
  };
}
