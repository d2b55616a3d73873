/**
 * Redis failing under a running registry, on a redis-server this test starts
 * on a free loopback port: slow (CLIENT PAUSE) and down (killed, then started
 * again with its append-only file). The registry must reject with
 * SessionStoreUnavailableError within its timeout, never hang, never answer
 * wrongly, and work again with the same client once Redis is back, with every
 * session that was live before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { createRedisRegistry } from '../../packages/express/src/redis/index.js';
import { isSessionStoreUnavailableError } from '../../packages/express/src/errors.js';
import type { SessionRecord, SessionRegistry } from '../../packages/express/src/registry/types.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import type { AnyRedisClient } from '../support/redis-registry-harness.js';

const COMMAND_TIMEOUT = 300;
/**
 * The most a rejection may take: ten times the timeout, so a busy 2-core
 * machine cannot make it late, and still far below what a hang would take
 * (the pause below, or forever while Redis is down).
 */
const FAILS_WITHIN = 10 * COMMAND_TIMEOUT;
/** How long Redis stays paused: well past {@link FAILS_WITHIN}, so an operation that waited for Redis shows. */
const PAUSE = 2 * FAILS_WITHIN;

let server: RedisServer;
const clients: AnyRedisClient[] = [];

/** A client configured as the module documentation recommends (fast backoff for the test). */
async function connect(url: string, disableOfflineQueue: boolean): Promise<AnyRedisClient> {
  const client = createClient({
    url,
    disableOfflineQueue,
    socket: {
      connectTimeout: 1000,
      reconnectStrategy: (retries: number) => Math.min(25 * 2 ** retries, 250),
    },
  });
  client.on('error', () => {});
  await client.connect();
  clients.push(client);
  return client;
}

function session(userId: string, n: number): SessionRecord {
  const now = Date.now();
  return {
    sessionId: `${userId}-s${n}`,
    userId,
    publicId: `${userId}-p${n}`,
    createdAt: now + n,
    lastActivity: now,
    authenticatedAt: now,
    ip: '203.0.113.1',
    userAgent: 'test',
    authHash: null,
    retainUntil: now + 10 * 60_000,
  };
}

/** Runs `operation`, expects SessionStoreUnavailableError, and returns how long the rejection took. */
async function rejectsUnavailable(operation: () => Promise<unknown>): Promise<number> {
  const started = Date.now();
  let error: unknown;
  try {
    await operation();
  } catch (caught) {
    error = caught;
  }
  expect(isSessionStoreUnavailableError(error), `expected SessionStoreUnavailableError, got ${String(error)}`).toBe(true);
  return Date.now() - started;
}

/**
 * Every registry operation, against records of `userId`, each expected to
 * fail closed within {@link FAILS_WITHIN}; with `waitsForTimeout`, none before
 * the command timeout (the command was sent and Redis did not answer, so only
 * the timeout can have ended it).
 */
async function everyOperationFailsClosed(registry: SessionRegistry, live: SessionRecord, waitsForTimeout: boolean): Promise<void> {
  const operations: Array<() => Promise<unknown>> = [
    () => registry.get(live),
    () => registry.touch(live, Date.now(), Date.now() + 60_000),
    () => registry.update(live, { ip: null }),
    () => registry.list(live.userId),
    () => registry.create(session(live.userId, 99)),
    () => registry.revoke(live),
    () => registry.revokeUser(live.userId),
  ];
  const durations = await Promise.all(operations.map(rejectsUnavailable));
  for (const ms of durations) {
    if (waitsForTimeout) expect(ms).toBeGreaterThanOrEqual(COMMAND_TIMEOUT - 5);
    expect(ms).toBeLessThan(FAILS_WITHIN);
  }
}

/** Polls (bounded) until `operation` succeeds; returns its result. */
async function eventually<T>(operation: () => Promise<T>, timeout = 10_000): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await operation();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

beforeAll(async () => {
  server = await startRedisServer({ appendonly: true });
});

afterAll(async () => {
  for (const client of clients) if (client.isOpen) client.destroy();
  await server?.stop();
});

