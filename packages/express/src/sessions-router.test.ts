import { afterEach, describe, expect, it } from 'vitest';
import { SDK, signIn, startTestApp, T0, type TestApp } from './test-app.js';

let app: TestApp;
afterEach(async () => {
  await app?.close();
});

const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1';

interface Listed {
  publicId: string;
  current: boolean;
  createdAt: string;
  lastActivity: string;
  ip: string | null;
  browser: string | null;
  os: string | null;
  device: string | null;
}

async function twoDevices(options: Parameters<typeof startTestApp>[0] = {}) {
  app = await startTestApp(options);
  const laptop = app.agent();
  const phone = app.agent();
  await laptop.post('/login').set('User-Agent', CHROME_MAC).send({ username: 'alice' }).expect(200);
  app.clock.advance(5);
  await phone.post('/login').set('User-Agent', SAFARI_IPHONE).send({ username: 'alice' }).expect(200);
  const list = async (agent = laptop) => (await agent.get('/session/sessions').expect(200)).body.sessions as Listed[];
  return { laptop, phone, list };
}

describe('GET /sessions', () => {
  it('lists the user\'s sessions: current first, public ids, ISO times, IP and parsed user agent', async () => {
    const { laptop, list } = await twoDevices();
    const sessions = await list();
    expect(sessions).toHaveLength(2);
    expect(sessions[0]).toMatchObject({
      current: true,
      browser: 'Chrome 120',
      os: 'macOS 10.15.7',
      device: 'desktop (Apple)',
      createdAt: new Date(T0).toISOString(),
    });
    expect(sessions[1]).toMatchObject({ current: false, browser: 'Safari 17', os: 'iOS 17.2', device: 'mobile (Apple iPhone)' });
    expect(sessions[1]!.ip).toContain('127.0.0.1');
    const raw = JSON.stringify(sessions);
    const sids = (await app.registry.list('alice')).map((s) => s.sessionId);
    for (const sid of sids) expect(raw).not.toContain(sid);
    await laptop.get('/session/sessions').expect('cache-control', 'no-store');
  });

  it('answers 401 unauthenticated when signed out', async () => {
    app = await startTestApp();
    await app.request().get('/session/sessions').expect(401, /unauthenticated/);
  });
});

