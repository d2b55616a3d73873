import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionGuard } from './guard.js';
import { PRESERVE_ATTRIBUTE, restorePreserved, savePreserved } from './preserve.js';
import type { TabMessage } from './tab-message.js';
import { fakeServer, manualLeader, memoryHub, guardWithDialogs } from './test-helpers.js';

const KEY = 'sg:preserve:/';
const input = (id: string) => document.getElementById(id) as HTMLInputElement;

beforeEach(() => {
  sessionStorage.clear();
});

describe('fields marked data-sessionguard-preserve', () => {
  it('never saves fields whose autocomplete marks them secret (card data, one-time codes, passwords), nor password fields', () => {
    document.body.innerHTML = `
      <form id="pay" ${PRESERVE_ATTRIBUTE}>
        <input id="name" name="name" autocomplete="name">
        <input id="card" name="card" autocomplete="cc-number">
        <input id="csc" name="csc" autocomplete="section-pay billing CC-CSC">
        <input id="exp" name="exp" autocomplete="cc-exp-month">
        <input id="otp" name="otp" autocomplete="one-time-code">
        <input id="new" name="new" autocomplete="new-password">
        <input id="current" name="current" autocomplete="shipping current-password webauthn">
        <input id="pw" name="pw" type="password">
        <input id="email" name="email" autocomplete="section-x email">
      </form>
      <input id="lone" ${PRESERVE_ATTRIBUTE} autocomplete="one-time-code">`;
    const values: Record<string, string> = {
      name: 'Alice Liddell',
      card: '4111111111111111',
      csc: '737',
      exp: '03',
      otp: '918273',
      new: 'n3w-secret',
      current: 'old-secret',
      pw: 'pw-secret',
      email: 'alice@example.com',
      lone: '564738',
    };
    for (const [id, value] of Object.entries(values)) input(id).value = value;
    savePreserved(document, sessionStorage, KEY, 'u-alice');
    const saved = sessionStorage.getItem(KEY)!;
    expect(saved).toContain('Alice Liddell');
    expect(saved).toContain('alice@example.com');
    for (const secret of ['4111111111111111', '737', '"03"', '918273', 'n3w-secret', 'old-secret', 'pw-secret', '564738']) {
      expect(saved).not.toContain(secret);
    }
  });

  it('are saved with the user they belong to and restored only for that user', () => {
    document.body.innerHTML = `<textarea id="notes" ${PRESERVE_ATTRIBUTE}></textarea>`;
    const notes = document.getElementById('notes') as HTMLTextAreaElement;
    notes.value = "alice's draft";
    savePreserved(document, sessionStorage, KEY, 'u-alice');
    notes.value = '';

    // The user of the new page is not known yet: the values wait.
    expect(restorePreserved(document, sessionStorage, KEY, null)).toBe(false);
    expect(notes.value).toBe('');
    expect(sessionStorage.getItem(KEY)).not.toBeNull();
    // Someone else signed in: discarded, never shown.
    expect(restorePreserved(document, sessionStorage, KEY, 'u-bob')).toBe(true);
    expect(notes.value).toBe('');
    expect(sessionStorage.getItem(KEY)).toBeNull();

    notes.value = "alice's draft";
    savePreserved(document, sessionStorage, KEY, 'u-alice');
    notes.value = '';
    expect(restorePreserved(document, sessionStorage, KEY, 'u-alice')).toBe(true);
    expect(notes.value).toBe("alice's draft");
    expect(sessionStorage.getItem(KEY)).toBeNull();
  });
});

describe('the trip to the login page and back, with a server that tags users', () => {
  let guard: SessionGuard | null = null;
  let server: ReturnType<typeof fakeServer>;
  const location = { assign: vi.fn(), reload: vi.fn() };
  const advance = (seconds: number) => vi.advanceTimersByTimeAsync(seconds * 1000);
  const start = () =>
    (guard = guardWithDialogs({
      loginPageUrl: '/login',
      username: 'alice',
      locale: 'en',
      fetch: server.fetch,
      channel: memoryHub<TabMessage>().channel(),
      leader: manualLeader(true),
      location,
    }));
  const notes = () => document.getElementById('notes') as HTMLTextAreaElement;
  /** Signs in on the login page (no guard there): a new session, tagged with `username`'s user tag. */
  const signInOnLoginPage = (username: string) =>
    server.fetch('http://localhost/login', { method: 'POST', body: JSON.stringify({ username, password: `${username}-pass` }) });

  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-01-01T10:00:00Z') });
    server = fakeServer({ warnAfter: 60, expireAfter: 180 }, { tags: true });
    document.body.innerHTML = `<form id="f" ${PRESERVE_ATTRIBUTE}><textarea id="notes" name="notes"></textarea></form>`;
  });

  afterEach(() => {
    guard?.destroy();
    guard = null;
    vi.useRealTimers();
  });

  /** Alice types, her session expires, she goes to the login page; the values are saved. */
  async function aliceLeaves() {
    start();
    notes().value = "alice's draft";
    await advance(200);
    [...document.querySelectorAll('button')].find((element) => element.textContent === 'Sign in')!.click();
    expect(location.assign).toHaveBeenCalledWith('/login?next=%2F');
    guard!.destroy();
    document.body.innerHTML = `<form id="f" ${PRESERVE_ATTRIBUTE}><textarea id="notes" name="notes"></textarea></form>`;
  }

  it('restores the fields when the same user signs in again', async () => {
    await aliceLeaves();
    await signInOnLoginPage('alice');
    start();
    expect(notes().value).toBe('');
    await advance(1);
    expect(notes().value).toBe("alice's draft");
    expect(sessionStorage.length).toBe(0);
  });

  it('discards them when someone else signs in on that page', async () => {
    await aliceLeaves();
    await signInOnLoginPage('bob');
    start();
    await advance(1);
    expect(notes().value).toBe('');
    expect(sessionStorage.length).toBe(0);
    expect(JSON.stringify(sessionStorage)).not.toContain('draft');
  });

  it("after bob signed in in another tab, alice's page reloads at its next answer and her draft never reaches bob's page", async () => {
    start();
    await advance(1);
    // Bob signs in on the login page of another tab: alice's page now pings with his cookie.
    await signInOnLoginPage('bob');
    notes().value = "alice's draft";
    location.reload.mockReset();
    guard!.extend();
    await advance(1);
    expect(location.reload).toHaveBeenCalledTimes(1);
    guard!.destroy();
    document.body.innerHTML = `<form id="f" ${PRESERVE_ATTRIBUTE}><textarea id="notes" name="notes"></textarea></form>`;
    start();
    await advance(1);
    expect(notes().value).toBe('');
  });
});
