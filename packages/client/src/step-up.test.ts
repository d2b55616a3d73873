import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionGuard } from './guard.js';
import type { SessionGuardOptions } from './options.js';
import type { TabMessage } from './tab-message.js';
import { fakeServer, guardWithDialogs, manualLeader, memoryHub } from './test-helpers.js';
import { createSessionGuard } from './guard.js';

// Step-up: a request the server answers 403 `reauthentication_required` is held,
// `stepUp` is set, and `reauthenticate(password)` (the built-in dialog, or the
// app's own UI) posts `{"password"}` to `reauthenticateUrl`, then the request goes again.

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** {@link fakeServer} with a sensitive route that needs a recent sign-in, and the step-up endpoint. */
function stepUpServer({ csrfToken }: { csrfToken?: string } = {}) {
  const server = fakeServer({ warnAfter: 60, expireAfter: 180 });
  let fresh = false;
  const app = {
    server,
    reauthentications: [] as { body: string; headers: Headers }[],
    sensitive: [] as string[],
    fetch: async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const request = new Request(input, init);
      const path = new URL(request.url).pathname;
      if (path === '/reauthenticate') {
        const body = await request.text();
        app.reauthentications.push({ body, headers: request.headers });
        if (!server.alive()) return json(401, { error: 'session_expired', message: '' });
        if ((JSON.parse(body) as { password: string }).password !== 'alice-pass') return json(401, { error: 'invalid_credentials', message: '' });
        fresh = true;
        return json(200, csrfToken ? { csrfToken } : {});
      }
      if (path === '/api/admin') {
        app.sensitive.push(await request.clone().text());
        if (!fresh) return json(403, { error: 'reauthentication_required', message: 'Sign in again to continue.' });
      }
      return server.fetch(request);
    },
  };
  return app;
}

let guards: SessionGuard[] = [];
let app: ReturnType<typeof stepUpServer>;
const base = (): SessionGuardOptions => ({
  signInUrl: '/login',
  reauthenticateUrl: '/reauthenticate',
  username: 'alice',
  fetch: app.fetch,
  channel: memoryHub<TabMessage>().channel(),
  leader: manualLeader(true),
  location: { assign: vi.fn(), reload: vi.fn() },
});
const advance = (seconds: number) => vi.advanceTimersByTimeAsync(seconds * 1000);
const dialog = () => document.querySelector<HTMLElement>('[role="alertdialog"]');
const nameOf = (element: Element | null) => (element ? document.getElementById(element.getAttribute('aria-labelledby')!)?.textContent : null);
const button = (name: string) => [...document.querySelectorAll('button')].find((element) => element.textContent === name) as HTMLButtonElement | undefined;
const password = () => {
  const label = [...document.querySelectorAll('label')].find((element) => element.textContent === 'Password');
  return label ? (document.getElementById(label.htmlFor) as HTMLInputElement) : undefined;
};

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T10:00:00Z') });
  app = stepUpServer();
  document.head.innerHTML = '<meta name="csrf-token" content="token-1">';
  document.body.innerHTML = '<main><button id="app">App</button></main>';
});

afterEach(() => {
  for (const guard of guards) guard.destroy();
  guards = [];
  vi.useRealTimers();
});

