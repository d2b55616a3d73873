/**
 * The push stream `GET /session/events` over real HTTP (real Express and
 * express-session, the memory registry), with the test clock and timers
 * driven by hand: heartbeats and expiry checks run when a test says so.
 */
import { parsePushClosed, parsePushEnded, parsePushSession, type SseEvent } from '@sessionguard/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { EndChannel, EndChannelListener } from './end-channel.js';
import { SDK, startTestApp, T0, type TestApp, type TestAppOptions } from './test-app.js';
import { manualTimers, openStream, type TestStream } from './test-sse-client.js';

let app: TestApp;
let timers: ReturnType<typeof manualTimers>;
const streams: TestStream[] = [];
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  await app?.close();
});

async function start(options: TestAppOptions = {}) {
  let clockNow = () => T0;
  timers = manualTimers(() => clockNow());
  app = await startTestApp({
    ...options,
    guard: { ...options.guard, push: options.guard?.push === false ? false : { heartbeatInterval: 25, ...options.guard?.push, timers } },
  });
  clockNow = app.clock.now;
  return app;
}

/** Signs `username` in; returns the cookie header and the session id (to prove the stream never carries them). */
async function signInCookie(username: string) {
  const res = await app.request().post('/login').send({ username }).expect(200);
  const cookie = (res.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
  return { cookie, sid: (res.body as { sid: string }).sid };
}

async function open(cookie: string | null, headers: Record<string, string> = {}) {
  const stream = await openStream(app.origin, cookie, { headers });
  streams.push(stream);
  return stream;
}

const data = (event: SseEvent) => JSON.parse(event.data) as unknown;

/** Lets the event loop run the registry calls an expiry check makes. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('GET /session/events: who gets a stream', () => {
  it('refuses an anonymous request with 401 unauthenticated, as the ping does', async () => {
    await start();
    const stream = await open(null);
    expect(stream.status).toBe(401);
    expect(await stream.json()).toMatchObject({ error: 'unauthenticated' });
  });

  it('refuses a revoked session with 401 session_revoked and an expired one with 401 session_expired (never a redirect)', async () => {
    await start();
    const revoked = await signInCookie('alice');
    await app.guard.revokeUser('alice');
    const refused = await open(revoked.cookie);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: 'session_revoked' });

    const idle = await signInCookie('bob');
    app.clock.advance(61);
    const late = await open(idle.cookie);
    expect(late.status).toBe(401);
    expect(await late.json()).toMatchObject({ error: 'session_expired' });
  });

  it('opens for a live session: stream headers, no CORS, no cookie, a jittered retry, then the session event', async () => {
    await start();
    const { cookie, sid } = await signInCookie('alice');
    app.clock.advance(10);
    const stream = await open(cookie);
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers['cache-control']).toBe('no-store');
    expect(stream.headers['x-accel-buffering']).toBe('no');
    expect(stream.headers['set-cookie']).toBeUndefined();
    expect(Object.keys(stream.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
    const first = await stream.next();
    expect(first.event).toBe('session');
    const session = parsePushSession(data(first));
    const [record] = await app.registry.list('alice');
    expect(session).toEqual({
      ok: true,
      value: { idleFor: 10, warnAfter: 30, expireAfter: 60, absoluteRemaining: 3590, session: record!.publicId, user: expect.any(String), heartbeat: 25 },
    });
    expect(stream.retries).toHaveLength(1);
    expect(stream.retries[0]).toBeGreaterThanOrEqual(2000);
    expect(stream.retries[0]).toBeLessThanOrEqual(12000);
    expect(stream.raw()).not.toContain(sid);
    expect(app.guard.push!.streams).toBe(1);
  });

  it('refuses cross-site requests (403 csrf_failed) and accepts same-origin ones without the X-SessionGuard header', async () => {
    await start();
    const { cookie } = await signInCookie('alice');
    const crossSite = await open(cookie, { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(await crossSite.json()).toMatchObject({ error: 'csrf_failed' });
    const otherOrigin = await open(cookie, { Origin: 'https://evil.example' });
    expect(otherOrigin.status).toBe(403);
    const sameOrigin = await open(cookie, { 'Sec-Fetch-Site': 'same-origin' });
    expect(sameOrigin.status).toBe(200);
  });

  it('is passive: opening, holding and reopening the stream never extends the session', async () => {
    await start();
    const { cookie } = await signInCookie('alice');
    const stream = await open(cookie);
    await stream.next('session');
    app.clock.advance(50);
    const again = await open(cookie);
    await again.next('session');
    const [record] = await app.registry.list('alice');
    expect(record!.lastActivity).toBe(T0);
  });
});

describe('GET /session/events: ends reach the stream with their reason, and it closes', () => {
  /** Opens a stream of a fresh alice session; `act` ends it from elsewhere; returns the ended event. */
  async function endedBy(act: (victim: { cookie: string; sid: string }) => Promise<unknown>, options: TestAppOptions = {}) {
    await start(options);
    const victim = await signInCookie('alice');
    const stream = await open(victim.cookie);
    await stream.next('session');
    await act(victim);
    const ended = await stream.next('ended');
    await stream.ended;
    expect(app.guard.push!.streams).toBe(0);
    expect(app.guard.push!.timers).toBe(0);
    // Never the session id nor the cookie: only the reason, the code and the public id.
    expect(stream.raw()).not.toContain(victim.sid);
    expect(stream.raw()).not.toContain(victim.cookie.split('=')[1]);
    expect(stream.raw()).not.toContain(decodeURIComponent(victim.cookie.split('=')[1]!));
    return parsePushEnded(data(ended));
  }

  it('an admin revoke: revoked_by_admin', async () => {
    const ended = await endedBy(() => app.guard.revokeUser('alice'));
    expect(ended).toMatchObject({ ok: true, value: { reason: 'revoked_by_admin', code: 'session_revoked' } });
  });

  it('"sign out this session" from another of the user\'s sessions: revoked_by_user', async () => {
    const ended = await endedBy(async () => {
      const other = await signInCookie('alice');
      const sessions = (await app.request().get('/session/sessions').set('Cookie', other.cookie).expect(200)).body as {
        sessions: Array<{ publicId: string; current: boolean }>;
      };
      const target = sessions.sessions.find((session) => !session.current)!;
      await app.request().delete(`/session/sessions/${target.publicId}`).set('Cookie', other.cookie).set(SDK).expect(200);
    });
    expect(ended).toMatchObject({ ok: true, value: { reason: 'revoked_by_user' } });
  });

  it('a password change on another session: password_changed', async () => {
    const ended = await endedBy(async () => {
      const other = await signInCookie('alice');
      await app.request().post('/password').set('Cookie', other.cookie).send({ hash: 'new' }).expect(200);
    });
    expect(ended).toMatchObject({ ok: true, value: { reason: 'password_changed' } });
  });

  it('a sign-in elsewhere under singleSession: single_session', async () => {
    const ended = await endedBy(() => signInCookie('alice'), { guard: { singleSession: true } });
    expect(ended).toMatchObject({ ok: true, value: { reason: 'single_session' } });
  });

  it('a logout in another tab of the same session: logout', async () => {
    const ended = await endedBy(({ cookie }) => app.request().post('/logout').set('Cookie', cookie).expect(200));
    expect(ended).toMatchObject({ ok: true, value: { reason: 'logout', code: 'session_revoked' } });
  });

  it('a logout on another device under logoutEverywhere: logout', async () => {
    const ended = await endedBy(async () => {
      const other = await signInCookie('alice');
      await app.request().post('/logout').set('Cookie', other.cookie).expect(200);
    }, { guard: { logoutEverywhere: true } });
    expect(ended).toMatchObject({ ok: true, value: { reason: 'logout' } });
  });

  it('another auth hash, seen by a request of the same session: auth_hash_mismatch', async () => {
    const ended = await endedBy(async ({ cookie }) => {
      app.authHashes.set('alice', 'changed-elsewhere');
      await app.request().get('/api/me').set('Cookie', cookie).set(SDK).expect(401);
    }, { useAuthHash: true });
    expect(ended).toMatchObject({ ok: true, value: { reason: 'auth_hash_mismatch' } });
  });

  it("reaches only the ended session's streams: another session of the same user keeps its stream", async () => {
    await start();
    const laptop = await signInCookie('alice');
    const phone = await signInCookie('alice');
    const laptopStream = await open(laptop.cookie);
    const phoneStream = await open(phone.cookie);
    await laptopStream.next('session');
    await phoneStream.next('session');
    await app.request().post('/logout').set('Cookie', laptop.cookie).expect(200);
    await laptopStream.next('ended');
    await laptopStream.ended;
    expect(phoneStream.events.map((event) => event.event)).toEqual(['session']);
    expect(app.guard.push!.streams).toBe(1);
  });
});

