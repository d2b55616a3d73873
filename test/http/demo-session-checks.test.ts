/**
 * The demo on the guard's second looks: a sign-in bound to the credential
 * that was checked (`login(req, userId, { sessionAuthHash })`), state
 * changes that ask the registry again once their body has arrived
 * (`guard.recheckSession`), and an admin page that goes through the guard's
 * admin API (CSRF header, rate limit, recent sign-in) instead of a plain form.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { JSDOM } from 'jsdom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryCredentialStore, createUserDirectory, type CredentialStore } from '../../demo/users.js';
import { repoRoot, startDemo, type RunningDemo } from '../support/demo.js';

let demo: RunningDemo;

beforeAll(async () => {
  // A long idle policy: the test clock jumps past reauthenticateWithin (600 s) without idling sessions out.
  demo = await startDemo({ env: { SESSIONGUARD_TEST_CLOCK: '1', WARN_AFTER: '3000', EXPIRE_AFTER: '3600' } });
});

afterAll(async () => {
  await demo?.stop();
});

async function signIn(username: string, password: string): Promise<string> {
  const response = await fetch(`${demo.url}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  expect(response.status).toBe(200);
  return response.headers.getSetCookie().find((line) => line.startsWith('sessionguard.sid='))!.split(';')[0]!;
}

const api = (cookie: string, pathname: string, init: RequestInit = {}) =>
  fetch(`${demo.url}${pathname}`, {
    redirect: 'manual',
    ...init,
    headers: { Cookie: cookie, Accept: 'application/json', 'X-SessionGuard': '1', ...(init.headers as Record<string, string> | undefined) },
  });

const signedIn = async (cookie: string) => (await api(cookie, '/api/me')).status === 200;

/**
 * A request whose headers go out now and whose body only when `finish` is
 * called: the guard's middleware has long checked the session by then.
 */
function slowRequest(pathname: string, headers: Record<string, string>, body: string) {
  let pending: ReturnType<typeof httpRequest> | undefined;
  const answer = new Promise<{ status: number; headers: IncomingHttpHeaders; text: string }>((resolve, reject) => {
    const req = httpRequest(`${demo.url}${pathname}`, { method: 'POST', headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.flushHeaders();
    pending = req;
  });
  return {
    async finish() {
      pending!.end(body);
      return answer;
    },
  };
}

/**
 * Two sessions of bob: `slow` starts a state change whose body is held back;
 * once the guard's middleware has passed it (its activity shows on `other`'s
 * session list, after a clock step), `other` signs out the other sessions,
 * then the body goes.
 */
async function revokedWhileInFlight(pathname: string, headers: Record<string, string>, body: string) {
  const slow = await signIn('bob', 'bob-pass');
  const other = await signIn('bob', 'bob-pass');
  type Listed = { sessions: Array<{ publicId: string; current: boolean; lastActivity: string }> };
  const list = async (cookie: string) => ((await (await api(cookie, '/session/sessions')).json()) as Listed).sessions;
  const slowId = (await list(slow)).find((session) => session.current)!.publicId;
  const lastActivityOfSlow = async () => Date.parse((await list(other)).find((session) => session.publicId === slowId)!.lastActivity);
  const before = await lastActivityOfSlow();
  await demo.advanceClock(5000);
  const request = slowRequest(pathname, { Cookie: slow, ...headers }, body);
  for (let tries = 0; (await lastActivityOfSlow()) < before + 5000; tries += 1) {
    expect(tries, 'the slow request reached the guard').toBeLessThan(100);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const revoke = await api(other, '/session/sessions', { method: 'DELETE', headers: { Origin: demo.url } });
  expect(revoke.status).toBe(200);
  expect(await signedIn(other)).toBe(true);
  return { answer: await request.finish(), slow, other };
}

describe('sign-in is bound to the credential that was checked', () => {
  it('verify returns the session auth hash of the very credential record it verified against', async () => {
    const inner = createMemoryCredentialStore();
    let duringGet: (() => Promise<unknown>) | null = null;
    const store: CredentialStore = {
      ...inner,
      async get(username) {
        const credential = await inner.get(username);
        const hook = duringGet;
        duringGet = null;
        if (hook) await hook();
        return credential;
      },
    };
    const users = await createUserDirectory(store);
    const before = await users.sessionAuthHash('alice');
    // The password changes right after verify read the credential, before it compared.
    duringGet = () => users.setPassword('alice', 'changed-meanwhile');
    const verified = await users.verify('alice', 'alice-pass');
    expect(verified?.user).toEqual({ username: 'alice', role: 'user' });
    expect(verified?.sessionAuthHash).toBe(before);
    expect(await users.sessionAuthHash('alice')).not.toBe(before);
    expect(await users.verify('alice', 'alice-pass')).toBeNull();
    expect(await users.verify('mallory', 'x')).toBeNull();
  });
});

describe('state changes re-check the session once their body has arrived', () => {
  it('POST /api/notes from a session revoked meanwhile answers 401 session_revoked and saves nothing', async () => {
    const { answer, other } = await revokedWhileInFlight(
      '/api/notes',
      { 'Content-Type': 'application/json', Accept: 'application/json' },
      JSON.stringify({ notes: 'written by a revoked session' }),
    );
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.text)).toMatchObject({ error: 'session_revoked' });
    expect(await (await api(other, '/api/notes')).json()).toEqual({ notes: '' });
  });

  // Sent without `Accept: text/html`, so the demo's isApiRequest counts it as an API call: 401 rather than a redirect (a browser's form post gets the redirect; see demo-contracts).
  it('the no-JS POST /notes from a session revoked meanwhile is refused (401 session_revoked) and saves nothing', async () => {
    const { answer, other } = await revokedWhileInFlight(
      '/notes',
      { 'Content-Type': 'application/x-www-form-urlencoded' },
      new URLSearchParams({ notes: 'written by a revoked session' }).toString(),
    );
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.text)).toMatchObject({ error: 'session_revoked' });
    expect(await (await api(other, '/api/notes')).json()).toEqual({ notes: '' });
  });

  it('a password change from a session revoked meanwhile is refused (401 session_revoked) and changes nothing', async () => {
    const { answer, slow, other } = await revokedWhileInFlight(
      '/account/password',
      { 'Content-Type': 'application/x-www-form-urlencoded' },
      new URLSearchParams({ current_password: 'bob-pass', new_password: 'revoked-sessions-password' }).toString(),
    );
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.text)).toMatchObject({ error: 'session_revoked' });
    expect(await signedIn(slow)).toBe(false);
    expect(await signedIn(other)).toBe(true);
    await signIn('bob', 'bob-pass'); // the old password still works
  });
});

