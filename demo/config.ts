/**
 * The demo's configuration, read once from the environment. This is the
 * demo's stable contract (it is also the acceptance target of the browser
 * tests): change it only on purpose.
 */
import { randomBytes } from 'node:crypto';

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
  /** `REDIS_URL`: registry and session data in Redis, shared by several processes. */
  redisUrl: string | undefined;
  /** `SESSION_SECRET`: comma-separated; the first signs, the rest still verify. */
  secrets: string[];
  /** `NODE_ENV=production`: secure cookies, no development fallbacks. */
  production: boolean;
  /** `TRUST_PROXY`: Express's `trust proxy` setting, for HTTPS behind a reverse proxy. */
  trustProxy: string | undefined;
  /** `SESSIONGUARD_TEST_CLOCK=1`: test-only loopback route that advances the server clock. Off by default. */
  testClock: boolean;
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
  let secrets = (env.SESSION_SECRET ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (secrets.length === 0) {
    if (production) throw new ConfigError('SESSION_SECRET is required when NODE_ENV=production.');
    // Several processes sharing Redis must share the secret; one process alone may pick its own.
    secrets = redisUrl ? ['sessionguard-demo-development-secret'] : [randomBytes(32).toString('base64url')];
  }
  const testClock = flag(env, 'SESSIONGUARD_TEST_CLOCK');
  if (testClock && production) throw new ConfigError('SESSIONGUARD_TEST_CLOCK is for tests only and refused when NODE_ENV=production.');
  return {
    port,
    host: env.HOST || undefined,
    warnAfter,
    expireAfter,
    absoluteTimeout: seconds(env, 'ABSOLUTE_TIMEOUT', 8 * 60 * 60),
    singleSession: flag(env, 'SINGLE_SESSION'),
    logoutEverywhere: flag(env, 'LOGOUT_EVERYWHERE'),
    redisUrl,
    secrets,
    production,
    trustProxy: env.TRUST_PROXY || undefined,
    testClock,
  };
}