describe('step-up, headless', () => {
  it('holds the request, sets stepUp, and sends it again once reauthenticate() succeeds', async () => {
    const guard = createSessionGuard({ ...base(), csrf: {} });
    guards.push(guard);
    await advance(1);
    const pending = guard.fetch('/api/admin', { method: 'POST', body: 'delete everything' });
    await advance(0.1);
    expect(guard.state).toMatchObject({ status: 'active', stepUp: true, held: 1 });
    expect(await guard.reauthenticate('nope')).toBe('invalid');
    expect(guard.state.stepUp).toBe(true);
    expect(await guard.reauthenticate('alice-pass')).toBe('ok');
    const response = await pending;
    expect(response.status).toBe(200);
    expect(guard.state).toMatchObject({ stepUp: false, held: 0 });
    expect(app.sensitive).toEqual(['delete everything', 'delete everything']);
    const sent = app.reauthentications.at(-1)!;
    expect(JSON.parse(sent.body)).toEqual({ password: 'alice-pass' });
    expect(sent.headers.get('x-csrf-token')).toBe('token-1');
    expect(sent.headers.get('X-SessionGuard')).toBe('1');
  });

  it('cancelStepUp() answers the held request with its 403', async () => {
    const guard = createSessionGuard(base());
    guards.push(guard);
    const pending = guard.http.post('http://localhost:3000/api/admin', { json: { really: true }, throwHttpErrors: false });
    await advance(0.1);
    expect(guard.state.stepUp).toBe(true);
    guard.cancelStepUp();
    expect((await pending).status).toBe(403);
    expect(guard.state).toMatchObject({ stepUp: false, held: 0 });
  });

  it('without reauthenticateUrl the 403 goes to the app as it is', async () => {
    const guard = createSessionGuard({ ...base(), reauthenticateUrl: null });
    guards.push(guard);
    expect((await guard.fetch('/api/admin')).status).toBe(403);
    expect(guard.state.stepUp).toBe(false);
  });

  it('writes the fresh CSRF token the step-up answer carries (a renewed session)', async () => {
    app = stepUpServer({ csrfToken: 'token-2' });
    const guard = createSessionGuard({ ...base(), csrf: {} });
    guards.push(guard);
    const pending = guard.fetch('/api/admin', { method: 'POST', body: 'x' });
    await advance(0.1);
    expect(await guard.reauthenticate('alice-pass')).toBe('ok');
    await pending;
    expect(document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')!.content).toBe('token-2');
  });

  it('a session that ended meanwhile turns the step-up into a sign-in; the request goes after it', async () => {
    const guard = createSessionGuard(base());
    guards.push(guard);
    const pending = guard.fetch('/api/admin', { method: 'POST', body: 'later' });
    await advance(0.1);
    app.server.revoke();
    expect(await guard.reauthenticate('alice-pass')).toBe('failed');
    expect(guard.state).toMatchObject({ status: 'expired', stepUp: false, held: 1 });
    expect(await guard.signIn('alice', 'alice-pass')).toBe('ok');
    // Signed in again: the request goes once more, and asks for the password again.
    await advance(0.1);
    expect(guard.state.stepUp).toBe(true);
    expect(await guard.reauthenticate('alice-pass')).toBe('ok');
    expect((await pending).status).toBe(200);
  });
});

describe('step-up, the built-in dialog', () => {
  it('asks for the password in a modal alertdialog, says a wrong one, and sends the request again', async () => {
    const guard = guardWithDialogs({ ...base(), locale: 'en' });
    guards.push(guard);
    const app1 = document.getElementById('app')!;
    app1.focus();
    const pending = guard.fetch('/api/admin', { method: 'DELETE' });
    await advance(0.1);
    const element = dialog()!;
    expect(nameOf(element)).toBe('Confirm your password');
    expect(element.getAttribute('aria-modal')).toBe('true');
    expect(document.querySelector('main')!.hasAttribute('inert')).toBe(true);
    expect(document.activeElement).toBe(password());
    expect(password()!.autocomplete).toBe('current-password');
    expect(element.contains(button('Continue')!)).toBe(true);
    expect(element.contains(button('Cancel')!)).toBe(true);

    password()!.value = 'nope';
    button('Continue')!.click();
    await advance(0.1);
    expect(password()!.getAttribute('aria-invalid')).toBe('true');
    const error = document.getElementById(password()!.getAttribute('aria-describedby')!)!;
    expect(error.textContent).toBe('The password is not correct.');
    expect(error.getAttribute('role')).toBe('alert');

    password()!.value = 'alice-pass';
    button('Continue')!.click();
    await advance(0.1);
    expect((await pending).status).toBe(200);
    expect(dialog()).toBeNull();
    expect(document.querySelector('main')!.hasAttribute('inert')).toBe(false);
    expect(document.activeElement).toBe(app1);
  });

  it('Escape cancels: the request gets its 403 and the dialog closes', async () => {
    const guard = guardWithDialogs({ ...base(), locale: 'en' });
    guards.push(guard);
    const pending = guard.fetch('/api/admin', { method: 'DELETE' });
    await advance(0.1);
    expect(dialog()).not.toBeNull();
    document.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }));
    expect((await pending).status).toBe(403);
    expect(dialog()).toBeNull();
  });

  it('gives way to the warning, and comes back once the session is extended', async () => {
    const guard = guardWithDialogs({ ...base(), locale: 'en' });
    guards.push(guard);
    void guard.fetch('/api/admin', { method: 'DELETE' });
    await advance(61);
    expect(nameOf(dialog())).toBe('Your session is about to expire');
    button('Stay signed in')!.click();
    await advance(1);
    expect(nameOf(dialog())).toBe('Confirm your password');
    expect(document.querySelectorAll('[role="alertdialog"]')).toHaveLength(1);
  });
});
