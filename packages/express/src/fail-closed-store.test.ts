import express from 'express';
import session from 'express-session';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { isSessionStoreUnavailableError } from './errors.js';
import { failClosedStore } from './fail-closed-store.js';
import { createSessionGuard, type SessionGuard } from './guard.js';
import type { SessionGuardLogger } from './logger.js';

const SECRET = 'fail-closed-secret-0123456789-abcdefghij';

/** A real MemoryStore whose calls can be made to fail or to never answer. */
class FlakyStore extends session.MemoryStore {
  mode: 'ok' | 'fail' | 'hang' = 'ok';
  override get(sid: string, callback: (error: unknown, data?: session.SessionData | null) => void): void {
    if (this.mode === 'fail') return void setImmediate(() => callback(new Error('ECONNREFUSED 127.0.0.1:6390 (sid ' + sid + ')')));
    if (this.mode === 'hang') return; // never calls back, like a paused Redis
    super.get(sid, callback);
  }
}

/**
 * A MemoryStore that answers a missing session as a file store does: with an
 * ENOENT error (session-file-store reads `<sid>.json`, gone after sign-out).
 */
class FileLikeStore extends session.MemoryStore {
  override get(sid: string, callback: (error: unknown, data?: session.SessionData | null) => void): void {
    super.get(sid, (error, data) => {
      if (error || data) return callback(error, data);
      const missing = Object.assign(new Error(`ENOENT: no such file or directory, open 'sessions/${sid}.json'`), { code: 'ENOENT' });
      callback(missing);
    });
  }
}

let server: Server | null = null;
let guard: SessionGuard | null = null;
afterEach(async () => {
  await guard?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = guard = null;
});

async function startApp(store: session.Store) {
  const logs: string[] = [];
  const logger: SessionGuardLogger = {
    info: () => {},
    warn: () => {},
    error: (message, fields) => logs.push(`${message} ${JSON.stringify(fields)}`),
  };
  guard = createSessionGuard({ secret: SECRET, warnAfter: 30, expireAfter: 60, logger });
  const app = express();
  app.use(session({ secret: SECRET, resave: false, saveUninitialized: false, store }));
  app.use(guard.middleware);
  app.post('/login', async (req, res) => {
    await guard!.login(req, 'alice');
    res.json({ ok: true });
  });
  app.post('/logout', async (req, res) => {
    await guard!.logout(req);
    res.json({ ok: true });
  });
  app.get('/api/me', (req, res) => void res.json({ userId: guard!.userId(req) }));
  app.get('/page', (req, res) => void res.type('html').send(`<p>${guard!.userId(req)}</p>`));
  app.use(guard.errorHandler);
  app.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ error: 'internal_error' });
  });
  server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return { agent: request.agent(server), logs, port: (server.address() as AddressInfo).port };
}

