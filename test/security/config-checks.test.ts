/**
 * The adapter's check of the app's express-session settings: each unsafe
 * setting warns in development and refuses (throws, naming the option) in
 * production; a safe setting passes in both.
 */
import session, { type SessionOptions } from 'express-session';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isSessionGuardConfigError, type SessionGuardConfigError } from '@sessionguard/core';
import { checkSessionOptions, createSessionGuard, type SessionGuard } from '@sessionguard/express';

const SECRET = 'config-secret-0123456789-abcdefghijklmnop';

/** What the README recommends: __Host- cookie, HttpOnly, Secure, SameSite, no resave, a lifetime past the idle timeout. */
const SAFE: SessionOptions = {
  name: '__Host-sid',
  secret: SECRET,
  resave: false,
  saveUninitialized: false,
  cookie: { httpOnly: true, secure: true, sameSite: 'lax', path: '/', maxAge: 24 * 3600 * 1000 },
};

type Case = { name: string; option: string; unsafe: SessionOptions; productionOnly?: boolean; guard?: Parameters<typeof createSessionGuard>[0] };

const CASES: Case[] = [
  { name: 'cookie without httpOnly', option: 'cookie.httpOnly', unsafe: { ...SAFE, cookie: { ...SAFE.cookie, httpOnly: false } } },
  { name: 'cookie without secure (production)', option: 'cookie.secure', unsafe: { ...SAFE, cookie: { ...SAFE.cookie, secure: false } }, productionOnly: true },
  { name: 'cookie with secure unset (production)', option: 'cookie.secure', unsafe: { ...SAFE, cookie: { ...SAFE.cookie, secure: undefined } }, productionOnly: true },
  { name: 'cookie without sameSite', option: 'cookie.sameSite', unsafe: { ...SAFE, cookie: { ...SAFE.cookie, sameSite: undefined } } },
  { name: 'cookie with sameSite false', option: 'cookie.sameSite', unsafe: { ...SAFE, cookie: { ...SAFE.cookie, sameSite: false } } },
  { name: "cookie with sameSite 'none'", option: 'cookie.sameSite', unsafe: { ...SAFE, cookie: { ...SAFE.cookie, sameSite: 'none' } } },
  { name: 'resave: true', option: 'resave', unsafe: { ...SAFE, resave: true } },
  { name: 'resave left to its (deprecated, true) default', option: 'resave', unsafe: { ...SAFE, resave: undefined } },
  {
    name: 'rolling cookie without an absolute lifetime',
    option: 'rolling',
    unsafe: { ...SAFE, rolling: true },
    guard: { secret: SECRET, warnAfter: 600, expireAfter: 900, absoluteTimeout: null },
  },
  { name: 'maxAge shorter than the idle timeout', option: 'cookie.maxAge', unsafe: { ...SAFE, cookie: { ...SAFE.cookie, maxAge: 10 * 60 * 1000 } } },
  { name: 'missing secret', option: 'secret', unsafe: { ...SAFE, secret: undefined as unknown as string } },
  { name: 'short secret', option: 'secret', unsafe: { ...SAFE, secret: 'keyboard cat' } },
  { name: 'a short secret among rotated ones', option: 'secret', unsafe: { ...SAFE, secret: [SECRET, 'old'] } },
];

let guard: SessionGuard | null = null;
const guardFor = (options: Case['guard']) => {
  // The guard's own policy feeds the check: aal2 (idle 1 h, absolute 24 h) unless the case says otherwise.
  guard = createSessionGuard(options ?? { secret: SECRET, preset: 'aal2' });
  return guard;
};
afterEach(async () => {
  await guard?.close();
  guard = null;
  vi.unstubAllEnvs();
});

describe('checkSessionOptions end to end', () => {
  it('passes the recommended settings (__Host- cookie, HttpOnly, Secure, SameSite=Lax, resave false) in production and in development', () => {
    // The options are real: express-session accepts them.
    expect(typeof session(SAFE)).toBe('function');
    const warn = vi.fn();
    expect(guardFor(undefined).checkSessionOptions(SAFE, { production: true, warn })).toEqual([]);
    expect(guardFor(undefined).checkSessionOptions(SAFE, { production: false, warn })).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
  });

  it('passes a rolling cookie when the guard has an absolute lifetime', () => {
    expect(guardFor(undefined).checkSessionOptions({ ...SAFE, rolling: true }, { production: true })).toEqual([]);
  });

  describe.each(CASES)('$name', ({ option, unsafe, productionOnly, guard: guardOptions }) => {
    it(`warns about ${option} in development${productionOnly ? ' (not at all: only production needs it)' : ''}`, () => {
      expect(typeof session({ ...unsafe, secret: unsafe.secret ?? 'x' })).toBe('function');
      const warn = vi.fn();
      const problems = guardFor(guardOptions).checkSessionOptions(unsafe, { production: false, warn });
      if (productionOnly) {
        expect(problems.map((problem) => problem.option)).not.toContain(option);
        return;
      }
      expect(problems.map((problem) => problem.option)).toContain(option);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining(`\`${option}\``));
    });

    it(`refuses ${option} in production, naming it`, () => {
      let thrown: unknown = null;
      try {
        guardFor(guardOptions).checkSessionOptions(unsafe, { production: true, warn: vi.fn() });
      } catch (error) {
        thrown = error;
      }
      expect(isSessionGuardConfigError(thrown)).toBe(true);
      expect((thrown as SessionGuardConfigError).option).toBe(option);
      expect((thrown as Error).message).toContain(`\`${option}\``);
    });
  });

  it('refuses to start without a timing policy (no silent default), and the aal2 preset is 1 h idle, 24 h absolute', () => {
    expect(() => createSessionGuard({ secret: SECRET })).toThrowError(/`warnAfter`/);
    expect(guardFor({ secret: SECRET, preset: 'aal2' }).policy).toEqual({ warnAfter: 3300, expireAfter: 3600, absoluteTimeout: 86_400 });
  });

  it('is production by NODE_ENV=production unless told otherwise', () => {
    vi.stubEnv('NODE_ENV', 'production');
    expect(() => checkSessionOptions({ ...SAFE, resave: true }, { warn: vi.fn() })).toThrowError(/`resave`/);
    vi.stubEnv('NODE_ENV', 'development');
    const warn = vi.fn();
    expect(checkSessionOptions({ ...SAFE, resave: true }, { warn }).map((problem) => problem.option)).toEqual(['resave']);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('reports every problem in development, and names the first (with a count of the rest) in production', () => {
    const unsafe: SessionOptions = { secret: 'short', resave: true, cookie: { httpOnly: false } };
    const warn = vi.fn();
    const problems = guardFor(undefined).checkSessionOptions(unsafe, { production: false, warn });
    expect(problems.map((problem) => problem.option).sort()).toEqual(['cookie.httpOnly', 'cookie.sameSite', 'resave', 'secret']);
    expect(warn).toHaveBeenCalledTimes(4);
    expect(() => guardFor(undefined).checkSessionOptions(unsafe, { production: true })).toThrowError(/more problem/);
  });
});
