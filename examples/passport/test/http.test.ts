/**
 * The Passport example over HTTP: a CommonJS Express 4 app with Passport and
 * csrf-sync, guarded through `getUserId` only (no `guard.login` anywhere).
 */
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { createExample, csrfTokenOf, exampleRequire, quiet, SECRET, testClock } from './load-example.js';

const SDK = { 'X-SessionGuard': '1', Accept: 'application/json' };

function start(overrides: { warnAfter?: number; expireAfter?: number } = {}) {
  const clock = testClock();
  const example = createExample({ secret: SECRET, now: clock.now, logger: quiet, warnAfter: 30, expireAfter: 60, ...overrides });
  return { ...example, clock, agent: () => request.agent(example.app) };
}

type Agent = ReturnType<typeof request.agent>;

async function signIn(agent: Agent, username = 'alice') {
  const login = await agent.get('/login').expect(200);
  const res = await agent
    .post('/login')
    .type('form')
    .send({ _csrf: csrfTokenOf(login.text), username, password: `${username}-pass`, next: '/' })
    .expect(303);
  expect(res.headers.location).toBe('/');
  const page = await agent.get('/').expect(200);
  return csrfTokenOf(page.text);
}

describe('the Passport example', () => {
  it('is CommonJS on Express 4, requiring the CommonJS build of the adapter', () => {
    expect(exampleRequire('express/package.json').version).toMatch(/^4\./);
    expect(exampleRequire.resolve('@sessionguard/express')).toMatch(/index\.cjs$/);
  });

  it('records a Passport sign-in in the registry, with no guard.login call', async () => {
    const { guard, agent } = start();
    const browser = agent();
    await signIn(browser);
    const sessions = await guard.registry.list('alice');
    expect(sessions).toHaveLength(1);
    const listed = await browser.get('/session/sessions').set(SDK).expect(200);
    expect(listed.body.sessions).toEqual([expect.objectContaining({ current: true })]);
  });

  it('refuses a sign-in without the CSRF token, and signs nobody in', async () => {
    const { guard, agent } = start();
    const browser = agent();
    await browser.get('/login').expect(200);
    await browser.post('/login').type('form').send({ username: 'alice', password: 'alice-pass' }).expect(403);
    expect(await guard.registry.list('alice')).toEqual([]);
  });

  it("serves the guard's ping without csrf-sync's token: its routers carry their own CSRF defence", async () => {
    const { agent } = start();
    const browser = agent();
    await signIn(browser);
    const ping = await browser.post('/session/ping').set(SDK).send({ idleFor: 0 }).expect(200);
    expect(ping.body).toMatchObject({ idleFor: 0, warnAfter: 30, expireAfter: 60 });
    // And still refuses a cross-site ping.
    await browser.post('/session/ping').set({ Accept: 'application/json' }).send({ idleFor: 0 }).expect(403);
  });

  it('ends an idle session: pages go to sign-in, API calls get 401 session_expired', async () => {
    const { clock, agent } = start();
    const browser = agent();
    await signIn(browser);
    clock.advance(61);
    const page = await browser.get('/').expect(303);
    expect(page.headers.location).toBe('/login?next=%2F');
    const again = agent();
    await signIn(again);
    clock.advance(61);
    await again.post('/notes').set(SDK).send({ notes: 'late' }).expect(401, /session_expired/);
  });

  it('signs out with the CSRF token, and refuses a sign-out without it (still signed in)', async () => {
    const { guard, agent } = start();
    const browser = agent();
    const token = await signIn(browser);
    await browser.post('/logout').set('Accept', 'application/json').send({}).expect(403, /csrf_failed/);
    await browser.get('/').expect(200);
    expect(await guard.registry.list('alice')).toHaveLength(1);
    await browser.post('/logout').set('Accept', 'application/json').set('x-csrf-token', token).send({}).expect(200);
    expect(await guard.registry.list('alice')).toEqual([]);
    await browser.get('/').expect(303);
  });

  it('answers a sign-in in place (JSON) with the new session’s CSRF token, which the next form post uses', async () => {
    const { clock, agent, notes } = start();
    const browser = agent();
    const oldToken = await signIn(browser);
    clock.advance(61);
    await browser.post('/session/ping').set(SDK).send({ idleFor: 61 }).expect(401);
    // The SDK asks for a token of the fresh anonymous session, then signs in with it.
    const fresh = await browser.get('/csrf-token').set('Accept', 'application/json').expect(200);
    const signedIn = await browser
      .post('/login')
      .set(SDK)
      .set('x-csrf-token', fresh.body.csrfToken)
      .send({ username: 'alice', password: 'alice-pass' })
      .expect(200);
    expect(signedIn.body).toEqual({ username: 'alice', csrfToken: expect.any(String) });
    expect(signedIn.body.csrfToken).not.toBe(oldToken);
    // The old token died with the old session; the new one works.
    await browser.post('/notes').type('form').send({ _csrf: oldToken, notes: 'typed before expiry' }).expect(403);
    await browser.post('/notes').type('form').send({ _csrf: signedIn.body.csrfToken, notes: 'typed before expiry' }).expect(303);
    expect(notes.get('alice')).toBe('typed before expiry');
  });

  it('a password change ends the other sessions and keeps this one signed in with Passport', async () => {
    const { agent } = start();
    const phone = agent();
    await signIn(phone);
    const laptop = agent();
    const token = await signIn(laptop);
    await laptop.post('/password').set(SDK).set('x-csrf-token', token).send({ current: 'alice-pass', password: 'new-pass-123' }).expect(200);
    await phone.get('/').set(SDK).expect(401, /session_revoked/);
    const page = await laptop.get('/').expect(200);
    expect(page.text).toContain('Signed in as <strong>alice</strong>');
  });

  it('an admin force-logout ends the session at its next request', async () => {
    const { guard, agent } = start();
    const browser = agent();
    await signIn(browser);
    expect(await guard.revokeUser('alice')).toBe(1);
    await browser.get('/').set(SDK).expect(401, /session_revoked/);
    await browser.get('/').expect(303);
  });

  it('puts the script tag on the login page too, without a username (the page has no session)', async () => {
    const { agent } = start();
    const login = await agent().get('/login').expect(200);
    expect(login.text).toContain('src="/sessionguard/sessionguard.min.js"');
    expect(login.text).not.toContain('data-username');
  });
});
