import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionGuard } from './guard.js';
import { de, fr } from './locales.js';
import type { TabMessage } from './tab-message.js';
import { fakeServer, guardWithDialogs, manualLeader, memoryHub } from './test-helpers.js';
import { jsonAnswer, sseEndpoint } from './test-sse.js';

const policy = { warnAfter: 60, expireAfter: 180 };
const other = { publicId: 'pA', browser: 'Firefox 140', os: 'Windows 10', device: 'desktop', createdAt: '2026-01-01T09:00:00.000Z', lastActivity: '2026-01-01T09:30:00.000Z' };
const ask = (sessions = [other], token = 'tok1') => jsonAnswer(409, { error: 'session_limit', message: 'Too many sessions', sessions, token });

let guards: SessionGuard[] = [];
let server: ReturnType<typeof fakeServer>;
let hub: ReturnType<typeof memoryHub<TabMessage>>;
/** Answers of the endpoints under test, by `METHOD path`; the rest goes to the fake server. */
let routes: Record<string, (request: Request) => Response | Promise<Response>>;
const sent: { key: string; body: string; headers: Headers }[] = [];
const location = { assign: vi.fn(), reload: vi.fn() };
const advance = (seconds: number) => vi.advanceTimersByTimeAsync(seconds * 1000);

const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
  const request = new Request(input, init);
  const key = `${request.method} ${new URL(request.url).pathname}`;
  const route = routes[key];
  if (!route) return server.fetch(request);
  sent.push({ key, body: await request.clone().text(), headers: request.headers });
  return route(request);
};

function tab(isLeader = true, extra: Record<string, unknown> = {}) {
  const guard = guardWithDialogs({ baseUrl: '/session', signInUrl: '/login', username: 'alice', locale: 'en', fetch, channel: hub.channel(), leader: manualLeader(isLeader), location, ...extra });
  guards.push(guard);
  return guard;
}

const dialog = () => document.querySelector<HTMLElement>('[role="alertdialog"]');
const title = () => (dialog() ? document.getElementById(dialog()!.getAttribute('aria-labelledby')!)?.textContent : null);
const buttons = (name: string) => [...document.querySelectorAll('button')].filter((b) => b.textContent === name);
const described = (element: Element) => document.getElementById(element.getAttribute('aria-describedby')!)?.textContent;

/** Expires the session, then signs in from the dialog with alice's password. */
async function expireAndSignIn() {
  await advance(181);
  expect(title()).toBe('Your session has expired');
  dialog()!.querySelector<HTMLInputElement>('input[type="password"]')!.value = 'alice-pass';
  dialog()!.querySelector('form')!.requestSubmit();
  await advance(0);
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T10:00:00Z') });
  server = fakeServer(policy, { tags: true });
  hub = memoryHub<TabMessage>();
  routes = {};
  sent.length = 0;
  document.head.innerHTML = '';
  document.body.innerHTML = '<main><button id="app">App</button></main>';
});
afterEach(() => {
  for (const guard of guards) guard.destroy();
  guards = [];
  vi.useRealTimers();
});

