import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSessionGuard, type SessionGuard } from './guard.js';
import type { SessionGuardOptions } from './options.js';
import type { TabMessage } from './tab-message.js';
import { fakeServer, manualLeader, memoryHub } from './test-helpers.js';

const policy = { warnAfter: 60, expireAfter: 180 };

let guards: SessionGuard[] = [];
let server: ReturnType<typeof fakeServer>;
let hub: ReturnType<typeof memoryHub<TabMessage>>;
const location = { assign: vi.fn(), reload: vi.fn() };

function tab(isLeader: boolean, extra: SessionGuardOptions = {}) {
  const leader = manualLeader(isLeader);
  const guard = createSessionGuard({
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
    expect(button('Stay signed in')).toBeDefined();
    expect(button('Sign out')).toBeDefined();
    expect(guard.state.status).toBe('warning');
  });
});
