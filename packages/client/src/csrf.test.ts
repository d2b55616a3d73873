import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { optionsFromDataset } from './global.js';
import type { SessionGuard } from './guard.js';
import type { DialogOptions } from './attach-dialogs.js';
import type { SessionGuardOptions } from './options.js';
import type { TabMessage } from './tab-message.js';
import { fakeServer, manualLeader, memoryHub, guardWithDialogs } from './test-helpers.js';

// The app's own CSRF token (csrf-sync and the like): sent on sign-out and on
// sign-in in place, a refused sign-out said so, and the fresh token of the
// new session written to the page after signing in again.

const policy = { warnAfter: 60, expireAfter: 180 };
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/**
 * {@link fakeServer} behind a csrf-sync-like check: one token per session,
 * kept in the session (so it ends with it; the next request gets a fresh
 * anonymous session without one), required in `x-csrf-token` on every POST
 * but the guard's own ping. `GET /csrf-token` gives the current session's
 * token (making one when it has none). The API's sign-in check comes before
 * the CSRF check, so a request of an ended session gets its 401.
 */
function csrfApp({ tokenInSignInAnswer = true } = {}) {
  const server = fakeServer(policy);
  let count = 1;
  let token: string | null = 'token-1';
  let signedIn = true;
  const fresh = () => (token = `token-${++count}`);
  const app = {
    server,
    get token() {
      return token;
    },
    /** What each request carried in `x-csrf-token`, by path. */
    sent: [] as { path: string; method: string; token: string | null }[],
    fetch: async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const request = new Request(input, init);
      const path = new URL(request.url).pathname;
      app.sent.push({ path, method: request.method, token: request.headers.get('x-csrf-token') });
      if (signedIn && !server.alive()) {
        signedIn = false;
        token = null;
      }
      if (path === '/csrf-token') return json(200, { csrfToken: token ?? fresh() });
      if (path.startsWith('/api/') && !signedIn) return server.fetch(request);
      if (request.method === 'POST' && path !== '/session/ping' && (token === null || request.headers.get('x-csrf-token') !== token)) {
        return json(403, { error: 'csrf_failed', message: 'invalid csrf token' });
      }
      const response = await server.fetch(request);
      if (path === '/logout') {
        signedIn = false;
        token = null;
      }
      if (path === '/login' && response.ok) {
        // The new session (a new id) has no token until the app makes one.
        signedIn = true;
        token = null;
        const body = (await response.json()) as object;
        return json(200, tokenInSignInAnswer ? { ...body, csrfToken: fresh() } : body);
      }
      return response;
    },
  };
  return app;
}

let guards: SessionGuard[] = [];
let app: ReturnType<typeof csrfApp>;
let hub: ReturnType<typeof memoryHub<TabMessage>>;
const location = { assign: vi.fn(), reload: vi.fn() };

function tab(isLeader: boolean, extra: SessionGuardOptions & DialogOptions = {}) {
  const guard = guardWithDialogs({
    signInUrl: '/login',
    logoutUrl: '/logout',
    loginPageUrl: '/login',
    username: 'alice',
    locale: 'en',
    csrf: { tokenUrl: '/csrf-token' },
    fetch: app.fetch,
    channel: hub.channel(),
    leader: manualLeader(isLeader),
    location,
    ...extra,
  });
  guards.push(guard);
  return guard;
}

const advance = (seconds: number) => vi.advanceTimersByTimeAsync(seconds * 1000);
const dialogs = () => [...document.querySelectorAll('[role="alertdialog"]')];
const button = (name: string) =>
  [...document.querySelectorAll('button')].find((element) => element.textContent === name) as HTMLButtonElement | undefined;
const field = (label: string) => {
  const element = [...document.querySelectorAll('label')].find((candidate) => candidate.textContent === label);
  return element ? (document.getElementById(element.htmlFor) as HTMLInputElement) : undefined;
};
const meta = () => document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')!.content;
const hiddenFields = () => [...document.querySelectorAll<HTMLInputElement>('input[type="hidden"][name="_csrf"]')].map((input) => input.value);

async function expireAndSignInAgain() {
  await advance(181);
  // One dialog per tab (the tabs of a test share one document): sign in through the first.
  expect(dialogs().length).toBeGreaterThan(0);
  field('Password')!.value = 'alice-pass';
  button('Sign in')!.click();
  await advance(1);
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T10:00:00Z') });
  app = csrfApp();
  hub = memoryHub<TabMessage>();
  location.assign.mockReset();
  location.reload.mockReset();
  document.head.innerHTML = '<meta name="csrf-token" content="token-1">';
  document.body.innerHTML = `<main>
    <form id="draft" method="post" action="/notes"><input type="hidden" name="_csrf" value="token-1"><textarea name="notes"></textarea></form>
    <form id="other" method="post" action="/other"><input type="hidden" name="_csrf" value="token-1"><input name="_csrf" value="typed by the user"></form>
  </main>`;
});