describe('signIn() over the session limit (headless)', () => {
  it("answers 'session-limit' and lists the other sessions in state.sessionLimit ('ask'): nothing signed in", async () => {
    const guard = tab();
    await advance(181);
    routes['POST /login'] = () => ask();
    expect(await guard.signIn('alice', 'alice-pass')).toBe('session-limit');
    expect(guard.state.status).toBe('expired');
    expect(guard.state.sessionLimit).toEqual({
      canChoose: true,
      sessions: [{ ...other, createdAt: Date.parse(other.createdAt), lastActivity: Date.parse(other.lastActivity) }],
    });
  });

  it("'deny' (no sessions, no token): canChoose false, and endSessionsAndSignIn has nothing to send", async () => {
    const guard = tab();
    await advance(181);
    routes['POST /login'] = () => jsonAnswer(409, { error: 'session_limit', message: 'No' });
    expect(await guard.signIn('alice', 'alice-pass')).toBe('session-limit');
    expect(guard.state.sessionLimit).toEqual({ sessions: [], canChoose: false });
    expect(await guard.endSessionsAndSignIn(['pA'])).toBe('invalid');
    expect(sent.filter((r) => r.key === 'POST /session/sessions/limit')).toHaveLength(0);
  });

  it('endSessionsAndSignIn posts the kept token and the chosen ids, then signs in as signIn does (login event, every tab)', async () => {
    const guard = tab();
    const second = tab(false);
    await advance(181);
    routes['POST /login'] = () => ask();
    await guard.signIn('alice', 'alice-pass');
    const logins: unknown[] = [];
    guard.on('login', (detail) => logins.push(detail));
    routes['POST /session/sessions/limit'] = () => jsonAnswer(200, { signedIn: true, publicId: 'pB', ended: 1 });
    expect(await guard.endSessionsAndSignIn(['pA'])).toBe('ok');
    const request = sent.find((r) => r.key === 'POST /session/sessions/limit')!;
    expect(JSON.parse(request.body)).toEqual({ token: 'tok1', end: ['pA'] });
    expect(request.headers.get('x-sessionguard')).toBe('1');
    expect(guard.state).toMatchObject({ status: 'active', sessionLimit: null });
    expect(second.state.status).toBe('active');
    expect(logins).toEqual([{ username: 'alice', csrfToken: null }]);
  });

  it("a refused token is 'invalid' (the limit is forgotten: sign in again); 404 keeps it; 409 brings a new list", async () => {
    const guard = tab();
    await advance(181);
    routes['POST /login'] = () => ask();
    await guard.signIn('alice', 'alice-pass');
    routes['POST /session/sessions/limit'] = () => jsonAnswer(404, { error: 'not_found', message: '' });
    expect(await guard.endSessionsAndSignIn(['pA'])).toBe('not-found');
    expect(guard.state.sessionLimit?.sessions).toHaveLength(1);
    routes['POST /session/sessions/limit'] = () => ask([{ ...other, publicId: 'pC' }], 'tok2');
    expect(await guard.endSessionsAndSignIn(['pA'])).toBe('session-limit');
    expect(guard.state.sessionLimit?.sessions.map((s) => s.publicId)).toEqual(['pC']);
    routes['POST /session/sessions/limit'] = () => jsonAnswer(400, { error: 'session_limit_token_invalid', message: '' });
    expect(await guard.endSessionsAndSignIn(['pC'])).toBe('invalid');
    expect(JSON.parse(sent.at(-1)!.body).token).toBe('tok2');
    expect(guard.state.sessionLimit).toBeNull();
    routes['POST /session/sessions/limit'] = () => {
      throw new TypeError('Failed to fetch');
    };
    expect(await guard.endSessionsAndSignIn(['pC'])).toBe('invalid');
  });
});

describe('the session limit and the other tabs', () => {
  it('is forgotten once the session is live again (another tab signed in meanwhile): the token is not kept', async () => {
    const a = tab(true);
    const b = tab(false);
    await advance(181);
    routes['POST /login'] = () => ask();
    await a.signIn('alice', 'alice-pass');
    expect(a.state.sessionLimit).not.toBeNull();
    expect(b.state.sessionLimit).toBeNull();
    delete routes['POST /login'];
    expect(await b.signIn('alice', 'alice-pass')).toBe('ok');
    expect(a.state).toMatchObject({ status: 'active', sessionLimit: null });
    expect(await a.endSessionsAndSignIn(['pA'])).toBe('invalid');
  });
});