describe('Redis slow (CLIENT PAUSE)', () => {
  it('every operation rejects within the timeout, then the same client serves again with data intact', async () => {
    const client = await connect(server.url, true);
    const admin = await connect(server.url, true);
    const registry = createRedisRegistry({ client, prefix: 'pause', commandTimeout: COMMAND_TIMEOUT });
    const records = [session('ann', 1), session('ann', 2), session('ben', 1)];
    for (const r of records) await registry.create(r);

    const bystander = session('zed', 1);
    await registry.create(bystander);

    // Pause every client: commands are accepted and not answered until the pause ends.
    await admin.sendCommand(['CLIENT', 'PAUSE', String(PAUSE), 'ALL']);
    const pausedAt = Date.now();
    await everyOperationFailsClosed(registry, bystander, true);
    // All of them failed before Redis answered anything: none waited for the pause to end.
    expect(Date.now() - pausedAt).toBeLessThan(PAUSE);

    // Once the pause ends the same client answers again, each command with its own reply (late replies
    // to the timed-out commands are discarded, not handed to later ones). A timed-out write may still
    // have run when the pause lifted (it was already sent; each is atomic), so only zed, whom the
    // failed operations addressed, may have changed; everyone else is intact.
    expect(await eventually(() => registry.list('ann'))).toEqual([records[0], records[1]]);
    expect(await registry.get(records[2]!)).toEqual(records[2]);
    expect(await registry.list('ben')).toEqual([records[2]]);
    expect(await registry.get({ userId: 'ben', sessionId: 'nope' })).toBeNull();
    expect(await registry.touch(records[0]!, records[0]!.lastActivity + 1, records[0]!.retainUntil)).toEqual({
      ...records[0],
      lastActivity: records[0]!.lastActivity + 1,
    });
  });
});

describe('Redis down, then back (killed, restarted with its append-only file)', () => {
  it('fails closed while down, reconnects by itself, and every session live before is still there', async () => {
    const client = await connect(server.url, true);
    const registry = createRedisRegistry({ client, prefix: 'down', commandTimeout: COMMAND_TIMEOUT });
    const live = [session('cat', 1), session('cat', 2), session('dan', 1)];
    const revoked = session('cat', 3);
    for (const r of [...live, revoked]) await registry.create(r);
    await registry.revoke(revoked);

    await server.stop({ signal: 'SIGKILL', keepData: true });
    await everyOperationFailsClosed(registry, live[0]!, false);
    // Still failing closed a while later, while the client keeps trying to reconnect.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await everyOperationFailsClosed(registry, live[2]!, false);

    await server.restart();
    const cat = await eventually(() => registry.list('cat'));
    expect(cat).toEqual([live[0], live[1]]);
    expect(await registry.list('dan')).toEqual([live[2]]);
    // A session revoked before the crash stays revoked: a touch cannot bring it back.
    expect(await registry.touch(revoked, Date.now(), Date.now() + 60_000)).toBeNull();
    expect(await registry.touch(live[0]!, Date.now(), live[0]!.retainUntil)).not.toBeNull();
    expect(client.isReady).toBe(true);
  });

  it('with the offline queue on, a timed-out command is withdrawn: it never runs after the reconnect', async () => {
    const client = await connect(server.url, false);
    const registry = createRedisRegistry({ client, prefix: 'queue', commandTimeout: COMMAND_TIMEOUT });
    const r = session('eve', 1);
    await registry.create(r);

    await server.stop({ signal: 'SIGKILL', keepData: true });
    await eventually(async () => {
      if (client.isReady) throw new Error('the client has not noticed yet');
    }, 5000);
    // Queued while disconnected: the timeout rejects it instead of letting it wait for Redis.
    const ms = await rejectsUnavailable(() => registry.revoke(r));
    expect(ms).toBeGreaterThanOrEqual(COMMAND_TIMEOUT - 5);
    expect(ms).toBeLessThan(FAILS_WITHIN);
    await rejectsUnavailable(() => registry.revokeUser('eve'));

    await server.restart();
    // The caller was told the revoke failed, so it must not have happened behind its back.
    expect(await eventually(() => registry.get(r))).toEqual(r);
    expect(await registry.list('eve')).toEqual([r]);
  });
});
