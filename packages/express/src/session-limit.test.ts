import { afterEach, describe, expect, it } from 'vitest';
import { SDK, startTestApp, type TestApp } from './test-app.js';
import { expectNothingPrivate } from './test-leaks.js';

let app: TestApp;
afterEach(async () => {
  await app?.close();
});

const UA = {
  laptop: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  phone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  tablet: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
};

const reasons = () => app.events.filter((e) => e.name === 'session.revoked').map((e) => ('reason' in e.event ? e.event.reason : null));
const login = (agent: ReturnType<TestApp['agent']>, username: string, ua = UA.laptop) => agent.post('/login').set('User-Agent', ua).send({ username });

describe('maxSessions with evict-oldest (the default)', () => {
  it('a sign-in over the limit ends the least recently active session, reason session_limit', async () => {
    app = await startTestApp({ guard: { maxSessions: 2 } });
    const a = app.agent();
    const b = app.agent();
    const c = app.agent();
    await login(a, 'alice').expect(200);
    app.clock.advance(5);
    await login(b, 'alice').expect(200);
    app.clock.advance(5);
    // a is used again: b is now the least recently active.
    await a.get('/api/me').expect(200);
    app.clock.advance(5);
    await login(c, 'alice').expect(200);
    await a.get('/api/me').expect(200);
    await b.get('/api/me').set(SDK).expect(401, /session_revoked/);
    await c.get('/api/me').expect(200);
    expect(reasons()).toEqual(['session_limit']);
    expect(await app.registry.list('alice')).toHaveLength(2);
  });

  it('maxSessions may be a function of the user', async () => {
    app = await startTestApp({ guard: { maxSessions: (userId) => (userId === 'admin' ? 1 : 3) } });
    for (let i = 0; i < 3; i += 1) await login(app.agent(), 'admin').expect(200);
    for (let i = 0; i < 4; i += 1) await login(app.agent(), 'alice').expect(200);
    expect(await app.registry.list('admin')).toHaveLength(1);
    expect(await app.registry.list('alice')).toHaveLength(3);
  });

  it('30 concurrent sign-ins of one user never leave more than N live sessions, and every one is listed or was ended', async () => {
    app = await startTestApp({ guard: { maxSessions: 3 } });
    const agents = Array.from({ length: 30 }, () => app.agent());
    const answers = await Promise.all(agents.map((agent) => login(agent, 'alice')));
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
    const listed = await app.registry.list('alice');
    expect(listed).toHaveLength(3);
    const alive = (await Promise.all(agents.map((agent) => agent.get('/api/me')))).filter((r) => r.status === 200);
    expect(alive).toHaveLength(3);
    expect(reasons().filter((r) => r === 'session_limit')).toHaveLength(27);
  });

  it('refuses a bad maxSessions at start-up, and a bad answer of its function at sign-in (nothing signed in, logged)', async () => {
    app = await startTestApp();
    await expect(app.rebuildGuard({ maxSessions: 0 })).rejects.toThrow(/maxSessions/);
    await expect(app.rebuildGuard({ sessionLimit: 'evict' as never })).rejects.toThrow(/sessionLimit/);
    await app.rebuildGuard({ maxSessions: () => -1 });
    const agent = app.agent();
    await login(agent, 'alice').expect(500);
    expect(await app.registry.list('alice')).toEqual([]);
    expect(app.logs.some((line) => line.level === 'error' && /maxSessions/.test(line.message))).toBe(true);
  });
});

describe("maxSessions with 'deny'", () => {
  it('the sign-in over the limit is refused with 409 session_limit; nothing is signed in; the others live on', async () => {
    app = await startTestApp({ guard: { maxSessions: 1, sessionLimit: 'deny' } });
    const a = app.agent();
    const b = app.agent();
    await login(a, 'alice').expect(200);
    const refused = await login(b, 'alice').expect(409);
    expect(refused.body).toEqual({ error: 'session_limit', message: expect.any(String) });
    await b.get('/api/me').expect(401);
    await a.get('/api/me').expect(200);
    expect(await app.registry.list('alice')).toHaveLength(1);
    expect(reasons()).toEqual([]);
  });

  it('guard.login throws a SessionLimitError the app can map', async () => {
    app = await startTestApp({ guard: { maxSessions: 1, sessionLimit: 'deny' } });
    const { isSessionLimitError, SessionLimitError } = await import('./errors.js');
    await login(app.agent(), 'alice').expect(200);
    let thrown: unknown;
    app.app.post('/login-raw', (req, res) => {
      app.guard.login(req, 'alice').then(
        () => res.json({}),
        (error: unknown) => {
          thrown = error;
          res.status(299).json({});
        },
      );
    });
    // Registered after the error handlers: reached only because nothing before matched.
    await app.agent().post('/login-raw').expect(299);
    expect(isSessionLimitError(thrown)).toBe(true);
    expect(thrown).toBeInstanceOf(SessionLimitError);
    expect((thrown as InstanceType<typeof SessionLimitError>).code).toBe('session_limit');
  });
});

