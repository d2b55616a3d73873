import type { Request } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { SDK, signIn, startTestApp, type TestApp } from './test-app.js';

let app: TestApp;
afterEach(async () => {
  await app?.close();
});

/** Support staff may sign out ordinary users but not administrators; admins anyone. */
const canRevoke = (actor: string, target: string, _req: Request) =>
  actor === 'admin' || (actor === 'support' && target !== 'admin');

async function setUp(options: Parameters<typeof startTestApp>[0] = { guard: { canRevoke } }) {
  app = await startTestApp(options);
  const agents = Object.fromEntries(
    await Promise.all(
      ['admin', 'support', 'alice', 'bob'].map(async (user) => {
        const agent = app.agent();
        await signIn(agent, user);
        return [user, agent] as const;
      }),
    ),
  );
  return agents as Record<'admin' | 'support' | 'alice' | 'bob', ReturnType<TestApp['agent']>>;
}

const revoke = (agent: ReturnType<TestApp['agent']>, body: unknown) =>
  agent.post('/admin/sessions/revoke').set(SDK).send(body as object);

describe('POST /admin/sessions/revoke', () => {
  it('signs the users out everywhere and answers counts per user', async () => {
    const users = await setUp();
    const alice2 = app.agent();
    await signIn(alice2, 'alice');
    const res = await revoke(users.support, { userIds: ['alice', 'bob', 'nobody'] }).expect(200);
    expect(res.body).toEqual({ revoked: { alice: 2, bob: 1, nobody: 0 } });
    await users.alice.get('/api/me').set(SDK).expect(401, /session_revoked/);
    await alice2.get('/api/me').set(SDK).expect(401, /session_revoked/);
    await users.bob.get('/api/me').set(SDK).expect(401, /session_revoked/);
    await users.admin.get('/api/me').expect(200);
    expect(app.events.filter((e) => e.name === 'session.revoked').every((e) => 'reason' in e.event && e.event.reason === 'revoked_by_admin')).toBe(true);
  });

  it('refuses the whole request when one target is forbidden, and revokes nobody', async () => {
    const users = await setUp();
    await revoke(users.support, { userIds: ['alice', 'admin'] }).expect(403, /forbidden/);
    await users.alice.get('/api/me').expect(200);
    await users.admin.get('/api/me').expect(200);
    await revoke(users.alice, { userIds: ['bob'] }).expect(403, /forbidden/);
    await users.bob.get('/api/me').expect(200);
  });

  it('denies everyone by default', async () => {
    const users = await setUp({});
    await revoke(users.admin, { userIds: ['alice'] }).expect(403, /forbidden/);
    await users.alice.get('/api/me').expect(200);
  });

  it('passes the actor, the target and the request to canRevoke', async () => {
    const calls: Array<[string, string, boolean]> = [];
    const users = await setUp({
      guard: {
        canRevoke: (actor, target, req) => {
          calls.push([actor, target, typeof req.get === 'function']);
          return true;
        },
      },
    });
    await revoke(users.admin, { userIds: ['alice', 'alice'] }).expect(200);
    expect(calls).toEqual([['admin', 'alice', true]]);
  });

  it('answers 401 when signed out', async () => {
    app = await startTestApp({ guard: { canRevoke } });
    await app.request().post('/admin/sessions/revoke').set(SDK).send({ userIds: ['alice'] }).expect(401, /unauthenticated/);
  });

  it.each([
    ['no userIds', {}],
    ['an empty list', { userIds: [] }],
    ['a string', { userIds: 'alice' }],
    ['a non-string id', { userIds: [1] }],
    ['an empty id', { userIds: [''] }],
    ['null', null],
    ['an array body', ['alice']],
    ['an extra key', { userIds: ['alice'], everyone: true }],
    ['more than 100 ids', { userIds: Array.from({ length: 101 }, (_, i) => `user${i}`) }],
  ])('answers 400 invalid_body for %s and changes nothing', async (_name, body) => {
    const users = await setUp();
    const res = await users.admin.post('/admin/sessions/revoke').set(SDK).set('Content-Type', 'application/json').send(JSON.stringify(body));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_body');
    await users.alice.get('/api/me').expect(200);
  });

  it('answers 415 for a form post and 403 without the CSRF header', async () => {
    const users = await setUp();
    await users.admin.post('/admin/sessions/revoke').set(SDK).type('form').send('userIds=alice').expect(415);
    await users.admin.post('/admin/sessions/revoke').send({ userIds: ['alice'] }).expect(403, /csrf_failed/);
    await users.alice.get('/api/me').expect(200);
  });

  it('treats user ids as plain keys (no prototype pollution)', async () => {
    const users = await setUp({ guard: { canRevoke: () => true } });
    const res = await revoke(users.admin, { userIds: ['__proto__', 'constructor'] }).expect(200);
    const text = JSON.stringify(res.body);
    expect(text).toBe('{"revoked":{"__proto__":0,"constructor":0}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('the acting admin needs a recent sign-in', () => {
  /** Keeps every session active while the clock moves past the freshness window (600 s). */
  async function staleButActive(agents: Array<ReturnType<TestApp['agent']>>, seconds: number) {
    for (let elapsed = 0; elapsed < seconds; elapsed += 50) {
      app.clock.advance(50);
      for (const agent of agents) await agent.get('/api/me').expect(200);
    }
  }

  it('refuses a stale admin with 403 reauthentication_required and signs nobody out', async () => {
    const users = await setUp();
    await staleButActive([users.admin, users.alice], 650);
    const res = await revoke(users.admin, { userIds: ['alice'] }).expect(403);
    expect(res.body.error).toBe('reauthentication_required');
    await users.alice.get('/api/me').expect(200);
    expect(app.events.some((e) => e.name === 'session.revoked')).toBe(false);
  });

  it('lets the admin act again after reauthenticated()', async () => {
    const users = await setUp();
    await staleButActive([users.admin, users.alice], 650);
    await users.admin.post('/reauthenticate').expect(200);
    await revoke(users.admin, { userIds: ['alice'] }).expect(200, { revoked: { alice: 1 } });
  });

  it('follows adminReauthenticateWithin, and false turns the check off', async () => {
    let users = await setUp({ guard: { canRevoke, adminReauthenticateWithin: 60 } });
    await staleButActive([users.admin, users.alice], 100);
    await revoke(users.admin, { userIds: ['alice'] }).expect(403, /reauthentication_required/);
    await app.close();
    users = await setUp({ guard: { canRevoke, adminReauthenticateWithin: false } });
    await staleButActive([users.admin, users.alice], 650);
    await revoke(users.admin, { userIds: ['alice'] }).expect(200, { revoked: { alice: 1 } });
  });
});
