/**
 * Issue 15 over HTTP (real Express, express-session and the guard) on every
 * registry: the memory registry, a real Redis (the Redis registry and the
 * sessionguard store) and the store on a real 3-master Redis Cluster.
 * Session limits (evict-oldest, deny, ask), the timing policy per user, and
 * new-device notices, each as a user sees them; concurrency included.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SDK, startTestApp, type TestApp, type TestAppOptions } from '../../packages/express/src/test-app.js';
import { expectNothingPrivate } from '../../packages/express/src/test-leaks.js';
import { useRegistryKinds } from '../support/registry-kinds.js';

const kinds = useRegistryKinds('limits');

type Agent = ReturnType<TestApp['agent']>;

describe.each(kinds)('issue 15 on the $name', (kind) => {
  let app: TestApp;
  let cleanup: () => Promise<void> = async () => {};
  afterEach(async () => {
    await app?.close();
    await cleanup();
  });

  /** Starts the test app on this kind's registry with `guard` options; the clock is the app's. */
  const start = async (guard: TestAppOptions['guard'] = {}) => {
    let clock: () => number = () => Date.now();
    const made = kind.make(() => clock());
    cleanup = made.cleanup;
    app = await startTestApp({ guard: { ...made.options, ...guard }, sessionOptions: made.sessionOptions, ...(made.startAt ? { startAt: made.startAt } : {}) });
    clock = app.clock.now;
    return app;
  };
  const signIn = (agent: Agent, username = 'alice') => agent.post('/login').send({ username });
  const me = (agent: Agent) => agent.get('/api/me').set(SDK);
  const ping = (agent: Agent, idleFor = 0) => agent.post('/session/ping').set(SDK).send({ idleFor });
  const revokedReasons = () => app.events.filter((e) => e.name === 'session.revoked').map((e) => (e.event as { reason: string }).reason);

  describe("maxSessions with sessionLimit 'evict-oldest' (the default)", () => {
    it('a sign-in over the limit ends the least recently active session, reason session_limit', async () => {
      await start({ maxSessions: 2 });
      const [a, b, c] = [app.agent(), app.agent(), app.agent()];
      await signIn(a).expect(200);
      app.clock.advance(1);
      await signIn(b).expect(200);
      app.clock.advance(1);
      // a is used again: b is now the least recently active.
      await me(a).expect(200);
      app.clock.advance(1);
      await signIn(c).expect(200);
      expect((await me(b).expect(401)).body.error).toBe('session_revoked');
      await me(a).expect(200);
      await me(c).expect(200);
      expect(revokedReasons()).toEqual(['session_limit']);
    });

    it('takes maxSessions as a function of the user', async () => {
      await start({ maxSessions: (userId: string) => (userId === 'admin' ? 1 : 3) });
      const admins = [app.agent(), app.agent()];
      for (const agent of admins) await signIn(agent, 'admin').expect(200);
      await me(admins[0]!).expect(401);
      await me(admins[1]!).expect(200);
      const users = [app.agent(), app.agent(), app.agent()];
      for (const agent of users) await signIn(agent).expect(200);
      for (const agent of users) await me(agent).expect(200);
    });

    it('30 concurrent sign-ins of one user leave exactly N live sessions, every other one ended', async () => {
      await start({ maxSessions: 3, rateLimit: false });
      const agents = Array.from({ length: 30 }, () => app.agent());
      const answers = await Promise.all(agents.map((agent) => signIn(agent)));
      expect(answers.map((res) => res.status)).toEqual(agents.map(() => 200));
      const live = (await Promise.all(agents.map((agent) => me(agent)))).filter((res) => res.status === 200);
      expect(live).toHaveLength(3);
      expect(await app.guard.registry.list('alice')).toHaveLength(3);
      expect(revokedReasons().filter((reason) => reason === 'session_limit')).toHaveLength(27);
    });
  });

  describe("sessionLimit 'deny'", () => {
    it('refuses a sign-in over the limit with 409 session_limit, and nothing is signed in', async () => {
      await start({ maxSessions: 2, sessionLimit: 'deny' });
      const [a, b, c] = [app.agent(), app.agent(), app.agent()];
      await signIn(a).expect(200);
      await signIn(b).expect(200);
      const refused = await signIn(c).expect(409);
      expect(refused.body).toEqual({ error: 'session_limit', message: expect.any(String) });
      expect((await me(c).expect(401)).body.error).toBe('unauthenticated');
      await me(a).expect(200);
      await me(b).expect(200);
      expect(await app.guard.registry.list('alice')).toHaveLength(2);
      expect(revokedReasons()).toEqual([]);
    });

    it('30 concurrent sign-ins of one user: exactly N get in, the rest 409', async () => {
      await start({ maxSessions: 3, sessionLimit: 'deny', rateLimit: false });
      const agents = Array.from({ length: 30 }, () => app.agent());
      const answers = await Promise.all(agents.map((agent) => signIn(agent)));
      expect(answers.filter((res) => res.status === 200)).toHaveLength(3);
      expect(answers.filter((res) => res.status === 409)).toHaveLength(27);
      const live = (await Promise.all(agents.map((agent) => me(agent)))).filter((res) => res.status === 200);
      expect(live).toHaveLength(3);
      expect(await app.guard.registry.list('alice')).toHaveLength(3);
    });
  });

  describe("sessionLimit 'ask': the user picks which session to end", () => {
    /** Two sessions of alice, then a third sign-in answered 409 with the list and a token. */
    const overTheLimit = async (guard: TestAppOptions['guard'] = {}) => {
      await start({ maxSessions: 2, sessionLimit: 'ask', ...guard });
      const [a, b, c] = [app.agent(), app.agent(), app.agent()];
      await signIn(a).set('User-Agent', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0').expect(200);
      app.clock.advance(1);
      await signIn(b).expect(200);
      const publicOf = async (agent: Agent) => (await me(agent).expect(200)).body.publicId as string;
      const [pa, pb] = [await publicOf(a), await publicOf(b)];
      const refused = await signIn(c).expect(409);
      return { a, b, c, pa, pb, refused };
    };
    const complete = (agent: Agent, body: object) => agent.post('/session/sessions/limit').set(SDK).send(body);

    it('answers 409 with the other sessions (public ids, browser, OS, device, last activity) and a token; nothing is signed in yet', async () => {
      const { c, pa, pb, refused } = await overTheLimit();
      expect(refused.body).toMatchObject({ error: 'session_limit', token: expect.stringMatching(/^[A-Za-z0-9_-]{20,}$/) });
      const sessions = refused.body.sessions as Array<Record<string, unknown>>;
      expect(sessions.map((s) => s.publicId).sort()).toEqual([pa, pb].sort());
      const firefox = sessions.find((s) => s.publicId === pa)!;
      expect(firefox).toMatchObject({ browser: 'Firefox 140', os: 'Windows 10', device: 'desktop', lastActivity: expect.any(String), createdAt: expect.any(String) });
      expectNothingPrivate(refused.body, await app.guard.registry.list('alice'));
      expect((await me(c).expect(401)).body.error).toBe('unauthenticated');
      expect(await app.guard.registry.list('alice')).toHaveLength(2);
    });

    it('with the token, ending one session completes the sign-in without the password; the ended one is told session_revoked', async () => {
      const { a, b, c, pa, refused } = await overTheLimit();
      const done = await complete(c, { token: refused.body.token, end: [pa] }).expect(200);
      expect(done.body).toMatchObject({ signedIn: true, ended: 1 });
      await me(c).expect(200);
      await me(b).expect(200);
      expect((await me(a).expect(401)).body.error).toBe('session_revoked');
      expect(revokedReasons()).toEqual(['session_limit']);
      expect(app.events.filter((e) => e.name === 'session.created')).toHaveLength(3);
    });

    it('a reused token changes nothing (400 session_limit_token_invalid)', async () => {
      const { b, c, pa, pb, refused } = await overTheLimit();
      await complete(c, { token: refused.body.token, end: [pa] }).expect(200);
      const again = await complete(c, { token: refused.body.token, end: [pb] }).expect(400);
      expect(again.body.error).toBe('session_limit_token_invalid');
      await me(b).expect(200);
    });

    it('an expired token changes nothing', async () => {
      const { a, b, c, pa, refused } = await overTheLimit({ sessionLimitTokenTtl: 20 });
      app.clock.advance(21);
      const expired = await complete(c, { token: refused.body.token, end: [pa] }).expect(400);
      expect(expired.body.error).toBe('session_limit_token_invalid');
      expect((await me(c).expect(401)).body.error).toBe('unauthenticated');
      await me(a).expect(200);
      await me(b).expect(200);
    });

    it("a token used from another browser, or with another user's session, changes nothing", async () => {
      const { b, c, pa, refused } = await overTheLimit();
      const bob = app.agent();
      await signIn(bob, 'bob').expect(200);
      const bobsSession = (await me(bob).expect(200)).body.publicId as string;
      // Another browser (another session) cannot use it, even with alice's public ids.
      const elsewhere = app.agent();
      expect((await complete(elsewhere, { token: refused.body.token, end: [pa] }).expect(400)).body.error).toBe('session_limit_token_invalid');
      // Bob's session is not one of alice's: not found, nothing ended, and the token still works after.
      expect((await complete(c, { token: refused.body.token, end: [bobsSession] }).expect(404)).body.error).toBe('not_found');
      await me(bob).expect(200);
      expect(revokedReasons()).toEqual([]);
      await complete(c, { token: refused.body.token, end: [pa] }).expect(200);
      await me(b).expect(200);
    });

    it('bad input is refused with an error code and changes nothing; the endpoint needs the CSRF header', async () => {
      const { c, pa, refused } = await overTheLimit();
      await c.post('/session/sessions/limit').send({ token: refused.body.token, end: [pa] }).expect(403);
      for (const body of [{}, { token: refused.body.token }, { token: refused.body.token, end: [] }, { token: 5, end: [pa] }, { token: refused.body.token, end: ['not a public id!'] }, { token: refused.body.token, end: [pa], extra: 1 }]) {
        const res = await complete(c, body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(['invalid_body', 'invalid_parameter']).toContain(res.body.error);
      }
      expect(revokedReasons()).toEqual([]);
      await complete(c, { token: refused.body.token, end: [pa] }).expect(200);
    });
  });

  describe('the timing policy per user', () => {
    const perUser = { policyFor: (userId: string) => (userId === 'admin' ? { warnAfter: 100, expireAfter: 130 } : undefined) };

    it("the ping answers each user's own policy, and the server enforces it", async () => {
      await start(perUser);
      const [admin, alice] = [app.agent(), app.agent()];
      await signIn(admin, 'admin').expect(200);
      await signIn(alice).expect(200);
      expect((await ping(admin).expect(200)).body).toMatchObject({ warnAfter: 100, expireAfter: 130 });
      expect((await ping(alice).expect(200)).body).toMatchObject({ warnAfter: 30, expireAfter: 60 });
      app.clock.advance(90);
      expect((await me(alice).expect(401)).body.error).toBe('session_expired');
      await me(admin).expect(200);
      app.clock.advance(131);
      expect((await me(admin).expect(401)).body.error).toBe('session_expired');
    });

    it('timing options may be functions of the user, falling back to the preset', async () => {
      await start({
        preset: 'aal2',
        warnAfter: (userId: string) => (userId === 'admin' ? 100 : undefined),
        expireAfter: (userId: string) => (userId === 'admin' ? 130 : undefined),
        absoluteTimeout: undefined,
      });
      const [admin, alice] = [app.agent(), app.agent()];
      await signIn(admin, 'admin').expect(200);
      await signIn(alice).expect(200);
      expect((await ping(admin).expect(200)).body).toMatchObject({ warnAfter: 100, expireAfter: 130 });
      expect((await ping(alice).expect(200)).body).toMatchObject({ warnAfter: 3300, expireAfter: 3600 });
      app.clock.advance(131);
      expect((await me(admin).expect(401)).body.error).toBe('session_expired');
      await me(alice).expect(200);
    });

    it('a policy under the 20 s WCAG minimum refuses the sign-in with a logged error, and is never applied', async () => {
      await start({ policyFor: (userId: string) => (userId === 'admin' ? { warnAfter: 50 } : undefined) });
      const admin = app.agent();
      const res = await signIn(admin, 'admin');
      expect(res.status).toBe(500);
      expect((await me(admin).expect(401)).body.error).toBe('unauthenticated');
      expect(await app.guard.registry.list('admin')).toEqual([]);
      expect(app.logs.some((line) => line.level === 'error' && /warnAfter/.test(line.message))).toBe(true);
      await signIn(app.agent()).expect(200);
    });
  });

  describe('new-device notices', () => {
    const deviceCookie = (res: { headers: Record<string, unknown> }): string | undefined =>
      ((res.headers['set-cookie'] as string[] | undefined) ?? []).find((line) => line.startsWith('sessionguard.device='));

    it("a sign-in from a new device reaches the user's other sessions once, at their next ping; a known device gives none", async () => {
      await start({ deviceNotices: true });
      const laptop = app.agent();
      const first = await signIn(laptop).expect(200);
      const cookie = deviceCookie(first)!;
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      expect(cookie).toMatch(/Max-Age=\d{7,}/);
      expect((await ping(laptop).expect(200)).body.notices ?? []).toEqual([]);
      const phone = app.agent();
      await signIn(phone).set('User-Agent', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0').expect(200);
      const phoneSession = (await me(phone).expect(200)).body.publicId as string;
      const created = app.events.filter((e) => e.name === 'session.created').map((e) => (e.event as { newDevice?: boolean }).newDevice);
      expect(created).toEqual([true, true]);
      const told = (await ping(laptop).expect(200)).body.notices;
      expect(told).toEqual([{ publicId: phoneSession, browser: 'Firefox 140', os: 'Windows 10', device: 'desktop', ago: expect.any(Number) }]);
      // Each notice once per session; the new session itself is not told of itself.
      expect((await ping(laptop).expect(200)).body.notices ?? []).toEqual([]);
      expect((await ping(phone).expect(200)).body.notices ?? []).toEqual([]);
      // Revoking from the notice: the existing endpoint, by public id.
      await laptop.delete(`/session/sessions/${phoneSession}`).set(SDK).expect(200);
      expect((await me(phone).expect(401)).body.error).toBe('session_revoked');
      // The laptop signs in again: a known device, no notice.
      await laptop.post('/logout').expect(200);
      const other = app.agent();
      await signIn(other).expect(200);
      await ping(other).expect(200);
      await signIn(laptop).expect(200);
      expect(app.events.filter((e) => e.name === 'session.created').map((e) => (e.event as { newDevice?: boolean }).newDevice)).toEqual([true, true, true, false]);
      expect((await ping(other).expect(200)).body.notices ?? []).toEqual([]);
    });
  });
});
