/**
 * Issue 15 on the push stream (real HTTP, the memory registry, timers by
 * hand): a sign-in from a new device reaches the user's other open pages as
 * `event: notice`, once; each stream's first `session` event carries its own
 * user's policy. (The ping side, on every registry: test/race/session-limits.test.ts.)
 */
import { parsePushNotice, parsePushSession } from '@sessionguard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { SDK, startTestApp, T0, type TestApp, type TestAppOptions } from './test-app.js';
import { manualTimers, openStream, type TestStream } from './test-sse-client.js';

let app: TestApp;
const streams: TestStream[] = [];
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  await app?.close();
});

async function start(guard: TestAppOptions['guard'] = {}) {
  let clockNow = () => T0;
  const timers = manualTimers(() => clockNow());
  app = await startTestApp({ guard: { push: { heartbeatInterval: 25, timers }, ...guard } });
  clockNow = app.clock.now;
  return app;
}

const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0';

async function signInCookie(agent: ReturnType<TestApp['agent']>, username: string, userAgent?: string) {
  const req = agent.post('/login');
  if (userAgent) req.set('User-Agent', userAgent);
  const res = await req.send({ username }).expect(200);
  const cookie = ((res.headers['set-cookie'] as unknown as string[]) ?? []).find((line) => line.startsWith('connect.sid='))!.split(';')[0]!;
  return cookie;
}

async function open(cookie: string) {
  const stream = await openStream(app.origin, cookie);
  streams.push(stream);
  return stream;
}

describe('new-device notices on the push stream', () => {
  it("a sign-in from a new device is pushed to the user's other open sessions as event: notice, once, and not to the new one", async () => {
    await start({ deviceNotices: true });
    const laptop = app.agent();
    const laptopCookie = await signInCookie(laptop, 'alice');
    const laptopStream = await open(laptopCookie);
    await laptopStream.next('session');
    const bob = app.agent();
    const bobStream = await open(await signInCookie(bob, 'bob'));
    await bobStream.next('session');

    const phone = app.agent();
    const phoneStream = await open(await signInCookie(phone, 'alice', FIREFOX));
    await phoneStream.next('session');
    const phoneSession = (await phone.get('/api/me').expect(200)).body.publicId as string;

    const notice = parsePushNotice(JSON.parse((await laptopStream.next('notice')).data));
    expect(notice).toEqual({ ok: true, value: { publicId: phoneSession, browser: 'Firefox 140', os: 'Windows 10', device: 'desktop', ago: 0 } });
    // Told once: the next ping of that session has nothing more.
    expect((await laptop.post('/session/ping').set(SDK).send({ idleFor: 0 }).expect(200)).body.notices).toBeUndefined();
    expect(phoneStream.events.map((event) => event.event)).toEqual(['session']);
    expect(bobStream.events.map((event) => event.event)).toEqual(['session']);
    // The raw stream never carries a session id or the device cookie.
    expect(laptopStream.raw()).not.toContain(laptopCookie.split('=')[1]!);
    expect(laptopStream.raw()).not.toMatch(/sessionguard\.device/);
  });
});

describe('the timing policy per user on the push stream', () => {
  it("each stream's session event carries its own user's warnAfter and expireAfter", async () => {
    await start({ policyFor: (userId: string) => (userId === 'admin' ? { warnAfter: 100, expireAfter: 130 } : undefined) });
    const admin = await open(await signInCookie(app.agent(), 'admin'));
    const alice = await open(await signInCookie(app.agent(), 'alice'));
    expect(parsePushSession(JSON.parse((await admin.next('session')).data))).toMatchObject({ ok: true, value: { warnAfter: 100, expireAfter: 130 } });
    expect(parsePushSession(JSON.parse((await alice.next('session')).data))).toMatchObject({ ok: true, value: { warnAfter: 30, expireAfter: 60 } });
  });
});

describe("new-device notices with the app's own login (getUserId, Passport)", () => {
  it('a Passport sign-in gets the device cookie and newDevice; signing in again from the same browser is a known device', async () => {
    const { startPassportApp } = await import('./passport-test-app.js');
    const passport = await startPassportApp({ guard: { deviceNotices: true } });
    try {
      const browser = passport.agent();
      const first = await passport.signIn(browser, 'alice').expect(200);
      expect(((first.headers['set-cookie'] as unknown as string[]) ?? []).some((line) => line.startsWith('sessionguard.device='))).toBe(true);
      await passport.signIn(passport.agent(), 'alice').expect(200);
      await passport.signIn(browser, 'alice').expect(200);
      const created = passport.events.filter((entry) => entry.name === 'session.created').map((entry) => (entry.event as { newDevice?: boolean }).newDevice);
      expect(created).toEqual([true, true, false]);
    } finally {
      await passport.close();
    }
  });
});
