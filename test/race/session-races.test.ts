/**
 * Issue 10, parts 1-4: an ended session stays ended under every race and slow
 * request. Real Express, real express-session, the guard, and each registry:
 * the memory registry, a real Redis (the Redis registry and the sessionguard
 * store), and the store on a real 3-master Redis Cluster. Each race is pinned
 * down with gates (the test decides which step lands first), never with sleeps.
 */
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { gate, SDK, startTestApp, type TestApp, type TestAppOptions } from '../../packages/express/src/test-app.js';
import { useRegistryKinds } from '../support/registry-kinds.js';

const kinds = useRegistryKinds('race');

/** The session cookie a response set, as a `Cookie` header value. */
function cookieOf(res: { headers: Record<string, unknown> }): string {
  const setCookie = res.headers['set-cookie'] as string[] | undefined;
  const cookie = setCookie?.find((line) => line.startsWith('connect.sid='));
  if (!cookie) throw new Error('no session cookie was set');
  return cookie.split(';')[0]!;
}

/**
 * A request whose headers go out now and whose body follows when the test
 * calls `finish()`: the server checks the session at the start, then waits
 * for the body, as with a slow upload or a held connection.
 */
function heldRequest(origin: string, path: string, cookie: string, body: unknown) {
  const url = new URL(path, origin);
  const text = JSON.stringify(body);
  const req = httpRequest({
    host: url.hostname,
    port: url.port,
    method: 'POST',
    path: url.pathname,
    headers: { ...SDK, Cookie: cookie, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) },
  });
  const response = new Promise<{ status: number; body: { error?: string } & Record<string, unknown>; setCookie: string[] }>(
    (resolve, reject) => {
      req.on('response', (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (data += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: data ? JSON.parse(data) : {}, setCookie: (res.headers['set-cookie'] as string[]) ?? [] }),
        );
      });
      req.on('error', reject);
    },
  );
  req.flushHeaders();
  return { finish: () => req.end(text), response };
}

