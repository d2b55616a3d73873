/**
 * Glue between the registry contract suite and a real Redis (single server or
 * cluster, through node-redis or ioredis): one fresh key prefix per test, and
 * removal of every key under it.
 */
import { randomUUID } from 'node:crypto';
import type { Cluster as IoRedisCluster, Redis as IoRedis } from 'ioredis';
import type { RedisClientType, RedisClusterType } from 'redis';
import type { RegistryBoundsOptions } from '../../packages/express/src/registry/bounds.js';
import type { RegistryHarness } from '../../packages/express/src/registry/registry.contract.js';
import { createRedisRegistry, createRedisSessionStore } from '../../packages/express/src/redis/index.js';

/** A node-redis v5 or v6 single-server or cluster client, with any modules. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRedisClient = RedisClientType<any, any, any, any, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRedisCluster = RedisClusterType<any, any, any, any, any>;
/** Any client the harness can clean up after: node-redis or ioredis (without `keyPrefix`), single server or cluster. */
export type AnyTestClient = AnyRedisClient | AnyRedisCluster | IoRedis | IoRedisCluster;

/** A unique prefix per test run, so parallel runs and leftover keys never meet. */
export function uniquePrefix(label: string): string {
  return `sgtest-${label}-${randomUUID().slice(0, 8)}`;
}

/** What the helpers below need of one server, whichever library talks to it. */
interface KeyServer {
  /** The keys matching `pattern`, in SCAN batches. */
  scan(pattern: string): AsyncIterable<string[]>;
  unlink(key: string): Promise<unknown>;
}

const isIoRedis = (client: AnyTestClient): client is IoRedis | IoRedisCluster => 'evalsha' in client && !('withCommandOptions' in client);

function nodeRedisServer(server: AnyRedisClient): KeyServer {
  return {
    async *scan(pattern) {
      for await (const batch of server.scanIterator({ MATCH: pattern, COUNT: 1000 })) yield batch.map(String);
    },
    unlink: (key) => server.unlink(key),
  };
}

function ioRedisServer(server: IoRedis): KeyServer {
  return {
    async *scan(pattern) {
      let cursor = '0';
      do {
        const [next, batch] = await server.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        yield batch;
      } while (cursor !== '0');
    },
    unlink: (key) => server.unlink(key),
  };
}

/** The servers that hold the keys: the client itself, or every master of a cluster. */
async function serverClients(client: AnyTestClient): Promise<KeyServer[]> {
  if (isIoRedis(client)) {
    return client.isCluster ? (client as IoRedisCluster).nodes('master').map(ioRedisServer) : [ioRedisServer(client as IoRedis)];
  }
  if (!('masters' in client)) return [nodeRedisServer(client)];
  const cluster = client as AnyRedisCluster;
  const masters = await Promise.all(cluster.masters.map((master) => cluster.nodeClient(master) as Promise<AnyRedisClient>));
  return masters.map(nodeRedisServer);
}

/** Every key under `prefix`, on every server that may hold one. */
export async function keysUnder(client: AnyTestClient, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for (const server of await serverClients(client)) {
    for await (const batch of server.scan(`${prefix}:*`)) found.push(...batch);
  }
  return found;
}

/** Deletes every key under `prefix`, one key per command (keys of different users live in different slots). */
export async function deleteKeysUnder(client: AnyTestClient, prefix: string): Promise<void> {
  for (const server of await serverClients(client)) {
    const keys: string[] = [];
    for await (const batch of server.scan(`${prefix}:*`)) keys.push(...batch);
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
  getClient: () => AnyTestClient,
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

/**
 * The same for the sessionguard store (`createRedisSessionStore`): the
 * contract runs against `store.registry`, the store seen as a registry.
 */
export function redisStoreHarness(
  getClient: () => AnyTestClient,
  label: string,
): (bounds?: RegistryBoundsOptions) => Promise<RegistryHarness> {
  return async (bounds = {}) => {
    const client = getClient();
    const prefix = uniquePrefix(label);
    const store = createRedisSessionStore({ client, prefix, commandTimeout: 5000, ...bounds });
    return {
      registry: store.registry,
      now: Date.now,
      cleanup: async () => {
        await store.registry.close();
        await deleteKeysUnder(client, prefix);
      },
    };
  };
}
