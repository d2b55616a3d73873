/**
 * The contracts the demo promised, over plain HTTP (node:http, so a request
 * carries exactly the headers written here: no default `Accept`):
 *
 * - `GET /api/me` is an API: an ended session gets 401 JSON whatever the
 *   `Accept` header, never a redirect to the sign-in page;
 * - a browser without JavaScript is answered with pages: a plain form post
 *   after expiry goes to the sign-in page with its return path (303), not raw
 *   JSON, while the SDK's and the page scripts' calls still get 401 JSON;
 * - a refused request (cross-site, no CSRF header, invalid) is not activity:
 *   it leaves the session's last activity where it was.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../support/demo.js';

let demo: RunningDemo;
const EXPIRE_AFTER = 60;

beforeAll(async () => {
  demo = await startDemo({ env: { SESSIONGUARD_TEST_CLOCK: '1', WARN_AFTER: '30', EXPIRE_AFTER: String(EXPIRE_AFTER) } });
});

afterAll(async () => {
  await demo?.stop();
});

/** What Chromium sends on a navigation or a form submission. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** One request with exactly these headers (plus Host and Connection), redirects not followed. */
function send(method: string, pathname: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${demo.url}${pathname}`,
      { method, headers: body === undefined ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(body)) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const cookieOf = (answer: Answer) => answer.headers['set-cookie']?.find((line) => line.startsWith('sessionguard.sid='))?.split(';')[0];

async function signIn(username: string): Promise<string> {
  const answer = await send('POST', '/login', { 'Content-Type': 'application/json', Accept: 'application/json' }, JSON.stringify({ username, password: `${username}-pass` }));
  expect(answer.status, answer.text).toBe(200);
  return cookieOf(answer)!;
}

/** The headers the SDK and the page scripts send (demo/public/*.js, the SDK's fetch wrapper). */
const sdk = (cookie: string) => ({ Cookie: cookie, Accept: 'application/json', 'X-SessionGuard': '1', Origin: demo.url });

/** A browser without JavaScript submitting a form of the demo. */
const browserForm = (cookie?: string): Record<string, string> => ({
  ...(cookie === undefined ? {} : { Cookie: cookie }),
  Accept: BROWSER_ACCEPT,
  'Content-Type': 'application/x-www-form-urlencoded',
  Origin: demo.url,
  'Sec-Fetch-Site': 'same-origin',
  'Sec-Fetch-Mode': 'navigate',
  'Sec-Fetch-Dest': 'document',
});

const expire = () => demo.advanceClock((EXPIRE_AFTER + 1) * 1000);

function expectJsonError(answer: Answer, status: number, error: string | readonly string[]): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers.location, 'not a redirect').toBeUndefined();
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  const code = (JSON.parse(answer.text) as { error: string }).error;
  if (typeof error === 'string') expect(code).toBe(error);
  else expect(error).toContain(code);
}

describe('GET /api/me answers an ended session 401 JSON, whatever the Accept header', () => {
  const accepts: Array<[string, Record<string, string>]> = [
    ['text/html', { Accept: 'text/html' }],
    ["a browser navigation's Accept", { Accept: BROWSER_ACCEPT }],
    ['*/*', { Accept: '*/*' }],
    ['no Accept at all', {}],
    ['application/json', { Accept: 'application/json' }],
  ];

  it.each(accepts)('expired, Accept %s: 401 session_expired', async (_name, headers) => {
    const cookie = await signIn('alice');
    await expire();
    expectJsonError(await send('GET', '/api/me', { Cookie: cookie, ...headers }), 401, 'session_expired');
    // And once the guard has ended it, the same (the demo's own check answers the anonymous request).
    expectJsonError(await send('GET', '/api/me', { Cookie: cookie, ...headers }), 401, ['unauthenticated', 'session_expired']);
  });

  it.each(accepts)('revoked from another device, Accept %s: 401 session_revoked', async (_name, headers) => {
    const revoked = await signIn('alice');
    const other = await signIn('alice');
    expect((await send('DELETE', '/session/sessions', sdk(other))).status).toBe(200);
    expectJsonError(await send('GET', '/api/me', { Cookie: revoked, ...headers }), 401, 'session_revoked');
  });
});

describe('a plain form post after expiry goes to the sign-in page with its return path', () => {
  it('the no-JS Save notes: 303 to /login?next=%2Fnotes, nothing saved, and signing in there leads back to the work page', async () => {
    const cookie = await signIn('bob');
    await expire();
    const post = await send('POST', '/notes', browserForm(cookie), new URLSearchParams({ notes: 'typed after expiry' }).toString());
    expect(post.status, post.text).toBe(303);
    expect(post.headers.location).toBe('/login?next=%2Fnotes');
    expect(post.headers['content-type'] ?? '').not.toMatch(/json/);
    expect(post.headers['cache-control']).toBe('no-store');

    // The sign-in page carries the return path into its form, and signing in there follows it to a page.
    const login = await send('GET', post.headers.location!, { Accept: BROWSER_ACCEPT });
    expect(login.status).toBe(200);
    expect(login.text).toContain('<input type="hidden" name="next" value="/notes">');
    const signedIn = await send(
      'POST',
      '/login',
      browserForm(),
      new URLSearchParams({ username: 'bob', password: 'bob-pass', next: '/notes' }).toString(),
    );
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.location).toBe('/notes');
    const fresh = cookieOf(signedIn)!;
    const back = await send('GET', '/notes', { Cookie: fresh, Accept: BROWSER_ACCEPT });
    expect(back.status, back.text).toBe(303);
    expect(back.headers.location).toBe('/');
    const work = await send('GET', '/', { Cookie: fresh, Accept: BROWSER_ACCEPT });
    expect(work.status).toBe(200);
    expect(work.text).toContain('id="notes"');
    // The post after expiry saved nothing.
    expect(JSON.parse((await send('GET', '/api/notes', sdk(fresh))).text)).toEqual({ notes: '' });
  });

  it('the no-JS Change password: 303 to /login?next=%2Faccount%2Fpassword, and the password is unchanged', async () => {
    const cookie = await signIn('bob');
    await expire();
    const post = await send(
      'POST',
      '/account/password',
      browserForm(cookie),
      new URLSearchParams({ current_password: 'bob-pass', new_password: 'changed-after-expiry' }).toString(),
    );
    expect(post.status, post.text).toBe(303);
    expect(post.headers.location).toBe('/login?next=%2Faccount%2Fpassword');
    await signIn('bob'); // bob-pass still works
  });

  it('the Sign out form after expiry signs out and shows the sign-in page (303 /login), not JSON', async () => {
    const cookie = await signIn('bob');
    await expire();
    const post = await send('POST', '/logout', browserForm(cookie), '');
    expect(post.status, post.text).toBe(303);
    expect(post.headers.location).toBe('/login');
    expect(post.headers['set-cookie']?.some((line) => /^sessionguard\.sid=;/.test(line))).toBe(true);
  });

  it('an oversized no-JS notes post gets a page (413), not raw JSON', async () => {
    const cookie = await signIn('bob');
    const post = await send('POST', '/notes', browserForm(cookie), new URLSearchParams({ notes: 'x'.repeat(70 * 1024) }).toString());
    expect(post.status).toBe(413);
    expect(post.headers['content-type']).toMatch(/^text\/html/);
    expect(post.text).toContain('The request body is too large.');
  });

  it('the SDK, the page scripts and non-browser clients still get 401 JSON after expiry', async () => {
    const calls: Array<[string, string, (cookie: string) => Record<string, string>, string | undefined]> = [
      // The SDK's fetch wrapper saving notes (JSON body; fetch's default Accept).
      ['POST', '/api/notes', (cookie) => ({ ...sdk(cookie), Accept: '*/*', 'Content-Type': 'application/json' }), '{"notes":"x"}'],
      // The guard's routers, even asked for HTML.
      ['GET', '/session/sessions', (cookie) => ({ Cookie: cookie, Accept: BROWSER_ACCEPT }), undefined],
      ['POST', '/admin/sessions/revoke', (cookie) => ({ ...sdk(cookie), Accept: BROWSER_ACCEPT, 'Content-Type': 'application/json' }), '{"userIds":["bob"]}'],
      // A script posting the form (X-Requested-With), a JSON post to a page route, a client that sends no Accept.
      ['POST', '/notes', (cookie) => ({ ...browserForm(cookie), 'X-Requested-With': 'XMLHttpRequest' }), 'notes=x'],
      ['POST', '/notes', (cookie) => ({ ...browserForm(cookie), 'Content-Type': 'application/json' }), '{"notes":"x"}'],
      ['POST', '/notes', (cookie) => ({ Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' }), 'notes=x'],
      // A script's fetch() of the form (Accept: */*): a 303 would be followed silently to the sign-in page's 200.
      ['POST', '/notes', (cookie) => ({ ...browserForm(cookie), Accept: '*/*', 'Sec-Fetch-Mode': 'cors', 'Sec-Fetch-Dest': 'empty' }), 'notes=x'],
    ];
    for (const [method, pathname, headers, body] of calls) {
      const cookie = await signIn('alice');
      await expire();
      const answer = await send(method, pathname, headers(cookie), body);
      expect(answer.status, `${method} ${pathname}: ${answer.status} ${answer.text}`).toBe(401);
      expectJsonError(answer, 401, 'session_expired');
    }
  });
});

describe('a refused request is not activity', () => {
  it('cross-site posts, guard calls without the CSRF header, and invalid guard calls leave last activity where it was', async () => {
    const cookie = await signIn('bob');
    const watcher = await signIn('bob');
    type Listed = { sessions: Array<{ publicId: string; current: boolean; lastActivity: string }> };
    const list = async (from: string) => (JSON.parse((await send('GET', '/session/sessions', sdk(from))).text) as Listed).sessions;
    const id = (await list(cookie)).find((session) => session.current)!.publicId;
    const lastActivity = async () => Date.parse((await list(watcher)).find((session) => session.publicId === id)!.lastActivity);
    const form = new URLSearchParams({ notes: 'forged' }).toString();
    const refused: Array<[string, string, Record<string, string>, string | undefined, number]> = [
      ['POST', '/api/notes', { ...sdk(cookie), Origin: 'http://evil.example', 'Content-Type': 'application/json' }, '{"notes":"forged"}', 403],
      ['POST', '/notes', { ...browserForm(cookie), Origin: 'http://evil.example', 'Sec-Fetch-Site': 'cross-site' }, form, 403],
      ['POST', '/notes', { ...browserForm(cookie), Origin: 'null', 'Sec-Fetch-Site': 'same-site' }, form, 403],
      ['POST', '/account/password', { ...browserForm(cookie), Origin: `http://localhost:${demo.port}` }, 'current_password=bob-pass&new_password=forged-password', 403],
      ['DELETE', '/session/sessions', { Cookie: cookie, Accept: 'application/json', Origin: demo.url }, undefined, 403],
      ['DELETE', '/session/sessions', { ...sdk(cookie), Origin: 'http://evil.example' }, undefined, 403],
      ['DELETE', '/session/sessions/not-a-session-id', sdk(cookie), undefined, 400],
      ['POST', '/admin/sessions/revoke', { ...sdk(cookie), 'Content-Type': 'application/json' }, '{"userIds":["alice"]}', 403],
      ['POST', '/admin/sessions/revoke', { ...sdk(cookie), 'Content-Type': 'application/json' }, '{"userIds":', 400],
      ['POST', '/session/ping', { ...sdk(cookie), 'Content-Type': 'application/json' }, '{"idleFor":-1}', 400],
      ['POST', '/session/ping', { ...sdk(cookie), 'X-SessionGuard': '0', 'Content-Type': 'application/json' }, '{"idleFor":0}', 403],
    ];
    const signedInAt = await lastActivity();
    for (const [method, pathname, headers, body, status] of refused) {
      const before = await lastActivity();
      await demo.advanceClock(2000);
      const answer = await send(method, pathname, headers, body);
      expect(answer.status, `${method} ${pathname}: ${answer.text}`).toBe(status);
      expect(await lastActivity(), `${method} ${pathname} (${status}) moved last activity`).toBe(before);
    }
    // The measure works: a request the demo serves is activity, and shows.
    await demo.advanceClock(2000);
    expect((await send('GET', '/api/me', sdk(cookie))).status).toBe(200);
    // (The demo's test clock runs with real time besides the steps, hence at least.)
    expect(await lastActivity()).toBeGreaterThanOrEqual(signedInAt + 2000 * (refused.length + 1));
    await signIn('bob'); // the forged password change changed nothing
  });
});
