/**
 * The registry contract against the machine's Redis (127.0.0.1:6379), plus
 * what only Redis has: key layout, expiry on every key (tombstones included),
 * bounded index walks, script cache loss.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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
  redisStoreHarness,
  uniquePrefix,
} from '../support/redis-registry-harness.js';

const REDIS_URL = process.env.SG_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A child process that revokes, on its own connection, each record the parent
 * sends, and answers whether the record was there (its first answer: connected).
 */
const REVOKER = `
import { createClient } from 'redis';
import { createRedisRegistry } from '@sessionguard/express/redis';
const client = createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true });
client.on('error', () => {});
await client.connect();
const registry = createRedisRegistry({ client, prefix: process.env.PREFIX });
process.on('message', async (ref) => {
  await new Promise((resolve) => setTimeout(resolve, 4));
  process.send({ revoked: (await registry.revoke(ref)) !== null, pid: process.pid });
});
process.on('disconnect', () => client.close().then(() => process.exit(0)));
process.send({ revoked: false, pid: process.pid });
`;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 25 ms until it holds or `timeout` ms have passed; whether it held. */
async function waitFor(check: () => Promise<boolean>, timeout: number): Promise<boolean> {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
}
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
describeRegistryContract('redis registry', redisRegistryHarness(() => client, 'single'), { shortRetention: 500, check: true });
describeRegistryContract('sessionguard store', redisStoreHarness(() => client, 'store'), { shortRetention: 500, check: true });

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

  it('gives every key an expiry: records at retainUntil, the index at its latest member plus keepEndedFor', async () => {
    const prefix = uniquePrefix('ttl');
    const keep = 86_400_000;
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
      expect(expiries[index]).toBe(now + 180_000 + keep);
      expect(expiries[keys.find((key) => key.endsWith(a.sessionId))!]).toBe(now + 180_000);
      expect(expiries[keys.find((key) => key.endsWith(b.sessionId))!]).toBe(now + 120_000);
      // Revoking the latest record pulls the index expiry back to the next one.
      await registry.revoke(a);
      expect(await client.pExpireTime(index)).toBe(now + 120_000 + keep);
      await registry.revokeUser('alice');
      expect(await keysUnder(client, prefix)).toEqual([]);
    } finally {
      await deleteKeysUnder(client, prefix);
    }
  });

  it('keeps the index member of an expired record as its tombstone, and create prunes it after keepEndedFor', async () => {
    const prefix = uniquePrefix('prune');
    const registry = createRedisRegistry({ client, prefix, keepEndedFor: 400 });
    try {
      const short = record({ retainUntil: Date.now() + 150 });
      const long = record();
      await registry.create(short);
      await registry.create(long);
      const index = `${prefix}:{alice}:idx`;
      expect(await client.zCard(index)).toBe(2);
      await sleep(250);
      // The record is gone; its member, scored by the instant it ran out, is the tombstone.
      await registry.create(record());
      expect(await client.exists(`${prefix}:{alice}:s:${short.sessionId}`)).toBe(0);
      expect(await client.zScore(index, short.sessionId)).toBe(short.retainUntil);
      expect(await registry.endedAt(short)).toBe(short.retainUntil);
      await sleep(450);
      await registry.create(record());
      expect(await client.zCard(index)).toBe(3);
      expect(await client.zScore(index, short.sessionId)).toBeNull();
    } finally {
      await deleteKeysUnder(client, prefix);
    }
  });

  it('nothing of a session is left once retainUntil and then keepEndedFor have passed: the keys expire on their own', async () => {
    const prefix = uniquePrefix('gone');
    const keep = 300;
    const registry = createRedisRegistry({ client, prefix, keepEndedFor: keep });
    try {
      const r = record({ retainUntil: Date.now() + 200 });
      await registry.create(r);
      const index = `${prefix}:{alice}:idx`;
      const recordKey = `${prefix}:{alice}:s:${r.sessionId}`;
      expect(await client.pExpireTime(recordKey)).toBe(r.retainUntil);
      expect(await client.pExpireTime(index)).toBe(r.retainUntil + keep);
      expect(await waitFor(async () => (await client.exists(recordKey)) === 0, 2000)).toBe(true);
      expect(await client.exists(index)).toBe(1);
      // No registry call in between: Redis deletes the index by itself.
      expect(await waitFor(async () => (await keysUnder(client, prefix)).length === 0, 3000)).toBe(true);
    } finally {
      await deleteKeysUnder(client, prefix);
    }
  });

  it('one account signing in again and again never holds more than maxSessionsPerUser records and as many tombstones', async () => {
    const prefix = uniquePrefix('account');
    const cap = 3;
    const registry = createRedisRegistry({ client, prefix, maxSessionsPerUser: cap, keepEndedFor: 60_000 });
    try {
      const index = `${prefix}:{attacker}:idx`;
      for (let i = 0; i < 20; i += 1) {
        // Every other session runs out at once; the others stay live.
        await registry.create(record({ userId: 'attacker', retainUntil: Date.now() + (i % 2 ? 20 : 60_000), userAgent: 'x'.repeat(16_000) }));
        await sleep(30);
        expect(await client.zCard(index)).toBeLessThanOrEqual(2 * cap);
        expect((await keysUnder(client, prefix)).length).toBeLessThanOrEqual(cap + 1);
      }
      const [one] = await registry.list('attacker');
      expect(one?.userAgent).toHaveLength(512);
      expect(await client.hStrLen(`${prefix}:{attacker}:s:${one!.sessionId}`, 'userAgent')).toBe(512);
    } finally {
      await deleteKeysUnder(client, prefix);
    }
  });

  it('list walks at most maxSessionsPerUser index members; create brings an over-cap user (from a larger cap) down to it, least recently active first', async () => {
    const prefix = uniquePrefix('walk');
    const wide = createRedisRegistry({ client, prefix, maxSessionsPerUser: 1000 });
    const narrow = createRedisRegistry({ client, prefix, maxSessionsPerUser: 10 });
    try {
      const now = Date.now();
      const records = Array.from({ length: 300 }, (_, i) => record({ lastActivity: now - 10_000 + ((i * 7) % 300), createdAt: now - 20_000 + i }));
      await Promise.all(records.map((r) => wide.create(r)));
      expect(await wide.list('alice')).toHaveLength(300);
      expect(await narrow.list('alice')).toHaveLength(10);
      const fresh = record();
      const evicted = (await narrow.create(fresh)) ?? [];
      expect(evicted).toHaveLength(291);
      const byActivity = [...records].sort((a, b) => a.lastActivity - b.lastActivity);
      expect(evicted.map((r) => r.sessionId)).toEqual(byActivity.slice(0, 291).map((r) => r.sessionId));
      const listed = await wide.list('alice');
      expect(listed.map((r) => r.sessionId).sort()).toEqual([...byActivity.slice(291), fresh].map((r) => r.sessionId).sort());
      expect(await client.zCard(`${prefix}:{alice}:idx`)).toBe(10);
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
      await registry.endedAt(r);
      await registry.revoke(r);
      await registry.revokeUser('alice');
      calls.length = 0;
      await registry.create(r);
      await registry.get(r);
      await registry.touch(r, r.lastActivity + 1, r.retainUntil + 1);
      await registry.update(r, { ip: null });
      await registry.list('alice');
      await registry.endedAt(r);
      await registry.revoke(r);
      await registry.revokeUser('alice');
      expect(calls).toEqual(Array(8).fill('evalSha'));
    } finally {
      await deleteKeysUnder(client, prefix);
    }
  });

  it('two processes: touches from this process racing a revoke in another process never leave a key behind', async () => {
    const prefix = uniquePrefix('race');
    const a = createRedisRegistry({ client, prefix });
    // The revoking side is a separate Node process on its own connection, using the built package.
    const revoker = spawn(process.execPath, ['--input-type=module', '-e', REVOKER], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, REDIS_URL, PREFIX: prefix },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const replies: { revoked: boolean; pid: number }[] = [];
    const waiting: ((reply: { revoked: boolean; pid: number }) => void)[] = [];
    revoker.on('message', (reply: { revoked: boolean; pid: number }) => {
      const resolve = waiting.shift();
      if (resolve) resolve(reply);
      else replies.push(reply);
    });
    const nextReply = () =>
      new Promise<{ revoked: boolean; pid: number }>((resolve) => {
        const queued = replies.shift();
        if (queued) resolve(queued);
        else waiting.push(resolve);
      });
    try {
      expect(await nextReply(), 'the revoking process connected').toMatchObject({ revoked: false });
      let sentBefore = 0;
      let sentAfter = 0;
      for (let round = 0; round < 5; round += 1) {
        const r = record();
        await a.create(r);
        let revoked = false;
        const revoke = (async () => {
          revoker.send({ sessionId: r.sessionId, userId: r.userId });
          const reply = await nextReply();
          expect(reply.pid).not.toBe(process.pid);
          expect(reply.revoked, 'the other process found the record to revoke').toBe(true);
          revoked = true;
        })();
        const touches = Array.from({ length: 100 }, async (_, i) => {
          // Yield between touches so they interleave with the revoke in the other process.
          await new Promise((resolve) => setTimeout(resolve, i % 10));
          const sentAfterRevoke = revoked;
          const touched = await a.touch(r, r.lastActivity + i, r.retainUntil + i);
          if (sentAfterRevoke) {
            sentAfter += 1;
            expect(touched).toBeNull();
          } else {
            sentBefore += 1;
          }
        });
        await Promise.all([...touches, revoke]);
        // On a loaded machine the other process may answer after every raced touch went out: touches sent
        // once the revoke is known must find nothing too (and make sure the after side is never empty).
        for (let i = 0; i < 3; i += 1) {
          sentAfter += 1;
          expect(await a.touch(r, r.lastActivity + 100 + i, r.retainUntil + 100 + i)).toBeNull();
        }
        expect(await a.get(r)).toBeNull();
        // No record key was recreated (an HSET on a missing key would have left one, without expiry).
        expect(await keysUnder(client, prefix)).toEqual([]);
      }
      // A race, not a sequence: touches went out on both sides of the revokes.
      expect(sentBefore).toBeGreaterThan(0);
      expect(sentAfter).toBeGreaterThan(0);
    } finally {
      revoker.kill();
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
    // Generous (a hang would be forever), so a loaded machine cannot make it flake.
    expect(Date.now() - started).toBeLessThan(10 * 500);
  });

  it('validates its options with errors that name the option', () => {
    expect(() => createRedisRegistry({ client: {} as never })).toThrow(/`client`/);
    expect(() => createRedisRegistry({ client, prefix: 'a{b}' })).toThrow(/`prefix`/);
    expect(() => createRedisRegistry({ client, commandTimeout: 0 })).toThrow(/`commandTimeout`/);
    expect(() => createRedisRegistry({ client, maxSessionsPerUser: 0 })).toThrow(/`maxSessionsPerUser`/);
    expect(() => createRedisRegistry({ client, maxSessionsPerUser: 1.5 })).toThrow(/`maxSessionsPerUser`/);
    expect(() => createRedisRegistry({ client, keepEndedFor: -1 })).toThrow(/`keepEndedFor`/);
    expect(() => createRedisRegistry({ client, keepEndedFor: 0.5 })).toThrow(/`keepEndedFor`/);
    expect(() => createRedisRegistry({ client, keepEndedFor: '1000' as never })).toThrow(/`keepEndedFor`/);
  });
});
