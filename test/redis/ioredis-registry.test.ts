/**
 * The registry contract through an ioredis client on the machine's Redis
 * (127.0.0.1:6379), plus what only ioredis brings: its call shape (numkeys,
 * no abort signal, maybe Buffers), its `keyPrefix`, its offline queue, and a
 * Redis that stops answering.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis, type RedisOptions } from 'ioredis';
import { describeRegistryContract } from '../../packages/express/src/registry/registry.contract.js';
import type { SessionRecord } from '../../packages/express/src/registry/types.js';
import { createRedisRegistry, type IoRedisRegistryClient } from '../../packages/express/src/redis/index.js';
import { SessionStoreUnavailableError } from '../../packages/express/src/errors.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { deleteKeysUnder, keysUnder, redisRegistryHarness, redisStoreHarness, uniquePrefix } from '../support/redis-registry-harness.js';

const REDIS_URL = process.env.SG_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The settings the registry's documentation recommends for ioredis. */
const RECOMMENDED: RedisOptions = { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 2000 };

/** A connected ioredis client (lazyConnect, so `connect()` resolves once it is ready); errors are expected here. */
async function connect(url: string, options: RedisOptions = RECOMMENDED): Promise<Redis> {
  const redis = new Redis(url, { ...options, lazyConnect: true });
  redis.on('error', () => {});
  await redis.connect();
  return redis;
}

/** Runs `fn`; how long it took to settle, and its rejection (if any). */
async function timed(fn: () => Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = Date.now();
  try {
    await fn();
    return { ms: Date.now() - started, error: undefined };
  } catch (error) {
    return { ms: Date.now() - started, error };
  }
}

const record = (overrides: Partial<SessionRecord> = {}): SessionRecord => {
  const now = Date.now();
  return {
    sessionId: `s-${Math.random().toString(36).slice(2)}`,
    userId: 'alice',
    publicId: 'pub',
    createdAt: now,
    lastActivity: now,
    authenticatedAt: now,
    ip: '192.0.2.7',
    userAgent: 'Firefox ☃',
    authHash: 'h',
    retainUntil: now + 60_000,
    ...overrides,
  };
};

/** Wraps an ioredis client so that every EVALSHA/EVAL it is asked for is recorded. */
function counting(inner: Redis, calls: string[]): IoRedisRegistryClient {
  return {
    options: inner.options,
    evalsha: (sha, numkeys, ...rest) => (calls.push('evalsha'), inner.evalsha(sha, numkeys, ...rest)),
    eval: (script, numkeys, ...rest) => (calls.push('eval'), inner.eval(script, numkeys, ...rest)),
  };
}

let client: Redis;

beforeAll(async () => {
  client = await connect(REDIS_URL);
});
afterAll(async () => {
  client?.disconnect();
});

// Real time, as with node-redis: retentions long enough for a loaded machine to answer the first checks.
describeRegistryContract('ioredis registry', redisRegistryHarness(() => client, 'io-single'), { shortRetention: 500, check: true });

describeRegistryContract('sessionguard store through ioredis', redisStoreHarness(() => client, 'store-io'), { shortRetention: 500, check: true });

