import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionGuard } from './guard.js';
import type { DialogOptions } from './attach-dialogs.js';
import type { SessionGuardOptions } from './options.js';
import { de, fr, localeStrings } from './locales.js';
import type { TabMessage } from './tab-message.js';
import { fakeServer, manualLeader, memoryHub, guardWithDialogs } from './test-helpers.js';

let guards: SessionGuard[] = [];
let server: ReturnType<typeof fakeServer>;
const location = { assign: vi.fn(), reload: vi.fn() };

function start(extra: SessionGuardOptions & DialogOptions = {}) {
  const guard = guardWithDialogs({
    signInUrl: '/login',
    username: 'alice',
    locale: 'en',
    fetch: server.fetch,
    channel: memoryHub<TabMessage>().channel(),
    leader: manualLeader(true),
    location,
    ...extra,
  });
  guards.push(guard);
  return guard;
}

const dialog = () => document.querySelector<HTMLElement>('[role="alertdialog"]');
const nameOf = (element: Element | null) =>
  element ? document.getElementById(element.getAttribute('aria-labelledby')!)?.textContent : null;
const descriptionOf = (element: Element | null) =>
  element ? document.getElementById(element.getAttribute('aria-describedby')!)?.textContent : null;
const button = (name: string) =>
  [...document.querySelectorAll('button')].find((element) => element.textContent === name) as HTMLButtonElement | undefined;
const live = () => document.querySelector('[role="status"][aria-live="polite"]')?.textContent;
const advance = (seconds: number) => vi.advanceTimersByTimeAsync(seconds * 1000);
const press = (key: string, shiftKey = false) =>
  (document.activeElement ?? document.body).dispatchEvent(new KeyboardEvent('keydown', { key, shiftKey, bubbles: true, cancelable: true }));

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T10:00:00Z') });
  server = fakeServer({ warnAfter: 60, expireAfter: 180 });
  document.head.innerHTML = '';
  document.body.innerHTML = '<main><button id="app">App</button></main><footer>f</footer>';
});

afterEach(() => {
  for (const guard of guards) guard.destroy();
  guards = [];
  vi.useRealTimers();
});

describe('the warning dialog', () => {
  it('is a named, described, modal alertdialog that takes focus and gives it back', async () => {
    start();
    const app = document.getElementById('app')!;
    app.focus();
    await advance(61);
    const element = dialog()!;
    expect(element.getAttribute('aria-modal')).toBe('true');
    expect(nameOf(element)).toBe('Your session is about to expire');
    expect(descriptionOf(element)).toBe('For your security, we will sign you out if you stay inactive.');
    expect(document.activeElement).toBe(button('Stay signed in'));
    expect(document.querySelector('main')!.hasAttribute('inert')).toBe(true);
    expect(document.querySelector('footer')!.hasAttribute('inert')).toBe(true);
    button('Stay signed in')!.click();
    await advance(1);
    expect(dialog()).toBeNull();
    expect(document.querySelector('main')!.hasAttribute('inert')).toBe(false);
    expect(document.activeElement).toBe(app);
  });

  it('traps Tab and Shift+Tab inside', async () => {
    start();
    await advance(61);
    expect(document.activeElement).toBe(button('Stay signed in'));
    press('Tab');
    button('Sign out')!.focus();
    press('Tab');
    expect(document.activeElement).toBe(button('Stay signed in'));
    press('Tab', true);
    expect(document.activeElement).toBe(button('Sign out'));
  });

  it('operating the dialog or moving the mouse is not activity; typing or clicking outside the dialog is', async () => {
    const guard = start();
    await advance(61);
    press('Tab');
    press('Tab', true);
    document.querySelector('.sg-b')!.dispatchEvent(new MouseEvent('mousemove', { bubbles: true }));
    await advance(2);
    expect(guard.state.status).toBe('warning');
    dialog()!.dispatchEvent(new MouseEvent('mousedown', { bubbles: true }));
    await advance(2);
    expect(guard.state.status).toBe('warning');
    document.querySelector('.sg-b')!.dispatchEvent(new MouseEvent('mousedown', { bubbles: true }));
    await advance(1);
    expect(guard.state.status).toBe('active');
    expect(dialog()).toBeNull();
  });

  it('a key press that does not operate the dialog is activity', async () => {
    const guard = start();
    await advance(61);
    press('a');
    await advance(1);
    expect(guard.state.status).toBe('active');
  });

  it('Escape means stay signed in', async () => {
    const guard = start();
    const extend = vi.fn();
    guard.on('extend', extend);
    await advance(61);
    press('Escape');
    await advance(1);
    expect(dialog()).toBeNull();
    expect(guard.state.status).toBe('active');
    expect(extend).toHaveBeenCalledTimes(1);
  });

  it('hides the per-second countdown from screen readers and announces at 2 min, 1 min, 40 s and 20 s', async () => {
    start();
    await advance(60);
    const said: string[] = [];
    const region = () => document.querySelector('[role="status"]');
    await advance(1);
    const countdown = dialog()!.querySelector('[aria-hidden="true"]')!;
    expect(countdown.textContent).toMatch(/^You will be signed out in (2 minutes|1 minute 59 seconds)\.$/);
    expect(region()!.getAttribute('aria-live')).toBe('polite');
    let last = live();
    said.push(last!);
    for (let second = 0; second < 118; second++) {
      await advance(1);
      if (live() !== last) said.push((last = live())!);
    }
    expect(said).toEqual([
      'You will be signed out in 2 minutes.',
      'You will be signed out in 1 minute.',
      'You will be signed out in 40 seconds.',
      'You will be signed out in 20 seconds.',
    ]);
  });

  it('speaks French and German, times written the locale way', async () => {
    start({ locale: 'fr', strings: fr });
    await advance(61);
    expect(nameOf(dialog())).toBe('Votre session va bientôt expirer');
    expect(dialog()!.contains(button('Rester connecté')!)).toBe(true);
    expect(dialog()!.querySelector('[aria-hidden="true"]')!.textContent).toMatch(/^Vous serez déconnecté dans (1\sminute\s59\ssecondes|2\sminutes)\.$/);
    guards.pop()!.destroy();
    start({ locale: 'de-CH', strings: localeStrings('de-CH') });
    await advance(61);
    expect(nameOf(dialog())).toBe('Ihre Sitzung läuft bald ab');
    expect(dialog()!.contains(button('Angemeldet bleiben')!)).toBe(true);
    expect(dialog()!.querySelector('[aria-hidden="true"]')!.textContent).toMatch(/^Sie werden in (1\sMinute\s59\sSekunden|2\sMinuten) abgemeldet\.$/);
    expect(de.warningTitle).toBe('Ihre Sitzung läuft bald ab');
    expect(fr.signIn).toBe('Se connecter');
  });

  it('takes overridden strings', async () => {
    start({ strings: { warningTitle: 'Still there?', staySignedIn: 'Yes, keep me in' } });
    await advance(61);
    expect(nameOf(dialog())).toBe('Still there?');
    expect(document.activeElement).toBe(button('Yes, keep me in'));
    expect(dialog()!.contains(button('Sign out')!)).toBe(true);
  });
});

