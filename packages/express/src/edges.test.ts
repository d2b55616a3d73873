/**
 * Issue 10 part 9: the small leaks and edges. Every answer of the guard is
 * `no-store`; logs never carry a query string; malformed paths are 4xx.
 */
import express from 'express';
import session from 'express-session';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createSessionGuard } from './guard.js';
import { SDK, SECRET, signIn, startTestApp, type TestApp } from './test-app.js';

let app: TestApp;
afterEach(async () => {
  await app?.close();
});

describe('DELETE <mount>/sessions/ with an empty id', () => {
  it('is a 400, never "revoke all others"', async () => {
    app = await startTestApp();
    const laptop = app.agent();
    const phone = app.agent();
    await signIn(laptop, 'alice');
    await signIn(phone, 'alice');
    const res = await laptop.delete('/session/sessions/').set(SDK).expect(400);
    expect(res.body.error).toBe('invalid_parameter');
    await phone.get('/api/me').expect(200);
    expect(await app.registry.list('alice')).toHaveLength(2);
  });
});

describe('malformed percent-encoding in a path', () => {
  it('answers 400 invalid_parameter, not 500, and changes nothing', async () => {
    app = await startTestApp();
    const laptop = app.agent();
    const phone = app.agent();
    await signIn(laptop, 'alice');
    await signIn(phone, 'alice');
    const res = await laptop.delete('/session/sessions/%E0%A4%A').set(SDK);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_parameter');
    await phone.get('/api/me').expect(200);
  });
});

describe('Cache-Control on every answer of the guard', () => {
  it('is no-store on successes, refusals, redirects and errors', async () => {
    app = await startTestApp({ guard: { canRevoke: (actor) => actor === 'admin' } });
    const alice = app.agent();
    const admin = app.agent();
    await signIn(alice, 'alice');
    await signIn(admin, 'admin');
    const answers = [
      await alice.post('/session/ping').set(SDK).send({ idleFor: 0 }),
      await alice.post('/session/ping').set(SDK).send({ idleFor: -1 }),
      await alice.post('/session/ping').send({ idleFor: 0 }),
      await alice.get('/session/sessions'),
      await alice.delete(`/session/sessions/${'A'.repeat(43)}`).set(SDK),
      await alice.delete('/session/sessions/not-an-id').set(SDK),
      await alice.delete('/session/sessions').set(SDK),
      await alice.post('/admin/sessions/revoke').set(SDK).send({ userIds: ['bob'] }),
      await admin.post('/admin/sessions/revoke').set(SDK).send({ userIds: ['bob'] }),
      await app.request().post('/session/ping').set(SDK).send({ idleFor: 0 }),
    ];
    app.clock.advance(61);
    answers.push(await alice.get('/page').set('Accept', 'text/html'));
    answers.push(await admin.get('/api/me').set(SDK));
    expect(answers.map((res) => res.status)).toEqual([200, 400, 403, 200, 404, 400, 200, 403, 200, 401, 303, 401]);
    for (const res of answers) expect(res.headers['cache-control'], `${res.status} ${JSON.stringify(res.body)}`).toBe('no-store');
  });
});

describe('log lines', () => {
  it('carry the path without its query string', async () => {
    app = await startTestApp();
    const agent = app.agent();
    await signIn(agent, 'alice');
    await agent.post('/session/ping?token=secret-in-query').send({ idleFor: 0 }).expect(403);
    await agent.delete('/session/sessions?token=secret-in-query').set(SDK).set('Origin', 'https://evil.example').expect(403);
    const csrf = app.logs.filter((line) => line.message === 'CSRF check failed');
    expect(csrf).toHaveLength(2);
    expect(csrf.map((line) => line.fields?.path)).toEqual(['/session/ping', '/session/sessions']);
    expect(JSON.stringify(app.logs)).not.toContain('secret-in-query');
  });
});

describe('guard.session() with no argument', () => {
  it('behaves as session() does', async () => {
    const guard = createSessionGuard({ secret: SECRET, warnAfter: 30, expireAfter: 60, logger: { info() {}, warn() {}, error() {} } });
    const answer = async (middleware: express.RequestHandler) => {
      const plain = express();
      plain.use(middleware);
      plain.get('/', (_req, res) => void res.send('ok'));
      plain.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => void res.status(500).send(error.message));
      const res = await request(plain).get('/');
      return { status: res.status, text: res.text };
    };
    expect(await answer(guard.session())).toEqual(await answer(session()));
    await guard.close();
  });
});

describe('refused requests to the guard do not extend the session', () => {
  it('a CSRF-refused, malformed or stale revoke moves no last activity', async () => {
    app = await startTestApp({ guard: { canRevoke: () => true, reauthenticateWithin: 30 } });
    const laptop = app.agent();
    const phone = app.agent();
    await signIn(laptop, 'alice');
    await signIn(phone, 'alice');
    const lastActivity = async () => (await app.registry.list('alice')).map((record) => record.lastActivity);
    const before = await lastActivity();
    app.clock.advance(10);
    await laptop.delete('/session/sessions').expect(403); // no CSRF header
    await laptop.delete('/session/sessions/not-an-id').set(SDK).expect(400);
    await laptop.post('/admin/sessions/revoke').set(SDK).send({ userIds: [] }).expect(400);
    await laptop.post('/admin/sessions/revoke').send({ userIds: ['bob'] }).expect(403);
    expect(await lastActivity()).toEqual(before);
    // Stale (reauthenticateWithin: 30 s): refused, and still no activity recorded.
    app.clock.advance(25);
    await laptop.delete('/session/sessions').set(SDK).expect(403, /reauthentication_required/);
    expect(await lastActivity()).toEqual(before);
    await phone.get('/api/me').expect(200);
  });

  it('an accepted revoke counts as activity of the acting session', async () => {
    app = await startTestApp();
    const laptop = app.agent();
    const phone = app.agent();
    await signIn(laptop, 'alice');
    await signIn(phone, 'alice');
    app.clock.advance(10);
    await laptop.delete('/session/sessions').set(SDK).expect(200, { revoked: 1 });
    const [record] = await app.registry.list('alice');
    expect(record!.lastActivity).toBe(app.clock.now());
  });
});
