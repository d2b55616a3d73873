/**
 * Issue 14, part 1: the sessionguard store (`createRedisSessionStore`) on the
 * machine's Redis: the whole registry contract against `store.registry`, and
 * what only the store does: one key per session holding data and record,
 * express-session's calls, saves that cannot resurrect an ended session.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import express from 'express';
import session from 'express-session';
import type { AddressInfo } from 'node:net';
import { createRedisSessionStore, type RedisSessionStore } from '../../packages/express/src/redis/index.js';
import { createMemoryRegistry, createSessionGuard, type SessionGuard } from '../../packages/express/src/index.js';
import { SDK, startTestApp, type TestApp } from '../../packages/express/src/test-app.js';
import { type AnyRedisClient, deleteKeysUnder, keysUnder, uniquePrefix } from '../support/redis-registry-harness.js';

const REDIS_URL = process.env.SG_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
let client: AnyRedisClient;

beforeAll(async () => {
  client = createClient({ url: REDIS_URL, disableOfflineQueue: true, socket: { connectTimeout: 2000, reconnectStrategy: false } });
  client.on('error', () => {});
  await client.connect();
});
afterAll(async () => {
  if (client?.isOpen) await client.close();
});

// The registry contract runs against the store in redis-registry.test.ts (node-redis v5 and v6), the ioredis and the Cluster files.

const SECRET = 'store-test-secret-0123456789abcdefghij';
const quiet = { info() {}, warn() {}, error() {} };
/** A key's value as text (the client's reply type allows a Buffer). */
const read = async (key: string) => {
  const value = await client.get(key);
  return value === null ? null : String(value);
};
const cookieOf = (res: { headers: Record<string, unknown> }) =>
  (res.headers['set-cookie'] as string[]).find((line) => line.startsWith('connect.sid='))!.split(';')[0]!;

