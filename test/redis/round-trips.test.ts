/**
 * Issue 14, part 5: what one authenticated request costs Redis, counted from
 * `MONITOR` (round trips: commands the app's connection sent; commands of
 * work: those plus every command their scripts ran). Exact counts, which a
 * busy machine cannot blur: the targets hold here, in `npm test`, and
 * bench/overhead.mjs reports the same counts under load.
 *
 * Baseline: express-session + connect-redis alone, a GET and an EXPIRE.
 * Targets: the sessionguard store 1 round trip and at most 3 commands; the
 * connect-redis path with the registry at most the baseline's round trips + 1
 * and 4 commands. Activity is written at most once per second per session
 * (coalesced), so within a second at most one request adds its write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { RedisStore } from 'connect-redis';
import session from 'express-session';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { createRedisRegistry, createRedisSessionStore } from '../../packages/express/src/redis/index.js';
import { createSessionGuard } from '../../packages/express/src/index.js';
import { SDK, startTestApp, type TestApp } from '../../packages/express/src/test-app.js';
import { clientAddress, countCommands, startMonitor, typicalRequest } from '../../bench/redis-monitor.mjs';
import { type AnyRedisClient, deleteKeysUnder, uniquePrefix } from '../support/redis-registry-harness.js';

const REDIS_URL = process.env.SG_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const REQUESTS = 6;

/** A client of its own per app, so MONITOR tells its commands apart from everyone else's. */
async function connect(): Promise<{ client: AnyRedisClient; address: string }> {
  const client = createClient({ url: REDIS_URL, disableOfflineQueue: true, socket: { connectTimeout: 2000, reconnectStrategy: false } });
  client.on('error', () => {});
  await client.connect();
  return { client, address: clientAddress(await client.sendCommand(['CLIENT', 'INFO'])) };
}

/**
 * Runs `requests` after MONITOR started; the counts of `address`'s commands,
 * and per request that writes nothing (`typical`: a coalesced activity write,
 * or a NOSCRIPT retry after another test flushed the script cache, taken out).
 */
async function counted(address: string, requests: () => Promise<void>) {
  const monitor = await startMonitor(REDIS_URL);
  await requests();
  const counts = countCommands(await monitor.stop(), [address]);
  return { ...counts, typical: typicalRequest(counts, REQUESTS) };
}

const prefixes: string[] = [];
const clients: AnyRedisClient[] = [];
let cleanupClient: AnyRedisClient;
beforeAll(async () => {
  ({ client: cleanupClient } = await connect());
});
afterAll(async () => {
  for (const prefix of prefixes) await deleteKeysUnder(cleanupClient, prefix);
  for (const client of [...clients, cleanupClient]) if (client.isOpen) await client.close();
});

