/**
 * The app's own login (issue 11, parts 1 and 2): Passport signs users in and
 * out; with `getUserId` the guard follows it, and `guard.login` composes with
 * it in either order. A real Express app, real express-session and real
 * Passport (passport-local); time from a hand-driven clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startPassportApp, type PassportTestApp } from './passport-test-app.js';
import { SDK } from './test-app.js';

let app: PassportTestApp;

afterEach(async () => {
  await app?.close();
});

/** A request every 50 s for `count` times: active all along, so only the absolute lifetime can end it. */
async function stayActive(agent: ReturnType<PassportTestApp['agent']>, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    app.clock.advance(50);
    await agent.get('/api/me').expect(200);
  }
}

const created = () => app.events.filter((entry) => entry.name === 'session.created').map((entry) => entry.event);
const revoked = () => app.events.filter((entry) => entry.name === 'session.revoked').map((entry) => entry.event);

describe('with getUserId, a Passport sign-in', () => {
  it('is recorded at once: listed, announced as a sign-in, and served as signed in', async () => {
    app = await startPassportApp();
    const agent = app.agent();
    await app.signIn(agent, 'alice').expect(200);
    // Recorded before the sign-in's response was sent, not at some later request.
    const [record] = await app.registry.list('alice');
    expect(record).toBeDefined();
    expect(created()).toEqual([expect.objectContaining({ userId: 'alice', by: 'sign-in', publicId: record!.publicId })]);
    const me = await agent.get('/api/me').expect(200);
    expect(me.body).toMatchObject({ passportUser: 'alice', guardUser: 'alice', publicId: record!.publicId });
    const list = await agent.get('/session/sessions').set(SDK).expect(200);
    expect(list.body.sessions).toHaveLength(1);
  });

  it('counts as a fresh sign-in for requireRecentSignIn', async () => {
    app = await startPassportApp();
    const agent = app.agent();
    await app.signIn(agent, 'alice').expect(200);
    await agent.post('/sensitive').set(SDK).expect(200);
    await stayActive(agent, 13);
    // 650 s since the sign-in: over the default reauthenticateWithin (600 s), though active all along.
    await agent.post('/sensitive').set(SDK).expect(403, /reauthentication_required/);
  });

  it('is under the idle timeout: a request after expireAfter is refused, and Passport no longer sees the user', async () => {
    app = await startPassportApp();
    const agent = app.agent();
    await app.signIn(agent, 'alice').expect(200);
    app.clock.advance(61);
    await agent.get('/api/me').set(SDK).expect(401, /session_expired/);
    const after = await agent.get('/api/me').set(SDK).expect(200);
    expect(after.body).toMatchObject({ passportUser: null, guardUser: null });
    expect(await app.registry.list('alice')).toEqual([]);
  });

  it('is under the absolute timeout, counted from the sign-in', async () => {
    app = await startPassportApp();
    const agent = app.agent();
    await app.signIn(agent, 'alice').expect(200);
    await stayActive(agent, 71);
    app.clock.advance(49);
    await agent.get('/api/me').expect(200);
    app.clock.advance(2);
    await agent.get('/api/me').set(SDK).expect(401, /session_expired/);
  });

  it('can be revoked: the next request is refused and its data destroyed', async () => {
    app = await startPassportApp();
    const agent = app.agent();
    await app.signIn(agent, 'alice').expect(200);
    expect(await app.guard.revokeUser('alice')).toBe(1);
    await agent.get('/api/me').set(SDK).expect(401, /session_revoked/);
    const after = await agent.get('/api/me').set(SDK).expect(200);
    expect(after.body.passportUser).toBeNull();
    // Not adopted again: the revoked session stays ended.
    expect(await app.registry.list('alice')).toEqual([]);
  });

  it('is under singleSession: a second sign-in ends the first', async () => {
    app = await startPassportApp({ guard: { singleSession: true } });
    const first = app.agent();
    const second = app.agent();
    await app.signIn(first, 'alice').expect(200);
    await app.signIn(second, 'alice').expect(200);
    await first.get('/api/me').set(SDK).expect(401, /session_revoked/);
    await second.get('/api/me').expect(200);
    expect(revoked()).toEqual([expect.objectContaining({ userId: 'alice', reason: 'single_session' })]);
  });

  it('over an existing sign-in ends the old session (announced as logout) and records the new one', async () => {
    app = await startPassportApp();
    const agent = app.agent();
    await app.signIn(agent, 'alice').expect(200);
    const [before] = await app.registry.list('alice');
    await app.signIn(agent, 'bob').expect(200);
    expect(await app.registry.list('alice')).toEqual([]);
    expect(await app.registry.list('bob')).toHaveLength(1);
    expect(revoked()).toEqual([expect.objectContaining({ userId: 'alice', publicId: before!.publicId, reason: 'logout' })]);
    const me = await agent.get('/api/me').expect(200);
    expect(me.body).toMatchObject({ passportUser: 'bob', guardUser: 'bob' });
  });

  it('with numeric ids records the decimal string', async () => {
    app = await startPassportApp({ numericIds: true });
    const agent = app.agent();
    await app.signIn(agent, 'alice').expect(200);
    expect(await app.registry.list('1')).toHaveLength(1);
    const me = await agent.get('/api/me').expect(200);
    expect(me.body).toMatchObject({ passportUser: 1, guardUser: '1' });
  });

  it('with keepSessionInfo does not trust the guard data carried over from the old session', async () => {
    app = await startPassportApp();
    const agent = app.agent();
    await app.signIn(agent, 'alice').expect(200);
    await agent.post('/views').expect(200);
    await app.signIn(agent, 'alice', '/login-keep').expect(200);
    const records = await app.registry.list('alice');
    expect(records).toHaveLength(1);
    const me = await agent.get('/api/me').expect(200);
    expect(me.body).toMatchObject({ guardUser: 'alice', publicId: records[0]!.publicId, views: 1 });
  });

  it('made by a signup route writing Passport data by hand is recorded too', async () => {
    app = await startPassportApp();
    const agent = app.agent();
    await agent.post('/signup').send({ username: 'carol' }).expect(200);
    expect(await app.registry.list('carol')).toHaveLength(1);
    expect(created()).toEqual([expect.objectContaining({ userId: 'carol', by: 'sign-in' })]);
  });
});