describe.each(kinds)('races on the $name', (kind) => {
  let app: TestApp;
  let cleanup: () => Promise<void> = async () => {};
  const start = async (extra: Partial<TestAppOptions> = {}) => {
    let clock: () => number = Date.now;
    const made = kind.make(() => clock());
    cleanup = made.cleanup;
    app = await startTestApp({
      useAuthHash: true,
      ...extra,
      startAt: made.startAt,
      sessionOptions: { ...made.sessionOptions, ...extra.sessionOptions },
      guard: { ...made.options, ...extra.guard },
    });
    clock = app.clock.now;
    return app;
  };
  afterEach(async () => {
    await app?.close();
    await cleanup();
  });

  /** Holds the next request that reaches the test app's hook `name` there, until `release()`. */
  const holdAt = (name: keyof TestApp['hooks']) => {
    const held = gate();
    const reached = gate();
    app.hooks[name] = async () => {
      reached.open();
      await held.opened;
    };
    return { reached: reached.opened, release: held.open };
  };
  const signInCookie = async (username: string, path = '/login') => cookieOf(await app.request().post(path).send({ username }).expect(200));
  const me = (cookie: string) => app.request().get('/api/me').set(SDK).set('Cookie', cookie);

  describe('part 1: a sign-in racing a password change', () => {
    it('a session bound to the old password ends at its next request, over repeated trials', async () => {
      await start();
      let victim = await signInCookie('alice');
      for (let trial = 0; trial < 5; trial += 1) {
        // Ten sign-ins check the current password and are held just after the check.
        const held = gate();
        const allArrived = gate();
        let arrived = 0;
        app.hooks.afterVerify = async () => {
          arrived += 1;
          if (arrived === 10) allArrived.open();
          await held.opened;
        };
        const raced = Promise.all(Array.from({ length: 10 }, () => app.request().post('/login-verified').send({ username: 'alice' }).then((res) => res)));
        await allArrived.opened;
        // The victim changes the password while they are held; their own session lives on under a new id.
        const change = await app.request().post('/password').set('Cookie', victim).send({ hash: `hash-${trial}` }).expect(200);
        victim = cookieOf(change);
        app.hooks.afterVerify = async () => {};
        held.open();
        let alive = 0;
        for (const res of await raced) {
          expect(res.body.verified).not.toBe(`hash-${trial}`);
          if ((await me(cookieOf(res))).status === 200) alive += 1;
        }
        expect(alive).toBe(0);
        await me(victim).expect(200);
        // A sign-in that checked the new password works.
        await me(await signInCookie('alice', '/login-verified')).expect(200);
      }
    });
  });

  describe('part 2: renewing a session that was revoked meanwhile', () => {
    it('passwordChanged after an admin "sign out everywhere" creates nothing and answers session_revoked', async () => {
      await start();
      const cookie = await signInCookie('alice');
      const { reached, release } = holdAt('beforePasswordChange');
      const change = app.request().post('/password').set('Cookie', cookie).send({ hash: 'new' }).then((res) => res);
      await reached;
      await app.guard.revokeUser('alice');
      release();
      const res = await change;
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('session_revoked');
      expect(await app.guard.registry.list('alice')).toEqual([]);
      await me(cookie).expect(401);
      const renewed = (res.headers['set-cookie'] as string[] | undefined)?.find((line) => line.startsWith('connect.sid='));
      if (renewed) await me(renewed.split(';')[0]!).expect(401);
    });

    it('passwordChanged after "sign out other sessions" on another device creates nothing', async () => {
      await start();
      const laptop = await signInCookie('alice');
      const phone = await signInCookie('alice');
      const { reached, release } = holdAt('beforePasswordChange');
      const change = app.request().post('/password').set('Cookie', laptop).send({ hash: 'new' }).then((res) => res);
      await reached;
      const signOut = await app.request().delete('/session/sessions').set(SDK).set('Cookie', phone);
      expect(signOut.body).toEqual({ revoked: 1 });
      release();
      expect((await change).status).toBe(401);
      // The app did store the new password, so the phone's session (bound to the old one) ends too; nothing new exists.
      expect(await app.guard.registry.list('alice')).toEqual([]);
      await me(phone).expect(401);
      await me(laptop).expect(401);
    });

    it('reauthenticated after a revocation creates nothing and answers session_revoked', async () => {
      await start();
      const cookie = await signInCookie('alice');
      const { reached, release } = holdAt('beforeReauthenticate');
      const step = app.request().post('/reauthenticate').set('Cookie', cookie).then((res) => res);
      await reached;
      await app.guard.revokeUser('alice');
      release();
      const res = await step;
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('session_revoked');
      expect(await app.guard.registry.list('alice')).toEqual([]);
    });

    it('login over a session revoked meanwhile creates exactly one session and announces the old end once', async () => {
      await start();
      const cookie = await signInCookie('alice');
      const { reached, release } = holdAt('afterVerify');
      const login = app.request().post('/login-verified').set('Cookie', cookie).send({ username: 'alice' }).then((res) => res);
      await reached;
      await app.guard.revokeUser('alice');
      release();
      const res = await login;
      expect(res.status).toBe(200);
      expect(await app.guard.registry.list('alice')).toHaveLength(1);
      await me(cookieOf(res)).expect(200);
      expect(app.events.filter((e) => e.name === 'session.revoked')).toHaveLength(1);
    });
  });

  describe('part 3: a ping held open across expiry', () => {
    it('does not revive an idle-expired session', async () => {
      await start();
      const cookie = await signInCookie('alice');
      app.clock.advance(50);
      const arrived = app.passedGuard('/session/ping');
      const ping = heldRequest(app.origin, '/session/ping', cookie, { idleFor: 0 });
      await arrived;
      // The session expires (60 s idle) while the ping's body is still on its way.
      app.clock.advance(20);
      ping.finish();
      const res = await ping.response;
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('session_expired');
      await me(cookie).expect(401);
    });

    it('does not revive a session past its absolute lifetime', async () => {
      await start();
      const cookie = await signInCookie('alice');
      // Active all along, until just before the absolute limit (3600 s).
      for (let i = 0; i < 71; i += 1) {
        app.clock.advance(50);
        await me(cookie).expect(200);
      }
      const arrived = app.passedGuard('/session/ping');
      const ping = heldRequest(app.origin, '/session/ping', cookie, { idleFor: 0 });
      await arrived;
      app.clock.advance(60);
      ping.finish();
      const res = await ping.response;
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('session_expired');
    });
  });

  describe('part 4: acting after revocation', () => {
    it("the admin router refuses a revoke whose body arrives after the admin's session ended", async () => {
      await start({ guard: { canRevoke: () => true } });
      const admin = await signInCookie('admin');
      const bob = await signInCookie('bob');
      const arrived = app.passedGuard('/admin/sessions/revoke');
      const revoke = heldRequest(app.origin, '/admin/sessions/revoke', admin, { userIds: ['bob'] });
      await arrived;
      await app.guard.revokeUser('admin');
      revoke.finish();
      const res = await revoke.response;
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('session_revoked');
      await me(bob).expect(200);
    });

    it('guard.recheckSession stops an app route whose body arrives after revocation', async () => {
      await start();
      const cookie = await signInCookie('alice');
      const arrived = app.passedGuard('/notes');
      const save = heldRequest(app.origin, '/notes', cookie, { text: 'after revocation' });
      await arrived;
      await app.guard.revokeUser('alice');
      save.finish();
      const res = await save.response;
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('session_revoked');
      expect(app.notes.has('alice')).toBe(false);
    });

    it('guard.recheckSession stops an app route whose session expired while its body arrived', async () => {
      await start();
      const cookie = await signInCookie('alice');
      const arrived = app.passedGuard('/notes');
      const save = heldRequest(app.origin, '/notes', cookie, { text: 'after expiry' });
      await arrived;
      app.clock.advance(61);
      save.finish();
      const res = await save.response;
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('session_expired');
      expect(app.notes.has('alice')).toBe(false);
    });

    it('guard.recheckSession lets a live session act', async () => {
      await start();
      const cookie = await signInCookie('alice');
      await app.request().post('/notes').set(SDK).set('Cookie', cookie).send({ text: 'hello' }).expect(200);
      expect(app.notes.get('alice')).toBe('hello');
    });
  });
});