describe('the session-limit dialog', () => {
  it('lists the other sessions, each End session button described by its session; ending one signs in and closes it', async () => {
    tab();
    routes['POST /login'] = () => ask();
    await expireAndSignIn();
    expect(title()).toBe('You are signed in on too many devices');
    const [end] = buttons('End session');
    expect(end).toBe(document.activeElement);
    expect(described(end!)).toMatch(/^Firefox 140 on Windows 10, desktopLast active /);
    routes['POST /session/sessions/limit'] = async () => {
      // The fake server's own sign-in: its session is live again.
      await server.fetch('http://localhost/login', { method: 'POST', body: JSON.stringify({ username: 'alice', password: 'alice-pass' }) });
      return jsonAnswer(200, { signedIn: true, publicId: 'pB', ended: 1 });
    };
    end!.click();
    await advance(0);
    await advance(1);
    expect(dialog()).toBeNull();
    expect(document.querySelector('main')!.hasAttribute('inert')).toBe(false);
  });

  it("'deny': the message only, no End session; Back returns to the sign-in form", async () => {
    const guard = tab();
    routes['POST /login'] = () => jsonAnswer(409, { error: 'session_limit', message: '' });
    await expireAndSignIn();
    expect(title()).toBe('You are signed in on too many devices');
    expect(dialog()!.textContent).toContain('sign out on one of your other devices first');
    expect(buttons('End session')).toHaveLength(0);
    buttons('Back')[0]!.click();
    expect(guard.state.sessionLimit).toBeNull();
    expect(title()).toBe('Your session has expired');
  });

  it('a session ended meanwhile (404) is said in an alert, and the list stays', async () => {
    tab();
    routes['POST /login'] = () => ask();
    await expireAndSignIn();
    routes['POST /session/sessions/limit'] = () => jsonAnswer(404, { error: 'not_found', message: '' });
    buttons('End session')[0]!.click();
    await advance(0);
    expect(dialog()!.querySelector('[role="alert"]')!.textContent).toBe('That session has ended already. Choose another or go back.');
    expect(title()).toBe('You are signed in on too many devices');
  });
});

const notice = { publicId: 'pN', browser: 'Chrome 141', os: 'Android 15', device: 'mobile', ago: 30 };
/** The next ping answer carries `notices`, as the adapter's does. */
function nextPingNotices(notices: unknown) {
  const original = server.fetch;
  routes['POST /session/ping'] = async (request) => {
    delete routes['POST /session/ping'];
    const answer = (await (await original(request)).json()) as object;
    return jsonAnswer(200, { ...answer, notices });
  };
}