describe("maxSessions with 'ask'", () => {
  type Asked = { error: string; sessions: Array<Record<string, unknown>>; token: string };

  async function overLimit() {
    app = await startTestApp({ guard: { maxSessions: 2, sessionLimit: 'ask' } });
    const laptop = app.agent();
    const phone = app.agent();
    await login(laptop, 'alice', UA.laptop).expect(200);
    app.clock.advance(1);
    await login(phone, 'alice', UA.phone).expect(200);
    const tablet = app.agent();
    const asked = await login(tablet, 'alice', UA.tablet).expect(409);
    return { laptop, phone, tablet, asked: asked.body as Asked };
  }

  const limitPost = (agent: ReturnType<TestApp['agent']>, body: unknown) =>
    agent.post('/session/sessions/limit').set(SDK).set('User-Agent', UA.tablet).send(body as object);

  it('answers 409 with the other sessions (public id, browser, OS, device, last active) and a token; nothing is signed in', async () => {
    const { tablet, asked } = await overLimit();
    expect(asked.error).toBe('session_limit');
    expect(typeof asked.token).toBe('string');
    expect(asked.token.length).toBeGreaterThanOrEqual(32);
    const publicIds = (await app.registry.list('alice')).map((r) => r.publicId);
    expect(asked.sessions.map((s) => s.publicId).sort()).toEqual(publicIds.sort());
    expect(asked.sessions[0]).toEqual({
      publicId: expect.any(String),
      browser: expect.any(String),
      os: expect.any(String),
      device: expect.any(String),
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      lastActivity: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expectNothingPrivate(asked, await app.registry.list('alice'));
    await tablet.get('/api/me').expect(401);
    expect(await app.registry.list('alice')).toHaveLength(2);
  });

  it('with the token, ending one session completes the sign-in without the password; the token works once', async () => {
    const { laptop, phone, tablet, asked } = await overLimit();
    const laptopId = asked.sessions.find((s) => s.browser?.toString().startsWith('Firefox'))!.publicId as string;
    const done = await limitPost(tablet, { token: asked.token, end: [laptopId] }).expect(200);
    expect(done.body).toEqual({ signedIn: true, publicId: expect.any(String), ended: 1 });
    expect((await tablet.get('/api/me').expect(200)).body.username).toBe('alice');
    await laptop.get('/api/me').set(SDK).expect(401, /session_revoked/);
    await phone.get('/api/me').expect(200);
    expect(reasons()).toEqual(['session_limit']);
    // Reused: refused, changes nothing.
    const again = await limitPost(tablet, { token: asked.token, end: [done.body.publicId] }).expect(400);
    expect(again.body.error).toBe('session_limit_token_invalid');
    await phone.get('/api/me').expect(200);
    expect(await app.registry.list('alice')).toHaveLength(2);
  });

  it("a token from another browser, a forged, an expired or an empty one is refused and changes nothing", async () => {
    const { phone, tablet, asked } = await overLimit();
    const target = asked.sessions[0]!.publicId as string;
    // The token is bound to the pending sign-in (its browser's session): another browser cannot use it.
    const stranger = app.agent();
    await limitPost(stranger, { token: asked.token, end: [target] }).expect(400, /session_limit_token_invalid/);
    await limitPost(tablet, { token: asked.token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), end: [target] }).expect(400, /session_limit_token_invalid/);
    await limitPost(tablet, { token: '', end: [target] }).expect(400, /invalid_parameter/);
    await limitPost(tablet, { token: asked.token, end: 'all' }).expect(400, /invalid_parameter/);
    await limitPost(tablet, { token: asked.token, end: ['not-a-public-id'] }).expect(400, /invalid_parameter/);
    expect(await app.registry.list('alice')).toHaveLength(2);
    await phone.get('/api/me').expect(200);
    // Past sessionLimitTokenTtl (300 s): refused, and nothing signed in (the other sessions expired idle meanwhile).
    app.clock.advance(301);
    await limitPost(tablet, { token: asked.token, end: [target] }).expect(400, /session_limit_token_invalid/);
    await tablet.get('/api/me').expect(401);
    expect(reasons().filter((r) => r === 'session_limit')).toEqual([]);
  });

  it('past sessionLimitTokenTtl the token is refused and nothing changes, while the other sessions live on', async () => {
    app = await startTestApp({ guard: { maxSessions: 1, sessionLimit: 'ask', sessionLimitTokenTtl: 20 } });
    const laptop = app.agent();
    await login(laptop, 'alice').expect(200);
    const tablet = app.agent();
    const asked = (await login(tablet, 'alice', UA.tablet).expect(409)).body as Asked;
    app.clock.advance(21);
    await limitPost(tablet, { token: asked.token, end: [asked.sessions[0]!.publicId] }).expect(400, /session_limit_token_invalid/);
    await laptop.get('/api/me').expect(200);
    await tablet.get('/api/me').expect(401);
    expect(await app.registry.list('alice')).toHaveLength(1);
    expect(reasons()).toEqual([]);
    await expect(app.rebuildGuard({ sessionLimitTokenTtl: -1 })).rejects.toThrow(/sessionLimitTokenTtl/);
  });

  it("another user's session cannot be ended with the token (404, nothing changes, the token stays usable)", async () => {
    const { tablet, asked } = await overLimit();
    const bob = app.agent();
    await login(bob, 'bob').expect(200);
    const bobsId = (await app.registry.list('bob'))[0]!.publicId;
    await limitPost(tablet, { token: asked.token, end: [bobsId] }).expect(404, /not_found/);
    await bob.get('/api/me').expect(200);
    expect(await app.registry.list('alice')).toHaveLength(2);
    await limitPost(tablet, { token: asked.token, end: [asked.sessions[0]!.publicId] }).expect(200);
  });

  it('is CSRF-protected like the other state-changing endpoints', async () => {
    const { tablet, asked } = await overLimit();
    await tablet
      .post('/session/sessions/limit')
      .set('Origin', 'https://evil.example')
      .send({ token: asked.token, end: [asked.sessions[0]!.publicId] })
      .expect(403, /csrf_failed/);
    expect(await app.registry.list('alice')).toHaveLength(2);
  });

  it('concurrent uses of one token: exactly one completes', async () => {
    const { tablet, asked } = await overLimit();
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => limitPost(tablet, { token: asked.token, end: [asked.sessions[0]!.publicId] })),
    );
    expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
    expect(answers.filter((r) => r.status !== 200).every((r) => r.status >= 400 && r.status < 500)).toBe(true);
    expect(await app.registry.list('alice')).toHaveLength(2);
  });
});

