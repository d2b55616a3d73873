/**
 * The registry contract against the machine's Redis (127.0.0.1:6379), plus
 * what only Redis has: key layout, expiry on every key, script cache loss.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { describeRegistryContract } from '../../packages/express/src/registry/registry.contract.js';
import type { SessionRecord } from '../../packages/express/src/registry/types.js';
import { createRedisRegistry, encodeUserId, type RedisRegistryClient } from '../../packages/express/src/redis/index.js';
import { SessionStoreUnavailableError } from '../../packages/express/src/errors.js';
import {
  type AnyRedisClient,
  deleteKeysUnder,
  keysUnder,
  redisRegistryHarness,
  uniquePrefix,
} from '../support/redis-registry-harness.js';

const REDIS_URL = process.env.SG_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
let client: AnyRedisClient;

beforeAll(async () => {
  client = createClient({ url: REDIS_URL, disableOfflineQueue: true, socket: { connectTimeout: 2000, reconnectStrategy: false } });
  client.on('error', () => {});
  await client.connect();
});
afterAll(async () => {
  if (client?.isOpen) await client.close();
});

// Real time: retentions long enough for a loaded CI machine to answer the first checks before they pass.
describeRegistryContract('redis registry', redisRegistryHarness(() => client, 'single'), { shortRetention: 500 });

describe('redis registry on a real Redis', () => {
  const record = (overrides: Partial<SessionRecord> = {}): SessionRecord => {
    const now = Date.now();
    return {
      sessionId: `s-${Math.random().toString(36).slice(2)}`,
      userId: 'alice',
      publicId: 'pub',
      createdAt: now,
      lastActivity: now,
      authenticatedAt: now,
      ip: null,
      userAgent: null,
      authHash: null,
      retainUntil: now + 60_000,
      ...overrides,
    };
  };

  it('keeps each user under one hash tag: {encoded user id}, escaping {, }, : and %', async () => {
    const prefix = uniquePrefix('layout');
    const registry = createRedisRegistry({ client, prefix });
    try {
      await registry.create(record({ userId: 'a:b{c}%', sessionId: 'sid:1' }));
      const keys = (await keysUnder(client, prefix)).sort();
      expect(encodeUserId('a:b{c}%')).toBe('a%003ab%007bc%007d%0025');
      expect(keys).toEqual([`${prefix}:{a%003ab%007bc%007d%0025}:idx`, `${prefix}:{a%003ab%007bc%007d%0025}:s:sid:1`]);
      expect(await client.type(keys[1]!)).toBe('hash');
      expect(await client.type(keys[0]!)).toBe('zset');
    } finally {
      await deleteKeysUnder(client, prefix);
    }
  });

  it('gives every key an expiry: records at retainUntil, the index at its latest member', async () => {
    const prefix = uniquePrefix('ttl');
    const registry = createRedisRegistry({ client, prefix });
    try {
      const now = Date.now();
      const a = record({ retainUntil: now + 60_000 });
      const b = record({ retainUntil: now + 120_000 });
      await registry.create(a);
      await registry.create(b);
      await registry.touch(a, now + 5, now + 180_000);
      await registry.update(b, { ip: '192.0.2.1' });
      const keys = await keysUnder(client, prefix);
      expect(keys).toHaveLength(3);
      const expiries = Object.fromEntries(await Promise.all(keys.map(async (key) => [key, await client.pExpireTime(key)] as const)));
      for (const key of keys) expect(expiries[key]).toBeGreaterThan(now);
      const index = keys.find((key) => key.endsWith(':idx'))!;
      expect(expiries[index]).toBe(now + 180_000);
      expect(expiries[keys.find((key) => key.endsWith(a.sessionId))!]).toBe(now + 180_000);
      expect(expiries[keys.find((key) => key.endsWith(b.sessionId))!]).toBe(now + 120_000);
      // Revoking the latest record pulls the index expiry back to the next one.
      await registry.revoke(a);
      expect(await client.pExpireTime(index)).toBe(now + 120_000);
      await registry.revokeUser('alice');
      expect(await keysUnder(client, prefix)).toEqual([]);
    } finally {
      await deleteKeysUnder(client, prefix);
    }
  });

  it('prunes index entries whose record expired when it next walks the index', async () => {
    const prefix = uniquePrefix('prune');
    const registry = createRedisRegistry({ client, prefix });
    try {
      const short = record({ retainUntil: Date.now() + 150 });
      const long = record();
      await registry.create(short);
      await registry.create(long);
      const index = `${prefix}:{alice}:idx`;
      expect(await client.zCard(index)).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await registry.create(record());
      expect(await client.zCard(index)).toBe(2);
      expect(await client.zScore(index, short.sessionId)).toBeNull();
    } finally {
      await deleteKeysUnder(client, prefix);
    }
  });

  it('each operation is one round trip: one EVALSHA, no other command', async () => {
    const prefix = uniquePrefix('trips');
    const calls: string[] = [];
    const counting = (inner: RedisRegistryClient): RedisRegistryClient => ({
      evalSha: (sha, options) => (calls.push('evalSha'), inner.evalSha(sha, options)),
      eval: (script, options) => (calls.push('eval'), inner.eval(script, options)),
      withCommandOptions: (options) => counting(inner.withCommandOptions(options)),
    });
    const registry = createRedisRegistry({ client: counting(client), prefix });
    try {
      const r = record();
      // Warm the script cache (a fresh Redis answers NOSCRIPT once per script).
      await registry.create(r);
      await registry.get(r);
      await registry.touch(r, r.lastActivity, r.retainUntil);
      await registry.update(r, {});
      await registry.list('alice');
      await registry.revoke(r);
      await registry.revokeUser('alice');
      calls.length = 0;
      await registry.create(r);
      await registry.get(r);
      await registry.touch(r, r.lastActivity + 1, r.retainUntil + 1);
      await registry.update(r, { ip: null });
      await registry.list('alice');
      await registry.revoke(r);
      await registry.revokeUser('alice');
      expect(calls).toEqual(Array(7).fill('evalSha'));
    } finally {
      await deleteKeysUnder(client, prefix);
    }
  });

  it('two processes: touches on one connection racing a revoke on another never leave a key behind', async () => {
    const prefix = uniquePrefix('race');
    const other = createClient({ url: REDIS_URL, disableOfflineQueue: true });
    other.on('error', () => {});
    await other.connect();
    const a = createRedisRegistry({ client, prefix });
    const b = createRedisRegistry({ client: other, prefix });
    try {
      for (let round = 0; round < 5; round += 1) {
        const r = record();
        await a.create(r);
        let revoked = false;
        const touches = Array.from({ length: 100 }, async (_, i) => {
          // Yield between touches so they interleave with the revoke on the other connection.
          await new Promise((resolve) => setTimeout(resolve, i % 10));
          const sentAfterRevoke = revoked;
          const touched = await b.touch(r, r.lastActivity + i, r.retainUntil + i);
          if (sentAfterRevoke) expect(touched).toBeNull();
        });
        const revoke = (async () => {
          await new Promise((resolve) => setTimeout(resolve, 4));
          expect(await a.revoke(r)).not.toBeNull();
          revoked = true;
        })();
        await Promise.all([...touches, revoke]);
        expect(await b.get(r)).toBeNull();
        // No record key was recreated (an HSET on a missing key would have left one, without expiry).
        expect(await keysUnder(client, prefix)).toEqual([]);
      }
    } finally {
      await other.close();
      await deleteKeysUnder(client, prefix);
    }
  });

  it('still works after Redis lost its script cache (NOSCRIPT falls back to EVAL)', async () => {
    const prefix = uniquePrefix('noscript');
    const registry = createRedisRegistry({ client, prefix });
    try {
      const r = record();
      await registry.create(r);
      await client.scriptFlush();
      expect(await registry.get(r)).toEqual(r);
      expect(await registry.touch(r, r.lastActivity + 1, r.retainUntil)).toEqual({ ...r, lastActivity: r.lastActivity + 1 });
    } finally {
      await deleteKeysUnder(client, prefix);
    }
  });

  it('rejects with SessionStoreUnavailableError on a closed client, never hangs', async () => {
    const closed = createClient({ url: REDIS_URL, disableOfflineQueue: true });
    const registry = createRedisRegistry({ client: closed, prefix: uniquePrefix('closed'), commandTimeout: 500 });
    const started = Date.now();
    await expect(registry.get({ sessionId: 's', userId: 'u' })).rejects.toBeInstanceOf(SessionStoreUnavailableError);
    await expect(registry.list('u')).rejects.toMatchObject({ name: 'SessionStoreUnavailableError' });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('validates its options with errors that name the option', () => {
    expect(() => createRedisRegistry({ client: {} as never })).toThrow(/`client`/);
    expect(() => createRedisRegistry({ client, prefix: 'a{b}' })).toThrow(/`prefix`/);
    expect(() => createRedisRegistry({ client, commandTimeout: 0 })).toThrow(/`commandTimeout`/);
  });
});
