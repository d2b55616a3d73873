/**
 * Issue 11, parts 2 and 7, in real Chromium: the SDK next to a maintained,
 * session-bound CSRF library. test/support/csrf-app.mjs is a small real
 * Express 5 app with express-session, csrf-sync (the token kept in the
 * session, in a `<meta name="csrf-token">` and a hidden `_csrf` in each form),
 * the guard from the built @sessionguard/express, and the built script tag on
 * every page of one layout, the login page included.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { launchChromium, newDevice, signIn } from '../support/browser.js';
import { startCsrfApp } from '../support/csrf-app.js';
import type { RunningDemo } from '../support/demo.js';
import { dialog, hides, shows } from '../support/expect-ui.js';
import { timeMachine, type TimeMachine } from '../support/time.js';

const WARN_AFTER = 30;
const EXPIRE_AFTER = 60;
const s = (seconds: number) => seconds * 1000;
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let browser: Browser;
let app: RunningDemo;

beforeAll(async () => {
  [browser, app] = await Promise.all([launchChromium(), startCsrfApp({ warnAfter: WARN_AFTER, expireAfter: EXPIRE_AFTER })]);
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

const isPing = (request: Request) => request.method() === 'POST' && new URL(request.url()).pathname === '/session/ping';
const nextPingAnswer = (page: Page) => page.waitForResponse((response) => isPing(response.request()), { timeout: 10_000 });
const metaToken = (page: Page) => page.evaluate(() => document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')!.content);
const guardStatus = (page: Page) => page.evaluate(() => (window as unknown as { SessionGuard: { current: { state: { status: string } } } }).SessionGuard.current.state.status);
/** Whether the signed-in work page is served to this browser (not a redirect to the login page). */
async function servedWorkPage(context: BrowserContext): Promise<boolean> {
  const response = await context.request.get('/', { maxRedirects: 0 });
  return response.status() === 200;
}

/** axe-core on the whole page, once its animations have finished (as in dialogs.test.ts). */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(() => Promise.all(document.getAnimations().map((animation) => animation.finished.catch(() => undefined))));
  await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: Array<{ id: string; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    return axe.run(document, { resultTypes: ['violations'] });
  });
  return results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')})`);
}

async function signedIn(): Promise<{ context: BrowserContext; page: Page; time: TimeMachine; pings: Request[] }> {
  const context = await newDevice(browser, app.url);
  const time = await timeMachine(context, app);
  const page = await context.newPage();
  const pings: Request[] = [];
  page.on('request', (request) => isPing(request) && pings.push(request));
  const answered = nextPingAnswer(page);
  await signIn(page, 'alice');
  await answered;
  return { context, page, time, pings };
}

describe('a visitor who never signed in (the login page shares the layout with the script tag)', () => {
  it('sees no session dialog, keeps a usable login form, and costs one ping', async () => {
    const context = await newDevice(browser, app.url);
    const time = await timeMachine(context, app);
    const page = await context.newPage();
    const pings: Request[] = [];
    page.on('request', (request) => isPing(request) && pings.push(request));
    const answered = nextPingAnswer(page);
    await page.goto('/login');
    expect((await answered).status()).toBe(401);
    await time.settle();
    expect(await guardStatus(page)).toBe('anonymous');

    // Long past any warning or expiry the policy would give a session: nothing shows, nothing more is asked.
    await page.getByLabel('Username').fill('alice');
    await time.elapse(s(EXPIRE_AFTER * 3));
    await time.wake([page]);
    await time.settle();
    expect(await page.getByRole('alertdialog').count()).toBe(0);
    expect(await page.evaluate(() => document.querySelectorAll('[inert]').length)).toBe(0);
    expect(pings).toHaveLength(1);

    await page.getByLabel('Password').fill('alice-pass');
    await Promise.all([page.waitForURL((url) => url.pathname === '/'), page.getByRole('button', { name: 'Sign in' }).click()]);
    await shows(page.getByRole('heading', { name: 'Work' }), 'the work page');
    await context.close();
  });
});

describe('sign-out with the csrf-sync token', () => {
  it("sends the page's token and signs out", async () => {
    const { context, page } = await signedIn();
    const token = await metaToken(page);
    const logout = page.waitForRequest((request) => request.method() === 'POST' && new URL(request.url()).pathname === '/logout');
    await Promise.all([page.waitForURL((url) => url.pathname === '/login'), page.getByRole('button', { name: 'Sign out' }).click()]);
    const request = await logout;
    expect(request.headers()['x-csrf-token']).toBe(token);
    expect((await request.response())!.status()).toBe(200);
    expect(await servedWorkPage(context)).toBe(false);
    await context.close();
  });

  it('refused (a token the server does not know): stays signed in and says so', async () => {
    const { context, page } = await signedIn();
    await page.evaluate(() => {
      document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')!.content = 'forged';
    });
    const answered = page.waitForResponse((response) => new URL(response.url()).pathname === '/logout');
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect((await answered).status()).toBe(403);
    const alert = page.getByRole('alert');
    await shows(alert, 'the "could not sign out" message');
    expect(await alert.textContent()).toContain('Could not sign out: you are still signed in.');
    expect(await axeViolations(page)).toEqual([]);
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await guardStatus(page)).toBe('active');
    expect(await servedWorkPage(context)).toBe(true);
    // Not modal: the page stays usable, and the message goes when dismissed.
    await page.getByLabel('Notes').fill('still here');
    await alert.getByRole('button', { name: 'Dismiss' }).click();
    await hides(alert, 'the message after Dismiss');
    await context.close();
  });
});

describe('sign-in in place with the csrf-sync token', () => {
  it("after expiry, the typed text is saved by the user's own form with the refreshed token", async () => {
    const { context, page, time } = await signedIn();
    const before = await metaToken(page);
    await page.getByLabel('Subject').fill('Quarterly report');
    await page.getByLabel('Notes').fill('Revenue up 3 %, costs flat.');

    await time.elapse(s(WARN_AFTER + 1));
    await shows(dialog(page, 'warning'), 'the warning');
    await time.elapse(s(EXPIRE_AFTER - WARN_AFTER));
    const expired = dialog(page, 'expired');
    await shows(expired, 'the "session has expired" dialog');
    // The old token went with the old session.
    const stale = await page.evaluate(
      async (token) => (await fetch('/notes', { method: 'POST', headers: { 'x-csrf-token': token, 'content-type': 'application/x-www-form-urlencoded' }, body: 'subject=x' })).status,
      before,
    );
    expect(stale).toBe(403);

    await expired.getByLabel('Password').fill('alice-pass');
    await expired.getByRole('button', { name: 'Sign in' }).click();
    await hides(expired, 'the expiry dialog after signing in');
    const after = await metaToken(page);
    expect(after).not.toBe(before);
    expect(await page.locator('#draft input[name="_csrf"]').inputValue()).toBe(after);
    expect(await page.getByLabel('Notes').inputValue()).toBe('Revenue up 3 %, costs flat.');

    const saved = page.waitForResponse((response) => response.request().method() === 'POST' && new URL(response.url()).pathname === '/notes');
    await Promise.all([page.waitForURL((url) => url.pathname === '/notes'), page.getByRole('button', { name: 'Save' }).click()]);
    expect((await saved).status()).toBe(303);
    await shows(page.getByText('Quarterly report'), 'the saved subject');
    expect(await page.locator('li').textContent()).toBe('Quarterly report: Revenue up 3 %, costs flat.');
    await context.close();
  });
});
