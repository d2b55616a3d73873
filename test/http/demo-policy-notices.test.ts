/**
 * The demo's per-user policy and new-device notices over plain HTTP (issue
 * 15): `ADMIN_WARN_AFTER` / `ADMIN_EXPIRE_AFTER` give administrators their
 * own clock, sent in their ping answers; new-device notices are on by
 * default (`DEVICE_NOTICES=0` turns them off).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../support/demo.js';

let demo: RunningDemo | undefined;
afterEach(async () => {
  await demo?.stop();
  demo = undefined;
});

const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0';

/** Signs in with the demo's form; returns the Cookie header of what it set (session and device cookies). */
async function signIn(username: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${demo!.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: demo!.url, ...headers },
    body: new URLSearchParams({ username, password: `${username}-pass` }).toString(),
  });
  expect(res.status).toBe(303);
  const set = res.headers.getSetCookie();
  return { cookie: set.map((line) => line.split(';')[0]!).join('; '), device: set.find((line) => line.startsWith('sessionguard.device=')) ?? null };
}

const ping = async (cookie: string) => {
  const res = await fetch(`${demo!.url}/session/ping`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-SessionGuard': '1', Origin: demo!.url, Cookie: cookie },
    body: JSON.stringify({ idleFor: 0 }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { warnAfter: number; expireAfter: number; notices?: Array<Record<string, unknown>> };
};

describe('the demo with ADMIN_WARN_AFTER and ADMIN_EXPIRE_AFTER', () => {
  it("administrators' ping answers carry their own policy, everyone else's the demo's", async () => {
    demo = await startDemo({ env: { WARN_AFTER: '30', EXPIRE_AFTER: '60', ADMIN_WARN_AFTER: '40', ADMIN_EXPIRE_AFTER: '70' } });
    const admin = await signIn('admin');
    const alice = await signIn('alice');
    expect(await ping(admin.cookie)).toMatchObject({ warnAfter: 40, expireAfter: 70 });
    expect(await ping(alice.cookie)).toMatchObject({ warnAfter: 30, expireAfter: 60 });
  });
});

describe('the demo with new-device notices (on by default)', () => {
  it("a sign-in from a new browser is told to the user's other session at its next ping, once; the device cookie is HttpOnly and SameSite=Lax", async () => {
    demo = await startDemo();
    const laptop = await signIn('alice');
    expect(laptop.device).toMatch(/HttpOnly/i);
    expect(laptop.device).toMatch(/SameSite=Lax/i);
    expect((await ping(laptop.cookie)).notices).toBeUndefined();
    await signIn('alice', { 'User-Agent': FIREFOX });
    expect((await ping(laptop.cookie)).notices).toEqual([
      { publicId: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), browser: 'Firefox 140', os: 'Windows 10', device: 'desktop', ago: expect.any(Number) },
    ]);
    expect((await ping(laptop.cookie)).notices).toBeUndefined();
  });

  it('DEVICE_NOTICES=0 sets no device cookie', async () => {
    demo = await startDemo({ env: { DEVICE_NOTICES: '0' } });
    expect((await signIn('alice')).device).toBeNull();
  });
});
