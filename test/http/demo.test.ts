/**
 * The demo over plain HTTP: its contract (sign-in by form and JSON, safe
 * return paths, rate limit, sign-out), its security defaults (CSP, cookie,
 * cross-site refusal, logs without session ids, the test clock off by
 * default), and a clean stop on SIGTERM.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../support/demo.js';

let demo: RunningDemo;

beforeAll(async () => {
  demo = await startDemo();
});

afterAll(async () => {
  await demo?.stop();
});

/** The `name=value` of the session cookie a response sets, or null. */
function sessionCookie(response: Response): string | null {
  const line = response.headers.getSetCookie().find((cookie) => cookie.startsWith('sessionguard.sid='));
  return line ? line.split(';')[0]! : null;
}

async function signInJson(username: string, password: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${demo.url}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers },
    body: JSON.stringify({ username, password }),
  });
}

describe('the demo over HTTP', () => {
  it('answers /healthz', async () => {
    const response = await fetch(`${demo.url}/healthz`);
    expect(response.status).toBe(200);
  });

  it('signs in with JSON: 200 {username} and a safe session cookie; 401 invalid_credentials otherwise', async () => {
    const ok = await signInJson('alice', 'alice-pass');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ username: 'alice' });
    const setCookie = ok.headers.getSetCookie().find((cookie) => cookie.startsWith('sessionguard.sid='));
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).not.toMatch(/Secure/i); // plain HTTP on loopback; Secure over HTTPS and in production

    const me = await fetch(`${demo.url}/api/me`, { headers: { Cookie: sessionCookie(ok)!, Accept: 'application/json' } });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ username: 'alice' });

    const bad = await signInJson('alice', 'wrong');
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ error: 'invalid_credentials' });
    const unknown = await signInJson('mallory', 'alice-pass');
    expect(unknown.status).toBe(401);
    expect(sessionCookie(unknown)).toBeNull();
  });

  it('signs in with a plain form and follows ?next= only to same-origin paths', async () => {
    const post = (next: string) =>
      fetch(`${demo.url}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: 'bob', password: 'bob-pass', next }),
      });
    expect((await post('/account/sessions?tab=1')).headers.get('location')).toBe('/account/sessions?tab=1');
    for (const evil of ['//evil.example/', 'https://evil.example/', '/\\evil.example', '/\t/evil.example', '/\n/evil.example', 'javascript:alert(1)', ' /x']) {
      const response = await post(evil);
      expect(response.status, evil).toBe(303);
      expect(response.headers.get('location'), evil).toBe('/');
    }
    const page = await (await fetch(`${demo.url}/login?next=${encodeURIComponent('//evil.example')}`)).text();
    expect(page).not.toContain('evil.example');
  });

  it('escapes what it echoes into pages', async () => {
    const response = await fetch(`${demo.url}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: '"><script>alert(1)</script>', password: 'x' }),
    });
    expect(response.status).toBe(401);
    const page = await response.text();
    expect(page).not.toContain('<script>alert(1)</script>');
    expect(page).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('sends the strict CSP and hardening headers on every page, with a fresh nonce each time', async () => {
    const policies: string[] = [];
    for (const path of ['/login', '/no-such-page', '/healthz']) {
      const response = await fetch(`${demo.url}${path}`);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, path).toMatch(/^default-src 'self'; script-src 'self'; style-src 'self' 'nonce-[A-Za-z0-9+/=]+'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'$/);
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      policies.push(csp);
    }
    expect(new Set(policies).size).toBe(policies.length);
    const page = await (await fetch(`${demo.url}/login`)).text();
    expect(page).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/); // no inline script
    expect(page).not.toMatch(/\sstyle=/); // no inline style
  });

  it('refuses cross-site posts', async () => {
    const response = await signInJson('alice', 'alice-pass', { Origin: 'https://evil.example' });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'csrf_failed' });
  });

  it('signs out with JSON {} and the session no longer works', async () => {
    const cookie = sessionCookie(await signInJson('bob', 'bob-pass'))!;
    const out = await fetch(`${demo.url}/logout`, { method: 'POST', headers: { Cookie: cookie, Accept: 'application/json' } });
    expect(out.status).toBe(200);
    expect(await out.json()).toEqual({});
    const me = await fetch(`${demo.url}/api/me`, { headers: { Cookie: cookie, Accept: 'application/json' } });
    expect(me.status).toBe(401);
  });

  it('redirects signed-out page requests to the sign-in page with a return path', async () => {
    const response = await fetch(`${demo.url}/account/password`, { redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/login?next=%2Faccount%2Fpassword');
  });

  it('wires the admin API to the demo permission: admins sign out users, users sign out nobody', async () => {
    const admin = sessionCookie(await signInJson('admin', 'admin-pass'))!;
    const bob = sessionCookie(await signInJson('bob', 'bob-pass'))!;
    const alice = sessionCookie(await signInJson('alice', 'alice-pass'))!;
    const revoke = (cookie: string, userIds: string[]) =>
      fetch(`${demo.url}/admin/sessions/revoke`, {
        method: 'POST',
        headers: { Cookie: cookie, 'Content-Type': 'application/json', Accept: 'application/json', 'X-SessionGuard': '1', Origin: demo.url },
        body: JSON.stringify({ userIds }),
      });

    const refused = await revoke(alice, ['bob']);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: 'forbidden' });
    expect((await fetch(`${demo.url}/api/me`, { headers: { Cookie: bob, Accept: 'application/json' } })).status).toBe(200);

    const done = await revoke(admin, ['bob']);
    expect(done.status).toBe(200);
    expect((await done.json()).revoked.bob).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${demo.url}/api/me`, { headers: { Cookie: bob, Accept: 'application/json' } })).status).toBe(401);
    expect((await fetch(`${demo.url}/api/me`, { headers: { Cookie: admin, Accept: 'application/json' } })).status).toBe(200);
  });

  // Runs after every other use of "admin" in this file: admin stays locked out for 15 minutes.
  it('rate-limits repeated failed sign-ins for a username', async () => {
    let last: Response | undefined;
    for (let attempt = 0; attempt < 11; attempt += 1) last = await signInJson('admin', `guess-${attempt}`);
    expect(last!.status).toBe(429);
    expect(await last!.json()).toMatchObject({ error: 'rate_limited' });
    // Even the right password waits now.
    expect((await signInJson('admin', 'admin-pass')).status).toBe(429);
  });

  it('has no test clock unless SESSIONGUARD_TEST_CLOCK=1', async () => {
    const response = await fetch(`${demo.url}/__test__/clock`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ advance: 60_000 }),
    });
    expect(response.status).toBe(404);
  });

  it('never logs a session id', async () => {
    const cookie = sessionCookie(await signInJson('alice', 'alice-pass'))!;
    await fetch(`${demo.url}/api/me`, { headers: { Cookie: cookie } });
    const sid = decodeURIComponent(cookie.split('=')[1]!).replace(/^s:/, '').split('.')[0]!;
    expect(sid.length).toBeGreaterThan(10);
    expect(demo.output()).not.toContain(sid);
  });
});

describe('the demo process', () => {
  it('stops cleanly on SIGTERM', async () => {
    const own = await startDemo();
    await own.stop();
    expect(own.exitCode()).toBe(0);
    expect(own.output()).toContain('stopped');
  });

  it('refuses an idle policy that leaves less than 20 s to answer the warning', async () => {
    await expect(startDemo({ env: { WARN_AFTER: '50', EXPIRE_AFTER: '60' } })).rejects.toThrow(/at least 20 seconds/);
  });
});
