import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionGuard } from './guard.js';
import type { DialogOptions } from './attach-dialogs.js';
import type { SessionGuardOptions } from './options.js';
import { storageTabChannel } from './tab-channel.js';
import type { TabMessage } from './tab-message.js';
import { fakeServer, manualLeader, memoryHub, guardWithDialogs } from './test-helpers.js';

// Tabs of different sessions in one browser: a stale tab of alice's revoked
// session must never sign bob's tab out. The fake server tags its answers
// (session `s1`, user `u-alice`; a new session tag at each sign-in).

const policy = { warnAfter: 60, expireAfter: 180 };

let guards: SessionGuard[] = [];
let server: ReturnType<typeof fakeServer>;
let hub: ReturnType<typeof memoryHub<TabMessage>>;
const location = { assign: vi.fn(), reload: vi.fn() };

function tab(isLeader: boolean, extra: SessionGuardOptions & DialogOptions = {}) {
  const guard = guardWithDialogs({
    baseUrl: '/session',
    signInUrl: '/login',
    logoutUrl: '/logout',
    loginPageUrl: '/login',
    username: 'alice',
    locale: 'en',
    fetch: server.fetch,
    channel: hub.channel(),
    leader: manualLeader(isLeader),
    location,
    ...extra,
  });
  guards.push(guard);
  return guard;
}

/** Someone signs in in another tab of this browser, outside any guard (the login page): the cookie is now theirs. */
const signInElsewhere = (username: string) =>
  server.fetch('http://localhost/login', { method: 'POST', body: JSON.stringify({ username, password: `${username}-pass` }) });

const view = (at: number, session?: string) => ({
  at,
  warnAt: at - 1000,
  expiresAt: at + 20_000,
  warnAfter: 60,
  expireAfter: 180,
  ...(session ? { session } : {}),
});
const field = (label: string) => {
  const element = [...document.querySelectorAll('label')].find((candidate) => candidate.textContent === label);
  return element ? (document.getElementById(element.htmlFor) as HTMLInputElement) : undefined;
};
const button = (name: string) =>
  [...document.querySelectorAll('button')].find((element) => element.textContent === name) as HTMLButtonElement | undefined;
const advance = (seconds: number) => vi.advanceTimersByTimeAsync(seconds * 1000);

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T10:00:00Z') });
  server = fakeServer(policy, { tags: true });
  hub = memoryHub<TabMessage>();
  location.assign.mockReset();
  location.reload.mockReset();
  document.body.innerHTML = '<main><button id="app">App</button></main>';
});

afterEach(() => {
  for (const guard of guards) guard.destroy();
  guards = [];
  vi.useRealTimers();
});

describe('messages of another session', () => {
  it('are ignored: an end, a sign-out, a reload, a sign-in and a view of another session change nothing', async () => {
    const guard = tab(true);
    await advance(1);
    const stale = hub.channel();
    stale.post({ t: 'e', k: 'revoked', s: 's0' });
    stale.post({ t: 'e', k: 'signed-out', s: 's0' });
    stale.post({ t: 'o', s: 's0' });
    stale.post({ t: 'r', s: 's0' });
    stale.post({ t: 'l', u: 'alice', s: 's0' });
    // A view of the other session that says it is already warning time.
    stale.post({ t: 's', v: view(Date.now(), 's0'), s: 's0' });
    await advance(1);
    expect(guard.state.status).toBe('active');
    expect(document.querySelector('[role="alertdialog"]')).toBeNull();
    expect(location.assign).not.toHaveBeenCalled();
    expect(location.reload).not.toHaveBeenCalled();
    // Nothing to confirm: the tab knows these are not about its session.
    expect(server.pings).toHaveLength(1);
  });

  it("the ended leader tab of alice's revoked session does not sign out bob's new tab, which stays usable", async () => {
    const alice = tab(true);
    await advance(1);
    server.revoke();
    alice.extend();
    await advance(1);
    expect(alice.state.status).toBe('revoked');

    // Bob signs in on the login page of another tab; his work page starts a guard. Alice's tab still leads,
    // and answers bob's check with its own end.
    await signInElsewhere('bob');
    const bob = tab(false, { username: 'bob' });
    await advance(1);
    expect(bob.state.status).toBe('active');
    // It did not trust the message: it asked the server, which knows bob's session.
    expect(server.pings.length).toBeGreaterThanOrEqual(3);

    // Ten minutes of bob's activity: his tab checks with the server itself when alice's tab does not answer.
    const events: GuardStatusSeen[] = [];
    bob.state$.subscribe((state) => events.push(state.status));
    for (let second = 0; second < 600; second += 10) {
      document.getElementById('app')!.dispatchEvent(new Event('mousedown', { bubbles: true }));
      await advance(10);
    }
    expect(bob.state.status).toBe('active');
    expect(events.every((status) => status === 'active')).toBe(true);
    expect(location.reload).not.toHaveBeenCalled();
  });
});

type GuardStatusSeen = SessionGuard['state']['status'];

