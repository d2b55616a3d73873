import { describe, expect, it, vi } from 'vitest';
import { signAuthHash, verifyAuthHash } from './auth-hash.js';
import { isSessionStoreUnavailableError } from './errors.js';
import { createSessionGuardEvents } from './events.js';
import { guardRegistry } from './guarded-registry.js';
import { describeError, type SessionGuardLogger } from './logger.js';
import { computePublicId, isPublicId } from './public-id.js';
import { createRateLimiter } from './rate-limit.js';
import { createMemoryRegistry } from './registry/memory-registry.js';
import type { SessionRegistry } from './registry/types.js';
import { checkSessionOptions } from './session-options-check.js';
import { describeUserAgent } from './user-agent.js';

const A = 'first-secret-0123456789abcdefghijkl';
const B = 'older-secret-0123456789abcdefghijkl';

describe('public ids', () => {
  it('are 256-bit base64url HMACs: stable, distinct per secret and session, not the session id', () => {
    const id = computePublicId(A, 'sid-1');
    expect(isPublicId(id)).toBe(true);
    expect(id).toHaveLength(43);
    expect(computePublicId(A, 'sid-1')).toBe(id);
    expect(computePublicId(B, 'sid-1')).not.toBe(id);
    expect(computePublicId(A, 'sid-2')).not.toBe(id);
    expect(id).not.toContain('sid-1');
    expect(isPublicId(`${id}=`)).toBe(false);
    expect(isPublicId(42)).toBe(false);
  });
});

describe('session auth hash', () => {
  it('verifies under the first secret, or under an older one with a rewrite, and fails otherwise', () => {
    const stored = signAuthHash(A, 'alice', 'pw-hash');
    expect(verifyAuthHash([A], 'alice', 'pw-hash', stored)).toEqual({ ok: true, rotated: false });
    expect(verifyAuthHash([A], 'alice', 'other-hash', stored)).toEqual({ ok: false });
    expect(verifyAuthHash([A], 'bob', 'pw-hash', stored)).toEqual({ ok: false });
    const old = signAuthHash(B, 'alice', 'pw-hash');
    expect(verifyAuthHash([A, B], 'alice', 'pw-hash', old)).toEqual({ ok: true, rotated: true, current: stored });
    expect(verifyAuthHash([A], 'alice', 'pw-hash', old)).toEqual({ ok: false });
  });

  it('handles users without a hash and malformed stored values without throwing', () => {
    expect(verifyAuthHash([A], 'alice', null, null).ok).toBe(true);
    expect(verifyAuthHash([A], 'alice', 'x', null).ok).toBe(false);
    expect(verifyAuthHash([A], 'alice', null, 'x').ok).toBe(false);
    expect(verifyAuthHash([A], 'alice', 'x', 'short').ok).toBe(false);
  });
});

describe('rate limiter', () => {
  it('allows max per window, then answers the seconds to wait', () => {
    let now = 0;
    const limiter = createRateLimiter({ windowMs: 10_000, max: 2, now: () => now });
    expect(limiter.hit('k').ok).toBe(true);
    expect(limiter.hit('k').ok).toBe(true);
    now = 2500;
    expect(limiter.hit('k')).toEqual({ ok: false, retryAfterSeconds: 8 });
    expect(limiter.hit('other').ok).toBe(true);
    now = 10_000;
    expect(limiter.hit('k').ok).toBe(true);
  });

  it('keeps memory bounded under a flood of keys', () => {
    let now = 0;
    const limiter = createRateLimiter({ windowMs: 1000, max: 1, now: () => now, maxKeys: 100 });
    for (let i = 0; i < 10_000; i += 1) {
      now += 1;
      limiter.hit(`ip-${i}`);
      expect(limiter.size).toBeLessThanOrEqual(100);
    }
  });
});

describe('user agents', () => {
  it('are described with bowser, nulls when unknown', () => {
    expect(describeUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0')).toEqual({
      browser: 'Firefox 128',
      os: 'Windows 10',
      device: 'desktop',
    });
    expect(describeUserAgent(null)).toEqual({ browser: null, os: null, device: null });
    expect(describeUserAgent('curl/8.0')).toEqual({ browser: null, os: null, device: null });
  });
});

describe('events', () => {
  it('on, once, off, and listener failures are logged', () => {
    const logger: SessionGuardLogger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const events = createSessionGuardEvents(logger);
    const seen: string[] = [];
    const on = () => seen.push('on');
    events.on('session.created', on);
    events.once('session.created', () => seen.push('once'));
    events.on('session.created', () => {
      throw new Error('bug');
    });
    const event = { publicId: 'p', userId: 'u', at: 0, by: 'sign-in' as const };
    expect(events.emit('session.created', event)).toBe(true);
    events.off('session.created', on);
    events.emit('session.created', event);
    expect(seen).toEqual(['on', 'once']);
    expect(logger.error).toHaveBeenCalledTimes(2);
    expect(events.emit('session.expired', { ...event, reason: 'idle' })).toBe(false);
  });
});

describe('logging', () => {
  it('cuts session ids out of error messages and causes', () => {
    const error = new Error('GET sess:abc123 failed', { cause: new Error('key sess:abc123') });
    expect(JSON.stringify(describeError(error, ['abc123']))).not.toContain('abc123');
  });
});

describe('guarded registry', () => {
  it('turns errors and timeouts into SessionStoreUnavailableError', async () => {
    const memory = createMemoryRegistry();
    const broken: SessionRegistry = {
      ...memory,
      get: async () => {
        throw new Error('ECONNREFUSED');
      },
      list: () => new Promise(() => {}),
    };
    const guarded = guardRegistry(broken, 20);
    const failure = await guarded.get({ sessionId: 's', userId: 'u' }).catch((error: unknown) => error);
    expect(isSessionStoreUnavailableError(failure)).toBe(true);
    expect((failure as Error).cause).toBeInstanceOf(Error);
    const timeout = await guarded.list('u').catch((error: unknown) => error);
    expect(isSessionStoreUnavailableError(timeout)).toBe(true);
    expect(await guarded.revokeUser('u')).toEqual([]);
    await memory.close();
  });
});

describe('checkSessionOptions', () => {
  const good = { secret: 's'.repeat(32), resave: false, saveUninitialized: false, cookie: { httpOnly: true, secure: true, sameSite: 'lax' as const, maxAge: 3_600_000 } };

  it('accepts safe options', () => {
    const warn = vi.fn();
    expect(checkSessionOptions(good, { production: true, expireAfter: 1800, absoluteTimeout: 3600, warn })).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
  });

  it('warns in development about each weakness', () => {
    const warn = vi.fn();
    const problems = checkSessionOptions(
      { secret: 'short', resave: true, rolling: true, cookie: { httpOnly: false, maxAge: 1000 } },
      { production: false, expireAfter: 60, absoluteTimeout: null, warn },
    );
    expect(problems.map((p) => p.option)).toEqual(['secret', 'cookie.httpOnly', 'cookie.sameSite', 'resave', 'rolling', 'cookie.maxAge']);
    expect(warn).toHaveBeenCalledTimes(6);
  });

  it('throws in production naming the option', () => {
    expect(() => checkSessionOptions({ ...good, cookie: { ...good.cookie, secure: false } }, { production: true })).toThrowError(
      /`cookie.secure`/,
    );
    expect(() => checkSessionOptions({ ...good, secret: undefined as unknown as string }, { production: true })).toThrowError(/`secret`/);
    expect(() => checkSessionOptions({ ...good, resave: undefined }, { production: true })).toThrowError(/`resave`/);
  });
});