describe('new-device notices', () => {
  it('a ping answer\'s notices reach state.notices of every tab (at = now - ago), and a dismissal in one tab dismisses them in all', async () => {
    nextPingNotices([notice]);
    const a = tab(true);
    const b = tab(false);
    await advance(0);
    expect(a.state.notices).toEqual([{ publicId: 'pN', browser: 'Chrome 141', os: 'Android 15', device: 'mobile', at: Date.now() - 30_000 }]);
    expect(b.state.notices).toEqual(a.state.notices);
    // Relayed once as `n`; the views the leader passes on do not carry them.
    expect(hub.sent.filter((m) => m.t === 'n')).toHaveLength(1);
    expect(hub.sent.some((m) => m.t === 's' && 'notices' in m.v)).toBe(false);
    b.dismissNotice('pN');
    expect(a.state.notices).toEqual([]);
    expect(b.state.notices).toEqual([]);
  });

  it("an answer for another user (signed in meanwhile in this browser) shows none of that user's notices", async () => {
    const guard = tab();
    await advance(1);
    server.user = 'u-bob';
    nextPingNotices([notice]);
    guard.extend();
    await advance(0);
    expect(guard.state.notices).toEqual([]);
    expect(location.reload).toHaveBeenCalled();
  });

  it('a malformed notices list is dropped and the timing kept', async () => {
    nextPingNotices([{ publicId: 'bad id!', ago: -1 }]);
    const guard = tab();
    await advance(1);
    expect(guard.state.notices).toEqual([]);
    expect(guard.state.expiresAt).not.toBeNull();
  });

  it('the push stream\'s notice event shows the notice', async () => {
    const events = sseEndpoint();
    server.events = events;
    const guard = tab(true);
    await advance(1);
    events.streams[0]!.open({ session: 's1' });
    events.streams[0]!.send(`event: notice\ndata: ${JSON.stringify({ ...notice, ago: 0 })}\n\n`);
    await vi.advanceTimersByTimeAsync(10);
    expect(guard.state.notices.map((n) => n.publicId)).toEqual(['pN']);
  });

  it('shows "New sign-in: <browser> on <OS>, <time>" visibly and in the live region, with End that session and Dismiss', async () => {
    nextPingNotices([notice]);
    tab(true);
    await advance(0);
    const box = document.querySelector('[role="region"][aria-label="Security notices"] [role="group"]')!;
    expect(box.textContent).toMatch(/^New sign-in: Chrome 141 on Android 15, /);
    expect(document.activeElement).not.toBe(buttons('End that session')[0]);
    await vi.advanceTimersByTimeAsync(100);
    expect(document.querySelector('[role="status"]')!.textContent).toMatch(/^New sign-in: Chrome 141 on Android 15, /);
    expect(described(buttons('End that session')[0]!)).toMatch(/^New sign-in/);
    expect(described(buttons('Dismiss')[0]!)).toMatch(/^New sign-in/);
  });

  it('End that session sends DELETE <base>/sessions/:publicId and removes the notice in every tab', async () => {
    nextPingNotices([notice]);
    const a = tab(true);
    const b = tab(false);
    await advance(0);
    expect(document.querySelectorAll('[data-sessionguard="notices"] [role="group"]')).toHaveLength(2);
    routes['DELETE /session/sessions/pN'] = () => new Response(null, { status: 204 });
    buttons('End that session')[1]!.click();
    await advance(0);
    expect(sent.map((r) => r.key)).toContain('DELETE /session/sessions/pN');
    expect(sent.find((r) => r.key === 'DELETE /session/sessions/pN')!.headers.get('x-sessionguard')).toBe('1');
    expect([a.state.notices, b.state.notices]).toEqual([[], []]);
    expect(document.querySelectorAll('[data-sessionguard="notices"] [role="group"]')).toHaveLength(0);
  });

  it('End that session answered 403 reauthentication_required waits for the step-up, then ends it', async () => {
    nextPingNotices([notice]);
    const guard = tab(true, { reauthenticateUrl: '/reauthenticate' });
    await advance(0);
    let fresh = false;
    routes['DELETE /session/sessions/pN'] = () => (fresh ? new Response(null, { status: 204 }) : jsonAnswer(403, { error: 'reauthentication_required', message: '' }));
    routes['POST /reauthenticate'] = () => ((fresh = true), jsonAnswer(200, {}));
    const ended = guard.endNoticeSession('pN');
    await advance(0);
    expect(title()).toBe('Confirm your password');
    expect(guard.state.notices).toHaveLength(1);
    expect(await guard.reauthenticate('alice-pass')).toBe('ok');
    expect(await ended).toBe('ok');
    expect(sent.filter((r) => r.key === 'DELETE /session/sessions/pN')).toHaveLength(2);
    expect(guard.state.notices).toEqual([]);
  });

  it('an answer that lands after destroy() publishes nothing', async () => {
    nextPingNotices([notice]);
    const guard = tab(true);
    await advance(0);
    let answer!: (response: Response) => void;
    routes['DELETE /session/sessions/pN'] = () => new Promise((resolve) => (answer = resolve));
    const seen: unknown[] = [];
    guard.subscribe((state) => seen.push(state));
    const ended = guard.endNoticeSession('pN');
    await advance(0);
    guard.destroy();
    answer(new Response(null, { status: 204 }));
    expect(await ended).toBe('ok');
    expect(seen).toEqual([]);
    expect(guard.state.notices).toHaveLength(1);
  });

  it('a failed End that session keeps the notice and says so', async () => {
    nextPingNotices([notice]);
    const guard = tab(true);
    await advance(0);
    routes['DELETE /session/sessions/pN'] = () => jsonAnswer(500, { error: 'internal_error', message: '' });
    expect(await guard.endNoticeSession('pN')).toBe('unreachable');
    buttons('End that session')[0]!.click();
    await advance(0);
    expect(document.querySelector('[data-sessionguard="notices"] [role="alert"]')!.textContent).toBe('We cannot reach the server. Check your connection and try again.');
    expect(guard.state.notices).toHaveLength(1);
  });
});

describe('strings', () => {
  it('fr and de translate the session-limit dialog and the notice', () => {
    for (const strings of [fr, de]) {
      for (const key of ['sessionLimitTitle', 'endSession', 'newSignIn', 'endThatSession', 'noticesRegion'] as const) expect(strings[key]).toBeTruthy();
    }
    expect(fr.newSignIn).toContain('{browser}');
    expect(de.newSignIn).toContain('{os}');
  });
});