describe('sessionguard store with the guard (express-session as the test app sets it up)', () => {
  let app: TestApp;
  let store: RedisSessionStore;
  let prefix: string;
  afterEach(async () => {
    await app?.close();
    await deleteKeysUnder(client, prefix);
  });
  const start = async () => {
    prefix = uniquePrefix('store-app');
    let clock: () => number = Date.now;
    store = createRedisSessionStore({ client, prefix, clock: () => clock() });
    app = await startTestApp({ startAt: Date.now(), sessionOptions: { store }, guard: { registry: store.registry, store } });
    clock = app.clock.now;
    return app;
  };

  it('keeps one key per session, data and record together, and the user index', async () => {
    await start();
    const cookie = cookieOf(await app.request().post('/login').send({ username: 'alice' }).expect(200));
    await app.request().post('/views').set(SDK).set('Cookie', cookie).expect(200);
    const keys = (await keysUnder(client, prefix)).sort();
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(new RegExp(`^${prefix}:s:`));
    expect(keys[1]).toBe(`${prefix}:u:{alice}`);
    expect(await client.type(keys[0]!)).toBe('string');
    const value = (await read(keys[0]!))!;
    expect(value.startsWith('S1,')).toBe(true);
    expect(value).toContain('"views":1');
    // The guard's entry in the session data is implied by the record: only its createdAt is kept.
    expect(value).not.toContain('sessionguard');
    const [record] = await app.guard.registry.list('alice');
    expect(record).toMatchObject({ userId: 'alice', publicId: expect.any(String) });
    await app.request().get('/api/me').set(SDK).set('Cookie', cookie).expect(200, { username: 'alice', publicId: record!.publicId, views: 1 });
  });

  it("a save at the end of a request whose session was revoked meanwhile writes nothing back", async () => {
    await start();
    const cookie = cookieOf(await app.request().post('/login').send({ username: 'alice' }).expect(200));
    const slow = app.request().post('/slow').set(SDK).set('Cookie', cookie).then((res) => res);
    const release = await app.slowArrival();
    await app.guard.revokeUser('alice');
    const sessionKeys = async () => (await keysUnder(client, prefix)).filter((key) => key.includes(':s:'));
    // The revocation wrote the browser's tombstone (anonymous, no user) in place of the session.
    const [tombstone] = await sessionKeys();
    expect((await read(tombstone!))!.startsWith('A1,')).toBe(true);
    release();
    expect((await slow).status).toBe(200);
    const after = await read(tombstone!);
    expect(after === null || after.startsWith('A1,')).toBe(true);
    expect(await app.guard.registry.list('alice')).toEqual([]);
    await app.request().get('/api/me').set(SDK).set('Cookie', cookie).expect(401);
  });

  it('refuses signed-in data for a session it does not hold, in the same step as the write', async () => {
    await start();
    await new Promise<void>((resolve, reject) =>
      store.set('never-signed-in', { cookie: { originalMaxAge: null }, sessionguard: { userId: 'mallory', createdAt: 1 } } as never, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
    expect(await client.exists(`${prefix}:s:never-signed-in`)).toBe(0);
    expect(await store.registry.list('mallory')).toEqual([]);
  });

  it('a session past its idle limit is told session_expired, announced once, and its key goes', async () => {
    await start();
    const cookie = cookieOf(await app.request().post('/login').send({ username: 'alice' }).expect(200));
    app.clock.advance(61);
    const res = await app.request().get('/api/me').set(SDK).set('Cookie', cookie).expect(401);
    expect(res.body.error).toBe('session_expired');
    expect(app.events.filter((e) => e.name === 'session.expired')).toHaveLength(1);
    expect((await keysUnder(client, prefix)).filter((key) => key.includes(':s:'))).toEqual([]);
    await app.request().get('/api/me').set(SDK).set('Cookie', cookie).expect(401);
  });

  it('records activity when express-session touches the session at the end of the request, once per granularity', async () => {
    await start();
    const cookie = cookieOf(await app.request().post('/login').send({ username: 'alice' }).expect(200));
    const last = async () => (await store.registry.list('alice'))[0]!.lastActivity;
    const signedIn = await last();
    app.clock.advance(0.5);
    await app.request().get('/api/me').set(SDK).set('Cookie', cookie).expect(200);
    expect(await last()).toBe(signedIn);
    app.clock.advance(10);
    await app.request().get('/api/me').set(SDK).set('Cookie', cookie).expect(200);
    expect(await last()).toBe(signedIn + 10_500);
    // 50 s idle now, within the 60 s limit: still alive because the touch recorded that request.
    app.clock.advance(50);
    await app.request().get('/api/me').set(SDK).set('Cookie', cookie).expect(200);
  });

  it('keeps the data of a session nobody is signed in to, with its cookie\'s lifetime, like connect-redis', async () => {
    await start();
    const res = await app.request().post('/views').set(SDK).expect(200);
    const cookie = cookieOf(res);
    const [key] = await keysUnder(client, prefix);
    expect((await read(key!))!.startsWith('A1,')).toBe(true);
    const ttl = await client.pTTL(key!);
    expect(ttl).toBeGreaterThan(86_000_000);
    expect(ttl).toBeLessThanOrEqual(86_400_000);
    expect((await app.request().post('/views').set(SDK).set('Cookie', cookie).expect(200)).body).toEqual({ views: 2 });
  });
});

describe('sessionguard store through guard.session(): the load is the check', () => {
  let guard: SessionGuard;
  let store: RedisSessionStore;
  let prefix: string;
  let origin: string;
  let server: ReturnType<express.Express['listen']>;
  let now = Date.now();
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await deleteKeysUnder(client, prefix);
  });
  const start = async () => {
    prefix = uniquePrefix('store-session');
    now = Date.now();
    store = createRedisSessionStore({ client, prefix, clock: () => now });
    guard = createSessionGuard({ secret: SECRET, warnAfter: 30, expireAfter: 60, store, passiveUrls: ['/poll'], logger: quiet, now: () => now });
    const app = express();
    app.use(guard.session({ secret: SECRET, resave: false, saveUninitialized: false, store }, { production: false, warn: () => {} }));
    app.use(guard.middleware);
    app.post('/login', (req, res, next) => guard.login(req, 'alice').then(() => res.json({}), next));
    app.get('/api/me', (req, res) => res.json({ userId: guard.userId(req) }));
    app.get('/poll', (req, res) => res.json({ userId: guard.userId(req) }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const login = await fetch(`${origin}/login`, { method: 'POST', headers: { ...SDK, Origin: origin } });
    return login.headers.getSetCookie()[0]!.split(';')[0]!;
  };
  const get = (path: string, cookie: string) => fetch(`${origin}${path}`, { headers: { cookie, ...SDK } });

  it('records an active request\'s activity in the load itself, and a passive one\'s never', async () => {
    const cookie = await start();
    const last = async () => (await store.registry.list('alice'))[0]!.lastActivity;
    const signedIn = await last();
    now += 40_000;
    expect((await get('/poll', cookie)).status).toBe(200);
    expect(await last()).toBe(signedIn);
    expect((await get('/api/me', cookie)).status).toBe(200);
    expect(await last()).toBe(signedIn + 40_000);
    now += 59_000;
    expect((await get('/poll', cookie)).status).toBe(200);
    now += 1000;
    // 60 s after the last active request: ended, whichever request asks.
    const ended = await get('/poll', cookie);
    expect(ended.status).toBe(401);
    expect(await ended.json()).toMatchObject({ error: 'session_expired' });
  });

  it('with express-session set up directly, the store still works: the check in the load, the activity at the touch', async () => {
    await start();
    prefix = uniquePrefix('store-plain');
    const plain = createRedisSessionStore({ client, prefix, clock: () => now });
    const plainGuard = createSessionGuard({ secret: SECRET, warnAfter: 30, expireAfter: 60, store: plain, logger: quiet, now: () => now });
    const app = express();
    app.use(session({ secret: SECRET, resave: false, saveUninitialized: false, store: plain }));
    app.use(plainGuard.middleware);
    app.post('/login', (req, res, next) => plainGuard.login(req, 'bob').then(() => res.json({}), next));
    app.get('/api/me', (req, res) => res.json({ userId: plainGuard.userId(req) }));
    const other = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => other.once('listening', resolve));
    const base = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      const login = await fetch(`${base}/login`, { method: 'POST', headers: { ...SDK, Origin: base } });
      const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
      now += 50_000;
      expect(await (await fetch(`${base}/api/me`, { headers: { cookie, ...SDK } })).json()).toEqual({ userId: 'bob' });
      now += 50_000;
      expect((await fetch(`${base}/api/me`, { headers: { cookie, ...SDK } })).status).toBe(200);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });
});

describe('sessionguard store: set up wrong, told at once', () => {
  it('refuses another registry beside it, and a guard.session() store the guard does not know', () => {
    const store = createRedisSessionStore({ client, prefix: uniquePrefix('store-config') });
    const options = { secret: SECRET, warnAfter: 30, expireAfter: 60, logger: quiet };
    expect(() => createSessionGuard({ ...options, store, registry: createMemoryRegistry() })).toThrow(/registry.*its own registry/);
    expect(createSessionGuard({ ...options, store, registry: store.registry }).registry).toBe(store.registry);
    expect(createSessionGuard({ ...options, store }).registry).toBe(store.registry);
    const unaware = createSessionGuard(options);
    expect(() => unaware.session({ secret: SECRET, store, resave: false, saveUninitialized: false }, { production: false, warn: () => {} })).toThrow(/give it to createSessionGuard/);
  });
});