describe('redis registry on an ioredis client', () => {
  it('each operation is one round trip: one EVALSHA with numkeys, no other command', async () => {
    const prefix = uniquePrefix('io-trips');
    const calls: string[] = [];
    const registry = createRedisRegistry({ client: counting(client, calls), prefix });
    try {
      const r = record();
      const all = async (n: number) => {
        await registry.create(r);
        await registry.get(r);
        await registry.touch(r, r.lastActivity + n, r.retainUntil + n);
        await registry.update(r, { ip: null });
        await registry.list('alice');
        await registry.endedAt(r);
        await registry.revoke(r);
        await registry.revokeUser('alice');
      };
      await all(0); // warms the script cache
      calls.length = 0;
      await all(1);
      expect(calls).toEqual(Array(8).fill('evalsha'));
      expect(await keysUnder(client, prefix)).toEqual([]);
    } finally {
      await deleteKeysUnder(client, prefix);
    }
  });

  it('still works after SCRIPT FLUSH: NOSCRIPT falls back to EVAL once, then EVALSHA again', async () => {
    const prefix = uniquePrefix('io-noscript');
    const calls: string[] = [];
    const registry = createRedisRegistry({ client: counting(client, calls), prefix });
    try {
      const r = record();
      await registry.create(r);
      await registry.get(r);
      await client.script('FLUSH');
      calls.length = 0;
      expect(await registry.get(r)).toEqual(r);
      expect(calls).toEqual(['evalsha', 'eval']);
      calls.length = 0;
      expect(await registry.get(r)).toEqual(r);
      expect(calls).toEqual(['evalsha']);
      expect(await registry.touch(r, r.lastActivity + 1, r.retainUntil)).toEqual({ ...r, lastActivity: r.lastActivity + 1 });
    } finally {
      await deleteKeysUnder(client, prefix);
    }
  });

  it('parses Buffer replies the same as strings (a client answering through callBuffer)', async () => {
    const prefix = uniquePrefix('io-buffers');
    const buffers: IoRedisRegistryClient = {
      evalsha: (sha, numkeys, ...rest) => client.callBuffer('EVALSHA', sha, numkeys, ...rest),
      eval: (script, numkeys, ...rest) => client.callBuffer('EVAL', script, numkeys, ...rest),
    };
    const registry = createRedisRegistry({ client: buffers, prefix, keepEndedFor: 60_000 });
    try {
      const r = record();
      const ended = record({ retainUntil: Date.now() + 100 });
      expect(await registry.create(r)).toEqual([]);
      await registry.create(ended);
      expect(await registry.get(r)).toEqual(r);
      expect(await registry.get({ userId: 'alice', sessionId: 'missing' })).toBeNull();
      await sleep(200);
      expect(await registry.list('alice')).toEqual([r]);
      expect(await registry.endedAt(ended)).toBe(ended.retainUntil);
      expect(await registry.revokeUser('alice')).toEqual([r]);
    } finally {
      await deleteKeysUnder(client, prefix);
    }
  });

  it("honours the client's keyPrefix, in the keys the scripts build from arguments too", async () => {
    const keyPrefix = `${uniquePrefix('io-kp')}:`;
    const prefixed = await connect(REDIS_URL, { ...RECOMMENDED, keyPrefix });
    const registry = createRedisRegistry({ client: prefixed, prefix: 'sg' });
    try {
      const [a, b, c] = [record({ createdAt: 1 }), record({ createdAt: 2 }), record({ createdAt: 3 })];
      await registry.create(a);
      await registry.create(b);
      expect((await keysUnder(client, `${keyPrefix}sg`)).sort()).toEqual(
        [`${keyPrefix}sg:{alice}:idx`, `${keyPrefix}sg:{alice}:s:${a.sessionId}`, `${keyPrefix}sg:{alice}:s:${b.sessionId}`].sort(),
      );
      expect(await keysUnder(client, 'sg:{alice}')).toEqual([]);
      // list and revokeUser reach the records through the index (keys built inside the scripts).
      expect(await registry.list('alice')).toEqual([a, b]);
      // create evicts through the index too.
      const narrow = createRedisRegistry({ client: prefixed, prefix: 'sg', maxSessionsPerUser: 2 });
      expect(await narrow.create(c)).toEqual([a]);
      expect(await registry.revokeUser('alice', c.sessionId)).toEqual([b]);
      expect(await registry.list('alice')).toEqual([c]);
    } finally {
      prefixed.disconnect();
      await deleteKeysUnder(client, `${keyPrefix}sg`);
    }
  });

  it('refuses an object that is neither client with a TypeError naming `client`', () => {
    const fn = async () => null;
    for (const bad of [undefined, {}, { eval: fn }, { evalSha: fn, eval: fn }, { evalsha: fn }, new Map()]) {
      expect(() => createRedisRegistry({ client: bad as never })).toThrow(TypeError);
      expect(() => createRedisRegistry({ client: bad as never })).toThrow(/`client` must be a node-redis v5 or v6 client or cluster.*or an ioredis v5 or v6 client or cluster/);
    }
    expect(() => createRedisRegistry({ client })).not.toThrow();
  });
});