describe('failClosedStore with guard.errorHandler', () => {
  it('answers 503 session_store_unavailable, not 500, when the session store fails, and serves again when it is back', async () => {
    const store = failClosedStore(new FlakyStore(), { timeout: 200 });
    const { agent, logs } = await startApp(store);
    await agent.post('/login').expect(200);
    store.mode = 'fail';
    const api = await agent.get('/api/me').set('Accept', 'application/json').expect(503);
    expect(api.body).toMatchObject({ error: 'session_store_unavailable' });
    expect(api.headers['retry-after']).toBe('5');
    const page = await agent.get('/page').set('Accept', 'text/html').expect(503);
    expect(page.text).not.toContain('alice');
    expect(logs.some((line) => line.startsWith('session store unavailable'))).toBe(true);
    store.mode = 'ok';
    await agent.get('/api/me').set('Accept', 'application/json').expect(200, { userId: 'alice' });
  });

  it('answers 503 within the timeout when the session store never answers, instead of hanging', async () => {
    const store = failClosedStore(new FlakyStore(), { timeout: 150 });
    const { agent } = await startApp(store);
    await agent.post('/login').expect(200);
    store.mode = 'hang';
    const res = await agent.get('/api/me').set('Accept', 'application/json').timeout(5000).expect(503);
    expect(res.body.error).toBe('session_store_unavailable');
  });

  it('ignores a late answer after the timeout and passes successful answers through unchanged', async () => {
    let late: ((error: unknown, data?: unknown) => void) | null = null;
    const inner = new session.MemoryStore();
    inner.get = (_sid, callback) => void (late = callback as typeof late);
    const store = failClosedStore(inner, { timeout: 20 });
    const calls: unknown[][] = [];
    await new Promise<void>((resolve) =>
      store.get('x', (...args: unknown[]) => {
        calls.push(args);
        resolve();
      }),
    );
    late!(null, { cookie: {} });
    expect(calls).toHaveLength(1);
    expect(isSessionStoreUnavailableError(calls[0]![0])).toBe(true);

    const plain = failClosedStore(new session.MemoryStore(), { timeout: 1000 });
    await new Promise<void>((resolve, reject) =>
      plain.set('y', { cookie: { originalMaxAge: null } } as session.SessionData, (error) => (error ? reject(error) : resolve())),
    );
    const data = await new Promise((resolve) => plain.get('y', (_error, value) => resolve(value)));
    expect(data).toMatchObject({ cookie: {} });
  });

  it('lets a request go on as anonymous, not 503, when a file-like store finds no session file (ENOENT) after sign-out', async () => {
    const store = failClosedStore(new FileLikeStore(), { timeout: 500 });
    const { agent, logs } = await startApp(store);
    await agent.post('/login').expect(200);
    await agent.get('/api/me').set('Accept', 'application/json').expect(200, { userId: 'alice' });
    await agent.post('/logout').expect(200);
    // The browser still sends the old cookie; its session file is gone.
    await agent.get('/api/me').set('Accept', 'application/json').expect(200, { userId: null });
    await agent.get('/page').set('Accept', 'text/html').expect(200, '<p>null</p>');
    await agent.post('/login').expect(200);
    await agent.get('/api/me').set('Accept', 'application/json').expect(200, { userId: 'alice' });
    expect(logs.filter((line) => line.startsWith('session store unavailable'))).toEqual([]);
  });

  it('lets a cookie whose session file never existed go on as anonymous', async () => {
    const store = failClosedStore(new FileLikeStore(), { timeout: 500 });
    const { agent } = await startApp(store);
    await agent.post('/login').expect(200);
    // As after a restart with an emptied session directory.
    store.clear();
    await agent.get('/api/me').set('Accept', 'application/json').expect(200, { userId: null });
  });

  it('rejects a timeout that is not a positive number, naming the option', () => {
    expect(() => failClosedStore(new session.MemoryStore(), { timeout: 0 })).toThrowError(/`timeout`/);
  });
});

describe('guard.session', () => {
  it('refuses unsafe express-session settings at start-up in production, naming the option', () => {
    guard = createSessionGuard({ secret: SECRET, warnAfter: 30, expireAfter: 60, absoluteTimeout: 3600 });
    expect(() =>
      guard!.session(
        { secret: SECRET, resave: true, saveUninitialized: false, cookie: { httpOnly: true, secure: true, sameSite: 'lax' } },
        { production: true },
      ),
    ).toThrowError(/`resave`/);
    const warnings: string[] = [];
    guard.session({ secret: SECRET, resave: false, saveUninitialized: false }, { production: false, warn: (line) => warnings.push(line) });
    expect(warnings.join('\n')).toMatch(/cookie\.sameSite/);
  });

  it('answers 503 through errorHandler when the store it was given fails', async () => {
    const flaky = new FlakyStore();
    guard = createSessionGuard({ secret: SECRET, warnAfter: 30, expireAfter: 60, storeTimeout: 200, logger: { info() {}, warn() {}, error() {} } });
    const app = express();
    app.use(guard.session({ secret: SECRET, resave: false, saveUninitialized: false, store: flaky, cookie: { sameSite: 'lax' } }, { warn: () => {} }));
    app.use(guard.middleware);
    app.post('/login', async (req, res) => {
      await guard!.login(req, 'alice');
      res.json({ ok: true });
    });
    app.get('/api/me', (req, res) => void res.json({ userId: guard!.userId(req) }));
    app.use(guard.errorHandler);
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    const agent = request.agent(server);
    await agent.post('/login').expect(200);
    flaky.mode = 'hang';
    await agent.get('/api/me').set('Accept', 'application/json').timeout(5000).expect(503, /session_store_unavailable/);
    flaky.mode = 'ok';
    await agent.get('/api/me').set('Accept', 'application/json').expect(200, { userId: 'alice' });
  });
});
