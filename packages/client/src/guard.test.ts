import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionGuard } from './guard.js';
import type { DialogOptions } from './attach-dialogs.js';
import type { SessionGuardOptions } from './options.js';
import type { TabMessage } from './tab-message.js';
import { fakeServer, manualLeader, memoryHub, guardWithDialogs } from './test-helpers.js';

const policy = { warnAfter: 60, expireAfter: 180 };

let guards: SessionGuard[] = [];
let server: ReturnType<typeof fakeServer>;
let hub: ReturnType<typeof memoryHub<TabMessage>>;
const location = { assign: vi.fn(), reload: vi.fn() };

function tab(isLeader: boolean, extra: SessionGuardOptions & DialogOptions = {}) {
  const leader = manualLeader(isLeader);
  const guard = guardWithDialogs({
    baseUrl: '/session',
    signInUrl: '/login',
    logoutUrl: '/logout',
    loginPageUrl: '/login',
    username: 'alice',
    locale: 'en',
    fetch: server.fetch,
    channel: hub.channel(),
    leader,
    location,
    ...extra,
  });
  guards.push(guard);
  return Object.assign(guard, { leader });
}

const dialogs = () => [...document.querySelectorAll('[role="alertdialog"]')];
const dialogTitle = () => {
  const dialog = dialogs()[0];
  return dialog ? document.getElementById(dialog.getAttribute('aria-labelledby')!)?.textContent : null;
};
const button = (name: string) =>
  [...document.querySelectorAll('button')].find((element) => element.textContent === name) as HTMLButtonElement | undefined;
const field = (label: string) => {
  const labelElement = [...document.querySelectorAll('label')].find((element) => element.textContent === label);
  return labelElement ? (document.getElementById(labelElement.htmlFor) as HTMLInputElement) : undefined;
};
const advance = (seconds: number) => vi.advanceTimersByTimeAsync(seconds * 1000);
/**
 * Lets pending promise and nextTick callbacks (a fake fetch reading its body,
 * and what follows) run, without running any timer: fake timers leave
 * process.nextTick real.
 */
const flushPromises = async () => {
  for (let turn = 0; turn < 50; turn += 1) await new Promise<void>((resolve) => process.nextTick(resolve));
};

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T10:00:00Z') });
  server = fakeServer(policy);
  hub = memoryHub<TabMessage>();
  location.assign.mockReset();
  location.reload.mockReset();
  document.body.innerHTML = '<main><button id="app">App</button><textarea aria-label="Notes"></textarea></main>';
});

afterEach(() => {
  for (const guard of guards) guard.destroy();
  guards = [];
  vi.useRealTimers();
});

describe('the warning', () => {
  it('shows at warnAfter with its buttons, and only after pinging again', async () => {
    const guard = tab(true);
    await advance(1);
    expect(server.pings).toHaveLength(1);
    await advance(58);
    expect(dialogs()).toHaveLength(0);
    await advance(2);
    expect(server.pings).toHaveLength(2);
    expect(dialogTitle()).toBe('Your session is about to expire');
    expect(dialogs()[0]!.contains(button('Stay signed in')!)).toBe(true);
    expect(dialogs()[0]!.contains(button('Sign out')!)).toBe(true);
    expect(guard.state.status).toBe('warning');
  });
});

const move = (target: EventTarget = document) => target.dispatchEvent(new Event('mousemove', { bubbles: true }));

