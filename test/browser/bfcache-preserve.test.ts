/**
 * Issue 16, part 3, in real Chromium: a real back/forward-cache restore after
 * the session expired, and real field preservation across a trip to the login
 * page. The demo cannot show either: its pages are `no-store` (never kept in
 * the back/forward cache) and its script tag has a sign-in endpoint (sign-in
 * in place, no trip). So these run against test/support/guarded-page-app.mjs:
 * the built script tag behind a real guard from the built Express adapter, a
 * work page that is not `no-store`, with Subject and Notes in a form marked
 * `data-sessionguard-preserve`, and no `data-sign-in-url`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH, newDevice, signIn } from '../support/browser.js';
import type { RunningDemo } from '../support/demo.js';
import { dialog, shows } from '../support/expect-ui.js';
import { startGuardedPageApp } from '../support/guarded-page.js';
import { timeMachine } from '../support/time.js';

const WARN_AFTER = 30;
const EXPIRE_AFTER = 60;
const s = (seconds: number) => seconds * 1000;

let browser: Browser;
let app: RunningDemo;

beforeAll(async () => {
  [browser, app] = await Promise.all([
    // Playwright passes --disable-back-forward-cache to Chromium by default; without it, headless
    // Chromium keeps same-origin pages with no unload handler and no `Cache-Control: no-store`.
    chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, ignoreDefaultArgs: ['--disable-back-forward-cache'] }),
    startGuardedPageApp({ warnAfter: WARN_AFTER, expireAfter: EXPIRE_AFTER }),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

const isPing = (url: string, method: string) => method === 'POST' && new URL(url).pathname === '/session/ping';

/** Resolves with the page's next ping answer (bounded); the page then knows the server's view and user. */
const nextPingAnswer = (page: Page) =>
  page.waitForResponse((response) => isPing(response.url(), response.request().method()), { timeout: 10_000 });

describe('back/forward cache', () => {
  /**
   * Every document of the context records its `pageshow` events; and its
   * `Date.now` runs ahead by a skew kept in localStorage, so a document frozen
   * in the back/forward cache sees the time that passed when it is restored
   * (Playwright's clock cannot: it moves only the documents in the frame tree).
   */
  async function deviceWithSkewableClock(): Promise<{ context: BrowserContext; skew: (page: Page, ms: number) => Promise<void> }> {
    const context = await newDevice(browser, app.url);
    await context.addInitScript(() => {
      const w = window as unknown as { __pageshows: boolean[] };
      w.__pageshows = [];
      addEventListener('pageshow', (event) => w.__pageshows.push(event.persisted));
      const realNow = Date.now.bind(Date);
      Date.now = () => realNow() + Number(localStorage.getItem('test:skew') ?? 0);
    });
    return {
      context,
      // The server first, then the browser: the server already agrees when the page looks.
      async skew(page, ms) {
        await app.advanceClock(ms);
        await page.evaluate((by) => localStorage.setItem('test:skew', String(Number(localStorage.getItem('test:skew') ?? 0) + by)), ms);
      },
    };
  }

  it('shows the expiry dialog at once on a page restored from the back/forward cache after the session expired', async () => {
    const { context, skew } = await deviceWithSkewableClock();
    const page = await context.newPage();
    const answered = nextPingAnswer(page);
    await signIn(page, 'alice');
    await answered;
    await page.getByLabel('Notes').fill('Half-written reply');

    await page.getByRole('link', { name: 'Elsewhere' }).click();
    await page.waitForURL((url) => url.pathname === '/elsewhere');
    // The session expires while the work page sits in the cache.
    await skew(page, s(EXPIRE_AFTER + 30));
    // A restore fires no `load`: wait for the navigation to commit only.
    await page.goBack({ waitUntil: 'commit' });

    await shows(dialog(page, 'expired'), 'the "session has expired" dialog right after the restore', 3000);
    await shows(dialog(page, 'expired').getByRole('button', { name: 'Sign in' }), 'its Sign in button');
    expect(await dialog(page, 'warning').isVisible()).toBe(false);
    // The very document that was left, not a new load: it saw a second `pageshow`, a persisted one. (Without
    // the cache, going back loads the page anew from the HTTP cache, unvalidated, and that page shows the
    // dialog too, after its first ping: only this tells the two apart.)
    expect(await page.evaluate(() => (window as unknown as { __pageshows: boolean[] }).__pageshows)).toEqual([false, true]);
    expect(await page.getByLabel('Notes').inputValue()).toBe('Half-written reply');
    await context.close();
  });
});

