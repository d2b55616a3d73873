import { distinctUntilChanged, from, map, type Observable as RxObservable } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { attachDialogs } from './attach-dialogs.js';
import type { GuardState } from './guard-state.js';
import { createSessionGuard, type SessionGuard } from './guard.js';
import type { SessionGuardOptions } from './options.js';
import type { TabMessage } from './tab-message.js';
import { fakeServer, manualLeader, memoryHub } from './test-helpers.js';

const policy = { warnAfter: 60, expireAfter: 180 };
let guards: SessionGuard[] = [];
let server: ReturnType<typeof fakeServer>;
let hub: ReturnType<typeof memoryHub<TabMessage>>;
const location = { assign: vi.fn(), reload: vi.fn() };
const advance = (seconds: number) => vi.advanceTimersByTimeAsync(seconds * 1000);
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function tab(isLeader = true, extra: SessionGuardOptions = {}) {
  const guard = createSessionGuard({
    signInUrl: '/login',
    logoutUrl: '/logout',
    loginPageUrl: '/login',
    username: 'alice',
    fetch: server.fetch,
    channel: hub.channel(),
    leader: manualLeader(isLeader),
    location,
    ...extra,
  });
  guards.push(guard);
  return guard;
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T10:00:00Z') });
  server = fakeServer(policy);
  hub = memoryHub<TabMessage>();
  location.assign.mockReset();
  location.reload.mockReset();
  document.head.innerHTML = '';
  document.body.innerHTML = '<main><button id="app">App</button></main>';
});

afterEach(() => {
  for (const guard of guards) guard.destroy();
  guards = [];
  vi.useRealTimers();
});

