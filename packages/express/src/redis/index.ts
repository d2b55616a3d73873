/**
 * `@sessionguard/express/redis`: the session registry on Redis, for apps that
 * run more than one process. The app creates and owns the node-redis v5
 * client (`redis` is an optional peer dependency; this module only imports its
 * types) and passes it in:
 *
 * ```ts
 * import { createClient } from 'redis';
 * import { createRedisRegistry } from '@sessionguard/express/redis';
 *
 * const client = createClient({
 *   url: process.env.REDIS_URL,
 *   // While disconnected, commands fail at once (then 503) instead of piling up in a queue.
 *   disableOfflineQueue: true,
 *   // Reconnect forever, with capped exponential backoff and jitter.
 *   socket: {
 *     connectTimeout: 2000,
 *     reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2000) + Math.floor(Math.random() * 100),
 *   },
 *   // Notices a silently dead connection (no RST, e.g. a failover or a NAT drop) and reconnects.
 *   pingInterval: 10_000,
 * });
 * // Required: an 'error' event without a listener would crash the process.
 * client.on('error', (error) => console.warn('redis:', error.message));
 * await client.connect();
 *
 * const registry = createRedisRegistry({ client, prefix: 'sg', commandTimeout: 1000 });
 * ```
 *
 * On Redis Cluster, pass `createCluster({ rootNodes: [...], defaults: { disableOfflineQueue: true, socket: {...} } })`
 * instead: every key of one user shares a hash tag, so each operation stays on one node.
 *
 * @packageDocumentation
 */
export { createRedisRegistry } from './redis-registry.js';
export type { RedisRegistryClient, RedisRegistryOptions, RedisScriptArguments } from './redis-registry.js';
export { encodeUserId } from './keys.js';
