/**
 * failClosedStore over connect-redis 9 and a node-redis v5 client, called the
 * way connect-redis allows: with a callback (express-session) and awaited
 * without one (app code). Answers come from the machine's Redis
 * (127.0.0.1:6379, under a unique prefix removed afterwards); a slow Redis is a
 * throwaway redis-server paused with CLIENT PAUSE, so the shared one is never
 * paused.
 */
import { RedisStore } from 'connect-redis';
import type { SessionData } from 'express-session';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSessionStoreUnavailableError } from '../../packages/express/src/errors.js';
import { failClosedStore } from '../../packages/express/src/fail-closed-store.js';
import { type AnyRedisClient, deleteKeysUnder, keysUnder, uniquePrefix } from '../support/redis-registry-harness.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

const REDIS_URL = process.env.SG_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const TIMEOUT = 300;
/** The most a rejection may take: ten times the timeout, so a busy machine cannot make it late, yet well short of {@link PAUSE}. */
const FAILS_WITHIN = 10 * TIMEOUT;
/** How long the paused Redis answers nothing: a call that waited for it instead of timing out takes this long. */
const PAUSE = 2 * FAILS_WITHIN;
const DATA = { cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000) }, views: 2 } as unknown as SessionData;

const prefix = uniquePrefix('fail-closed-store');
const clients: AnyRedisClient[] = [];
let client: AnyRedisClient;

async function connect(url: string): Promise<AnyRedisClient> {
  const connected = createClient({ url, disableOfflineQueue: true, socket: { connectTimeout: 2000, reconnectStrategy: false } });
  connected.on('error', () => {});
  await connected.connect();
  clients.push(connected);
  return connected;
}

/** A wrapped RedisStore under this file's prefix (connect-redis appends the session id to it). */
function wrappedStore(on: AnyRedisClient) {
  return failClosedStore(new RedisStore({ client: on, prefix: `${prefix}:` }), { timeout: TIMEOUT });
}

/** The rejection of `promise` with how long it took, failing the test if it resolves instead. */
async function rejectionOf(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  const error = await promise.then(
    (value) => expect.fail(`expected a rejection, resolved with ${JSON.stringify(value)}`),
    (caught: unknown) => caught,
  );
  return { error, ms: Date.now() - started };
}

beforeAll(async () => {
  client = await connect(REDIS_URL);
});
afterAll(async () => {
  if (client?.isOpen) await deleteKeysUnder(client, prefix);
  for (const each of clients) if (each.isOpen) each.destroy();
});

describe('failClosedStore over connect-redis on a real Redis', () => {
  it("resolves an awaited call with Redis's answer: the session from get, null once destroyed", async () => {
    const store = wrappedStore(client);
    await store.set('awaited', DATA);
    expect(await store.get('awaited')).toMatchObject({ views: 2, cookie: { originalMaxAge: 60_000 } });
    await store.touch('awaited', DATA);
    expect(await keysUnder(client, prefix)).toContain(`${prefix}:awaited`);
    await store.destroy('awaited');
    expect(await store.get('awaited')).toBeNull();
  });

  it('calls back with the session, as express-session calls it', async () => {
    const store = wrappedStore(client);
    await new Promise<void>((resolve, reject) => store.set('called-back', DATA, (error) => (error ? reject(error) : resolve())));
    const [error, data] = await new Promise<unknown[]>((resolve) => store.get('called-back', (...args: unknown[]) => resolve(args)));
    expect(error).toBeNull();
    expect(data).toMatchObject({ views: 2 });
  });

  it("rejects an awaited call with SessionStoreUnavailableError, node-redis's error on cause, when the client is closed", async () => {
    const closed = await connect(REDIS_URL);
    closed.destroy();
    const store = wrappedStore(closed);
    for (const call of [() => store.get('any'), () => store.set('any', DATA), () => store.touch('any', DATA), () => store.destroy('any')]) {
      const { error } = await rejectionOf(call());
      expect(isSessionStoreUnavailableError(error), `got ${String(error)}`).toBe(true);
      expect((error as Error).cause).toBeInstanceOf(Error);
      expect(String((error as Error).cause)).toMatch(/closed/i);
    }
  });

  describe('on a paused Redis', () => {
    let paused: RedisServer;
    beforeAll(async () => {
      paused = await startRedisServer();
    });
    afterAll(async () => {
      await paused?.stop();
    });

    it('rejects an awaited call within the timeout, and calls back within it, instead of hanging', async () => {
      const slow = await connect(paused.url);
      const admin = await connect(paused.url);
      const store = wrappedStore(slow);
      await store.set('slow', DATA);
      await admin.sendCommand(['CLIENT', 'PAUSE', String(PAUSE), 'ALL']);
      const { error, ms } = await rejectionOf(store.get('slow'));
      expect(isSessionStoreUnavailableError(error)).toBe(true);
      expect(String((error as Error).cause)).toMatch(new RegExp(`no answer within ${TIMEOUT} ms`));
      expect(ms).toBeGreaterThanOrEqual(TIMEOUT - 5);
      expect(ms).toBeLessThan(FAILS_WITHIN);
      const calledBackAt = Date.now();
      const [callbackError] = await new Promise<unknown[]>((resolve) => store.get('slow', (...args: unknown[]) => resolve(args)));
      expect(isSessionStoreUnavailableError(callbackError)).toBe(true);
      expect(Date.now() - calledBackAt).toBeLessThan(FAILS_WITHIN);
    });
  });
});
