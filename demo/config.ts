/**
 * The demo's configuration, read once from the environment. This is the
 * demo's stable contract (it is also the acceptance target of the browser
 * tests): change it only on purpose.
 */
import { randomBytes } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/** The fixed secret used with `REDIS_URL` and no `SESSION_SECRET`: public (it is in this file), for development only. */
export const DEVELOPMENT_SECRET = 'sessionguard-demo-development-secret';

/**
 * What Express's `trust proxy` setting receives: a hop count, all or nothing,
 * or a list of addresses, subnets and proxy-addr's names.
 */
export type TrustProxy = boolean | number | string[];

export interface DemoConfig {
  /** `PORT`, default 3000. */
  port: number;
  /** `HOST`: the address to listen on; default all interfaces. */
  host: string | undefined;
  /** `WARN_AFTER`, seconds of inactivity before the warning; default 30. */
  warnAfter: number;
  /** `EXPIRE_AFTER`, seconds of inactivity before the session ends; default 60. */
  expireAfter: number;
  /** `ABSOLUTE_TIMEOUT`, seconds a session may live at most; default 8 h. */
  absoluteTimeout: number;
  /** `SINGLE_SESSION=1`: signing in ends the user's other sessions. */
  singleSession: boolean;
  /** `LOGOUT_EVERYWHERE=1`: signing out ends all of the user's sessions. */
  logoutEverywhere: boolean;
  /** `MAX_SESSIONS=N`: at most N live sessions per user; `null` (unset) for no limit. */
  maxSessions: number | null;
  /** `SESSION_LIMIT`: what a sign-in over `MAX_SESSIONS` does: `evict-oldest` (default), `deny` or `ask`. */
  sessionLimit: 'evict-oldest' | 'deny' | 'ask';
  /**
   * `ADMIN_WARN_AFTER` and `ADMIN_EXPIRE_AFTER`, seconds: the idle policy of
   * administrators (each defaults to `WARN_AFTER` / `EXPIRE_AFTER`); `null`
   * when neither is set (administrators on everyone's policy).
   */
  adminPolicy: { warnAfter: number; expireAfter: number } | null;
  /** `DEVICE_NOTICES=0` turns new-device notices off; on by default. */
  deviceNotices: boolean;
  /** `REDIS_URL`: registry and session data in Redis, shared by several processes. */
  redisUrl: string | undefined;
  /** `SESSION_SECRET`: comma-separated; the first signs, the rest still verify. */
  secrets: string[];
  /** `NODE_ENV=production`: secure cookies, no development fallbacks. */
  production: boolean;
  /**
   * `TRUST_PROXY`: Express's `trust proxy` setting, for HTTPS behind a reverse
   * proxy, parsed (see {@link parseTrustProxy}); `undefined` when unset.
   */
  trustProxy: TrustProxy | undefined;
  /** `SESSIONGUARD_TEST_CLOCK=1`: test-only loopback route that advances the server clock. Off by default. */
  testClock: boolean;
  /** `REQUEST_TIMEOUT`, seconds to receive a whole request (headers and body); default 30. */
  requestTimeout: number;
  /** `HEADERS_TIMEOUT`, seconds to receive a request's headers; default 20, below `REQUEST_TIMEOUT`. */
  headersTimeout: number;
  /** `KEEP_ALIVE_TIMEOUT`, seconds an idle kept-alive connection stays open; default 5. */
  keepAliveTimeout: number;
  /** What the operator should hear about at start-up (the server logs each line). */
  warnings: string[];
}

/** Thrown for a configuration the demo refuses to start with. */
export class ConfigError extends Error {
  override name = 'ConfigError' as const;
}

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new ConfigError(`${name} must be a positive number of seconds, got "${raw}".`);
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new ConfigError(`${name} must be 1 or 0, got "${raw}".`);
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const MAX_PROXY_HOPS = 32;

/** Why one `TRUST_PROXY` list entry (an address, `address/prefix`, or a name) is refused; `null` when it is fine. */
function proxyEntryProblem(entry: string): string | null {
  if (PROXY_NAMES.has(entry)) return null;
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  // Node's checks are strict (dotted-quad decimal IPv4, no zone id); Express's parser would also take
  // "1" as 0.0.0.1 or "0x7f.1" as 127.0.0.1, which is never what an operator meant.
  const max = isIPv4(address) ? 32 : isIPv6(address) && !address.includes('%') ? 128 : 0;
  if (max === 0) return `"${entry}" is not an IP address, a subnet (address/prefix) or one of ${[...PROXY_NAMES].join(', ')}`;
  if (slash === -1) return null;
  const prefix = entry.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(prefix) || Number(prefix) < 1 || Number(prefix) > max) {
    return `"${entry}" has no valid prefix length (1 to ${max} after the /)`;
  }
  return null;
}

/**
 * Parses `TRUST_PROXY` the way operators write it: `1`, `2`, … trust that many
 * hops (a number: Express would read the string "1" as the address 0.0.0.1);
 * `true` or `false`; or a comma-separated list of addresses, subnets
 * (`10.0.0.0/8`) and the names `loopback`, `linklocal`, `uniquelocal`.
 * Anything else is refused with a ConfigError rather than misread.
 */