describe('Redis commands per authenticated request', () => {
  let baselinePerRequest = 0;

  it('baseline, express-session + connect-redis alone: 2 round trips (GET, EXPIRE)', async () => {
    const { client, address } = await connect();
    clients.push(client);
    const prefix = uniquePrefix('rt-base');
    prefixes.push(prefix);
    const app = express();
    app.use(session({ secret: 'x'.repeat(40), resave: false, saveUninitialized: false, store: new RedisStore({ client, prefix: `${prefix}:sess:` }) }));
    app.post('/login', (req, res) => {
      req.session.regenerate(() => {
        (req.session as unknown as { userId: string }).userId = 'alice';
        res.json({});
      });
    });
    app.get('/api/me', (req, res) => res.json({ userId: (req.session as unknown as { userId?: string }).userId ?? null }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const login = await fetch(`${origin}/login`, { method: 'POST' });
      const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
      const counts = await counted(address, async () => {
        for (let i = 0; i < REQUESTS; i++) expect((await fetch(`${origin}/api/me`, { headers: { cookie } })).status).toBe(200);
      });
      expect(counts.byCommand).toEqual({ GET: REQUESTS, EXPIRE: REQUESTS });
      baselinePerRequest = counts.roundTrips / REQUESTS;
      expect(baselinePerRequest).toBe(2);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  describe('connect-redis + the Redis registry', () => {
    let app: TestApp;
    let address: string;
    let cookie: string;
    beforeAll(async () => {
      const connected = await connect();
      clients.push(connected.client);
      address = connected.address;
      const prefix = uniquePrefix('rt-registry');
      prefixes.push(prefix);
      app = await startTestApp({
        startAt: Date.now(),
        sessionOptions: { store: new RedisStore({ client: connected.client, prefix: `${prefix}:sess:` }) },
        guard: { registry: createRedisRegistry({ client: connected.client, prefix: `${prefix}:sg` }), passiveUrls: ['/poll'], expireAfter: 900, warnAfter: 600 },
      });
      const login = await app.request().post('/login').send({ username: 'alice' }).expect(200);
      cookie = (login.headers['set-cookie'] as unknown as string[]).find((line) => line.startsWith('connect.sid='))!.split(';')[0]!;
      // The first request after sign-in may record activity; the counted ones come within the granularity (1 s).
      await app.request().get('/api/me').set(SDK).set('Cookie', cookie).expect(200);
    });
    afterAll(async () => {
      await app?.close();
    });

    it('an active request: at most baseline + 1 round trips and 4 commands (one coalesced activity write allowed)', async () => {
      const counts = await counted(address, async () => {
        for (let i = 0; i < REQUESTS; i++) {
          // Time moves between requests (50 ms: within the 1 s granularity over all of them).
          app.clock.advance(0.05);
          await app.request().get('/api/me').set(SDK).set('Cookie', cookie).expect(200);
        }
      });
      expect(counts.typical.roundTripsPerRequest).toBe(3);
      expect(counts.typical.roundTripsPerRequest).toBeLessThanOrEqual(baselinePerRequest + 1);
      expect(counts.typical.commandsPerRequest).toBe(4);
      // Activity moves by at least 1 s before it is written again: within a second, at most one request writes.
      expect(counts.typical.writes).toBeLessThanOrEqual(1);
      expect(counts.byCommand).toMatchObject({ GET: REQUESTS, 'lua HGETALL': REQUESTS, EXPIRE: REQUESTS });
    });

    it('a passive request (a polling URL): GET, EVALSHA with one HGETALL, EXPIRE', async () => {
      const counts = await counted(address, async () => {
        for (let i = 0; i < REQUESTS; i++) await app.request().get('/poll').set(SDK).set('Cookie', cookie).expect(200);
      });
      expect(counts.typical).toEqual({ roundTripsPerRequest: 3, commandsPerRequest: 4, writes: 0, retried: expect.any(Number) });
      expect(counts.byCommand).toMatchObject({ GET: REQUESTS, 'lua HGETALL': REQUESTS, EXPIRE: REQUESTS });
    });
  });

  describe('connect-redis + the Redis registry, express-session set up through guard.session()', () => {
    let origin: string;
    let address: string;
    let cookie: string;
    let close: () => Promise<void>;
    beforeAll(async () => {
      const connected = await connect();
      clients.push(connected.client);
      address = connected.address;
      const prefix = uniquePrefix('rt-registry-session');
      prefixes.push(prefix);
      const store = new RedisStore({ client: connected.client, prefix: `${prefix}:sess:` });
      const registry = createRedisRegistry({ client: connected.client, prefix: `${prefix}:sg` });
      const guard = createSessionGuard({ secret: 'z'.repeat(40), warnAfter: 600, expireAfter: 900, registry, store, logger: { info() {}, warn() {}, error() {} } });
      const app = express();
      app.use(guard.session({ secret: 'z'.repeat(40), resave: false, saveUninitialized: false, store }, { production: false, warn: () => {} }));
      app.use(guard.middleware);
      app.post('/login', (req, res, next) => guard.login(req, 'alice').then(() => res.json({}), next));
      app.get('/api/me', (req, res) => res.json({ userId: guard.userId(req) }));
      const server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      close = () => new Promise((resolve) => server.close(() => resolve()));
      const login = await fetch(`${origin}/login`, { method: 'POST', headers: { ...SDK, Origin: origin } });
      cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
      await (await fetch(`${origin}/api/me`, { headers: { cookie, ...SDK } })).text();
    });
    afterAll(async () => {
      await close?.();
    });

    it("connect-redis's EXPIRE coalesced too: as many round trips as connect-redis alone, 3 commands", async () => {
      const counts = await counted(address, async () => {
        for (let i = 0; i < REQUESTS; i++) expect(await (await fetch(`${origin}/api/me`, { headers: { cookie, ...SDK } })).json()).toEqual({ userId: 'alice' });
      });
      expect(counts.typical.roundTripsPerRequest).toBe(baselinePerRequest);
      expect(counts.typical.commandsPerRequest).toBe(3);
      expect(counts.byCommand.EXPIRE ?? 0).toBe(0);
    });
  });

  describe('the sessionguard store, through guard.session()', () => {
    let origin: string;
    let address: string;
    let cookie: string;
    let close: () => Promise<void>;
    beforeAll(async () => {
      const connected = await connect();
      clients.push(connected.client);
      address = connected.address;
      const prefix = uniquePrefix('rt-store');
      prefixes.push(prefix);
      const store = createRedisSessionStore({ client: connected.client, prefix });
      const guard = createSessionGuard({ secret: 'y'.repeat(40), warnAfter: 600, expireAfter: 900, store, passiveUrls: ['/poll'], logger: { info() {}, warn() {}, error() {} } });
      const app = express();
      app.use(guard.session({ secret: 'y'.repeat(40), resave: false, saveUninitialized: false, store }, { production: false }));
      app.use(guard.middleware);
      app.post('/login', (req, res, next) => guard.login(req, 'alice').then(() => res.json({}), next));
      app.get('/api/me', (req, res) => res.json({ userId: guard.userId(req) }));
      app.get('/poll', (req, res) => res.json({ userId: guard.userId(req) }));
      const server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      close = () => new Promise((resolve) => server.close(() => resolve()));
      const login = await fetch(`${origin}/login`, { method: 'POST', headers: { ...SDK, Origin: origin } });
      expect(login.status).toBe(200);
      cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
      // The first request after sign-in may record activity; the counted ones come within the granularity (1 s).
      expect((await fetch(`${origin}/api/me`, { headers: { cookie, ...SDK } })).status).toBe(200);
    });
    afterAll(async () => {
      await close?.();
    });

    it('an active request: 1 round trip, 3 commands (EVALSHA, GET, TIME); at most one coalesced write', async () => {
      const counts = await counted(address, async () => {
        for (let i = 0; i < REQUESTS; i++) {
          const res = await fetch(`${origin}/api/me`, { headers: { cookie, ...SDK } });
          expect(await res.json()).toEqual({ userId: 'alice' });
        }
      });
      // A write may also send the index its new score, in the background: taken out with the write.
      expect(counts.typical.writes).toBeLessThanOrEqual(2);
      expect(counts.typical.roundTripsPerRequest).toBe(1);
      expect(counts.typical.commandsPerRequest).toBe(3);
      expect(counts.byCommand).toMatchObject({ 'lua GET': REQUESTS, 'lua TIME': REQUESTS });
    });

    it('a passive request: EVALSHA with a GET and a TIME, nothing written', async () => {
      const counts = await counted(address, async () => {
        for (let i = 0; i < REQUESTS; i++) expect((await fetch(`${origin}/poll`, { headers: { cookie, ...SDK } })).status).toBe(200);
      });
      expect(counts.typical).toEqual({ roundTripsPerRequest: 1, commandsPerRequest: 3, writes: 0, retried: expect.any(Number) });
      expect(counts.byCommand).toMatchObject({ 'lua GET': REQUESTS, 'lua TIME': REQUESTS });
    });
  });
});
