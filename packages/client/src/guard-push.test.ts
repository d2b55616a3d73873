import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionGuard } from './guard.js';
import type { TabMessage } from './tab-message.js';
import { fakeServer, guardWithDialogs, manualLeader, memoryHub } from './test-helpers.js';
import { sseEndpoint } from './test-sse.js';
import { optionsFromDataset } from './global.js';

const policy = { warnAfter: 600, expireAfter: 1800 };

let guards: SessionGuard[] = [];
let server: ReturnType<typeof fakeServer>;
let events: ReturnType<typeof sseEndpoint>;
let hub: ReturnType<typeof memoryHub<TabMessage>>;
const location = { assign: vi.fn(), reload: vi.fn() };
const advance = (seconds: number) => vi.advanceTimersByTimeAsync(seconds * 1000);

function tab(isLeader: boolean, extra: { push?: boolean } = {}) {
  const leader = manualLeader(isLeader);
  const guard = guardWithDialogs({ baseUrl: '/session', signInUrl: '/login', loginPageUrl: '/login', username: 'alice', locale: 'en', fetch: server.fetch, channel: hub.channel(), leader, location, ...extra });
  guards.push(guard);
  return Object.assign(guard, { leader });
}

const dialogTitles = () =>
  [...document.querySelectorAll('[role="alertdialog"]')].map((dialog) => document.getElementById(dialog.getAttribute('aria-labelledby')!)?.textContent);

// The stream's reader is a chunk the guard loads when a tab first wants a stream (push-loader.ts): loaded here
// beforehand, as a page has it from its first leader moment on, so fake time alone drives these tests.
beforeAll(() => import('./push-stream.js'));
beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T10:00:00Z') });
  server = fakeServer(policy, { tags: true });
  events = sseEndpoint();
  server.events = events;
  hub = memoryHub<TabMessage>();
  document.body.innerHTML = '<main><textarea aria-label="Notes"></textarea></main>';
});
afterEach(() => {
  for (const guard of guards) guard.destroy();
  guards = [];
  vi.useRealTimers();
});

describe('push: session ends reach every tab through the leader tab', () => {
  it('an ended event signs every idle tab out at once, revoked, with the signed-out dialog, over one stream', async () => {
    const tabs = [tab(true), tab(false), tab(false), tab(false)];
    const revoked: number[] = [];
    tabs.forEach((guard, index) => guard.on('revoked', () => revoked.push(index)));
    await advance(1);
    expect(events.streams).toHaveLength(1);
    events.streams[0]!.open({ session: 's1' });
    await advance(20);
    events.streams[0]!.send(':\n\n');
    await advance(20);
    const pings = server.pings.length;
    server.revoke();
    events.streams[0]!.ended('session_revoked', 's1');
    await vi.advanceTimersByTimeAsync(10);
    expect(server.pings.length).toBe(pings);
    expect(tabs.map((guard) => [guard.state.status, guard.state.reason])).toEqual(Array(4).fill(['revoked', 'revoked']));
    expect(revoked.sort()).toEqual([0, 1, 2, 3]);
    expect(dialogTitles()).toEqual(Array(4).fill('You have been signed out'));
    await advance(1);
    // The end came from the stream; the leader alone asks once (its cookie may name a newer session), and nobody reconnects.
    expect(server.pings.length).toBe(pings + 1);
    expect(tabs.map((guard) => guard.state.status)).toEqual(Array(4).fill('revoked'));
    await advance(3600);
    expect(events.streams).toHaveLength(1);
  });

  it('an expiry pushed by the server shows the expiry state', async () => {
    const guard = tab(true);
    await advance(1);
    events.streams[0]!.open({ session: 's1' });
    events.streams[0]!.ended('session_expired', 's1');
    await vi.advanceTimersByTimeAsync(10);
    expect([guard.state.status, guard.state.reason]).toEqual(['expired', 'idle']);
  });

  it('the new leader opens the stream when leadership moves, and the old one closes its own', async () => {
    const first = tab(true);
    const second = tab(false);
    await advance(1);
    events.streams[0]!.open();
    first.leader.set(false);
    second.leader.set(true);
    await advance(1);
    expect(events.streams[0]!.aborted).toBe(true);
    expect(events.streams).toHaveLength(2);
    expect(events.open).toBe(1);
    events.streams[1]!.open();
    events.streams[1]!.ended('session_revoked', 's1');
    await vi.advanceTimersByTimeAsync(10);
    expect([first.state.status, second.state.status]).toEqual(['revoked', 'revoked']);
  });

  it('an ended event of another session does not end this one: the tab asks the server', async () => {
    const guard = tab(true);
    await advance(1);
    events.streams[0]!.open({ session: 's0' });
    const pings = server.pings.length;
    events.streams[0]!.ended('session_revoked', 's0');
    await advance(1);
    expect(guard.state.status).toBe('active');
    expect(server.pings.length).toBe(pings + 1);
  });

  it('a page signed in again elsewhere in this browser (a login form) carries on after its old session is pushed as ended', async () => {
    const guard = tab(true);
    await advance(1);
    events.streams[0]!.open({ session: 's1' });
    // Another tab's login form: a new session for the same user, which this page's cookie now names.
    await server.fetch('http://localhost/login', { method: 'POST', body: JSON.stringify({ username: 'alice', password: 'alice-pass' }) });
    events.streams[0]!.ended('session_revoked', 's1');
    await advance(1);
    expect(guard.state.status).toBe('active');
  });

  it('a refused stream changes nothing for the pings: an idle tab still learns of a revocation at its next ping', async () => {
    server.events = null;
    const guard = tab(true);
    await advance(1);
    server.revoke();
    await advance(policy.warnAfter);
    expect(guard.state.status).toBe('revoked');
  });

  it('with push off, no stream is opened', async () => {
    tab(true, { push: false });
    await advance(60);
    expect(events.streams).toHaveLength(0);
  });

  it('a signed-out tab holds no stream; signing in again opens a new one', async () => {
    const guard = tab(true);
    await advance(1);
    events.streams[0]!.open();
    events.streams[0]!.ended('session_revoked', 's1');
    await vi.advanceTimersByTimeAsync(10);
    expect(await guard.signIn('alice', 'alice-pass')).toBe('ok');
    await advance(1);
    expect(guard.state.status).toBe('active');
    expect(events.streams).toHaveLength(2);
  });

  it('the script tag reads data-push', () => {
    expect(optionsFromDataset({ baseUrl: '/s', push: 'false' }).push).toBe(false);
    expect(optionsFromDataset({ baseUrl: '/s', push: 'off' }).push).toBe(false);
    expect(optionsFromDataset({ baseUrl: '/s' }).push).toBeUndefined();
    expect(optionsFromDataset({ baseUrl: '/s', push: '' }).push).toBe(true);
  });
});