describe('tabs', () => {
  it('the leader pings once for N tabs', async () => {
    tab(true);
    tab(false);
    tab(false);
    await advance(1);
    expect(server.pings).toHaveLength(1);
    // Ten minutes of activity in every tab: pings follow the interval (30 s for warnAfter 60), not the tab count.
    for (let second = 0; second < 600; second += 5) {
      move();
      await advance(5);
    }
    expect(server.pings.length).toBeGreaterThanOrEqual(18);
    expect(server.pings.length).toBeLessThanOrEqual(22);
    expect(dialogs()).toHaveLength(0);
  });

  it('activity in one tab postpones the warning in another', async () => {
    const leaderTab = tab(true);
    const other = tab(false);
    await advance(50);
    // Activity in the non-leader tab only (it shares its activity over the channel).
    hub.channel().post({ t: 'a', at: Date.now() });
    await advance(15);
    expect(leaderTab.state.status).toBe('active');
    expect(other.state.status).toBe('active');
    expect(dialogs()).toHaveLength(0);
    await advance(50);
    expect(leaderTab.state.status).toBe('warning');
    expect(other.state.status).toBe('warning');
  });

  it('the warning closes in every tab when one says stay signed in', async () => {
    const a = tab(true);
    const b = tab(false);
    await advance(61);
    expect(a.state.status).toBe('warning');
    expect(b.state.status).toBe('warning');
    b.extend();
    await advance(1);
    expect(a.state.status).toBe('active');
    expect(b.state.status).toBe('active');
    expect(dialogs()).toHaveLength(0);
  });

  it('a new leader takes over the pings when the leader tab closes', async () => {
    const a = tab(true);
    const b = tab(false);
    await advance(1);
    const before = server.pings.length;
    a.destroy();
    b.leader.set(true);
    move();
    await advance(31);
    expect(server.pings.length).toBeGreaterThan(before);
  });
});

describe('expiry and sign-in in place', () => {
  it('expires in every tab at expireAfter and signing in closes the dialog in every tab, keeping the page', async () => {
    const a = tab(true);
    const b = tab(false);
    const notes = document.querySelector('textarea')!;
    notes.value = 'unsaved work';
    await advance(181);
    expect(a.state.status).toBe('expired');
    expect(b.state.status).toBe('expired');
    expect(dialogTitle()).toBe('Your session has expired');
    expect(field('Username')!.value).toBe('alice');
    expect(field('Username')!.autocomplete).toBe('username');
    expect(field('Password')!.autocomplete).toBe('current-password');
    const login = vi.fn();
    b.on('login', login);
    field('Password')!.value = 'alice-pass';
    button('Sign in')!.click();
    await advance(1);
    expect(a.state.status).toBe('active');
    expect(b.state.status).toBe('active');
    expect(dialogs()).toHaveLength(0);
    expect(login).toHaveBeenCalledWith({ username: 'alice', csrfToken: null });
    expect(notes.value).toBe('unsaved work');
    expect(location.reload).not.toHaveBeenCalled();
    const request = server.requests.find((entry) => entry.url === '/login')!;
    expect(JSON.parse(request.body)).toEqual({ username: 'alice', password: 'alice-pass' });
    expect(request.headers.get('X-SessionGuard')).toBe('1');
  });

  it('a wrong password shows an error tied to the field', async () => {
    tab(true);
    await advance(181);
    field('Password')!.value = 'nope';
    button('Sign in')!.click();
    await advance(1);
    const password = field('Password')!;
    expect(password.getAttribute('aria-invalid')).toBe('true');
    const error = document.getElementById(password.getAttribute('aria-describedby')!)!;
    expect(error.textContent).toBe('The username or password is not correct.');
    expect(error.getAttribute('role')).toBe('alert');
    expect(document.activeElement).toBe(password);
  });

  it('an unreachable server is shown as such when signing in', async () => {
    tab(true);
    await advance(181);
    server.down = true;
    field('Password')!.value = 'alice-pass';
    button('Sign in')!.click();
    await advance(1);
    const password = field('Password')!;
    expect(document.getElementById(password.getAttribute('aria-describedby')!)!.textContent).toBe(
      'We cannot reach the server. Check your connection and try again.',
    );
  });

  it('a different user signing in reloads every tab', async () => {
    tab(true);
    tab(false);
    await advance(181);
    field('Username')!.value = 'bob';
    field('Password')!.value = 'bob-pass';
    button('Sign in')!.click();
    await advance(1);
    expect(location.reload).toHaveBeenCalledTimes(2);
  });

  it('a revoked session shows a different message than an expired one, in every tab', async () => {
    const a = tab(true);
    const b = tab(false);
    const revoked = vi.fn();
    b.on('revoked', revoked);
    await advance(1);
    server.revoke();
    a.extend();
    await advance(1);
    expect(a.state.status).toBe('revoked');
    expect(b.state.status).toBe('revoked');
    expect(dialogTitle()).toBe('You have been signed out');
    expect(revoked).toHaveBeenCalledTimes(1);
    expect(field('Password')).toBeInstanceOf(HTMLInputElement);
    expect(dialogs()[0]!.contains(field('Password')!)).toBe(true);
  });

  it('a sleep longer than expireAfter expires at once on wake, with no timer run', async () => {
    const guard = tab(true);
    await advance(1);
    // The laptop sleeps: the clock jumps and no timer runs (setSystemTime fires none).
    vi.setSystemTime(Date.now() + 600_000);
    expect(guard.state.status).toBe('active');
    window.dispatchEvent(new Event('focus'));
    // Only promise callbacks run from here: the wake event alone must end the session.
    await flushPromises();
    expect(guard.state.status).toBe('expired');
    expect(dialogTitle()).toBe('Your session has expired');
  });

  it('a background tab whose timers were frozen shows the warning as soon as it is visible again', async () => {
    const guard = tab(true);
    await advance(1);
    vi.setSystemTime(Date.now() + 100_000);
    document.dispatchEvent(new Event('visibilitychange'));
    await flushPromises();
    expect(guard.state.status).toBe('warning');
    expect(dialogTitle()).toBe('Your session is about to expire');
  });

  it('a page restored from the back/forward cache re-checks at once', async () => {
    const guard = tab(true);
    await advance(1);
    vi.setSystemTime(Date.now() + 400_000);
    window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
    await flushPromises();
    expect(guard.state.status).toBe('expired');
  });

  it('another device keeping the session alive means no warning (the pre-warning ping asks)', async () => {
    const guard = tab(true);
    await advance(50);
    server.touch();
    await advance(15);
    expect(guard.state.status).toBe('active');
    expect(dialogs()).toHaveLength(0);
  });
});