afterEach(() => {
  for (const guard of guards) guard.destroy();
  guards = [];
  document.head.innerHTML = '';
  vi.useRealTimers();
});

describe('sign-out with the app CSRF token', () => {
  it('logout() sends the token of the <meta> in x-csrf-token, and every tab goes to the login page', async () => {
    const a = tab(true);
    tab(false);
    await advance(1);
    await a.logout();
    await advance(0.1);
    expect(app.sent.find((request) => request.path === '/logout')).toEqual({ path: '/logout', method: 'POST', token: 'token-1' });
    expect(location.assign).toHaveBeenCalledTimes(2);
    expect(location.assign).toHaveBeenCalledWith('/login');
    expect(a.state.status).toBe('signed-out');
  });

  it('reads the token from csrf.token and sends it in csrf.header when configured so', async () => {
    const seen: (string | null)[] = [];
    const guard = tab(true, {
      csrf: { header: 'x-xsrf-token', token: () => 'from-the-app' },
      fetch: async (input, init) => {
        seen.push(new Request(input, init).headers.get('x-xsrf-token'));
        return json(200, {});
      },
    });
    await guard.logout();
    expect(seen.at(-1)).toBe('from-the-app');
  });

  it('sends no token header without the csrf option', async () => {
    const guard = tab(true, { csrf: null });
    await guard.logout();
    expect(app.sent.find((request) => request.path === '/logout')!.token).toBeNull();
  });

  it('refused (403): stays signed in, emits logout-failed with the status, and says so in a role="alert"', async () => {
    const a = tab(true);
    const b = tab(false);
    await advance(1);
    const failed = vi.fn();
    const logout = vi.fn();
    a.on('logout-failed', failed);
    a.on('logout', logout);
    b.on('logout', logout);
    document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')!.content = 'forged';
    await a.logout();
    await advance(5);
    expect(failed).toHaveBeenCalledWith({ status: 403 });
    expect(logout).not.toHaveBeenCalled();
    expect(a.state.status).toBe('active');
    expect(b.state.status).toBe('active');
    expect(location.assign).not.toHaveBeenCalled();
    const alert = document.querySelector('[role="alert"]')!;
    expect(alert.textContent).toContain('Could not sign out: you are still signed in. Please try again.');
    // Not modal: the page stays usable.
    expect(document.querySelector('[inert]')).toBeNull();
    // The session is still served.
    expect((await a.fetch('/api/me')).status).toBe(200);
    [...alert.querySelectorAll('button')].find((element) => element.textContent === 'Dismiss')!.click();
    expect(document.querySelector('[role="alert"]')).toBeNull();
  });

  it('unreachable: logout-failed with status null, and the same message', async () => {
    const guard = tab(true);
    await advance(1);
    const failed = vi.fn();
    guard.on('logout-failed', failed);
    app.server.down = true;
    await guard.logout();
    expect(failed).toHaveBeenCalledWith({ status: null });
    expect(guard.state.status).toBe('active');
    expect(document.querySelector('[role="alert"]')!.textContent).toContain('Could not sign out');
  });

  it("refused from the warning's Sign out button: the warning stays and says so inside the dialog", async () => {
    const guard = tab(true);
    await advance(61);
    expect(guard.state.status).toBe('warning');
    document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')!.content = 'stale';
    button('Sign out')!.click();
    await advance(0.1);
    expect(guard.state.status).toBe('warning');
    const alert = dialogs()[0]!.querySelector('[role="alert"]');
    expect(alert?.textContent).toBe('Could not sign out: you are still signed in. Please try again.');
    expect(location.assign).not.toHaveBeenCalled();
  });

  it('a 401 means the server knows no session any more: signed out', async () => {
    const guard = tab(true, {
      fetch: async (input, init) =>
        new URL(new Request(input, init).url).pathname === '/logout' ? json(401, { error: 'unauthenticated', message: '' }) : app.fetch(input, init),
    });
    await advance(1);
    await guard.logout();
    expect(guard.state.status).toBe('signed-out');
    expect(location.assign).toHaveBeenCalledWith('/login');
  });
});

