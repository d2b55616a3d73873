/**
 * The whole registry contract through an ioredis `Redis.Cluster` on a local
 * Redis Cluster of three masters (started here on free loopback ports,
 * removed afterwards). ioredis routes EVALSHA/EVAL by the keys given, and
 * every key of one registry call shares the user's hash tag.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, type Redis } from 'ioredis';
import { describeRegistryContract } from '../../packages/express/src/registry/registry.contract.js';
import type { SessionRecord } from '../../packages/express/src/registry/types.js';
import { createRedisRegistry, type IoRedisRegistryClient } from '../../packages/express/src/redis/index.js';
import { startRedisCluster, type RedisCluster } from '../support/redis-server.js';
import { deleteKeysUnder, keysUnder, redisRegistryHarness, redisStoreHarness, uniquePrefix } from '../support/redis-registry-harness.js';

let servers: RedisCluster | undefined;
let cluster: Cluster;

beforeAll(async () => {
  servers = await startRedisCluster({ masters: 3 });
  // The settings the registry's documentation recommends for an ioredis cluster.
  cluster = new Cluster(
    servers.nodes.map((node) => ({ host: '127.0.0.1', port: node.port })),
    { enableOfflineQueue: false, lazyConnect: true, redisOptions: { maxRetriesPerRequest: 0, connectTimeout: 2000 } },
  );
  cluster.on('error', () => {});
  await cluster.connect();
}, 60_000);

afterAll(async () => {
  try {
    cluster?.disconnect();
  } finally {
    await servers?.stop();
  }
});

const session = (userId: string, sessionId: string, createdAt: number): SessionRecord => {
  const now = Date.now();
  return {
    sessionId,
    userId,
    publicId: 'p',
    createdAt,
    lastActivity: now,
    authenticatedAt: now,
    ip: null,
    userAgent: null,
    authHash: null,
    retainUntil: now + 60_000,
  };
};

/** Which master (by index in `cluster.nodes('master')`) holds each user's keys under `prefix`. */
async function holders(prefix: string): Promise<Map<string, Set<number>>> {
  const found = new Map<string, Set<number>>();
  for (const [i, master] of cluster.nodes('master').entries()) {
    let cursor = '0';
    do {
      const [next, keys] = await master.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const user = /\{(.*?)\}/.exec(key)![1]!;
        if (!found.has(user)) found.set(user, new Set());
        found.get(user)!.add(i);
      }
    } while (cursor !== '0');
  }
  return found;
}

describeRegistryContract('ioredis registry on a 3-master cluster', redisRegistryHarness(() => cluster, 'io-cluster'), {
  shortRetention: 500,
  check: true,
});

describeRegistryContract('sessionguard store through ioredis on a 3-master cluster', redisStoreHarness(() => cluster, 'store-io-cluster'), { shortRetention: 500, check: true });

describe('redis registry on an ioredis cluster', () => {
  it("spreads users over the masters, and keeps each user's keys in one slot", async () => {
    const prefix = uniquePrefix('io-slots');
    const registry = createRedisRegistry({ client: cluster, prefix });
    try {
      const now = Date.now();
      const users = Array.from({ length: 30 }, (_, i) => `user-${i}`);
      for (const userId of users) {
        for (const n of [1, 2]) await registry.create(session(userId, `s${n}`, now + n));
      }
      expect(await keysUnder(cluster, prefix)).toHaveLength(users.length * 3);
      const byUser = await holders(prefix);
      expect(byUser.size).toBe(users.length);
      for (const masters of byUser.values()) expect(masters.size).toBe(1);
      expect(new Set([...byUser.values()].map((m) => [...m][0])).size).toBeGreaterThan(1);
      for (const userId of users) {
        expect((await registry.list(userId)).map((r) => r.sessionId)).toEqual(['s1', 's2']);
        expect(await registry.revokeUser(userId, 's2')).toHaveLength(1);
      }
    } finally {
      await deleteKeysUnder(cluster, prefix);
    }
  });

  it('after SCRIPT FLUSH on every master, each node answers NOSCRIPT once and the registry falls back to EVAL, on the right node', async () => {
    const prefix = uniquePrefix('io-noscript');
    const calls: string[] = [];
    const counting: IoRedisRegistryClient = {
      evalsha: (sha, numkeys, ...rest) => (calls.push('evalsha'), cluster.evalsha(sha, numkeys, ...rest)),
      eval: (script, numkeys, ...rest) => (calls.push('eval'), cluster.eval(script, numkeys, ...rest)),
    };
    const registry = createRedisRegistry({ client: counting, prefix });
    try {
      const users = Array.from({ length: 12 }, (_, i) => `user-${i}`);
      for (const userId of users) await registry.create(session(userId, 's', 1));
      await Promise.all(cluster.nodes('master').map((master: Redis) => master.script('FLUSH')));
      calls.length = 0;
      for (const userId of users) expect((await registry.get({ userId, sessionId: 's' }))?.userId).toBe(userId);
      // One EVAL per master that holds a user (the first GET there), EVALSHA alone for every other.
      const mastersUsed = new Set([...(await holders(prefix)).values()].map((m) => [...m][0])).size;
      expect(mastersUsed).toBeGreaterThan(1);
      expect(calls.filter((call) => call === 'eval')).toHaveLength(mastersUsed);
      expect(calls.filter((call) => call === 'evalsha')).toHaveLength(users.length);
      calls.length = 0;
      for (const userId of users) await registry.get({ userId, sessionId: 's' });
      expect(calls).toEqual(Array(users.length).fill('evalsha'));
    } finally {
      await deleteKeysUnder(cluster, prefix);
    }
  });
});
