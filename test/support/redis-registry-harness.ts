/**
 * Glue between the registry contract suite and a real Redis (single server or
 * cluster): one fresh key prefix per test, and removal of every key under it.
 */
import { randomUUID } from 'node:crypto';
import type { RedisClientType, RedisClusterType } from 'redis';
import type { RegistryBoundsOptions } from '../../packages/express/src/registry/bounds.js';
import type { RegistryHarness } from '../../packages/express/src/registry/registry.contract.js';
import { createRedisRegistry } from '../../packages/express/src/redis/index.js';

/** A node-redis v5 single-server or cluster client, with any modules. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRedisClient = RedisClientType<any, any, any, any, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRedisCluster = RedisClusterType<any, any, any, any, any>;

/** A unique prefix per test run, so parallel runs and leftover keys never meet. */
export function uniquePrefix(label: string): string {
  return `sgtest-${label}-${randomUUID().slice(0, 8)}`;
}

/** The single-server clients that hold the keys: the client itself, or every master of a cluster. */
async function serverClients(client: AnyRedisClient | AnyRedisCluster): Promise<AnyRedisClient[]> {
  if (!('masters' in client)) return [client];
  const cluster = client as AnyRedisCluster;
  return Promise.all(cluster.masters.map((master) => cluster.nodeClient(master) as Promise<AnyRedisClient>));
}

/** Every key under `prefix`, on every server that may hold one. */
export async function keysUnder(client: AnyRedisClient | AnyRedisCluster, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for (const server of await serverClients(client)) {
    for await (const batch of server.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 })) {
      for (const key of batch) found.push(String(key));
    }
  }
  return found;
}

/** Deletes every key under `prefix`, one key per command (keys of different users live in different slots). */
export async function deleteKeysUnder(client: AnyRedisClient | AnyRedisCluster, prefix: string): Promise<void> {
  for (const server of await serverClients(client)) {
    const keys: string[] = [];
    for await (const batch of server.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 })) {
      for (const key of batch) keys.push(String(key));
    }
    await Promise.all(keys.map((key) => server.unlink(key)));
  }
}

/**
 * A `makeRegistry` for {@link describeRegistryContract}: a Redis registry on
 * `getClient()` with a fresh prefix per call, the bounds the suite asks for,
 * real time (no fake clock: Redis expires keys on its own clock, and the
 * scripts read Redis's `TIME`), and key removal afterwards.
 */
export function redisRegistryHarness(
  getClient: () => AnyRedisClient | AnyRedisCluster,
  label: string,
): (bounds?: RegistryBoundsOptions) => Promise<RegistryHarness> {
  return async (bounds = {}) => {
    const client = getClient();
    const prefix = uniquePrefix(label);
    const registry = createRedisRegistry({ client, prefix, commandTimeout: 5000, ...bounds });
    return {
      registry,
      now: Date.now,
      cleanup: async () => {
        await registry.close();
        await deleteKeysUnder(client, prefix);
      },
    };
  };
}