describe('GET /session/events: timeouts reach the stream when they happen, with no request', () => {
  it('the idle timeout, at its instant: expired_idle, the session ended in the registry and announced once', async () => {
    await start();
    const { cookie } = await signInCookie('alice');
    const stream = await open(cookie);
    await stream.next('session');
    app.clock.advance(59);
    timers.runDue();
    await settle();
    expect(stream.events.map((event) => event.event)).toEqual(['session']);
    app.clock.advance(1);
    timers.runDue();
    const ended = parsePushEnded(data(await stream.next('ended')));
    expect(ended).toMatchObject({ ok: true, value: { reason: 'expired_idle', code: 'session_expired' } });
    await stream.ended;
    expect(await app.registry.list('alice')).toEqual([]);
    expect(app.events.filter((entry) => entry.name === 'session.expired')).toHaveLength(1);
    // The browser's next request is told why.
    const next = await app.request().get('/api/me').set('Cookie', cookie).set(SDK).expect(401);
    expect(next.body).toMatchObject({ error: 'session_expired' });
    expect(app.events.filter((entry) => entry.name === 'session.expired')).toHaveLength(1);
  });

  it("re-arms when the session's last activity moved (another tab's ping), and ends at the new instant", async () => {
    await start();
    const { cookie } = await signInCookie('alice');
    const stream = await open(cookie);
    await stream.next('session');
    app.clock.advance(40);
    await app.request().post('/session/ping').set('Cookie', cookie).set(SDK).send({ idleFor: 0 }).expect(200);
    app.clock.advance(20); // 60 s after sign-in, 20 s after the ping's activity
    timers.runDue();
    await settle();
    expect(stream.events.map((event) => event.event)).toEqual(['session']);
    expect(app.guard.push!.timers).toBe(1);
    app.clock.advance(40);
    timers.runDue();
    expect(parsePushEnded(data(await stream.next('ended')))).toMatchObject({ ok: true, value: { reason: 'expired_idle' } });
  });

  it('the absolute lifetime, however active the session: expired_absolute', async () => {
    await start({ guard: { absoluteTimeout: 100 } });
    const { cookie } = await signInCookie('alice');
    const stream = await open(cookie);
    await stream.next('session');
    app.clock.advance(50);
    await app.request().post('/session/ping').set('Cookie', cookie).set(SDK).send({ idleFor: 0 }).expect(200);
    app.clock.advance(50);
    timers.runDue();
    expect(parsePushEnded(data(await stream.next('ended')))).toMatchObject({ ok: true, value: { reason: 'expired_absolute', code: 'session_expired' } });
  });
});