export function parseTrustProxy(raw: string | undefined): TrustProxy | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = raw.trim();
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (/^[0-9]+$/.test(value)) {
    const hops = Number(value);
    if (hops > MAX_PROXY_HOPS) throw new ConfigError(`TRUST_PROXY=${value}: a hop count must be at most ${MAX_PROXY_HOPS}.`);
    return hops;
  }
  const entries = value.split(',').map((entry) => entry.trim());
  const names = entries.map((entry) => (PROXY_NAMES.has(entry.toLowerCase()) ? entry.toLowerCase() : entry));
  for (const entry of names) {
    if (entry === '') throw new ConfigError(`TRUST_PROXY="${raw}" has an empty entry; write e.g. 1, loopback or 10.0.0.0/8,192.0.2.1.`);
    const problem = proxyEntryProblem(entry);
    if (problem) {
      throw new ConfigError(
        `TRUST_PROXY="${raw}": ${problem}. Write a hop count (1, 2, …), true, false, or a comma-separated list of addresses, subnets and loopback, linklocal, uniquelocal.`,
      );
    }
  }
  return names;
}

function sessionCount(env: NodeJS.ProcessEnv): number | null {
  const raw = env.MAX_SESSIONS;
  if (raw === undefined || raw === '') return null;
  if (!/^[0-9]{1,4}$/.test(raw) || Number(raw) < 1) throw new ConfigError(`MAX_SESSIONS must be a whole number of sessions, 1 or more, got "${raw}".`);
  return Number(raw);
}

const SESSION_LIMITS = ['evict-oldest', 'deny', 'ask'] as const;

function sessionLimit(env: NodeJS.ProcessEnv): DemoConfig['sessionLimit'] {
  const raw = env.SESSION_LIMIT;
  if (raw === undefined || raw === '') return 'evict-oldest';
  if ((SESSION_LIMITS as readonly string[]).includes(raw)) return raw as DemoConfig['sessionLimit'];
  throw new ConfigError(`SESSION_LIMIT must be one of ${SESSION_LIMITS.join(', ')}, got "${raw}".`);
}

/** The administrators' idle policy, checked like everyone's (WCAG 2.2.1: 20 s to respond). */
function adminPolicy(env: NodeJS.ProcessEnv, warnAfter: number, expireAfter: number): DemoConfig['adminPolicy'] {
  const given = (env.ADMIN_WARN_AFTER ?? '') !== '' || (env.ADMIN_EXPIRE_AFTER ?? '') !== '';
  if (!given) return null;
  const policy = { warnAfter: seconds(env, 'ADMIN_WARN_AFTER', warnAfter), expireAfter: seconds(env, 'ADMIN_EXPIRE_AFTER', expireAfter) };
  if (policy.expireAfter - policy.warnAfter < 20) {
    throw new ConfigError(`ADMIN_EXPIRE_AFTER (${policy.expireAfter}) must be at least 20 seconds after ADMIN_WARN_AFTER (${policy.warnAfter}).`);
  }
  return policy;
}

/** Reads and validates the configuration. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): DemoConfig {
  const production = env.NODE_ENV === 'production';
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be a port number, got "${env.PORT}".`);
  const warnAfter = seconds(env, 'WARN_AFTER', 30);
  const expireAfter = seconds(env, 'EXPIRE_AFTER', 60);
  if (expireAfter - warnAfter < 20) {
    // WCAG 2.2.1: at least 20 seconds to respond to the warning.
    throw new ConfigError(`EXPIRE_AFTER (${expireAfter}) must be at least 20 seconds after WARN_AFTER (${warnAfter}).`);
  }
  const redisUrl = env.REDIS_URL || undefined;
  const warnings: string[] = [];
  let secrets = (env.SESSION_SECRET ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (secrets.length === 0) {
    if (production) throw new ConfigError('SESSION_SECRET is required when NODE_ENV=production.');
    // Several processes sharing Redis must share the secret; one process alone may pick its own.
    secrets = redisUrl ? [DEVELOPMENT_SECRET] : [randomBytes(32).toString('base64url')];
    if (redisUrl) {
      warnings.push(
        'warning: REDIS_URL is set without SESSION_SECRET, so the demo signs cookies with its public development secret ' +
          '(anyone can forge a session cookie); set SESSION_SECRET to secrets of your own (at least 32 characters).',
      );
    }
  }
  const testClock = flag(env, 'SESSIONGUARD_TEST_CLOCK');
  if (testClock && production) throw new ConfigError('SESSIONGUARD_TEST_CLOCK is for tests only and refused when NODE_ENV=production.');
  const trustProxy = parseTrustProxy(env.TRUST_PROXY);
  const requestTimeout = seconds(env, 'REQUEST_TIMEOUT', 30);
  const headersTimeout = seconds(env, 'HEADERS_TIMEOUT', 20);
  const keepAliveTimeout = seconds(env, 'KEEP_ALIVE_TIMEOUT', 5);
  if (headersTimeout >= requestTimeout) {
    throw new ConfigError(`HEADERS_TIMEOUT (${headersTimeout}) must be below REQUEST_TIMEOUT (${requestTimeout}).`);
  }
  return {
    port,
    host: env.HOST || undefined,
    warnAfter,
    expireAfter,
    absoluteTimeout: seconds(env, 'ABSOLUTE_TIMEOUT', 8 * 60 * 60),
    singleSession: flag(env, 'SINGLE_SESSION'),
    logoutEverywhere: flag(env, 'LOGOUT_EVERYWHERE'),
    maxSessions: sessionCount(env),
    adminPolicy: adminPolicy(env, warnAfter, expireAfter),
    deviceNotices: env.DEVICE_NOTICES === undefined || env.DEVICE_NOTICES === '' ? true : flag(env, 'DEVICE_NOTICES'),
    sessionLimit: sessionLimit(env),
    redisUrl,
    secrets,
    production,
    trustProxy,
    testClock,
    requestTimeout,
    headersTimeout,
    keepAliveTimeout,
    warnings,
  };
}