describe('server trouble', () => {
  it('malformed, failing and late answers never throw and never sign the user out early', async () => {
    const errors: unknown[] = [];
    const onError = (event: ErrorEvent) => errors.push(event.error);
    window.addEventListener('error', onError);
    server.pingAnswer = () => new Response('{"idleFor":"soon"}', { status: 200 });
    const guard = tab(true);
    await advance(30);
    expect(guard.state.status).toBe('active');
    server.pingAnswer = () => new Response('<html>', { status: 502 });
    move();
    await advance(20);
    server.pingAnswer = () => new Response('{}', { status: 401 });
    move();
    await advance(5);
    expect(guard.state.status).toBe('active');
    server.pingAnswer = () => new Promise<Response>(() => {});
    await advance(40);
    expect(guard.state.status).not.toBe('expired');
    window.removeEventListener('error', onError);
    expect(errors).toEqual([]);
  });

  it('a late, older answer relayed by another tab does not bring back a warning the server has moved on from', async () => {
    const guard = tab(false);
    const leaderChannel = hub.channel();
    const now = Date.now();
    leaderChannel.post({ t: 's', v: { at: now, warnAt: now + 60_000, expiresAt: now + 180_000, warnAfter: 60, expireAfter: 180 } });
    await advance(1);
    leaderChannel.post({ t: 's', v: { at: now - 170_000, warnAt: now - 110_000, expiresAt: now + 10_000, warnAfter: 60, expireAfter: 180 } });
    await advance(1);
    expect(guard.state.status).toBe('active');
    expect(dialogs()).toHaveLength(0);
    leaderChannel.post({ t: 's', v: { nonsense: true } } as never);
    leaderChannel.post({ t: 'zzz' } as never);
    leaderChannel.post(null as never);
    await advance(1);
    expect(guard.state.status).toBe('active');
  });

  it('a ping answered 401 unauthenticated after the idle end this tab already knew of shows the expiry dialog, not "signed out"', async () => {
    // Another tab or request met the expiry first, so the server has forgotten the session and says only `unauthenticated`.
    const guard = tab(true);
    await advance(170);
    expect(guard.state.status).toBe('warning');
    server.pingAnswer = () => new Response('{"error":"unauthenticated","message":""}', { status: 401 });
    await advance(30);
    expect(guard.state.status).toBe('expired');
    expect(dialogTitle()).not.toBe('You have been signed out');
  });

  it('a ping answered 401 unauthenticated shows the signed-out dialog with sign-in', async () => {
    server.pingAnswer = () => new Response('{"error":"unauthenticated","message":""}', { status: 401 });
    const guard = tab(true);
    await advance(1);
    expect(guard.state.status).toBe('signed-out');
    expect(dialogTitle()).toBe('You have been signed out');
    expect(field('Password')).toBeInstanceOf(HTMLInputElement);
    expect(dialogs()[0]!.contains(field('Password')!)).toBe(true);
  });

  it('an outage never signs out, but once our own timestamps say expired it shows expired', async () => {
    const guard = tab(true);
    await advance(1);
    server.down = true;
    await advance(100);
    expect(guard.state.status).toBe('warning');
    await advance(80);
    expect(guard.state.status).toBe('expired');
  });

  it('retries an unreachable server with backoff', async () => {
    tab(true);
    await advance(1);
    server.down = true;
    move();
    await advance(30);
    const before = server.requests.length;
    await advance(31);
    // The first retry came 1 s after the failure; then 2, 4, 8 and 16 s apart.
    expect(server.requests.length - before).toBe(4);
  });
});

