/**
 * The whole registry contract on a local Redis Cluster of three masters
 * (started here on free loopback ports, removed afterwards). connect-redis's
 * all() fails on a cluster with CROSSSLOT; every registry operation must not,
 * because every key of one user carries the same hash tag.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster } from 'redis';
import { describeRegistryContract } from '../../packages/express/src/registry/registry.contract.js';
import { createRedisRegistry } from '../../packages/express/src/redis/index.js';
import { startRedisCluster, type RedisCluster } from '../support/redis-server.js';
import {
  type AnyRedisCluster,
  deleteKeysUnder,
  keysUnder,
  redisRegistryHarness,
  redisStoreHarness,
  uniquePrefix,
} from '../support/redis-registry-harness.js';

let servers: RedisCluster | undefined;
let cluster: AnyRedisCluster;

beforeAll(async () => {
  servers = await startRedisCluster({ masters: 3 });
  cluster = createCluster({
    rootNodes: servers.rootNodes,
    defaults: { disableOfflineQueue: true, socket: { connectTimeout: 2000 } },
  });
  cluster.on('error', () => {});
  await cluster.connect();
}, 60_000);

afterAll(async () => {
  try {
    if (cluster?.isOpen) await cluster.close();
  } finally {
    await servers?.stop();
  }
});

describeRegistryContract('redis registry on a 3-master cluster', redisRegistryHarness(() => cluster, 'cluster'), {
  shortRetention: 500,
  check: true,
});

describeRegistryContract('sessionguard store on a 3-master cluster', redisStoreHarness(() => cluster, 'store-cluster'), { shortRetention: 500, check: true });

describe('redis registry on a cluster', () => {
  it("spreads users over the masters, and keeps each user's keys in one slot", async () => {
    const prefix = uniquePrefix('slots');
    const registry = createRedisRegistry({ client: cluster, prefix });
    try {
      const now = Date.now();
      const users = Array.from({ length: 30 }, (_, i) => `user-${i}`);
      for (const userId of users) {
        for (const n of [1, 2]) {
          await registry.create({
            sessionId: `s${n}`,
            userId,
            publicId: 'p',
            createdAt: now + n,
            lastActivity: now,
            authenticatedAt: now,
            ip: null,
            userAgent: null,
            authHash: null,
            retainUntil: now + 60_000,
          });
        }
      }
      const keys = await keysUnder(cluster, prefix);
      expect(keys).toHaveLength(users.length * 3);
      // Which master holds each key: all of a user on one, users on more than one.
      const holders = new Map<string, Set<number>>();
      for (const [i, master] of cluster.masters.entries()) {
        const node = await cluster.nodeClient(master);
        for await (const batch of node.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 })) {
          for (const key of batch) {
            const user = /\{(.*?)\}/.exec(String(key))![1]!;
            if (!holders.has(user)) holders.set(user, new Set());
            holders.get(user)!.add(i);
          }
        }
      }
      for (const masters of holders.values()) expect(masters.size).toBe(1);
      expect(new Set([...holders.values()].map((m) => [...m][0])).size).toBeGreaterThan(1);
      for (const userId of users) {
        expect((await registry.list(userId)).map((r) => r.sessionId)).toEqual(['s1', 's2']);
        expect(await registry.revokeUser(userId, 's2')).toHaveLength(1);
      }
    } finally {
      await deleteKeysUnder(cluster, prefix);
    }
  });
});