describe('fields marked data-sessionguard-preserve, without a sign-in endpoint', () => {
  /** Alice types into the preserved form, her session expires, and she follows the dialog to the login page. */
  async function typeThenExpireAndGoToLogin(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await newDevice(browser, app.url);
    const time = await timeMachine(context, app);
    const page = await context.newPage();
    const answered = nextPingAnswer(page);
    await signIn(page, 'alice');
    await answered;
    await page.getByLabel('Subject').fill('Quarterly report');
    await page.getByLabel('Notes').fill('Revenue up 3 %, costs flat.\nAsk Bob about the Q4 numbers.');

    await time.elapse(s(WARN_AFTER + 1));
    await shows(dialog(page, 'warning'), 'the warning');
    await time.elapse(s(EXPIRE_AFTER - WARN_AFTER));
    const expired = dialog(page, 'expired');
    await shows(expired, 'the "session has expired" dialog');
    // No sign-in endpoint: no form in the dialog, only the way to the login page.
    expect(await expired.getByLabel('Password').count()).toBe(0);
    await Promise.all([
      page.waitForURL((url) => url.pathname === '/login'),
      expired.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    expect(new URL(page.url()).searchParams.get('next')).toBe('/');
    return { context, page };
  }

  /** Signs in on the login page the SDK sent us to; resolves once the work page is back and has heard from the server. */
  async function signInOnLoginPage(page: Page, user: 'alice' | 'bob'): Promise<void> {
    await page.getByLabel('Username').fill(user);
    await page.getByLabel('Password').fill(`${user}-pass`);
    const answered = nextPingAnswer(page);
    await Promise.all([page.waitForURL((url) => url.pathname === '/'), page.getByRole('button', { name: 'Sign in' }).click()]);
    await shows(page.getByText(`Signed in as ${user}`), `the work page of ${user}`);
    await answered;
  }

  it('puts the typed text back after the trip to the login page and signing in as the same user', async () => {
    const { context, page } = await typeThenExpireAndGoToLogin();
    await signInOnLoginPage(page, 'alice');

    const subject = page.getByLabel('Subject');
    const notes = page.getByLabel('Notes');
    await expect.poll(() => notes.inputValue(), { timeout: 3000 }).toBe('Revenue up 3 %, costs flat.\nAsk Bob about the Q4 numbers.');
    expect(await subject.inputValue()).toBe('Quarterly report');
    expect(await dialog(page, 'expired').isVisible()).toBe(false);
    await context.close();
  });

  it("does not show alice's typed text to bob when bob signs in on the login page", async () => {
    const { context, page } = await typeThenExpireAndGoToLogin();
    await signInOnLoginPage(page, 'bob');

    // The page restores (or drops) the fields when its first answer names the user; give it time to.
    await page.waitForTimeout(750);
    expect(await page.getByLabel('Subject').inputValue()).toBe('');
    expect(await page.getByLabel('Notes').inputValue()).toBe('');

    // Discarded, not kept for later: alice signing in again in this tab does not get them back either.
    await page.goto('/login?next=%2F');
    await signInOnLoginPage(page, 'alice');
    await page.waitForTimeout(750);
    expect(await page.getByLabel('Notes').inputValue()).toBe('');
    await context.close();
  });
});