describe('sign-out', () => {
  it('logout() posts to logoutUrl and sends every tab to the login page', async () => {
    const a = tab(true);
    const b = tab(false);
    const logout = vi.fn();
    b.on('logout', logout);
    await a.logout();
    // The other tab goes once the server confirms (its ping).
    await advance(0.1);
    const request = server.requests.find((entry) => entry.url === '/logout')!;
    expect(request.method).toBe('POST');
    expect(request.headers.get('accept')).toBe('application/json');
    expect(request.headers.get('X-SessionGuard')).toBe('1');
    expect(location.assign).toHaveBeenCalledTimes(2);
    expect(location.assign).toHaveBeenCalledWith('/login');
    expect(logout).toHaveBeenCalledTimes(1);
    expect(b.state.status).toBe('signed-out');
  });

  /** A sign-out form; submitting it sends what a browser would (the form's POST), unless `refused`. */
  const signOutForm = (refused = false) => {
    document.body.insertAdjacentHTML('beforeend', '<form data-sessionguard-logout action="/logout" method="post"></form>');
    const form = document.querySelector('form[data-sessionguard-logout]') as HTMLFormElement;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      // A refused sign-out (a stale CSRF token, say) reaches the app's error page; the session lives on.
      if (!refused) void server.fetch('http://localhost/logout', { method: 'POST' });
    });
    return () => form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
  };

  it('submitting a form marked data-sessionguard-logout signs out the other tabs, once the server confirms', async () => {
    tab(true);
    const b = tab(false);
    const submit = signOutForm();
    submit();
    await advance(0.1);
    expect(b.state.status).toBe('signed-out');
    expect(location.assign).toHaveBeenCalledWith('/login');
  });

  it('a request refused while another tab sign-out is being confirmed gets its 401, and the tab goes to the login page', async () => {
    const b = tab(false);
    await advance(4);
    await server.fetch('http://localhost/logout', { method: 'POST' });
    hub.channel().post({ t: 'o' });
    const response = await b.fetch('/api/me');
    expect(response.status).toBe(401);
    expect(b.state.status).toBe('signed-out');
    expect(location.assign).toHaveBeenCalledWith('/login');
  });

  it('a sign-out form the server refused leaves every tab signed in', async () => {
    const a = tab(true);
    const b = tab(false);
    await advance(1);
    const submit = signOutForm(true);
    const pings = server.pings.length;
    submit();
    await advance(10);
    expect(a.state.status).toBe('active');
    expect(b.state.status).toBe('active');
    expect(location.assign).not.toHaveBeenCalled();
    expect(dialogs()).toHaveLength(0);
    // Each tab asked a few times while the sign-out could still land, then stopped.
    expect(server.pings.length - pings).toBeLessThanOrEqual(12);
    const after = server.pings.length;
    await advance(20);
    expect(server.pings.length).toBe(after);
  });
});