describe('GET /session/events: heartbeats, caps, renewal, shutdown', () => {
  it('sends a heartbeat comment every heartbeatInterval', async () => {
    await start({ guard: { push: { heartbeatInterval: 5 } } });
    const { cookie } = await signInCookie('alice');
    const stream = await open(cookie);
    await stream.next('session');
    expect(timers.delays()).toContain(5000);
    app.clock.advance(5);
    timers.runDue();
    await stream.heartbeats(1);
    app.clock.advance(5);
    timers.runDue();
    await stream.heartbeats(2);
    expect(stream.raw()).toContain('\n:\n\n');
  });

  it('beyond maxStreamsPerSession, the oldest stream of the session is closed as replaced', async () => {
    await start({ guard: { push: { maxStreamsPerSession: 2 } } });
    const { cookie } = await signInCookie('alice');
    const first = await open(cookie);
    await first.next('session');
    const second = await open(cookie);
    await second.next('session');
    const third = await open(cookie);
    await third.next('session');
    expect(parsePushClosed(data(await first.next('closed')))).toEqual({ ok: true, value: { reason: 'replaced' } });
    await first.ended;
    expect(app.guard.push!.streams).toBe(2);
  });

  it('beyond maxStreamsPerUser, a new stream is refused with 429 too_many_streams; a replacing one is not', async () => {
    await start({ guard: { push: { maxStreamsPerUser: 2, maxStreamsPerSession: 1 } } });
    const laptop = await signInCookie('alice');
    const phone = await signInCookie('alice');
    const tablet = await signInCookie('alice');
    await (await open(laptop.cookie)).next('session');
    await (await open(phone.cookie)).next('session');
    const refused = await open(tablet.cookie);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('60');
    expect(await refused.json()).toMatchObject({ error: 'too_many_streams' });
    const replacing = await open(phone.cookie);
    expect(replacing.status).toBe(200);
    expect(app.guard.push!.streams).toBe(2);
  });

  it('a stream whose session was renewed (password changed in this session) is told to reconnect, and the reconnect works', async () => {
    await start();
    const { cookie } = await signInCookie('alice');
    const stream = await open(cookie);
    await stream.next('session');
    const changed = await app.request().post('/password').set('Cookie', cookie).send({ hash: 'new' }).expect(200);
    expect(parsePushClosed(data(await stream.next('closed')))).toEqual({ ok: true, value: { reason: 'recheck' } });
    const renewed = (changed.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
    const reconnected = await open(renewed);
    expect(reconnected.status).toBe(200);
    await reconnected.next('session');
  });

  it('releases a stream the client dropped: no stream, no timer left', async () => {
    await start();
    const { cookie } = await signInCookie('alice');
    const stream = await open(cookie);
    await stream.next('session');
    expect(app.guard.push).toEqual({ streams: 1, timers: 1 });
    stream.close();
    await stream.ended;
    await settle();
    expect(app.guard.push).toEqual({ streams: 0, timers: 0 });
    expect(timers.pending).toBe(0);
  });

  it('guard.close() closes every stream as shutdown', async () => {
    await start();
    const { cookie } = await signInCookie('alice');
    const stream = await open(cookie);
    await stream.next('session');
    await app.guard.close();
    expect(parsePushClosed(data(await stream.next('closed')))).toEqual({ ok: true, value: { reason: 'shutdown' } });
    await stream.ended;
  });

  it('push: false removes the route', async () => {
    await start({ guard: { push: false } });
    const { cookie } = await signInCookie('alice');
    const stream = await open(cookie);
    expect(stream.status).toBe(404);
    expect(app.guard.push).toBeNull();
  });
});

describe('GET /session/events: the end channel seam', () => {
  /** A channel whose other processes are the test: it records what is published and lets the test deliver. */
  function fakeChannel({ watch = async () => {} }: { watch?: () => Promise<void> } = {}) {
    let listener: EndChannelListener | null = null;
    const published: unknown[] = [];
    const channel: EndChannel = {
      listen: (given) => void (listener = given),
      watch,
      unwatch: async () => {},
      publish: async (notice) => void published.push(notice),
      close: async () => {},
    };
    return { channel, published, deliver: (...args: Parameters<EndChannelListener['notice']>) => listener!.notice(...args), gap: () => listener!.gap() };
  }

  it("publishes this process's ends, delivers the other processes' to the streams here, and looks again after a gap", async () => {
    const fake = fakeChannel();
    await start({ guard: { push: { channel: fake.channel } } });
    expect(app.logs.filter((line) => line.message.startsWith('push: no end channel'))).toEqual([]);
    const alice = await signInCookie('alice');
    const bob = await signInCookie('bob');
    const aliceStream = await open(alice.cookie);
    const bobStream = await open(bob.cookie);
    const [record] = await app.registry.list('alice');
    // An end on "another process": only the public id and the reason travel.
    fake.deliver({ userId: 'alice', publicId: record!.publicId, reason: 'revoked_by_admin' });
    expect(parsePushEnded(data(await aliceStream.next('ended')))).toMatchObject({ ok: true, value: { reason: 'revoked_by_admin' } });
    // An end here is published, without the session id.
    await app.request().post('/logout').set('Cookie', bob.cookie).expect(200);
    await bobStream.next('ended');
    expect(fake.published).toEqual([expect.objectContaining({ userId: 'bob', reason: 'logout', publicId: expect.any(String) })]);
    expect(JSON.stringify(fake.published)).not.toContain(bob.sid);
    // A gap: a session that ended unheard (straight in the registry) is found, and its stream told to reconnect.
    const carol = await signInCookie('carol');
    const carolStream = await open(carol.cookie);
    await carolStream.next('session');
    await app.registry.revoke({ sessionId: carol.sid, userId: 'carol' });
    fake.gap();
    expect(parsePushClosed(data(await carolStream.next('closed')))).toEqual({ ok: true, value: { reason: 'recheck' } });
  });

  it('refuses the stream with 503 when the channel cannot watch the user, and the browser keeps to its pings', async () => {
    const fake = fakeChannel({ watch: () => Promise.reject(new Error('redis down')) });
    await start({ guard: { push: { channel: fake.channel } } });
    const { cookie } = await signInCookie('alice');
    const refused = await open(cookie);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(await refused.json()).toMatchObject({ error: 'session_store_unavailable' });
    expect(app.guard.push).toEqual({ streams: 0, timers: 0 });
  });

  it('warns at start-up when the registry is shared (it has a clock of its own, as on Redis) and there is no end channel', async () => {
    await start({ wrapRegistry: (registry) => ({ ...registry, clock: async () => Date.now() }) });
    expect(app.logs.filter((line) => line.level === 'warn' && line.message.startsWith('push: no end channel'))).toHaveLength(1);
  });

  it('does not warn for a memory registry the app created itself: it is this process’s alone', async () => {
    await start();
    expect(app.logs.filter((line) => line.message.startsWith('push: no end channel'))).toEqual([]);
  });
});
