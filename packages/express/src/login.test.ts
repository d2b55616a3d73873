import { afterEach, describe, expect, it } from 'vitest';
import { SDK, signIn, startTestApp, type TestApp } from './test-app.js';

let app: TestApp;
afterEach(async () => {
  await app?.close();
});

const reasons = () =>
  app.events.filter((e) => e.name === 'session.revoked').map((e) => ('reason' in e.event ? e.event.reason : null));

describe('login', () => {
  it('regenerates the session id at sign-in (no fixation)', async () => {
    app = await startTestApp();
    const agent = app.agent();
    // The attacker plants a session id first: an anonymous session with data.
    await agent.post('/views').expect(200);
    const login = await agent.post('/login').set('User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0').send({ username: 'alice' });
    const { sidBefore, sid } = login.body as { sidBefore: string; sid: string };
    expect(sid).not.toBe(sidBefore);
    expect(await app.storedSession(sidBefore)).toBeUndefined();
    expect((await app.storedSession(sid))?.sessionguard?.userId, 'the new id is the one the store holds').toBe('alice');
    const me = await agent.get('/api/me').expect(200);
    expect(me.body).toMatchObject({ username: 'alice', views: 0 });
    const [record] = await app.registry.list('alice');
    expect(record).toMatchObject({ sessionId: sid, userId: 'alice', ip: expect.stringContaining('127.0.0.1') });
    expect(record!.userAgent).toBe('Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0');
  });

  it('signing in again over a live session ends the old one', async () => {
    app = await startTestApp();
    const agent = app.agent();
    const first = await signIn(agent, 'alice');
    const second = await signIn(agent, 'bob');
    expect(second.sid).not.toBe(first.sid);
    expect(await app.registry.list('alice')).toEqual([]);
    expect((await agent.get('/api/me').expect(200)).body.username).toBe('bob');
  });

  it('userId(req) is null for anonymous requests', async () => {
    app = await startTestApp();
    await app.request().get('/api/me').expect(401);
  });

  it('rejects an empty user id', async () => {
    app = await startTestApp();
    await app.request().post('/login').send({ username: '' }).expect(500, /non-empty string/);
  });
});

describe('logout', () => {
  it('ends the current session only, by default', async () => {
    app = await startTestApp();
    const laptop = app.agent();
    const phone = app.agent();
    const { sid } = await signIn(laptop, 'alice');
    await signIn(phone, 'alice');
    expect((await app.storedSession(sid))?.sessionguard?.userId).toBe('alice');
    await laptop.post('/logout').set(SDK).expect(200);
    expect(await app.storedSession(sid)).toBeUndefined();
    await laptop.get('/api/me').expect(401);
    await phone.get('/api/me').expect(200);
    expect(reasons()).toEqual(['logout']);
  });

  it('with logoutEverywhere ends every session of the user', async () => {
    app = await startTestApp({ guard: { logoutEverywhere: true } });
    const laptop = app.agent();
    const phone = app.agent();
    const bob = app.agent();
    await signIn(laptop, 'alice');
    await signIn(phone, 'alice');
    await signIn(bob, 'bob');
    await laptop.post('/logout').set(SDK).expect(200);
    await laptop.get('/api/me').expect(401);
    await phone.get('/api/me').set(SDK).expect(401, /session_revoked/);
    await bob.get('/api/me').expect(200);
    expect(reasons()).toEqual(['logout', 'logout']);
  });

  it('logoutEverywhere can be decided per user', async () => {
    app = await startTestApp({ guard: { logoutEverywhere: (userId) => userId === 'admin' } });
    const a1 = app.agent();
    const a2 = app.agent();
    await signIn(a1, 'alice');
    await signIn(a2, 'alice');
    await a1.post('/logout').set(SDK).expect(200);
    await a2.get('/api/me').expect(200);
  });
});

describe('singleSession', () => {
  it('ends the user\'s other sessions at sign-in, not other users\'', async () => {
    app = await startTestApp({ guard: { singleSession: true } });
    const laptop = app.agent();
    const phone = app.agent();
    const bob = app.agent();
    await signIn(laptop, 'alice');
    await signIn(bob, 'bob');
    await signIn(phone, 'alice');
    await laptop.get('/api/me').set(SDK).expect(401, /session_revoked/);
    await phone.get('/api/me').expect(200);
    await bob.get('/api/me').expect(200);
    expect(reasons()).toEqual(['single_session']);
  });

  it('is off by default', async () => {
    app = await startTestApp();
    const laptop = app.agent();
    const phone = app.agent();
    await signIn(laptop, 'alice');
    await signIn(phone, 'alice');
    await laptop.get('/api/me').expect(200);
  });
});

