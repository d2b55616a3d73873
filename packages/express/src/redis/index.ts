/**
 * `@sessionguard/express/redis`: the session registry on Redis, for apps that
 * run more than one process. The app creates and owns the client, node-redis
 * or ioredis, v5 or v6 (`redis` and `ioredis` are optional peer dependencies;
 * this module imports neither, and tells the two apart by their methods) and
 * passes it in. With node-redis:
 *
 * ```ts
 * import { createClient } from 'redis';
 * import { createRedisRegistry } from '@sessionguard/express/redis';
 *
 * const client = createClient({
 *   url: process.env.REDIS_URL,
 *   // While disconnected, commands fail at once (the request gets 503) instead of waiting in a queue.
 *   disableOfflineQueue: true,
 *   socket: {
 *     connectTimeout: 2000,
 *     // Reconnect forever with capped exponential backoff and jitter. Never return `false`:
 *     // a client that gave up stays closed, and every request would get 503 until a restart.
 *     reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2000) + Math.floor(Math.random() * 200),
 *   },
 * });
 * // Required: an 'error' event without a listener would crash the process. The registry never
 * // touches the client's listeners; each failed operation also rejects with SessionStoreUnavailableError.
 * client.on('error', (error) => console.warn('redis:', error.message));
 * // Waits (retrying per reconnectStrategy) until Redis answers; don't await it to start serving 503s meanwhile.
 * await client.connect();
 *
 * const registry = createRedisRegistry({ client, prefix: 'sg', commandTimeout: 1000 });
 * ```
 *
 * What one account can cost: at most `maxSessionsPerUser` records (default
 * 100; signing in once more evicts the least recently active), each with at
 * most 512 bytes of `User-Agent`, and as many tombstones (a sorted-set member:
 * session id and end instant), each kept `keepEndedFor` (default 24 h) after
 * its record ran out.
 *
 * What happens when Redis fails:
 * - down or restarting: with `disableOfflineQueue`, each operation rejects at once; without it,
 *   after `commandTimeout` (the queued command is withdrawn, so it never runs late);
 * - slow or hung (a long script, `CLIENT PAUSE`, a dead peer): each operation rejects after
 *   `commandTimeout`. A command already sent may still run when Redis catches up (its reply
 *   is ignored): every operation is atomic and none recreates a revoked session, so the worst
 *   a late run does is revoke what the caller thought not revoked, or record a login that was
 *   answered 503 (it shows in the user's list until it expires). A timed-out revoke is not a
 *   done revoke: report it as failed. A silently dead connection is closed by TCP keepalive
 *   (on by default in node-redis and ioredis), then reconnected; until then every operation times out;
 * - back: the same client reconnects by itself and the next operation succeeds. Scripts
 *   are re-sent once per Redis node after a restart (`NOSCRIPT`, then `EVAL`).
 *
 * On Redis Cluster, pass `createCluster({ rootNodes: [...], defaults: { disableOfflineQueue: true, socket: {...} } })`
 * instead: every key of one user shares a hash tag, so each operation stays on one node.
 *
 * With ioredis, the same in its options (it connects by itself; the registry only sends `EVALSHA`/`EVAL`):
 *
 * ```ts
 * import { Redis } from 'ioredis';
 *
 * const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
 *   // While disconnected, commands fail at once instead of waiting in the offline queue.
 *   enableOfflineQueue: false,
 *   // A command in flight when the connection drops is rejected, not re-sent after the reconnect.
 *   maxRetriesPerRequest: 0,
 *   connectTimeout: 2000,
 *   // Reconnect forever (always return a number): a client that gave up stays closed.
 *   retryStrategy: (times) => Math.min(50 * 2 ** times, 2000) + Math.floor(Math.random() * 200),
 * });
 * // Without a listener ioredis prints every connection error to the console.
 * client.on('error', (error) => console.warn('redis:', error.message));
 *
 * const registry = createRedisRegistry({ client, prefix: 'sg', commandTimeout: 1000 });
 * ```
 *
 * ioredis has no per-command abort signal: a command cannot be withdrawn once
 * handed to it. With its defaults (`enableOfflineQueue: true`,
 * `maxRetriesPerRequest: 20`), an operation made while Redis is down rejects
 * after `commandTimeout`, but its command stays queued and runs after the
 * reconnect, and a command in flight when the connection dropped is re-sent;
 * the two settings above close both (the reasoning about a late run above
 * holds either way). On Cluster, pass `new Redis.Cluster(nodes, { enableOfflineQueue: false,
 * redisOptions: { maxRetriesPerRequest: 0, connectTimeout: 2000 } })`; ioredis's
 * Cluster still retries a command on a failover or redirection
 * (`retryDelayOnFailover`, `maxRedirections`), so such a retry too may run
 * after `commandTimeout`. A `keyPrefix` is honoured: it comes before the
 * registry's `prefix`.
 *
 * @packageDocumentation
 */
export { createRedisRegistry } from './redis-registry.js';
export { createRedisSessionStore, RedisSessionStore, type RedisSessionStoreOptions } from './session-store.js';
export type {
  AnyRedisRegistryClient,
  IoRedisRegistryClient,
  RedisRegistryClient,
  RedisRegistryOptions,
  RedisScriptArguments,
} from './redis-registry.js';
export type { RegistryBoundsOptions } from '../registry/bounds.js';
export { encodeUserId } from './keys.js';
export { createRedisEndChannel, endChannelName } from './end-channel.js';
export type { AnyRedisEndChannelClient, IoRedisEndChannelClient, RedisEndChannelClient, RedisEndChannelOptions } from './end-channel.js';