describe('messages of the own session', () => {
  it('are still honoured: an end from another tab of this session ends this one without asking', async () => {
    const leaderTab = tab(true);
    const other = tab(false);
    await advance(1);
    const pings = server.pings.length;
    hub.channel().post({ t: 'e', k: 'revoked', s: 's1' });
    expect(leaderTab.state.status).toBe('revoked');
    expect(other.state.status).toBe('revoked');
    expect(server.pings).toHaveLength(pings);
  });

  it('from a server without tags keep the behaviour from before tags: an untagged end is trusted', async () => {
    server = fakeServer(policy);
    const guard = tab(true);
    await advance(1);
    hub.channel().post({ t: 'e', k: 'revoked' });
    expect(guard.state.status).toBe('revoked');
    expect(server.pings).toHaveLength(1);
  });
});

describe('a tab that does not know its session yet', () => {
  it('confirms an end of a tagged session with the server instead of trusting it', async () => {
    // No leader in the hub: this tab has no answer yet (it would ask the server itself after 3 s).
    const guard = tab(false);
    await advance(0.5);
    expect(server.pings).toHaveLength(0);
    hub.channel().post({ t: 'e', k: 'revoked', s: 's0' });
    await advance(0.1);
    expect(server.pings).toHaveLength(1);
    expect(guard.state.status).toBe('active');
    expect(document.querySelector('[role="alertdialog"]')).toBeNull();
  });

  it('ends when the server confirms the end', async () => {
    const guard = tab(false);
    await advance(0.5);
    server.revoke();
    hub.channel().post({ t: 'e', k: 'revoked', s: 's1' });
    await advance(0.1);
    expect(server.pings).toHaveLength(1);
    expect(guard.state.status).toBe('revoked');
  });

  it('a tab that knows its session confirms an end from a tab that knew none', async () => {
    const guard = tab(true);
    await advance(1);
    hub.channel().post({ t: 'e', k: 'revoked' });
    await advance(0.1);
    expect(server.pings).toHaveLength(2);
    expect(guard.state.status).toBe('active');
  });
});

describe('sign-in in place', () => {
  it("closes the dialogs of the old session's other tabs; then a stale end of the old session is ignored", async () => {
    const a = tab(true);
    const b = tab(false);
    await advance(181);
    expect(a.state.status).toBe('expired');
    expect(b.state.status).toBe('expired');
    field('Password')!.value = 'alice-pass';
    button('Sign in')!.click();
    await advance(1);
    expect(a.state.status).toBe('active');
    expect(b.state.status).toBe('active');
    expect(location.reload).not.toHaveBeenCalled();
    expect(server.session).toBe('s2');
    // The new session's tag came with the leader's next answer; a tab left over from the old session speaks up.
    hub.channel().post({ t: 'e', k: 'expired', s: 's1' });
    await advance(1);
    expect(a.state.status).toBe('active');
    expect(b.state.status).toBe('active');
    hub.channel().post({ t: 'e', k: 'revoked', s: 's2' });
    expect(a.state.status).toBe('revoked');
    expect(b.state.status).toBe('revoked');
  });

  it('a different user signing in reloads the tabs of the old session only', async () => {
    const a = tab(true);
    await advance(181);
    hub.channel().post({ t: 'r', s: 's0' });
    expect(location.reload).not.toHaveBeenCalled();
    hub.channel().post({ t: 'r', s: 's1' });
    expect(location.reload).toHaveBeenCalledTimes(1);
    expect(a.state.status).toBe('expired');
  });
});

describe('the server answers for another session of the same user', () => {
  it('carries on with the new session (alice signed in again on the login page of another tab)', async () => {
    const guard = tab(true);
    await advance(1);
    await signInElsewhere('alice');
    guard.extend();
    await advance(1);
    expect(location.reload).not.toHaveBeenCalled();
    // The tab now speaks for the new session: an end of the old one is not about it.
    hub.channel().post({ t: 'e', k: 'revoked', s: 's1' });
    expect(guard.state.status).toBe('active');
    hub.channel().post({ t: 'e', k: 'revoked', s: 's2' });
    expect(guard.state.status).toBe('revoked');
  });
});

describe('the server answers for another user', () => {
  it("reloads alice's page when bob signed in in another tab of this browser: one user never sees another's page", async () => {
    const guard = tab(true);
    await advance(1);
    await signInElsewhere('bob');
    guard.extend();
    await advance(1);
    expect(location.reload).toHaveBeenCalledTimes(1);
  });
});

describe('the storage-event channel', () => {
  it('carries the session tag: an end of another session is ignored, one of this session honoured', async () => {
    const guard = tab(true, { channel: storageTabChannel<TabMessage>('sg-scope', window) });
    await advance(1);
    const fire = (message: TabMessage) =>
      window.dispatchEvent(new StorageEvent('storage', { key: 'sg-scope:message', newValue: JSON.stringify({ m: message, n: Math.random() }) }));
    fire({ t: 'e', k: 'revoked', s: 's0' });
    await advance(0.1);
    expect(guard.state.status).toBe('active');
    fire({ t: 'e', k: 'revoked', s: 's1' });
    expect(guard.state.status).toBe('revoked');
  });

  it('posts the sender session tag', async () => {
    const setItem = vi.spyOn(Storage.prototype, 'setItem');
    const guard = tab(true, { channel: storageTabChannel<TabMessage>('sg-scope', window) });
    await advance(1);
    guard.extend();
    const posted = setItem.mock.calls.filter(([key]) => key === 'sg-scope:message').map(([, value]) => JSON.parse(value).m as TabMessage);
    setItem.mockRestore();
    expect(posted.find((message) => message.t === 'a')).toMatchObject({ t: 'a', s: 's1' });
  });
});