describe('passwordChanged', () => {
  it('ends every other session and keeps the current one under a new session id with its data', async () => {
    app = await startTestApp({ useAuthHash: true });
    const laptop = app.agent();
    const phone = app.agent();
    const tablet = app.agent();
    await signIn(laptop, 'alice');
    await signIn(phone, 'alice');
    await signIn(tablet, 'bob');
    await laptop.post('/views').expect(200);
    const changed = await laptop.post('/password').send({ hash: 'new-password-hash' }).expect(200);
    expect(changed.body.sid).not.toBe(changed.body.sidBefore);
    expect(changed.body.data).toBe(1);
    expect(await app.storedSession(changed.body.sidBefore)).toBeUndefined();
    expect((await app.storedSession(changed.body.sid))?.sessionguard?.userId, 'the new id is the one the store holds').toBe('alice');
    // The current session lives on, with its data and a hash that matches the new password.
    const me = await laptop.get('/api/me').expect(200);
    expect(me.body).toMatchObject({ username: 'alice', views: 1 });
    await phone.get('/api/me').set(SDK).expect(401, /session_revoked/);
    await tablet.get('/api/me').expect(200);
    const sessions = await app.registry.list('alice');
    expect(sessions.map((s) => s.sessionId)).toEqual([changed.body.sid]);
    expect(reasons()).toEqual(['password_changed']);
  });

  it('without the current session being that user\'s, ends all of the user\'s sessions', async () => {
    app = await startTestApp();
    const alice = app.agent();
    await signIn(alice, 'alice');
    await app.guard.revokeUser('alice', { reason: 'password_changed' });
    await alice.get('/api/me').set(SDK).expect(401, /session_revoked/);
    expect(reasons()).toEqual(['password_changed']);
  });
});

describe('revokeUser', () => {
  it('ends every session of the user from code and reports how many', async () => {
    app = await startTestApp();
    const a1 = app.agent();
    const a2 = app.agent();
    const b = app.agent();
    await signIn(a1, 'alice');
    await signIn(a2, 'alice');
    await signIn(b, 'bob');
    expect(await app.guard.revokeUser('alice')).toBe(2);
    await a1.get('/api/me').set(SDK).expect(401, /session_revoked/);
    await a2.get('/page').set('Accept', 'text/html').expect(303);
    await b.get('/api/me').expect(200);
    expect(reasons()).toEqual(['revoked_by_admin', 'revoked_by_admin']);
    expect(await app.guard.revokeUser('nobody')).toBe(0);
  });
});

describe('events and log lines', () => {
  it('emit public ids and never a session id', async () => {
    app = await startTestApp({ useAuthHash: true });
    const laptop = app.agent();
    const phone = app.agent();
    const one = await signIn(laptop, 'alice');
    const two = await signIn(phone, 'alice');
    await laptop.post('/password').send({ hash: 'x' }).expect(200);
    await laptop.post('/logout').set(SDK).expect(200);
    const created = app.events.filter((e) => e.name === 'session.created');
    expect(created).toHaveLength(3);
    for (const { event } of app.events) {
      expect(event.publicId).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(event).not.toHaveProperty('sessionId');
    }
    const everything = JSON.stringify({ logs: app.logs, events: app.events });
    for (const sid of [one.sid, two.sid, one.sidBefore, two.sidBefore]) expect(everything).not.toContain(sid);
    expect(app.logs.some((line) => line.message === 'session ended' && line.fields?.publicId)).toBe(true);
  });

  it('a listener that throws does not break the request', async () => {
    app = await startTestApp();
    app.guard.events.on('session.created', () => {
      throw new Error('listener bug');
    });
    const agent = app.agent();
    await signIn(agent, 'alice');
    expect(app.logs.some((line) => line.message === 'event listener failed')).toBe(true);
  });

  it('the default logger writes JSON lines', async () => {
    const { createConsoleLogger } = await import('./logger.js');
    const lines: string[] = [];
    const logger = createConsoleLogger({ log: (line) => lines.push(line), error: (line) => lines.push(line) });
    logger.info('session ended', { publicId: 'p' });
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', message: 'session ended', publicId: 'p' });
  });
});

describe('the express-session store used for revocations outside a request', () => {
  it('is the `store` option when given, so revokeUser works before any request', async () => {
    const session = (await import('express-session')).default;
    const { createSessionGuard } = await import('./guard.js');
    const { createMemoryRegistry } = await import('./registry/memory-registry.js');
    const { computePublicId } = await import('./public-id.js');
    const store = new session.MemoryStore();
    const registry = createMemoryRegistry();
    const logs: string[] = [];
    const logger = { info: () => {}, warn: (message: string) => logs.push(message), error: () => {} };
    const secret = 's'.repeat(32);
    const record = {
      sessionId: 'sid-1',
      userId: 'alice',
      publicId: computePublicId(secret, 'sid-1'),
      createdAt: Date.now(),
      lastActivity: Date.now(),
      authenticatedAt: Date.now(),
      ip: null,
      userAgent: null,
      authHash: null,
      retainUntil: Date.now() + 60_000,
    };
    const withStore = createSessionGuard({ secret, registry, store, logger, warnAfter: 30, expireAfter: 60 });
    await registry.create(record);
    expect(await withStore.revokeUser('alice')).toBe(1);
    const ended = await new Promise((resolve) => store.get('sid-1', (_e, data) => resolve(data)));
    expect(ended).toMatchObject({ sessionguard: { ended: 'revoked_by_admin' } });

    // Without it, and before any request, the registry still ends the session; the data is left to expire, with a warning.
    const withoutStore = createSessionGuard({ secret, registry, logger, warnAfter: 30, expireAfter: 60 });
    await registry.create(record);
    expect(await withoutStore.revokeUser('alice')).toBe(1);
    expect(logs.some((line) => line.includes('pass the `store` option'))).toBe(true);
    await registry.close();
  });
});
