/**
 * Where sessions live. In memory by default (one process); with `REDIS_URL`,
 * the guard's registry and express-session's data both go to Redis, so
 * several demo processes share sessions.
 */
import session from 'express-session';
import { createHash } from 'node:crypto';
import type { EndChannel, SessionRegistry } from '@sessionguard/express';
import type { DemoConfig } from './config.js';
import { log } from './logger.js';
import { createClock, type Clock } from './test-clock.js';
import { createMemoryCredentialStore, createRedisCredentialStore, type CredentialStore } from './users.js';

export interface Stores {
  /** express-session's store. */
  sessionStore: session.Store;
  /** The guard's registry option; `undefined` keeps the guard's embedded memory registry. */
  registry: SessionRegistry | undefined;
  /** The users' passwords. */
  credentials: CredentialStore;
  /**
   * With `SESSIONGUARD_TEST_CLOCK` and Redis: the test clock, which the Redis
   * registry's scripts then compare with instead of Redis's own `TIME`, so
   * moving it moves the registry's time too. The app uses it as its clock.
   */
  clock?: Clock;
  /**
   * With Redis: how a session's end reaches the push streams (`GET /session/events`)
   * held by every other demo process on that Redis. Without it, in memory, ends reach
   * this process's streams only, which are all there are.
   */
  endChannel?: EndChannel;
  close(): Promise<void>;
}

export async function createStores(config: DemoConfig): Promise<Stores> {
  if (!config.redisUrl) {
    return {
      sessionStore: new session.MemoryStore(),
      registry: undefined,
      credentials: createMemoryCredentialStore(),
      close: async () => {},
    };
  }
  const [{ createClient }, { RedisStore }, { createRedisRegistry, createRedisEndChannel }] = await Promise.all([
    import('redis'),
    import('connect-redis'),
    import('@sessionguard/express/redis'),
  ]);
  const client = createClient({
    url: config.redisUrl,
    // While disconnected, commands fail at once (the guard answers 503) instead of queueing.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 2000,
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2000) + Math.floor(Math.random() * 100),
    },
    pingInterval: 10_000,
  });
  let reported = false;
  // Without a listener an 'error' event would crash the process; the guard fails closed meanwhile.
  client.on('error', (error: Error) => {
    if (!reported) log(`redis: ${error.message} (requests that need the session answer 503 until it is back)`);
    reported = true;
  });
  client.on('ready', () => {
    if (reported) log('redis: connected again');
    reported = false;
  });
  await client.connect();
  log(`redis: connected to ${new URL(config.redisUrl).host}`);
  // Every key is scoped to the signing secret: the processes of one deployment share sessions and
  // passwords; another deployment (or a test run with its own secret) on the same Redis starts afresh.
  const prefix = `sessionguard-demo:${secretScope(config.secrets)}`;
  const clock = config.testClock ? createClock() : undefined;
  // Pub/sub on a connection of its own (duplicated); the registry's prefix, the same on every process, so they hear each other.
  const endChannel = createRedisEndChannel({ client, prefix: `${prefix}:registry` });
  return {
    ...(clock ? { clock } : {}),
    endChannel,
    sessionStore: new RedisStore({ client, prefix: `${prefix}:sess:` }),
    registry: createRedisRegistry({ client, prefix: `${prefix}:registry`, commandTimeout: 1000, ...(clock ? { clock: clock.now } : {}) }),
    credentials: createRedisCredentialStore(client, `${prefix}:password:`),
    async close() {
      await endChannel.close().catch(() => {});
      await client.close().catch(() => client.destroy());
    },
  };
}

/** A short digest of the oldest secret, so rotating in a new first secret keeps the scope. */
function secretScope(secrets: readonly string[]): string {
  return createHash('sha256').update(secrets[secrets.length - 1] ?? '').digest('base64url').slice(0, 12);
}
