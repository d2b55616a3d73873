import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionGuard } from './guard.js';
import { PRESERVE_ATTRIBUTE } from './preserve.js';
import type { TabMessage } from './tab-message.js';
import { fakeServer, manualLeader, memoryHub, guardWithDialogs } from './test-helpers.js';

let guard: SessionGuard | null = null;
let server: ReturnType<typeof fakeServer>;
const location = { assign: vi.fn(), reload: vi.fn() };
const advance = (seconds: number) => vi.advanceTimersByTimeAsync(seconds * 1000);
const field = (label: string) => {
  const element = [...document.querySelectorAll('label')].find((candidate) => candidate.textContent === label);
  return document.getElementById(element!.htmlFor) as HTMLInputElement;
};
const button = (name: string) =>
  [...document.querySelectorAll('button')].find((element) => element.textContent === name) as HTMLButtonElement;

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T10:00:00Z') });
  server = fakeServer({ warnAfter: 60, expireAfter: 180 });
  location.assign.mockReset();
  document.body.innerHTML = '';
  sessionStorage.clear();
});

afterEach(() => {
  guard?.destroy();
  guard = null;
  vi.useRealTimers();
});

function start(signInUrl: string | null = '/login') {
  guard = guardWithDialogs({
    signInUrl,
    loginPageUrl: '/login',
    username: 'alice',
    locale: 'en',
    fetch: server.fetch,
    channel: memoryHub<TabMessage>().channel(),
    leader: manualLeader(true),
    location,
  });
  return guard;
}

async function signInAgain() {
  field('Password').value = 'alice-pass';
  button('Sign in').click();
  await advance(1);
}

describe('requests that fail because the session ended', () => {
  it('guard.fetch holds a request refused after expiry (the server now says unauthenticated), and retries it with its body intact after sign-in', async () => {
    const guard = start();
    await advance(200);
    expect(guard.state.status).toBe('expired');
    const pending = guard.fetch('/api/notes', { method: 'POST', body: JSON.stringify({ notes: 'keep me' }) });
    await advance(1);
    expect(server.requests.at(-1)!.url).toBe('/api/notes');
    expect(document.getElementById(document.querySelector('[role="alertdialog"]')!.getAttribute('aria-labelledby')!)!.textContent).toBe(
      'Your session has expired',
    );
    let settled = false;
    void pending.then(() => (settled = true));
    await advance(1);
    expect(settled).toBe(false);
    await signInAgain();
    const response = await pending;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { echo: string }).echo).toBe('{"notes":"keep me"}');
    const posts = server.requests.filter((request) => request.url === '/api/notes');
    expect(posts.map((request) => request.body)).toEqual(['{"notes":"keep me"}', '{"notes":"keep me"}']);
    expect(posts[1]!.headers.get('X-SessionGuard')).toBe('1');
  });

  it('guard.http (ky) does the same', async () => {
    const guard = start();
    await advance(1);
    server.revoke();
    const pending = guard.http.post('http://localhost:3000/api/notes', { json: { notes: 'from ky' } }).json<{ echo: string }>();
    await advance(1);
    expect(guard.state.status).toBe('revoked');
    expect(document.getElementById(document.querySelector('[role="alertdialog"]')!.getAttribute('aria-labelledby')!)!.textContent).toBe(
      'You have been signed out',
    );
    await signInAgain();
    expect((await pending).echo).toBe('{"notes":"from ky"}');
  });

  it('a held request answers with its 401 when the user signs out instead', async () => {
    const guard = start();
    await advance(1);
    server.revoke();
    const pending = guard.fetch('/api/me');
    await advance(1);
    await guard.logout();
    expect((await pending).status).toBe(401);
  });
});

describe('no sign-in endpoint: preserved fields survive the trip to the login page', () => {
  it('saves marked fields and forms, and restores them on the next load', async () => {
    document.body.innerHTML = `
      <form id="f" ${PRESERVE_ATTRIBUTE}><textarea name="notes"></textarea><input name="title"><input type="password" name="pw">
      <input type="checkbox" name="done" value="yes"></form>
      <input id="lone" ${PRESERVE_ATTRIBUTE}><input id="other">`;
    const form = document.getElementById('f') as HTMLFormElement;
    (form.elements.namedItem('notes') as HTMLTextAreaElement).value = 'long text';
    (form.elements.namedItem('title') as HTMLInputElement).value = 'Title';
    (form.elements.namedItem('pw') as HTMLInputElement).value = 'secret';
    (form.elements.namedItem('done') as HTMLInputElement).checked = true;
    (document.getElementById('lone') as HTMLInputElement).value = 'lone value';
    (document.getElementById('other') as HTMLInputElement).value = 'not kept';
    const first = start(null);
    await advance(200);
    // Without a sign-in endpoint the expired dialog offers the login page, not a password field of its own.
    const expired = document.querySelector('[role="alertdialog"]')!;
    expect(expired.querySelectorAll('input')).toHaveLength(0);
    expect(expired.contains(button('Sign in'))).toBe(true);
    button('Sign in').click();
    expect(location.assign).toHaveBeenCalledWith('/login?next=%2F');
    expect(JSON.stringify(sessionStorage)).not.toContain('secret');
    first.destroy();

    // The next page load, after signing in on the login page.
    document.body.innerHTML = document.body.innerHTML;
    for (const element of document.querySelectorAll('input:not([type=checkbox]), textarea')) (element as HTMLInputElement).value = '';
    (document.querySelector('[name="done"]') as HTMLInputElement).checked = false;
    const restored = vi.fn();
    document.addEventListener('input', restored);
    start(null);
    const again = document.getElementById('f') as HTMLFormElement;
    expect((again.elements.namedItem('notes') as HTMLTextAreaElement).value).toBe('long text');
    expect((again.elements.namedItem('title') as HTMLInputElement).value).toBe('Title');
    expect((again.elements.namedItem('pw') as HTMLInputElement).value).toBe('');
    expect((again.elements.namedItem('done') as HTMLInputElement).checked).toBe(true);
    expect((document.getElementById('lone') as HTMLInputElement).value).toBe('lone value');
    expect((document.getElementById('other') as HTMLInputElement).value).toBe('');
    expect(restored).toHaveBeenCalled();
    expect(sessionStorage.length).toBe(0);
  });
});
