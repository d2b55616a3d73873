/**
 * The registries an HTTP-level suite runs on, each as a user's app would set
 * it up: the memory registry, the Redis registry and the sessionguard store
 * on a real Redis, and the store on a real 3-master Redis Cluster (started
 * here on free loopback ports). `useRegistryKinds()` connects them for the
 * calling file (its own beforeAll and afterAll) and returns the kinds for
 * `describe.each`.
 */
import { afterAll, beforeAll } from 'vitest';
import { createClient, createCluster } from 'redis';
import { createRedisRegistry, createRedisSessionStore } from '../../packages/express/src/redis/index.js';
import type { SessionRegistry } from '../../packages/express/src/registry/types.js';
import type { TestAppOptions } from '../../packages/express/src/test-app.js';
import { type AnyRedisClient, type AnyRedisCluster, deleteKeysUnder, uniquePrefix } from './redis-registry-harness.js';
import { startRedisCluster, type RedisCluster } from './redis-server.js';

const REDIS_URL = process.env.SG_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** One registry set-up of a test app. */
export interface RegistryKind {
  name: string;
  /**
   * Guard options and a cleanup for one test; `clock` is the test app's clock (known once it started),
   * which a registry deciding on its own clock is given in place of Redis's TIME.
   */
  make(clock: () => number): { options: TestAppOptions['guard']; sessionOptions?: TestAppOptions['sessionOptions']; startAt?: number; cleanup(): Promise<void> };
}

/** The four kinds, their Redis keys under prefixes starting with `label`. */
export function useRegistryKinds(label: string): RegistryKind[] {
  let redis: AnyRedisClient;
  let clusterServers: RedisCluster | undefined;
  let cluster: AnyRedisCluster;
  beforeAll(async () => {
    redis = createClient({ url: REDIS_URL, disableOfflineQueue: true, socket: { connectTimeout: 2000, reconnectStrategy: false } });
    redis.on('error', () => {});
    await redis.connect();
    clusterServers = await startRedisCluster({ masters: 3 });
    cluster = createCluster({ rootNodes: clusterServers.rootNodes, defaults: { disableOfflineQueue: true, socket: { connectTimeout: 2000 } } });
    cluster.on('error', () => {});
    await cluster.connect();
  }, 60_000);
  afterAll(async () => {
    try {
      if (redis?.isOpen) await redis.close();
      if (cluster?.isOpen) await cluster.close();
    } finally {
      await clusterServers?.stop();
    }
  });

  /** The sessionguard store on `client`: express-session's store is the registry (one key per session). */
  const storeOn = (client: () => AnyRedisClient | AnyRedisCluster, name: string): RegistryKind['make'] => (clock) => {
    const prefix = uniquePrefix(`${label}-${name}`);
    const store = createRedisSessionStore({ client: client(), prefix, commandTimeout: 5000, clock });
    return { options: { registry: store.registry, store }, sessionOptions: { store }, startAt: Date.now(), cleanup: () => deleteKeysUnder(client(), prefix) };
  };

  return [
    { name: 'memory registry', make: () => ({ options: {}, cleanup: async () => {} }) },
    {
      name: 'Redis registry',
      make(clock) {
        const prefix = uniquePrefix(label);
        const registry: SessionRegistry = createRedisRegistry({ client: redis, prefix, commandTimeout: 5000, clock });
        // Redis expires keys on its own clock: the test clock starts at real time and only moves forward.
        return { options: { registry }, startAt: Date.now(), cleanup: () => deleteKeysUnder(redis, prefix) };
      },
    },
    { name: 'sessionguard store', make: storeOn(() => redis, 'store') },
    // A session's key and its user's index share the user's hash tag, so each script is one slot.
    { name: 'sessionguard store on a Redis Cluster', make: storeOn(() => cluster, 'store-cluster') },
  ];
}
