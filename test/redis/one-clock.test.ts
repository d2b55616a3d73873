/**
 * Issue 14, part 3: one clock. Two app servers whose clocks disagree by a
 * minute (+30 s and -30 s, injected), one Redis: every time-based decision
 * is Redis's, so a session ends at the same moment through either server,
 * and both tell the browser the same idle time.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import session from 'express-session';
import { createRedisRegistry } from '../../packages/express/src/redis/index.js';
import type { SessionRegistry } from '../../packages/express/src/registry/types.js';
import { SDK, startTestApp, type TestApp } from '../../packages/express/src/test-app.js';
import { type AnyRedisClient, deleteKeysUnder, uniquePrefix } from '../support/redis-registry-harness.js';

const REDIS_URL = process.env.SG_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SKEW = 30_000;
let redis: AnyRedisClient;
beforeAll(async () => {
  redis = createClient({ url: REDIS_URL, disableOfflineQueue: true, socket: { connectTimeout: 2000, reconnectStrategy: false } });
  redis.on('error', () => {});
  await redis.connect();
});
afterAll(async () => {
  if (redis?.isOpen) await redis.close();
});

/** The session cookie a response set. */
const cookieOf = (res: { headers: Record<string, unknown> }) =>
  (res.headers['set-cookie'] as string[]).find((line) => line.startsWith('connect.sid='))!.split(';')[0]!;

describe('two servers with clocks a minute apart, one Redis registry (connect-redis path)', () => {
  let fast: TestApp;
  let slow: TestApp;
  let prefix: string;
  afterEach(async () => {
    await fast?.close();
    await slow?.close();
    await deleteKeysUnder(redis, prefix);
  });
  const start = async () => {
    prefix = uniquePrefix('clock');
    const registry: SessionRegistry = createRedisRegistry({ client: redis, prefix });
    // One express-session store for both, as connect-redis would be.
    const store = new session.MemoryStore();
    // 50 s idle: less than the minute between the two clocks.
    const options = { sessionOptions: { store }, guard: { registry, warnAfter: 25, expireAfter: 50 } };
    fast = await startTestApp({ ...options, startAt: Date.now() + SKEW });
    slow = await startTestApp({ ...options, startAt: Date.now() - SKEW });
  };

  it('a session signed in through the slow server is alive through the fast one, and the other way round', async () => {
    await start();
    // By the fast clock, activity stamped by the slow one is a minute old: past the 50 s idle limit.
    const viaSlow = cookieOf(await slow.request().post('/login').send({ username: 'alice' }).expect(200));
    await fast.request().get('/api/me').set(SDK).set('Cookie', viaSlow).expect(200);
    const viaFast = cookieOf(await fast.request().post('/login').send({ username: 'bob' }).expect(200));
    await slow.request().get('/api/me').set(SDK).set('Cookie', viaFast).expect(200);
    await fast.request().get('/api/me').set(SDK).set('Cookie', viaFast).expect(200);
  });

  it('both servers answer a ping with the same idle time', async () => {
    await start();
    const cookie = cookieOf(await fast.request().post('/login').send({ username: 'alice' }).expect(200));
    const ping = (app: TestApp) => app.request().post('/session/ping').set(SDK).set('Cookie', cookie).send({ idleFor: 5 }).expect(200);
    const a = (await ping(fast)).body as { idleFor: number; absoluteRemaining: number };
    const b = (await ping(slow)).body as { idleFor: number; absoluteRemaining: number };
    expect(Math.abs(a.idleFor - b.idleFor)).toBeLessThan(1);
    expect(Math.abs(a.absoluteRemaining - b.absoluteRemaining)).toBeLessThan(1);
  });
});