describe('maxSessions with the app\u2019s own login (getUserId, Passport)', () => {
  it("'deny' (and 'ask', which acts as it) refuses Passport's sign-in with 409 session_limit, and nothing is stored or adopted later", async () => {
    const { startPassportApp } = await import('./passport-test-app.js');
    for (const sessionLimit of ['deny', 'ask'] as const) {
      const passportApp = await startPassportApp({ guard: { maxSessions: 1, sessionLimit } });
      try {
        const first = passportApp.agent();
        await passportApp.signIn(first, 'alice').expect(200);
        const second = passportApp.agent();
        const refused = await passportApp.signIn(second, 'alice').expect(409);
        expect(refused.body).toEqual({ error: 'session_limit', message: expect.any(String) });
        expect((await second.get('/api/me').expect(200)).body).toMatchObject({ passportUser: null, guardUser: null });
        expect(await passportApp.registry.list('alice')).toHaveLength(1);
        expect(Object.values(await passportApp.storedSessions()).filter((data) => (data as { passport?: unknown }).passport)).toHaveLength(1);
        expect((await first.get('/api/me').expect(200)).body.guardUser).toBe('alice');
      } finally {
        await passportApp.close();
      }
    }
  });

  it("'evict-oldest' ends the least recently active session on Passport's sign-in too", async () => {
    const { startPassportApp } = await import('./passport-test-app.js');
    const passportApp = await startPassportApp({ guard: { maxSessions: 1 } });
    try {
      const first = passportApp.agent();
      await passportApp.signIn(first, 'alice').expect(200);
      const second = passportApp.agent();
      await passportApp.signIn(second, 'alice').expect(200);
      expect((await second.get('/api/me').expect(200)).body.guardUser).toBe('alice');
      await first.get('/api/me').set(SDK).expect(401, /session_revoked/);
      expect(passportApp.events.filter((e) => e.name === 'session.revoked').map((e) => (e.event as { reason: string }).reason)).toEqual(['session_limit']);
    } finally {
      await passportApp.close();
    }
  });
});