describe('with getUserId, signing out through the app', () => {
  it('req.logout() ends the registry record (announced as logout), with no error', async () => {
    app = await startPassportApp();
    const agent = app.agent();
    await app.signIn(agent, 'alice').expect(200);
    await agent.post('/logout').expect(200);
    expect(await app.registry.list('alice')).toEqual([]);
    expect(revoked()).toEqual([expect.objectContaining({ userId: 'alice', reason: 'logout' })]);
    const me = await agent.get('/api/me').expect(200);
    expect(me.body).toMatchObject({ passportUser: null, guardUser: null });
  });

  it('req.session.regenerate() ends the registry record', async () => {
    app = await startPassportApp();
    const agent = app.agent();
    await app.signIn(agent, 'alice').expect(200);
    await agent.post('/regenerate').expect(200);
    expect(await app.registry.list('alice')).toEqual([]);
    expect(revoked()).toEqual([expect.objectContaining({ reason: 'logout' })]);
    const me = await agent.get('/api/me').expect(200);
    expect(me.body.guardUser).toBeNull();
  });

  it('req.session.destroy() ends the registry record', async () => {
    app = await startPassportApp();
    const agent = app.agent();
    await app.signIn(agent, 'alice').expect(200);
    await agent.post('/destroy').expect(200);
    expect(await app.registry.list('alice')).toEqual([]);
    expect(revoked()).toEqual([expect.objectContaining({ reason: 'logout' })]);
  });

  it('a sign-out the guard did not see (a route before its middleware) ends the record at the next request', async () => {
    app = await startPassportApp();
    const agent = app.agent();
    await app.signIn(agent, 'alice').expect(200);
    await agent.post('/unguarded/forget-user').expect(200);
    const me = await agent.get('/api/me').expect(200);
    expect(me.body).toMatchObject({ passportUser: null, guardUser: null });
    expect(await app.registry.list('alice')).toEqual([]);
  });
});