describe('the headless guard', () => {
  it('draws nothing and injects no style: the warning and the end are state and events', async () => {
    const guard = tab();
    const seen: string[] = [];
    for (const event of ['warn', 'expire'] as const) guard.on(event, () => seen.push(event));
    await advance(61);
    expect(guard.state).toMatchObject({ status: 'warning', reason: null, held: 0, stepUp: false });
    await advance(120);
    expect(guard.state).toMatchObject({ status: 'expired', reason: 'idle' });
    expect(seen).toEqual(['warn', 'expire']);
    expect(document.querySelectorAll('[role="alertdialog"], style, [data-sessionguard], [inert]')).toHaveLength(0);
  });

  it('subscribe() calls back on each change only, with the same object until something changes', async () => {
    const guard = tab();
    const seen: GuardState[] = [];
    const stop = guard.subscribe((state) => seen.push(state));
    expect(seen).toEqual([]);
    const first = guard.state;
    expect(guard.state).toBe(first);
    await advance(1);
    expect(seen.at(-1)).toBe(guard.state);
    const afterAnswer = guard.state;
    await advance(5);
    expect(guard.state).toBe(afterAnswer);
    await advance(60);
    expect(seen.at(-1)!.status).toBe('warning');
    stop();
    guard.extend();
    await advance(1);
    expect(seen.at(-1)!.status).toBe('warning');
    expect(guard.state.status).toBe('active');
  });

  it('state$ is an interop Observable: rxjs from() takes it, and it completes on destroy', async () => {
    const guard = tab();
    const statuses: string[] = [];
    let completed = false;
    const status$: RxObservable<string> = from(guard.state$).pipe(map((state) => state.status), distinctUntilChanged());
    status$.subscribe({ next: (status) => statuses.push(status), complete: () => (completed = true) });
    await advance(61);
    guard.destroy();
    expect(statuses).toEqual(['active', 'warning']);
    expect(completed).toBe(true);
  });

  it('signIn() answers with its result code and signs in in place', async () => {
    const guard = tab();
    await advance(181);
    expect(guard.state.status).toBe('expired');
    expect(await guard.signIn('alice', 'wrong')).toBe('invalid');
    server.down = true;
    expect(await guard.signIn('alice', 'alice-pass')).toBe('unreachable');
    server.down = false;
    const logins = vi.fn();
    guard.on('login', logins);
    expect(await guard.signIn('alice', 'alice-pass')).toBe('ok');
    expect(guard.state).toMatchObject({ status: 'active', reason: null });
    expect(logins).toHaveBeenCalledWith({ username: 'alice', csrfToken: null });
  });

  it('logout() answers ok, refused or unreachable, and only ok signs out', async () => {
    let answer: () => Promise<Response> = async () => json(403, { error: 'csrf_failed', message: '' });
    const guard = tab(true, { fetch: (input, init) => (String(input instanceof Request ? input.url : input).endsWith('/logout') ? answer() : server.fetch(input, init)) });
    await advance(1);
    const failed = vi.fn();
    guard.on('logout-failed', failed);
    expect(await guard.logout()).toBe('refused');
    answer = () => Promise.reject(new TypeError('Failed to fetch'));
    expect(await guard.logout()).toBe('unreachable');
    expect(failed.mock.calls).toEqual([[{ status: 403 }], [{ status: null }]]);
    expect(guard.state.status).toBe('active');
    answer = async () => json(200, {});
    expect(await guard.logout()).toBe('ok');
    expect(guard.state).toMatchObject({ status: 'signed-out', reason: 'signed-out' });
    expect(location.assign).toHaveBeenCalledWith('/login');
  });

  it('says why the session ended: revoked, unauthenticated, absolute, or a sign-out in another tab', async () => {
    const a = tab(true, { loginPageUrl: null });
    const b = tab(false, { loginPageUrl: null });
    await advance(1);
    server.revoke();
    a.extend();
    await advance(1);
    expect([a.state.reason, b.state.reason]).toEqual(['revoked', 'revoked']);
    a.extend();
    server.pingAnswer = () => json(401, { error: 'unauthenticated', message: '' });
    expect(await a.signIn('alice', 'alice-pass')).toBe('ok');
    a.extend();
    await advance(1);
    expect(a.state).toMatchObject({ status: 'signed-out', reason: 'unauthenticated' });

    // The new session may live 100 s more, whatever the activity; then the server says it expired.
    const end = Date.now() + 100_000;
    server.pingAnswer = () => {
      const remaining = Math.floor((end - Date.now()) / 1000);
      return remaining > 0
        ? json(200, { idleFor: 0, warnAfter: 60, expireAfter: 180, absoluteRemaining: remaining })
        : json(401, { error: 'session_expired', message: '' });
    };
    expect(await a.signIn('alice', 'alice-pass')).toBe('ok');
    await advance(101);
    expect(a.state).toMatchObject({ status: 'expired', reason: 'absolute' });

    server.pingAnswer = null;
    expect(await b.signIn('alice', 'alice-pass')).toBe('ok');
    await advance(1);
    server.pingAnswer = () => json(401, { error: 'unauthenticated', message: '' });
    expect(await a.logout()).toBe('ok');
    await advance(1);
    expect(a.state.reason).toBe('signed-out');
    expect(b.state).toMatchObject({ status: 'signed-out', reason: 'signed-out-elsewhere' });
  });

  it('a tab opened while the others warn asks the leader once, not in a loop, and its page load counts as activity', async () => {
    const leader = tab(true);
    await advance(61);
    expect(leader.state.status).toBe('warning');
    const before = hub.sent.length;
    const late = tab(false);
    await advance(0.5);
    const checks = hub.sent.slice(before).filter((message) => message.t === 'c');
    expect(checks).toHaveLength(1);
    expect(hub.sent.length - before).toBeLessThan(6);
    // The leader asked the server with the new tab's load as the latest activity: the warning is over everywhere.
    expect(late.state.status).toBe('active');
    expect(leader.state.status).toBe('active');
  });

  it('attachDialogs() returns a detach that removes every dialog, region and style while the guard runs on', async () => {
    const guard = tab();
    const detach = attachDialogs(guard, { locale: 'en' });
    await advance(61);
    expect(document.querySelectorAll('[role="alertdialog"]')).toHaveLength(1);
    detach();
    expect(document.querySelectorAll('[role="alertdialog"], style, [data-sessionguard], [inert]')).toHaveLength(0);
    expect(guard.state.status).toBe('warning');
  });

  it('exposes its resolved options, and the user tag once the server answered', async () => {
    server = fakeServer(policy, { tags: true });
    const guard = tab();
    expect(guard.options).toMatchObject({ baseUrl: '/session', signInUrl: '/login', reauthenticateUrl: null, name: 'sessionguard' });
    expect(guard.user).toBeNull();
    const users = vi.fn();
    guard.on('user', users);
    await advance(1);
    expect(guard.user).toBe('u-alice');
    expect(users).toHaveBeenCalledExactlyOnceWith({ user: 'u-alice' });
  });

  it('rejects signIn() and reauthenticate() without their endpoint, naming the option', async () => {
    const guard = tab(true, { signInUrl: null });
    await expect(guard.signIn('alice', 'x')).rejects.toMatchObject({ name: 'SessionGuardConfigError', option: 'signInUrl' });
    await expect(guard.reauthenticate('x')).rejects.toMatchObject({ name: 'SessionGuardConfigError', option: 'reauthenticateUrl' });
  });
});