describe('DELETE /sessions/:publicId', () => {
  it('revokes another session of the user', async () => {
    const { laptop, phone, list } = await twoDevices();
    const other = (await list()).find((s) => !s.current)!;
    await laptop.delete(`/session/sessions/${other.publicId}`).set(SDK).expect(200, { revoked: 1 });
    await phone.get('/api/me').set(SDK).expect(401, /session_revoked/);
    expect(await list()).toHaveLength(1);
    expect(app.events.at(-1)?.event).toMatchObject({ publicId: other.publicId, reason: 'revoked_by_user' });
  });

  it('answers 400 invalid_parameter for malformed public ids, before anything else', async () => {
    const { laptop, list } = await twoDevices();
    for (const bad of ['x', 'a'.repeat(44), `${'a'.repeat(42)}!`, '%00', 'a'.repeat(2000)]) {
      await laptop.delete(`/session/sessions/${encodeURIComponent(bad)}`).set(SDK).expect(400, /invalid_parameter/);
    }
    expect(await list()).toHaveLength(2);
  });

  it('answers 404 for an unknown public id or another user\'s, and changes nothing', async () => {
    const { laptop, list } = await twoDevices();
    const bob = app.agent();
    await signIn(bob, 'bob');
    const bobs = ((await bob.get('/session/sessions').expect(200)).body.sessions as Listed[])[0]!;
    await laptop.delete(`/session/sessions/${bobs.publicId}`).set(SDK).expect(404, /not_found/);
    await laptop.delete(`/session/sessions/${'A'.repeat(43)}`).set(SDK).expect(404, /not_found/);
    await bob.get('/api/me').expect(200);
    expect(await list()).toHaveLength(2);
    // The raw session id is not a public id either.
    const [sid] = (await app.registry.list('bob')).map((s) => s.sessionId);
    await laptop.delete(`/session/sessions/${sid}`).set(SDK).expect(400);
  });

  it('refuses the current session (400): that is logout', async () => {
    const { laptop, list } = await twoDevices();
    const current = (await list()).find((s) => s.current)!;
    await laptop.delete(`/session/sessions/${current.publicId}`).set(SDK).expect(400, /invalid_parameter/);
    await laptop.get('/api/me').expect(200);
  });

  it('needs a recent sign-in (403 reauthentication_required), and reauthenticated() restores it', async () => {
    const { laptop, phone, list } = await twoDevices({ guard: { warnAfter: 1000, expireAfter: 2000 } });
    app.clock.advance(601);
    await laptop.get('/api/me').expect(200); // activity does not count as authentication
    const other = (await list()).find((s) => !s.current)!;
    await laptop.delete(`/session/sessions/${other.publicId}`).set(SDK).expect(403, /reauthentication_required/);
    await laptop.delete('/session/sessions').set(SDK).expect(403, /reauthentication_required/);
    await phone.get('/api/me').expect(200);
    await laptop.post('/reauthenticate').expect(200);
    await laptop.delete(`/session/sessions/${other.publicId}`).set(SDK).expect(200);
  });

  it('gives the session a new id on reauthentication, keeping its data, its sign-in and its absolute lifetime', async () => {
    app = await startTestApp({ guard: { warnAfter: 1000, expireAfter: 2000 } });
    const laptop = app.agent();
    const login = await laptop.post('/login').send({ username: 'alice' }).expect(200);
    const { sid } = login.body as { sid: string };
    const cookieBefore = String(login.headers['set-cookie']?.[0]).split(';')[0]!;
    await laptop.post('/views').expect(200, { views: 1 });
    app.clock.advance(601);
    await laptop.post('/reauthenticate').expect(200);
    const sessions = await app.registry.list('alice');
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.sessionId).not.toBe(sid);
    expect(sessions[0]!.createdAt).toBe(T0);
    const me = await laptop.get('/api/me').expect(200);
    expect(me.body).toMatchObject({ username: 'alice', views: 1 });
    // The cookie from before the proof no longer opens anything.
    await app.request().get('/api/me').set('Cookie', cookieBefore).expect(401);
  });

  it('guards the app\'s own sensitive routes with requireRecentSignIn: 401 signed out, 403 when stale, through after reauthentication', async () => {
    app = await startTestApp({ guard: { warnAfter: 1000, expireAfter: 2000 } });
    await app.request().post('/sensitive').expect(401, /unauthenticated/);
    const laptop = app.agent();
    await signIn(laptop, 'alice');
    await laptop.post('/sensitive').expect(200, { done: true });
    app.clock.advance(601);
    await laptop.post('/sensitive').expect(403, /reauthentication_required/);
    await laptop.post('/reauthenticate').expect(200);
    await laptop.post('/sensitive').expect(200, { done: true });
    expect(() => app.guard.requireRecentSignIn(0)).toThrowError(/`withinSeconds`/);
  });

  it('is protected against CSRF: header required, cross-site origin refused', async () => {
    const { laptop, phone, list } = await twoDevices();
    const other = (await list()).find((s) => !s.current)!;
    await laptop.delete(`/session/sessions/${other.publicId}`).expect(403, /csrf_failed/);
    await laptop.delete(`/session/sessions/${other.publicId}`).set(SDK).set('Origin', 'https://evil.example').expect(403, /csrf_failed/);
    await laptop.delete('/session/sessions').set('Origin', app.origin).expect(403, /csrf_failed/);
    await phone.get('/api/me').expect(200);
  });

  it('is rate limited per user and IP (429 with Retry-After)', async () => {
    const { laptop } = await twoDevices({ guard: { warnAfter: 1000, expireAfter: 2000, rateLimit: { windowMs: 60_000, max: 3 } } });
    for (let i = 0; i < 3; i += 1) await laptop.delete(`/session/sessions/${'B'.repeat(43)}`).set(SDK).expect(404);
    const limited = await laptop.delete(`/session/sessions/${'B'.repeat(43)}`).set(SDK).expect(429);
    expect(limited.body.error).toBe('rate_limited');
    expect(limited.headers['retry-after']).toBe('60');
    // Another user is not affected; the window passes.
    const bob = app.agent();
    await signIn(bob, 'bob');
    await bob.delete('/session/sessions').set(SDK).expect(200);
    app.clock.advance(60);
    await laptop.post('/reauthenticate').expect(200);
    await laptop.delete(`/session/sessions/${'B'.repeat(43)}`).set(SDK).expect(404);
  });
});

describe('DELETE /sessions', () => {
  it('revokes every other session of the user and keeps the current one', async () => {
    const { laptop, phone } = await twoDevices();
    const third = app.agent();
    await signIn(third, 'alice');
    const bob = app.agent();
    await signIn(bob, 'bob');
    await laptop.delete('/session/sessions').set(SDK).expect(200, { revoked: 2 });
    await laptop.get('/api/me').expect(200);
    await phone.get('/api/me').set(SDK).expect(401, /session_revoked/);
    await third.get('/api/me').set(SDK).expect(401, /session_revoked/);
    await bob.get('/api/me').expect(200);
  });
});
