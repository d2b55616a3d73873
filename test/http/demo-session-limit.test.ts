/**
 * The demo's session limits over plain HTTP (issue 15): `MAX_SESSIONS=N` with
 * `SESSION_LIMIT=evict-oldest|deny|ask`. With `ask`, the sign-in page lists
 * the user's other sessions, each with an `End session` button (a plain form
 * posting the single-use token: no JavaScript needed).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../support/demo.js';

let demo: RunningDemo | undefined;
afterEach(async () => {
  await demo?.stop();
  demo = undefined;
});

const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0';
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

function sessionCookie(response: Response): string | null {
  const line = response.headers.getSetCookie().find((cookie) => cookie.startsWith('sessionguard.sid='));
  return line ? line.split(';')[0]! : null;
}

const form = (url: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: demo!.url, ...headers },
    body: new URLSearchParams(fields).toString(),
  });

const me = (cookie: string | null) => fetch(`${demo!.url}/api/me`, { headers: { Accept: 'application/json', ...(cookie ? { Cookie: cookie } : {}) } });

describe('the demo with MAX_SESSIONS and SESSION_LIMIT', () => {
  it('SESSION_LIMIT=ask: the sign-in page lists the other sessions with an End session button each; ending one signs in without the password', async () => {
    demo = await startDemo({ env: { MAX_SESSIONS: '1', SESSION_LIMIT: 'ask' } });
    const first = await form(`${demo.url}/login`, { username: 'alice', password: 'alice-pass' }, { 'User-Agent': FIREFOX });
    expect(first.status).toBe(303);
    const firstCookie = sessionCookie(first);
    expect((await me(firstCookie)).status).toBe(200);

    const second = await form(`${demo.url}/login`, { username: 'alice', password: 'alice-pass', next: '/sessions' }, { 'User-Agent': CHROME });
    expect(second.status).toBe(409);
    const page = await second.text();
    expect(page).toContain('Firefox 140');
    expect(page).toContain('Windows 10');
    const buttons = [...page.matchAll(/<button[^>]*>End session<\/button>/g)];
    expect(buttons).toHaveLength(1);
    const token = /name="token" value="([A-Za-z0-9_-]+)"/.exec(page)?.[1];
    const end = /name="end" value="([A-Za-z0-9_-]{43})"/.exec(page)?.[1];
    expect(token).toBeTruthy();
    expect(end).toBeTruthy();
    expect(page).toMatch(/<form method="post" action="\/login\/limit"/);
    const pendingCookie = sessionCookie(second);
    expect(pendingCookie).toBeTruthy();
    expect((await me(pendingCookie)).status).toBe(401);

    // Another browser cannot use the token.
    const stolen = await form(`${demo.url}/login/limit`, { token: token!, end: end! });
    expect(stolen.status).toBe(400);
    expect((await me(firstCookie)).status).toBe(200);

    const done = await form(`${demo.url}/login/limit`, { token: token!, end: end!, next: '/sessions' }, { Cookie: pendingCookie!, 'User-Agent': CHROME });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/sessions');
    const signedIn = sessionCookie(done);
    expect(signedIn).toBeTruthy();
    expect(await (await me(signedIn)).json()).toEqual({ username: 'alice' });
    expect((await me(firstCookie)).status).toBe(401);

    // Used once.
    const again = await form(`${demo.url}/login/limit`, { token: token!, end: end! }, { Cookie: pendingCookie! });
    expect(again.status).toBe(400);
    expect(demo.output()).not.toMatch(new RegExp(token!));
  });

  it('SESSION_LIMIT=deny: 409 session_limit to JSON, the sign-in page says why; nothing is signed in', async () => {
    demo = await startDemo({ env: { MAX_SESSIONS: '1', SESSION_LIMIT: 'deny' } });
    const first = await form(`${demo.url}/login`, { username: 'bob', password: 'bob-pass' });
    expect(first.status).toBe(303);
    const json = await fetch(`${demo.url}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', Origin: demo.url },
      body: JSON.stringify({ username: 'bob', password: 'bob-pass' }),
    });
    expect(json.status).toBe(409);
    expect(await json.json()).toMatchObject({ error: 'session_limit' });
    const page = await form(`${demo.url}/login`, { username: 'bob', password: 'bob-pass' });
    expect(page.status).toBe(409);
    expect(await page.text()).toMatch(/signed in on too many devices/i);
    expect((await me(sessionCookie(page))).status).toBe(401);
    expect((await me(sessionCookie(first))).status).toBe(200);
  });

  it('MAX_SESSIONS=1 alone (evict-oldest): the new sign-in ends the older session', async () => {
    demo = await startDemo({ env: { MAX_SESSIONS: '1' } });
    const first = await form(`${demo.url}/login`, { username: 'alice', password: 'alice-pass' });
    const second = await form(`${demo.url}/login`, { username: 'alice', password: 'alice-pass' });
    expect(second.status).toBe(303);
    expect((await me(sessionCookie(second))).status).toBe(200);
    expect((await me(sessionCookie(first))).status).toBe(401);
  });

  it('refuses a bad MAX_SESSIONS or SESSION_LIMIT at start-up', async () => {
    await expect(startDemo({ env: { MAX_SESSIONS: '0' }, timeoutMs: 5000 })).rejects.toThrow(/MAX_SESSIONS/);
    await expect(startDemo({ env: { MAX_SESSIONS: '2', SESSION_LIMIT: 'oldest' }, timeoutMs: 5000 })).rejects.toThrow(/SESSION_LIMIT/);
  });
});