describe('a page without a session (the login page in a shared layout)', () => {
  const unauthenticated = () => new Response('{"error":"unauthenticated","message":"Sign in first."}', { status: 401 });
  const visitor = (isLeader: boolean, extra: SessionGuardOptions & DialogOptions = {}) => tab(isLeader, { username: null, ...extra });

  it('stays inert: no dialog, the page stays usable, no event, and no more pings', async () => {
    server.pingAnswer = unauthenticated;
    const guard = visitor(true);
    const events = vi.fn();
    for (const event of ['warn', 'expire', 'revoked', 'logout', 'login'] as const) guard.on(event, events);
    await advance(1);
    expect(server.pings).toHaveLength(1);
    expect(guard.state.status).toBe('anonymous');
    expect(dialogs()).toHaveLength(0);
    expect(document.querySelector('[inert]')).toBeNull();
    // The visitor fills in the login form for ten minutes: no ping, no dialog.
    for (let second = 0; second < 600; second += 5) {
      move(document.querySelector('textarea')!);
      await advance(5);
    }
    document.dispatchEvent(new Event('visibilitychange'));
    window.dispatchEvent(new Event('online'));
    await advance(1);
    expect(server.pings).toHaveLength(1);
    expect(dialogs()).toHaveLength(0);
    expect(events).not.toHaveBeenCalled();
  });

  it('shows no dialog from its own timestamps either, when the server cannot be reached', async () => {
    server.down = true;
    const guard = visitor(true, { warnAfter: 30, expireAfter: 60 });
    await advance(300);
    expect(dialogs()).toHaveLength(0);
    expect(guard.state.status).toBe('active');
    // Retried with backoff (1, 2, 4 … 30 s), not in a loop.
    expect(server.requests.length).toBeLessThan(20);
  });

  it('lets a request refused with 401 through at once, without holding it for a sign-in', async () => {
    server.pingAnswer = unauthenticated;
    server.revoke();
    const guard = visitor(true);
    await advance(1);
    const response = await guard.fetch('/api/me');
    expect(response.status).toBe(401);
    expect(dialogs()).toHaveLength(0);
  });

  it('ignores ends, sign-outs, sign-ins and reloads other tabs relay', async () => {
    server.pingAnswer = unauthenticated;
    const guard = visitor(true);
    await advance(1);
    const other = hub.channel();
    other.post({ t: 'e', k: 'revoked' });
    other.post({ t: 'o' });
    other.post({ t: 'l', u: 'alice' });
    other.post({ t: 'r' });
    await advance(5);
    expect(guard.state.status).toBe('anonymous');
    expect(dialogs()).toHaveLength(0);
    expect(location.assign).not.toHaveBeenCalled();
    expect(location.reload).not.toHaveBeenCalled();
    expect(server.pings).toHaveLength(1);
  });

  it('as the leader, answers the check of a tab opened after signing in by asking the server, and both carry on', async () => {
    server.pingAnswer = unauthenticated;
    const loginPage = visitor(true);
    await advance(1);
    expect(loginPage.state.status).toBe('anonymous');
    // The visitor signs in (in another tab, or this one's form): the server now knows the session.
    server.pingAnswer = null;
    const work = tab(false);
    await advance(1);
    expect(server.pings).toHaveLength(2);
    expect(work.state.status).toBe('active');
    expect(loginPage.state.status).toBe('active');
    expect(dialogs()).toHaveLength(0);
  });
});
