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
 *   (on by default in node-redis), then reconnected; until then every operation times out;
 * - back: the same client reconnects by itself and the next operation succeeds. Scripts
 *   are re-sent once per Redis node after a restart (`NOSCRIPT`, then `EVAL`).
 *
 * On Redis Cluster, pass `createCluster({ rootNodes: [...], defaults: { disableOfflineQueue: true, socket: {...} } })`
 * instead: every key of one user shares a hash tag, so each operation stays on one node.
 *
 * @packageDocumentation
 */
export { createRedisRegistry } from './redis-registry.js';
export type { RedisRegistryClient, RedisRegistryOptions, RedisScriptArguments } from './redis-registry.js';
export type { RegistryBoundsOptions } from '../registry/bounds.js';
export { encodeUserId } from './keys.js';