describe('sign-in in place with the app CSRF token', () => {
  it('asks tokenUrl for the fresh session token before signing in, and writes the token of the answer to the <meta> and the hidden fields', async () => {
    const a = tab(true);
    const b = tab(false);
    const logins = vi.fn();
    b.on('login', logins);
    await expireAndSignInAgain();
    expect(dialogs()).toHaveLength(0);
    const tokenRequest = app.sent.findIndex((request) => request.path === '/csrf-token');
    const signIn = app.sent.findIndex((request) => request.path === '/login');
    expect(tokenRequest).toBeGreaterThanOrEqual(0);
    expect(signIn).toBeGreaterThan(tokenRequest);
    // The token of the anonymous session that followed the ended one.
    expect(app.sent[signIn]!.token).toBe('token-2');
    // The signed-in session's, from the answer.
    expect(app.token).toBe('token-3');
    expect(meta()).toBe('token-3');
    expect(hiddenFields()).toEqual(['token-3', 'token-3']);
    // Only hidden fields: what the user typed in a field of that name stays.
    expect(document.querySelector<HTMLInputElement>('#other input:not([type])')!.value).toBe('typed by the user');
    expect(logins).toHaveBeenCalledWith({ username: 'alice', csrfToken: 'token-3' });
    expect(a.state.status).toBe('active');
    // The next state-changing request with the page token passes the check.
    expect((await a.fetch('/api/notes', { method: 'POST', headers: { 'x-csrf-token': meta() }, body: 'x' })).status).toBe(200);
  });

  it('asks tokenUrl again after signing in when the answer carries no token', async () => {
    app = csrfApp({ tokenInSignInAnswer: false });
    tab(true);
    await expireAndSignInAgain();
    const paths = app.sent.map((request) => request.path);
    expect(paths.lastIndexOf('/csrf-token')).toBeGreaterThan(paths.lastIndexOf('/login'));
    expect(meta()).toBe(app.token);
    expect(app.token).toBe('token-3');
    expect(hiddenFields()).toEqual(['token-3', 'token-3']);
  });

  it('a request held while the session was over is retried with the new session token', async () => {
    const guard = tab(true);
    await advance(181);
    const pending = guard.fetch('/api/notes', { method: 'POST', headers: { 'x-csrf-token': meta() }, body: 'keep me' });
    await advance(1);
    field('Password')!.value = 'alice-pass';
    button('Sign in')!.click();
    await advance(1);
    const response = await pending;
    expect(response.status).toBe(200);
    expect(app.sent.filter((request) => request.path === '/api/notes').map((request) => request.token)).toEqual(['token-1', 'token-3']);
  });

  it('without tokenUrl, signs in with the page token', async () => {
    tab(true, { csrf: {} });
    await advance(181);
    field('Password')!.value = 'alice-pass';
    button('Sign in')!.click();
    await advance(1);
    // csrf-sync refuses it (the token ended with the session): the dialog says signing in did not work.
    expect(app.sent.find((request) => request.path === '/login')!.token).toBe('token-1');
    expect(dialogs()).toHaveLength(1);
    expect(document.getElementById(field('Password')!.getAttribute('aria-describedby')!)!.textContent).toBe(
      'Signing in did not work. Please try again.',
    );
  });
});

describe('configuration', () => {
  it('rejects bad csrf options, naming the option', () => {
    expect(() => tab(true, { csrf: 'x-csrf-token' as never })).toThrowError(/`csrf`/);
    expect(() => tab(true, { csrf: { header: null as never } })).toThrowError(/`csrf.header`/);
    expect(() => tab(true, { csrf: { meta: 3 as never } })).toThrowError(/`csrf.meta`/);
    expect(() => tab(true, { csrf: { token: 'abc' as never } })).toThrowError(/`csrf.token`/);
  });

  it('the script tag turns it on with any data-csrf-* attribute', () => {
    const script = document.createElement('script');
    expect(optionsFromDataset(script.dataset).csrf).toBeUndefined();
    script.setAttribute('data-csrf-meta', 'csrf-token');
    script.setAttribute('data-csrf-header', 'x-csrf-token');
    script.setAttribute('data-csrf-field', '_csrf');
    script.setAttribute('data-csrf-token-url', '/csrf-token');
    expect(optionsFromDataset(script.dataset).csrf).toEqual({ header: 'x-csrf-token', meta: 'csrf-token', field: '_csrf', tokenUrl: '/csrf-token' });
    const bare = document.createElement('script');
    bare.setAttribute('data-csrf-meta', '');
    expect(optionsFromDataset(bare.dataset).csrf).toEqual({ header: undefined, meta: undefined, field: undefined, tokenUrl: undefined });
  });
});
