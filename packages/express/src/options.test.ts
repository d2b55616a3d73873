import { isSessionGuardConfigError } from '@sessionguard/core';
import { describe, expect, it } from 'vitest';
import { createSessionGuard } from './guard.js';
import { resolveOptions, type SessionGuardOptions } from './options.js';

const secret = 'a'.repeat(32);
const base = { secret, preset: 'pci' as const };

function optionOf(options: unknown): string | null {
  try {
    resolveOptions(options as SessionGuardOptions);
    return null;
  } catch (error) {
    expect(isSessionGuardConfigError(error)).toBe(true);
    return (error as { option: string }).option;
  }
}

describe('options', () => {
  it('applies the documented defaults', async () => {
    const resolved = resolveOptions({ secret, preset: 'aal2' });
    expect(resolved.policy).toEqual({ warnAfter: 3300, expireAfter: 3600, absoluteTimeout: 86_400 });
    expect(resolveOptions({ secret, warnAfter: 30, expireAfter: 60, registry: resolved.registry }).policy.absoluteTimeout).toBeNull();
    expect(resolved).toMatchObject({
      loginUrl: '/login',
      reauthenticateWithin: 600,
      storeTimeout: 2000,
      retainExpiredFor: 86_400,
      rateLimit: { windowMs: 60_000, max: 20 },
      singleSession: false,
      logoutEverywhere: false,
      ownsRegistry: true,
    });
    expect(await resolved.canRevoke('admin', 'alice', {} as never)).toBe(false);
    await resolved.registry.close();
  });

  it.each([
    ['aal3', { warnAfter: 780, expireAfter: 900, absoluteTimeout: 43_200 }],
    ['pci', { warnAfter: 780, expireAfter: 900, absoluteTimeout: null }],
  ] as const)('resolves the %s preset to its numbers', async (preset, policy) => {
    const resolved = resolveOptions({ secret, preset });
    expect(resolved.policy).toEqual(policy);
    await resolved.registry.close();
  });

  it('takes a preset and lets explicit values override it', async () => {
    const resolved = resolveOptions({ secret, preset: 'pci', absoluteTimeout: 7200 });
    expect(resolved.policy).toEqual({ warnAfter: 780, expireAfter: 900, absoluteTimeout: 7200 });
    await resolved.registry.close();
  });

  it.each([
    [{}, 'secret'],
    [{ secret }, 'warnAfter'],
    [{ secret: 'short' }, 'secret'],
    [{ secret: [secret, 'short'] }, 'secret'],
    [{ secret: [] }, 'secret'],
    [{ secret, preset: 'nist' }, 'preset'],
    [{ secret, warnAfter: 30 }, 'expireAfter'],
    [{ secret, warnAfter: 50, expireAfter: 60 }, 'warnAfter'],
    [{ secret, warnAfter: 30, expireAfter: 60, absoluteTimeout: 10 }, 'absoluteTimeout'],
    [{ ...base, loginUrl: '//evil.example' }, 'loginUrl'],
    [{ ...base, loginUrl: 'javascript:alert(1)' }, 'loginUrl'],
    [{ ...base, passiveUrls: '/poll' }, 'passiveUrls'],
    [{ ...base, passiveUrls: [42] }, 'passiveUrls'],
    [{ ...base, registry: {} }, 'registry'],
    [{ ...base, store: {} }, 'store'],
    [{ ...base, singleSession: 'yes' }, 'singleSession'],
    [{ ...base, logoutEverywhere: 1 }, 'logoutEverywhere'],
    [{ ...base, reauthenticateWithin: 0 }, 'reauthenticateWithin'],
    [{ ...base, canRevoke: true }, 'canRevoke'],
    [{ ...base, isApiRequest: 'json' }, 'isApiRequest'],
    [{ ...base, getSessionAuthHash: 'hash' }, 'getSessionAuthHash'],
    [{ ...base, trustedOrigins: ['not a url'] }, 'trustedOrigins'],
    [{ ...base, trustedOrigins: 'https://a.example' }, 'trustedOrigins'],
    [{ ...base, rateLimit: { windowMs: 1000 } }, 'rateLimit'],
    [{ ...base, rateLimit: { windowMs: 1000, max: 1.5 } }, 'rateLimit'],
    [{ ...base, logger: { info() {} } }, 'logger'],
    [{ ...base, storeTimeout: -1 }, 'storeTimeout'],
    [{ ...base, retainExpiredFor: Number.NaN }, 'retainExpiredFor'],
    [{ ...base, now: 5 }, 'now'],
  ])('rejects %o naming %s', (options, option) => {
    expect(optionOf(options)).toBe(option);
  });

  it('throws at construction, before any request', () => {
    expect(() => createSessionGuard({ secret: 'too short', preset: 'pci' })).toThrowError(/`secret`/);
  });

  it('accepts absolute login URLs and turns trusted origins into origins', async () => {
    const resolved = resolveOptions({ secret, preset: 'aal3', loginUrl: 'https://sso.example.com/login', trustedOrigins: ['https://app.example.com/'] });
    expect(resolved.loginUrl).toBe('https://sso.example.com/login');
    expect([...resolved.trustedOrigins]).toEqual(['https://app.example.com']);
    await resolved.registry.close();
  });
});