describe('with getUserId, a session signed in where the guard did not see it', () => {
  it('is adopted at its first request: recorded, not a fresh sign-in, its absolute lifetime counting from then', async () => {
    app = await startPassportApp();
    const agent = app.agent();
    await app.signIn(agent, 'alice', '/unguarded/login').expect(200);
    expect(await app.registry.list('alice')).toEqual([]);
    app.clock.advance(30);
    const adoptedAt = app.clock.now();
    const me = await agent.get('/api/me').expect(200);
    expect(me.body).toMatchObject({ passportUser: 'alice', guardUser: 'alice' });
    const [record] = await app.registry.list('alice');
    expect(record).toMatchObject({ createdAt: adoptedAt, lastActivity: adoptedAt });
    expect(created()).toEqual([expect.objectContaining({ userId: 'alice', by: 'adopted' })]);
    // Not a fresh sign-in: the guard never saw this user prove who they are.
    await agent.post('/sensitive').set(SDK).expect(403, /reauthentication_required/);
    // The absolute lifetime (3600 s) counts from the adoption, not from the sign-in 30 s earlier.
    await stayActive(agent, 71);
    app.clock.advance(49);
    await agent.get('/api/me').expect(200);
    app.clock.advance(2);
    await agent.get('/api/me').set(SDK).expect(401, /session_expired/);
  });

  it('is adopted once: later requests use the same record', async () => {
    app = await startPassportApp();
    const agent = app.agent();
    await app.signIn(agent, 'alice', '/unguarded/login').expect(200);
    await agent.get('/api/me').expect(200);
    await agent.get('/api/me').expect(200);
    expect(await app.registry.list('alice')).toHaveLength(1);
    expect(created()).toHaveLength(1);
  });

  it('is under the idle timeout once adopted', async () => {
    app = await startPassportApp();
    const agent = app.agent();
    await app.signIn(agent, 'alice', '/unguarded/login').expect(200);
    await agent.get('/api/me').expect(200);
    app.clock.advance(61);
    await agent.get('/api/me').set(SDK).expect(401, /session_expired/);
  });

  it('once adopted and then revoked, is ended, never adopted again', async () => {
    app = await startPassportApp();
    const agent = app.agent();
    await app.signIn(agent, 'alice', '/unguarded/login').expect(200);
    await agent.get('/api/me').expect(200);
    // Revoked in the registry only (as if the store's copy could not be replaced): the guard's data in
    // the session says it was known, so it is ended rather than adopted as new.
    const [record] = await app.registry.list('alice');
    await app.registry.revoke({ sessionId: record!.sessionId, userId: 'alice' });
    await agent.get('/api/me').set(SDK).expect(401, /session_revoked/);
    const after = await agent.get('/api/me').set(SDK).expect(200);
    expect(after.body.passportUser).toBeNull();
    expect(await app.registry.list('alice')).toEqual([]);
  });
});

describe('guard.login composes with Passport', () => {
  for (const useGetUserId of [true, false]) {
    describe(useGetUserId ? 'with getUserId' : 'without getUserId', () => {
      it('req.login, then guard.login: one record, both signed in on the next request, the checked hash bound', async () => {
        app = await startPassportApp({ useGetUserId });
        app.authHashes.set('alice', 'hash-1');
        const agent = app.agent();
        await app.signIn(agent, 'alice', '/login-then-guard').expect(200);
        const records = await app.registry.list('alice');
        expect(records).toHaveLength(1);
        const me = await agent.get('/api/me').expect(200);
        expect(me.body).toMatchObject({ passportUser: 'alice', guardUser: 'alice', publicId: records[0]!.publicId });
        // Bound to the hash the app checked: a password change elsewhere ends it.
        app.authHashes.set('alice', 'hash-2');
        await agent.get('/api/me').set(SDK).expect(401, /session_revoked/);
      });

      it('guard.login, then req.login: one record, both signed in on the next request', async () => {
        app = await startPassportApp({ useGetUserId });
        const agent = app.agent();
        await app.signIn(agent, 'alice', '/guard-then-login').expect(200);
        const records = await app.registry.list('alice');
        expect(records).toHaveLength(1);
        const me = await agent.get('/api/me').expect(200);
        expect(me.body).toMatchObject({ passportUser: 'alice', guardUser: 'alice', publicId: records[0]!.publicId });
        await agent.post('/sensitive').set(SDK).expect(200);
        app.clock.advance(61);
        await agent.get('/api/me').set(SDK).expect(401, /session_expired/);
      });

      it('req.logout() after either ends the registry record', async () => {
        app = await startPassportApp({ useGetUserId });
        const agent = app.agent();
        await app.signIn(agent, 'alice', '/guard-then-login').expect(200);
        await agent.post('/logout').expect(200);
        expect(await app.registry.list('alice')).toEqual([]);
        const me = await agent.get('/api/me').expect(200);
        expect(me.body).toMatchObject({ passportUser: null, guardUser: null });
      });
    });
  }
});

describe('getUserId', () => {
  it('that returns something other than an id fails the request with an error naming it, and records nothing', async () => {
    app = await startPassportApp({ guard: { getUserId: () => ({ id: 'alice' }) as unknown as string } });
    const agent = app.agent();
    await app.signIn(agent, 'alice', '/unguarded/login').expect(200);
    const res = await agent.get('/api/me').expect(500);
    expect(res.body.message).toMatch(/getUserId/);
    expect(await app.registry.list('alice')).toEqual([]);
  });
});