describe('redis registry on an ioredis client when Redis fails', () => {
  let server: RedisServer;
  let admin: Redis;

  beforeAll(async () => {
    server = await startRedisServer();
    // ioredis's defaults (offline queue on): the admin client waits out the restart below.
    admin = await connect(server.url, {});
  }, 30_000);
  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
  });

  /** Runs every operation once, so the node has every script cached (a late EVALSHA then runs instead of NOSCRIPT). */
  async function warm(registry: ReturnType<typeof createRedisRegistry>): Promise<void> {
    const r = record({ userId: 'warm' });
    await registry.create(r);
    await registry.get(r);
    await registry.touch(r, r.lastActivity, r.retainUntil);
    await registry.update(r, {});
    await registry.list('warm');
    await registry.endedAt(r);
    await registry.revoke(r);
    await registry.revokeUser('warm');
  }

  /** Closes `io`'s connection from the server side and resolves once ioredis has seen it close. */
  async function dropConnection(io: Redis): Promise<void> {
    const id = await io.client('ID');
    const closed = new Promise((resolve) => io.once('close', resolve));
    await admin.client('KILL', 'ID', String(id));
    await closed;
  }

  it('a Redis that stops answering (CLIENT PAUSE) rejects every operation within commandTimeout, and answers again afterwards', async () => {
    const io = await connect(server.url);
    const commandTimeout = 300;
    const registry = createRedisRegistry({ client: io, prefix: uniquePrefix('io-pause'), commandTimeout });
    try {
      await warm(registry);
      const r = record();
      await registry.create(r);
      // A paused Redis blocks every client, CLIENT UNPAUSE included: the pause ends by itself.
      await admin.client('PAUSE', 2000, 'ALL');
      const results = await Promise.all([
        timed(() => registry.get(r)),
        timed(() => registry.touch(r, r.lastActivity + 1, r.retainUntil)),
        timed(() => registry.revoke(r)),
      ]);
      for (const { ms, error } of results) {
        expect(error).toBeInstanceOf(SessionStoreUnavailableError);
        expect((error as Error).message).toMatch(/did not answer .* within 300 ms/);
        expect(ms).toBeGreaterThanOrEqual(commandTimeout - 20);
        expect(ms).toBeLessThan(commandTimeout + 700);
      }
      // The revoke already sent ran when Redis caught up (its reply was ignored): reported failed, done late.
      await expect.poll(async () => registry.get(r).catch(() => 'unavailable'), { timeout: 5000, interval: 100 }).toBeNull();
      await registry.create(r);
      expect(await registry.get(r)).toEqual(r);
    } finally {
      io.disconnect();
    }
  });

  it('a stopped Redis, with the recommended settings: each operation rejects at once; after the restart the next one succeeds (scripts re-sent by EVAL)', async () => {
    const io = await connect(server.url, { ...RECOMMENDED, retryStrategy: () => 100 });
    const prefix = uniquePrefix('io-down');
    const registry = createRedisRegistry({ client: io, prefix, commandTimeout: 1000 });
    try {
      const r = record();
      await registry.create(r);
      const closed = new Promise((resolve) => io.once('close', resolve));
      await server.stop();
      await closed;
      for (const operation of [() => registry.get(r), () => registry.create(record()), () => registry.revokeUser('alice')]) {
        const { ms, error } = await timed(operation);
        expect(error).toBeInstanceOf(SessionStoreUnavailableError);
        expect((error as Error).message).toMatch(/failed: /);
        expect(ms).toBeLessThan(500);
      }
      await server.restart();
      await expect.poll(async () => (await timed(() => registry.get(r))).error, { timeout: 5000, interval: 100 }).toBeUndefined();
      // No persistence: the restart emptied Redis, which fails closed (the session is gone, not let through).
      expect(await registry.get(r)).toBeNull();
      await registry.create(r);
      expect(await registry.get(r)).toEqual(r);
    } finally {
      io.disconnect();
      if (!server.running) await server.restart();
      await deleteKeysUnder(admin, prefix);
    }
  });

  it('a dropped connection, with the recommended settings: the operation rejects at once and does not run after the reconnect', async () => {
    const io = await connect(server.url, { ...RECOMMENDED, retryStrategy: () => 600 });
    const prefix = uniquePrefix('io-drop');
    const registry = createRedisRegistry({ client: io, prefix, commandTimeout: 300 });
    try {
      await warm(registry);
      await dropConnection(io);
      const r = record();
      const { ms, error } = await timed(() => registry.create(r));
      expect(error).toBeInstanceOf(SessionStoreUnavailableError);
      expect(ms).toBeLessThan(200);
      await expect.poll(() => io.status, { timeout: 5000, interval: 50 }).toBe('ready');
      await sleep(100);
      expect(await registry.get(r)).toBeNull();
      expect(await keysUnder(admin, prefix)).toEqual([]);
    } finally {
      io.disconnect();
      await deleteKeysUnder(admin, prefix);
    }
  });

  it("a dropped connection, with ioredis's default offline queue: the operation rejects at commandTimeout, but its queued command runs after the reconnect (why the docs recommend enableOfflineQueue: false)", async () => {
    const io = await connect(server.url, { retryStrategy: () => 600 });
    const prefix = uniquePrefix('io-queued');
    const commandTimeout = 300;
    const registry = createRedisRegistry({ client: io, prefix, commandTimeout });
    try {
      await warm(registry);
      await dropConnection(io);
      const r = record();
      const { ms, error } = await timed(() => registry.create(r));
      expect(error).toBeInstanceOf(SessionStoreUnavailableError);
      expect(ms).toBeGreaterThanOrEqual(commandTimeout - 20);
      expect(ms).toBeLessThan(commandTimeout + 700);
      await expect.poll(async () => registry.get(r).catch(() => 'unavailable'), { timeout: 5000, interval: 100 }).toEqual(r);
    } finally {
      io.disconnect();
      await deleteKeysUnder(admin, prefix);
    }
  });
});
