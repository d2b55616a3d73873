/**
 * Issue 14, part 3: one clock. Two app servers whose clocks disagree by a
 * minute (+30 s and -30 s, injected), one Redis: every time-based decision
 * is Redis's, so a session ends at the same moment through either server,
 * and both tell the browser the same idle time. For both Redis paths:
 * connect-redis's data with the Redis registry, and the sessionguard store.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import session from 'express-session';
import { createRedisRegistry, createRedisSessionStore } from '../../packages/express/src/redis/index.js';
import { SDK, startTestApp, type TestApp, type TestAppOptions } from '../../packages/express/src/test-app.js';
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

interface Path {
  name: string;
  /** The options both apps share: one Redis behind them; `clock` stands in for Redis's TIME when given. */
  make(prefix: string, clock?: () => number): Pick<TestAppOptions, 'sessionOptions' | 'guard'>;
}

const paths: Path[] = [
  {
    name: 'connect-redis path (one express-session store, the Redis registry)',
    make(prefix, clock) {
      const registry = createRedisRegistry({ client: redis, prefix, ...(clock ? { clock } : {}) });
      return { sessionOptions: { store: new session.MemoryStore() }, guard: { registry } };
    },
  },
  {
    name: 'sessionguard store',
    make(prefix, clock) {
      const store = createRedisSessionStore({ client: redis, prefix, ...(clock ? { clock } : {}) });
      return { sessionOptions: { store }, guard: { registry: store.registry, store } };
    },
  },
];

describe.each(paths)('two servers with clocks a minute apart, one Redis: $name', (path) => {
  let fast: TestApp;
  let slow: TestApp;
  let prefix: string;
  afterEach(async () => {
    await fast?.close();
    await slow?.close();
    await deleteKeysUnder(redis, prefix);
  });
  /** Both apps on one Redis; 50 s idle: less than the minute between their clocks. */
  const start = async (clock?: () => number, startAt = Date.now()) => {
    prefix = uniquePrefix('clock');
    const shared = path.make(prefix, clock);
    const options = { ...shared, guard: { ...shared.guard, warnAfter: 25, expireAfter: 50, passiveUrls: ['/poll'] } };
    fast = await startTestApp({ ...options, startAt: startAt + SKEW });
    slow = await startTestApp({ ...options, startAt: startAt - SKEW });
  };
  const signIn = async (app: TestApp, username: string) => cookieOf(await app.request().post('/login').send({ username }).expect(200));
  /** A passive probe (records no activity): 200 while the session lives, 401 once it ended. */
  const probe = (app: TestApp, cookie: string) => app.request().get('/poll').set(SDK).set('Cookie', cookie);

  it('a session signed in through the slow server is alive through the fast one, and the other way round', async () => {
    await start();
    // By the fast clock, activity stamped by the slow one is a minute old: past the 50 s idle limit.
    const viaSlow = await signIn(slow, 'alice');
    await fast.request().get('/api/me').set(SDK).set('Cookie', viaSlow).expect(200);
    const viaFast = await signIn(fast, 'bob');
    await slow.request().get('/api/me').set(SDK).set('Cookie', viaFast).expect(200);
    await fast.request().get('/api/me').set(SDK).set('Cookie', viaFast).expect(200);
  });

  it('both servers answer a ping with the same idle time', async () => {
    await start();
    const cookie = await signIn(fast, 'alice');
    const ping = (app: TestApp) => app.request().post('/session/ping').set(SDK).set('Cookie', cookie).send({ idleFor: 5 }).expect(200);
    const a = (await ping(fast)).body as { idleFor: number; absoluteRemaining: number };
    const b = (await ping(slow)).body as { idleFor: number; absoluteRemaining: number };
    expect(Math.abs(a.idleFor - b.idleFor)).toBeLessThan(1);
    expect(Math.abs(a.absoluteRemaining - b.absoluteRemaining)).toBeLessThan(1);
  });

  it("the session ends at the same millisecond through either server (Redis's clock stepped by the test)", async () => {
    let redisNow = Date.now();
    await start(() => redisNow, redisNow);
    const step = (ms: number) => {
      redisNow += ms;
      fast.clock.advance(ms / 1000);
      slow.clock.advance(ms / 1000);
    };
    // One session signed in through each server, at the same moment.
    const viaFast = await signIn(fast, 'alice');
    const viaSlow = await signIn(slow, 'bob');
    step(49_999);
    for (const app of [fast, slow]) {
      await probe(app, viaFast).expect(200, { userId: 'alice' });
      await probe(app, viaSlow).expect(200, { userId: 'bob' });
    }
    step(1);
    expect((await probe(fast, viaSlow).expect(401)).body.error).toBe('session_expired');
    expect((await probe(slow, viaFast).expect(401)).body.error).toBe('session_expired');
  });
});