describe('looks', () => {
  it('styles through one stylesheet with the nonce and no inline style attribute', async () => {
    start({ nonce: 'n0nce' });
    await advance(61);
    const styles = document.querySelectorAll('style');
    expect(styles).toHaveLength(1);
    expect(styles[0]!.getAttribute('nonce')).toBe('n0nce');
    expect(styles[0]!.textContent).toContain('--sessionguard-bg');
    expect(styles[0]!.textContent).toContain('prefers-color-scheme:dark');
    expect(styles[0]!.textContent).toContain('prefers-reduced-motion');
    expect(document.querySelectorAll('[style]')).toHaveLength(0);
  });

  it('destroy() removes the dialog, the live region and the stylesheet', async () => {
    const guard = start();
    await advance(61);
    guard.destroy();
    expect(dialog()).toBeNull();
    expect(document.querySelectorAll('style, [role="status"]')).toHaveLength(0);
    expect(document.querySelector('main')!.hasAttribute('inert')).toBe(false);
  });
});

describe('configuration', () => {
  it('rejects a warning less than 20 seconds before expiry, naming the option', () => {
    expect(() => start({ warnAfter: 50, expireAfter: 60 })).toThrowError(/`warnAfter`.*20 seconds/);
    try {
      start({ warnAfter: 50, expireAfter: 60 });
    } catch (error) {
      expect((error as Error).name).toBe('SessionGuardConfigError');
      expect((error as { option: string }).option).toBe('warnAfter');
    }
  });

  it('rejects bad option types, naming the option', () => {
    expect(() => start({ baseUrl: 42 as never })).toThrowError(/`baseUrl`/);
    expect(() => start({ strings: { signIn: 3 } as never })).toThrowError(/`strings.signIn`/);
    expect(() => start({ warnAfter: 30 })).toThrowError(/`expireAfter`/);
  });

  it('never warns less than 20 seconds before the end, whatever the server says', async () => {
    server = fakeServer({ warnAfter: 170, expireAfter: 180 });
    const guard = start();
    await advance(1);
    expect(guard.state.expiresAt! - guard.state.warnAt!).toBe(20_000);
  });
});