describe('the admin page goes through the guard\'s admin API', () => {
  /** /admin/users as the admin's browser shows it, with demo/public/admin.js running against the real demo. */
  async function adminPage(cookie: string) {
    const page = await fetch(`${demo.url}/admin/users`, { headers: { Cookie: cookie } });
    expect(page.status).toBe(200);
    const dom = new JSDOM(await page.text(), { url: `${demo.url}/admin/users`, runScripts: 'outside-only' });
    const { window } = dom;
    // The browser's fetch, with the admin's cookie (jsdom has no fetch of its own).
    Object.assign(window, {
      fetch: (url: string, init: RequestInit = {}) =>
        fetch(new URL(url, demo.url), { ...init, headers: { ...(init.headers as Record<string, string>), Cookie: cookie, Origin: demo.url, 'Sec-Fetch-Site': 'same-origin' } }),
    });
    window.eval(readFileSync(path.join(repoRoot, 'demo', 'public', 'admin.js'), 'utf8'));
    const text = () => window.document.querySelector('main')!.textContent!.replace(/\s+/g, ' ');
    const settle = async (pattern: RegExp) => {
      for (let tries = 0; !pattern.test(text()); tries += 1) {
        if (tries > 100) throw new Error(`the page never showed ${pattern}: ${text()}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const signOut = (username: string) => {
      const row = [...window.document.querySelectorAll('tr')].find((tr) => tr.querySelector('th')?.textContent === username)!;
      const button = row.querySelector('button')!;
      expect(button.textContent).toBe('Sign out everywhere');
      button.click();
    };
    return { window, text, settle, signOut };
  }

  it('has no plain form post, a static script, and a message for browsers without JavaScript', async () => {
    const admin = await signIn('admin', 'admin-pass');
    const html = await (await fetch(`${demo.url}/admin/users`, { headers: { Cookie: admin } })).text();
    expect(html).not.toMatch(/<form[^>]*action="\/admin\/users/);
    expect(html).toContain('<script src="/static/admin.js"></script>');
    expect(html).toMatch(/<noscript>[^<]*<p[^>]*>[^<]*JavaScript/);
    const script = await fetch(`${demo.url}/static/admin.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
  });

  it('a fresh admin signs a user out everywhere from the page', async () => {
    const bob = await signIn('bob', 'bob-pass');
    const admin = await signIn('admin', 'admin-pass');
    const page = await adminPage(admin);
    page.signOut('bob');
    await page.settle(/bob was signed out everywhere/);
    expect(await signedIn(bob)).toBe(false);
    expect(await signedIn(admin)).toBe(true);
  });

  it('a stale admin sign-in is refused with 403 reauthentication_required, asked to sign in again, and signs nobody out', async () => {
    const bob = await signIn('bob', 'bob-pass');
    const admin = await signIn('admin', 'admin-pass');
    await demo.advanceClock(601_000);
    // bob signs in again after the jump, so only the admin's sign-in is stale.
    const freshBob = await signIn('bob', 'bob-pass');

    const refused = await api(admin, '/admin/sessions/revoke', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: demo.url },
      body: JSON.stringify({ userIds: ['bob'] }),
    });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: 'reauthentication_required' });

    const page = await adminPage(admin);
    page.signOut('bob');
    await page.settle(/sign in again/i);
    const link = [...page.window.document.querySelectorAll('a')].find((a) => /sign in again/i.test(a.textContent ?? ''))!;
    expect(link.getAttribute('href')).toBe('/login?next=%2Fadmin%2Fusers');

    // The old form route signs nobody out either, whatever it answers.
    const form = await fetch(`${demo.url}/admin/users/bob/sign-out`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: admin, 'Content-Type': 'application/x-www-form-urlencoded', Origin: demo.url },
      body: '',
    });
    expect([403, 404]).toContain(form.status);

    expect(await signedIn(bob)).toBe(true);
    expect(await signedIn(freshBob)).toBe(true);
    expect(await signedIn(admin)).toBe(true);

    // Signed in again, the admin can.
    const again = await signIn('admin', 'admin-pass');
    const done = await api(again, '/admin/sessions/revoke', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: demo.url },
      body: JSON.stringify({ userIds: ['bob'] }),
    });
    expect(done.status).toBe(200);
    expect((await done.json()).revoked.bob).toBeGreaterThanOrEqual(2);
    expect(await signedIn(bob)).toBe(false);
  });
});
