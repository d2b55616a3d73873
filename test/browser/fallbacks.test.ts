/**
 * Issue 16, part 1, in real Chromium against the demo: the SDK's fallbacks for
 * browsers without BroadcastChannel (messages over `storage` events) and
 * without Web Locks (leader election over a localStorage lease). Each API is
 * removed from the pages by an init script, before the SDK loads.
 *
 * With the demo's test clock and Playwright's clock, as in
 * idle-timeout.test.ts. The first tab opened is the leader (it loads the SDK
 * first), so the second tab's activity reaches the server only through the
 * first: over the tab channel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, newDevice, signIn } from '../support/browser.js';
import { startDemo, type RunningDemo } from '../support/demo.js';
import { apiMeStatus, dialog, hides, shows, staysHidden } from '../support/expect-ui.js';
import { timeMachine, type TimeMachine } from '../support/time.js';

const WARN_AFTER = 30;
const EXPIRE_AFTER = 60;
const s = (seconds: number) => seconds * 1000;
/** Real time within which a message between tabs has long landed (a broken channel waits for timers that never come). */
const PROMPTLY = 5000;

let browser: Browser;
let demo: RunningDemo;

beforeAll(async () => {
  [browser, demo] = await Promise.all([
    launchChromium(),
    startDemo({ env: { WARN_AFTER: String(WARN_AFTER), EXPIRE_AFTER: String(EXPIRE_AFTER), SESSIONGUARD_TEST_CLOCK: '1' } }),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

const isPing = (url: string, method: string) => method === 'POST' && new URL(url).pathname === '/session/ping';

/** A device whose pages lack `removed` (run in every document before its scripts). */
async function deviceWithout(removed: 'BroadcastChannel' | 'Web Locks'): Promise<{ context: BrowserContext; time: TimeMachine }> {
  const context = await newDevice(browser, demo.url);
  if (removed === 'BroadcastChannel') {
    await context.addInitScript(() => {
      delete (window as { BroadcastChannel?: unknown }).BroadcastChannel;
    });
  } else {
    await context.addInitScript(() => {
      delete (Navigator.prototype as { locks?: unknown }).locks;
    });
  }
  const time = await timeMachine(context, demo);
  return { context, time };
}

describe('without BroadcastChannel, tabs talk over storage events', () => {
  interface TwoTabs {
    context: BrowserContext;
    time: TimeMachine;
    /** Opened first: the leader, the tab that pings. */
    first: Page;
    second: Page;
  }

  async function twoTabs(): Promise<TwoTabs> {
    const { context, time } = await deviceWithout('BroadcastChannel');
    const first = await context.newPage();
    await signIn(first, 'alice');
    const second = await context.newPage();
    await second.goto('/');
    await shows(second.getByLabel('Notes'), 'the work page in the second tab');
    for (const page of [first, second]) expect(await page.evaluate(() => typeof BroadcastChannel)).toBe('undefined');
    return { context, time, first, second };
  }

  it('activity in the second tab postpones the warning in the first', async () => {
    const { context, time, first, second } = await twoTabs();
    await time.elapse(s(20));
    // The first tab pings for the second's activity; let that ping land before time moves again.
    const relayed = first.waitForRequest((request) => isPing(request.url(), request.method()), { timeout: 3000 }).catch(() => null);
    await second.getByLabel('Notes').click();
    await second.keyboard.type('still here');
    await relayed;

    await time.elapse(s(WARN_AFTER - 15));
    // 35 s after sign-in, 15 s after the typing in the other tab.
    await staysHidden(first, dialog(first, 'warning'), 'the warning in the first tab');
    expect(await dialog(second, 'warning').isVisible()).toBe(false);

    await time.elapse(s(17));
    await shows(dialog(first, 'warning'), 'the warning in the first tab, WARN_AFTER after the activity');
    await shows(dialog(second, 'warning'), 'the warning in the second tab');
    await context.close();
  });

  it('the warning opens in both tabs and closes in both on activity in one', async () => {
    const { context, time, first, second } = await twoTabs();
    await time.elapse(s(WARN_AFTER + 1));
    await shows(dialog(first, 'warning'), 'the warning in the first tab');
    await shows(dialog(second, 'warning'), 'the warning in the second tab');

    await second.mouse.move(200, 150);
    await second.mouse.wheel(0, 300);
    await hides(dialog(first, 'warning'), 'the warning in the first tab after activity in the second', PROMPTLY);
    await hides(dialog(second, 'warning'), 'the warning in the tab with the activity', PROMPTLY);

    // The session was extended: past the old expiry, still signed in.
    await time.elapse(s(EXPIRE_AFTER - WARN_AFTER));
    expect(await dialog(first, 'expired').isVisible()).toBe(false);
    expect(await apiMeStatus(first)).toBe(200);
    await context.close();
  });

  it('signing out in the second tab signs out the first', async () => {
    const { context, first, second } = await twoTabs();
    await second.getByRole('button', { name: 'Sign out' }).click();
    await second.waitForURL((url) => url.pathname === '/login');
    await first.waitForURL((url) => url.pathname === '/login', { timeout: PROMPTLY });
    await shows(first.getByRole('button', { name: 'Sign in' }), 'the sign-in page in the first tab');
    expect(await apiMeStatus(first)).toBe(401);
    await context.close();
  });

  it('signing in again in one tab closes the sign-in dialog in the other', async () => {
    const { context, time, first, second } = await twoTabs();
    await second.getByLabel('Notes').fill('Draft that must survive');
    await time.elapse(s(WARN_AFTER + 1));
    await shows(dialog(first, 'warning'), 'the warning');
    await time.elapse(s(EXPIRE_AFTER - WARN_AFTER));
    await shows(dialog(first, 'expired'), 'the sign-in dialog in the first tab');
    await shows(dialog(second, 'expired'), 'the sign-in dialog in the second tab');

    const expired = dialog(first, 'expired');
    await expired.getByLabel('Password').fill('alice-pass');
    await expired.getByRole('button', { name: 'Sign in' }).click();
    await hides(expired, 'the sign-in dialog in the tab that signed in');
    await hides(dialog(second, 'expired'), 'the sign-in dialog in the other tab', PROMPTLY);
    expect(await second.getByLabel('Notes').inputValue()).toBe('Draft that must survive');
    expect(await apiMeStatus(second)).toBe(200);
    await context.close();
  });
});

describe('without Web Locks, a localStorage lease elects the leader', () => {
  /** Counts `POST /session/ping` per page from now on. */
  function countPings(pages: Page[]): { counts: () => number[]; reset: () => void } {
    const counts = new Map<Page, number>(pages.map((page) => [page, 0]));
    for (const page of pages) {
      page.on('request', (request) => {
        if (isPing(request.url(), request.method())) counts.set(page, (counts.get(page) ?? 0) + 1);
      });
    }
    return { counts: () => pages.map((page) => counts.get(page) ?? 0), reset: () => pages.forEach((page) => counts.set(page, 0)) };
  }

  /**
   * `seconds` of simulated time, in 1-second steps that run every timer on
   * the way (the lease's 2-second heartbeat included) and leave real time in
   * between for localStorage to reach the other tabs, with someone typing in
   * one of `pages` after another every 3 seconds.
   */
  async function stretch(time: TimeMachine, seconds: number, typingIn: Page[] = []): Promise<void> {
    for (let second = 0; second < seconds; second++) {
      if (typingIn.length > 0 && second % 3 === 0) await typingIn[(second / 3) % typingIn.length]!.getByLabel('Notes').press('x');
      await time.run(1000);
    }
    await time.settle();
  }

  it('exactly one of three tabs pings, and exactly one again once that tab closes', async () => {
    const { context, time } = await deviceWithout('Web Locks');
    const first = await context.newPage();
    await signIn(first, 'alice');
    const pages = [first];
    for (let i = 0; i < 2; i++) {
      const page = await context.newPage();
      await page.goto('/');
      await shows(page.getByLabel('Notes'), 'the work page in another tab');
      pages.push(page);
    }
    for (const page of pages) expect(await page.evaluate(() => 'locks' in navigator)).toBe(false);

    const pings = countPings(pages);
    await stretch(time, 4);
    pings.reset();
    // 45 s with activity: the leader pings about every WARN_AFTER / 2, the others never.
    await stretch(time, 45, pages);
    const before = pings.counts();
    expect(before.filter((count) => count > 0), `pings per tab: ${before.join(', ')}`).toHaveLength(1);
    expect(Math.max(...before)).toBeGreaterThanOrEqual(2);
    // Nobody was warned or signed out on the way.
    for (const page of pages) expect(await dialog(page, 'warning').isVisible()).toBe(false);

    const leader = pages[before.findIndex((count) => count > 0)]!;
    const others = pages.filter((page) => page !== leader);
    await leader.close();
    // A lease runs out after 6 s: by then one of the others has taken over (two may claim at once, briefly).
    await stretch(time, 8);
    pings.reset();
    await stretch(time, 45, others);
    const after = pings.counts().filter((_, i) => pages[i] !== leader);
    expect(after.filter((count) => count > 0), `pings per remaining tab: ${after.join(', ')}`).toHaveLength(1);
    expect(Math.max(...after)).toBeGreaterThanOrEqual(2);
    expect(await apiMeStatus(others[0]!)).toBe(200);
    await context.close();
  });
});
