import { afterEach, describe, expect, it } from 'vitest';
import { SessionStoreUnavailableError } from './errors.js';
import { verifyAuthHash } from './auth-hash.js';
import type { SessionRegistry } from './registry/types.js';
import { OLD_SECRET, SDK, SECRET, signIn, startTestApp, T0, type TestApp } from './test-app.js';

let app: TestApp;
afterEach(async () => {
  await app?.close();
});

describe('middleware: timeouts', () => {
  it('lets a signed-in session through and attaches req.sessionGuard', async () => {
    app = await startTestApp();
    const agent = app.agent();
    await signIn(agent, 'alice');
    const me = await agent.get('/api/me').expect(200);
    expect(me.body.username).toBe('alice');
    expect(me.body.publicId).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('ends a session idle for expireAfter: 401 session_expired for API requests, and it stays ended', async () => {
    app = await startTestApp();
    const agent = app.agent();
    await signIn(agent, 'alice');
    app.clock.advance(59);
    await agent.get('/api/me').set(SDK).expect(200);
    app.clock.advance(60);
    const res = await agent.get('/api/me').set(SDK).expect(401);
    expect(res.body).toMatchObject({ error: 'session_expired' });
    expect(await app.registry.list('alice')).toEqual([]);
    // The session data is gone too: the cookie is now just anonymous.
    await agent.get('/api/me').set(SDK).expect(401, { error: 'unauthenticated' });
    expect(app.events.map((e) => [e.name, 'reason' in e.event ? e.event.reason : null])).toEqual([
      ['session.created', null],
      ['session.revoked', 'expired_idle'],
      ['session.expired', 'idle'],
    ]);
  });

  it('redirects page requests of an ended session to loginUrl with a same-site return path (303)', async () => {
    app = await startTestApp();
    const agent = app.agent();
    await signIn(agent, 'alice');
    app.clock.advance(61);
    const res = await agent.get('/page?tab=2').set('Accept', 'text/html').expect(303);
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent('/page?tab=2')}`);
  });

  it('never puts an off-site path in next (//evil.example)', async () => {
    app = await startTestApp();
    const agent = app.agent();
    await signIn(agent, 'alice');
    app.clock.advance(61);
    const res = await agent.get('//evil.example/x').set('Accept', 'text/html').expect(303);
    expect(res.headers.location).toBe('/login?next=%2F');
  });

  it('with a registry that does not check touch limits, reads first and still ends an idle session (never touches it back to life)', async () => {
    app = await startTestApp({ wrapRegistry: (registry): SessionRegistry => ({ ...registry, touchLimits: false }) });
    const agent = app.agent();
    await signIn(agent, 'alice');
    app.clock.advance(59);
    await agent.get('/api/me').set(SDK).expect(200);
    expect((await app.registry.list('alice'))[0]?.lastActivity).toBe(app.clock.now());
    app.clock.advance(60);
    await agent.get('/api/me').set(SDK).expect(401, /session_expired/);
    expect(await app.registry.list('alice')).toEqual([]);
  });

  it('ends a session at its absolute lifetime even with constant activity', async () => {
    app = await startTestApp({ guard: { absoluteTimeout: 120 } });
    const agent = app.agent();
    await signIn(agent, 'alice');
    for (let i = 0; i < 3; i += 1) {
      app.clock.advance(39);
      await agent.get('/api/me').set(SDK).expect(200);
    }
    app.clock.advance(6); // 123 s after sign-in, 6 s after the last request
    await agent.get('/api/me').set(SDK).expect(401, /session_expired/);
    expect(app.events.some((e) => e.name === 'session.revoked' && 'reason' in e.event && e.event.reason === 'expired_absolute')).toBe(true);
  });

  it('records activity on ordinary requests but not on passive URLs', async () => {
    app = await startTestApp({ guard: { passiveUrls: ['/poll', /^\/assets\//g] } });
    const agent = app.agent();
    await signIn(agent, 'alice');
    app.clock.advance(20);
    await agent.get('/poll').expect(200);
    await agent.get('/poll').expect(200); // a global RegExp/string must not alternate
    expect((await app.registry.list('alice'))[0]!.lastActivity).toBe(T0);
    app.clock.advance(20);
    await agent.get('/api/me').expect(200);
    expect((await app.registry.list('alice'))[0]!.lastActivity).toBe(T0 + 40_000);
    // Polling for 59 s does not keep the session alive...
    app.clock.advance(59);
    await agent.get('/poll').expect(200);
    app.clock.advance(2);
    await agent.get('/poll').set(SDK).expect(401, /session_expired/);
  });

  it('records activity at the request start and never moves it backwards', async () => {
    // The first touch is held until a later request has touched: it must not win with its older time.
    let holdTouch: Promise<void> | null = null;
    let releaseTouch!: () => void;
    let touchStarted!: () => void;
    const touchArrived = new Promise<void>((resolve) => (touchStarted = resolve));
    app = await startTestApp({
      wrapRegistry: (registry): SessionRegistry => ({
        ...registry,
        async touch(ref, lastActivity, retainUntil) {
          if (holdTouch) {
            const wait = holdTouch;
            holdTouch = null;
            touchStarted();
            await wait;
          }
          return registry.touch(ref, lastActivity, retainUntil);
        },
      }),
    });
    const agent = app.agent();
    await signIn(agent, 'alice');
    app.clock.advance(10);
    holdTouch = new Promise<void>((resolve) => (releaseTouch = resolve));
    const slow = agent.get('/api/me').then((res) => res.status); // starts at T0+10 s
    await touchArrived;
    app.clock.advance(10);
    await agent.get('/api/me').expect(200); // touches T0+20 s
    releaseTouch();
    expect(await slow).toBe(200);
    expect((await app.registry.list('alice'))[0]!.lastActivity).toBe(T0 + 20_000);
  });
});

describe('middleware: the registry is the truth', () => {
  it('answers 401 session_revoked when the registry no longer holds the session', async () => {
    app = await startTestApp();
    const agent = app.agent();
    const { sid } = await signIn(agent, 'alice');
    // Behind the guard's back: the session data stays, but the registry no longer holds it.
    await app.registry.revokeUser('alice', undefined);
    expect((await app.storedSession(sid))?.sessionguard?.userId).toBe('alice');
    await agent.get('/api/me').set(SDK).expect(401, /session_revoked/);
    expect(await app.storedSession(sid)).toBeUndefined();
  });

  it('a request in flight when its session is revoked cannot bring it back', async () => {
    app = await startTestApp();
    const device = app.agent();
    const other = app.agent();
    const { sid } = await signIn(device, 'alice');
    await signIn(other, 'alice');
    app.clock.advance(1);
    // Two requests of the first device are in flight, each changing the session.
    const first = device.post('/slow').set(SDK).then((res) => res);
    const releaseFirst = await app.slowArrival();
    const second = device.post('/slow').set(SDK).then((res) => res);
    const releaseSecond = await app.slowArrival();
    // Meanwhile the other device signs the first out.
    await other.post('/reauthenticate').set(SDK).expect(200);
    const sessions = (await other.get('/session/sessions').expect(200)).body.sessions as Array<{ publicId: string; current: boolean }>;
    const target = sessions.find((s) => !s.current)!;
    await other.delete(`/session/sessions/${target.publicId}`).set(SDK).expect(200);
    // Its data is replaced by a tombstone that only says why it ended.
    const ended = { cookie: expect.anything(), sessionguard: { ended: 'revoked_by_user' } };
    expect(await app.storedSession(sid)).toEqual(ended);
    releaseFirst();
    releaseSecond();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    // express-session tried to save both; neither wrote the revoked session back.
    expect(await app.storedSession(sid)).toEqual(ended);
    await device.get('/api/me').set(SDK).expect(401, /session_revoked/);
    expect(await app.storedSession(sid)).toBeUndefined();
    await device.get('/api/me').set(SDK).expect(401, /unauthenticated/);
    expect(app.logs.some((line) => line.message === 'skipped saving a session that ended during the request')).toBe(true);
  });

  it('a request in flight when the same browser signs out cannot bring the session back', async () => {
    app = await startTestApp();
    const agent = app.agent();
    const { sid } = await signIn(agent, 'alice');
    expect((await app.storedSession(sid))?.sessionguard?.userId).toBe('alice');
    const slow = agent.post('/slow').set(SDK).then((res) => res.status);
    const release = await app.slowArrival();
    await agent.post('/logout').set(SDK).expect(200);
    release();
    expect(await slow).toBe(200);
    expect(await app.storedSession(sid)).toBeUndefined();
    expect(await app.registry.list('alice')).toEqual([]);
    await agent.get('/api/me').set(SDK).expect(401, /unauthenticated/);
  });

  it('even resurrected session data is never treated as signed in', async () => {
    app = await startTestApp();
    const agent = app.agent();
    const { sid } = await signIn(agent, 'alice');
    const data = await app.storedSession(sid);
    expect(data?.sessionguard?.userId).toBe('alice');
    await app.guard.revokeUser('alice');
    // Simulate a store write that slipped past every guard.
    await new Promise<void>((resolve) => app.store.set(sid, data!, () => resolve()));
    await agent.get('/api/me').set(SDK).expect(401, /session_revoked/);
    expect(await app.storedSession(sid)).toBeUndefined();
  });
});

describe('middleware: store failures fail closed', () => {
  it('answers 503 session_store_unavailable when the registry throws, with a log line and no session id', async () => {
    let failing = false;
    app = await startTestApp({
      wrapRegistry: (registry): SessionRegistry => ({
        ...registry,
        // Down for every call the middleware makes (a read, or the checked touch).
        async get(ref) {
          if (failing) throw new SessionStoreUnavailableError(`redis down while reading sg:${ref.sessionId}`);
          return registry.get(ref);
        },
        async touch(ref, ...rest) {
          if (failing) throw new SessionStoreUnavailableError(`redis down while touching sg:${ref.sessionId}`);
          return registry.touch(ref, ...rest);
        },
      }),
    });
    const agent = app.agent();
    const { sid } = await signIn(agent, 'alice');
    failing = true;
    const res = await agent.get('/api/me').set(SDK).expect(503);
    expect(res.body).toMatchObject({ error: 'session_store_unavailable' });
    expect(res.headers['retry-after']).toBe('5');
    const page = await agent.get('/page').set('Accept', 'text/html').expect(503);
    expect(page.text).toMatch(/session store is unavailable/);
    expect(page.headers['retry-after']).toBe('5');
    const line = app.logs.find((l) => l.level === 'error');
    expect(line?.message).toBe('session store unavailable');
    expect(JSON.stringify(app.logs)).not.toContain(sid);
    failing = false;
    await agent.get('/api/me').set(SDK).expect(200);
  });

  it('answers 503 when a registry call exceeds storeTimeout', async () => {
    let stall = false;
    app = await startTestApp({
      guard: { storeTimeout: 50 },
      wrapRegistry: (registry): SessionRegistry => ({
        ...registry,
        async get(ref) {
          if (stall) await new Promise((resolve) => setTimeout(resolve, 500));
          return registry.get(ref);
        },
        async touch(ref, ...rest) {
          if (stall) await new Promise((resolve) => setTimeout(resolve, 500));
          return registry.touch(ref, ...rest);
        },
      }),
    });
    const agent = app.agent();
    await signIn(agent, 'alice');
    stall = true;
    await agent.get('/api/me').set(SDK).expect(503, /session_store_unavailable/);
  });

  it('answers 503 when a registry throws an arbitrary error (never lets the request through)', async () => {
    app = await startTestApp({
      wrapRegistry: (registry): SessionRegistry => ({
        ...registry,
        async touch() {
          throw new Error('boom');
        },
      }),
    });
    const agent = app.agent();
    const res = await agent.post('/login').send({ username: 'alice' });
    expect(res.status).toBe(200);
    app.clock.advance(2);
    await agent.get('/api/me').set(SDK).expect(503);
  });
});

describe('middleware: session auth hash', () => {
  it('ends old sessions at their next request when the auth hash changed elsewhere', async () => {
    app = await startTestApp({ useAuthHash: true });
    const agent = app.agent();
    await signIn(agent, 'alice');
    await agent.get('/api/me').expect(200);
    app.authHashes.set('alice', 'changed-by-a-database-script');
    await agent.get('/api/me').set(SDK).expect(401, /session_revoked/);
    expect(app.events.at(-1)?.event).toMatchObject({ userId: 'alice', reason: 'auth_hash_mismatch' });
  });

  it('keeps sessions signed with an older secret and rewrites their hash with the first secret', async () => {
    app = await startTestApp({ useAuthHash: true, guard: { secret: OLD_SECRET } });
    const agent = app.agent();
    const { sid } = await signIn(agent, 'alice');
    const before = (await app.registry.list('alice'))[0]!;
    expect(verifyAuthHash([OLD_SECRET], 'alice', 'initial-alice', before.authHash)).toEqual({ ok: true, rotated: false });

    await app.rebuildGuard({ secret: [SECRET, OLD_SECRET] });
    await agent.get('/api/me').expect(200);
    const after = (await app.registry.list('alice'))[0]!;
    expect(after.authHash).not.toBe(before.authHash);
    expect(verifyAuthHash([SECRET], 'alice', 'initial-alice', after.authHash)).toEqual({ ok: true, rotated: false });
    expect((await app.storedSession(sid))?.sessionguard?.authHash).toBe(after.authHash);
    // The public id was fixed at sign-in: rotation does not change what the user sees.
    expect(after.publicId).toBe(before.publicId);

    // Once rewritten, the old secret can be retired.
    await app.rebuildGuard({ secret: SECRET });
    await agent.get('/api/me').expect(200);
  });

  it('ends a session whose hash no secret verifies', async () => {
    app = await startTestApp({ useAuthHash: true, guard: { secret: OLD_SECRET } });
    const agent = app.agent();
    await signIn(agent, 'alice');
    await app.rebuildGuard({ secret: SECRET });
    await agent.get('/api/me').set(SDK).expect(401, /session_revoked/);
  });
});

describe('middleware: anonymousUrls', () => {
  it('lets a request to the login URL go on signed out after ending its session, so sign-in works at once', async () => {
    app = await startTestApp({ guard: { loginUrl: '/login?from=guard', anonymousUrls: undefined } });
    const agent = app.agent();
    await signIn(agent, 'alice');
    app.clock.advance(61);
    const again = await signIn(agent, 'alice');
    expect(again.username).toBe('alice');
    await agent.get('/api/me').expect(200);
    expect(app.events.some((e) => 'reason' in e.event && e.event.reason === 'expired_idle')).toBe(true);
  });

  it('lets a sign-out of a revoked session through when listed', async () => {
    app = await startTestApp({ guard: { anonymousUrls: ['/login', /^\/logout$/] } });
    const agent = app.agent();
    await signIn(agent, 'alice');
    await app.guard.revokeUser('alice');
    await agent.post('/logout').set(SDK).expect(200);
    await agent.get('/api/me').expect(401, /unauthenticated/);
  });

  it('does not exempt other paths', async () => {
    app = await startTestApp({ guard: { anonymousUrls: ['/login'] } });
    const agent = app.agent();
    await signIn(agent, 'alice');
    await app.guard.revokeUser('alice');
    await agent.post('/logout').set(SDK).expect(401, /session_revoked/);
  });
});
