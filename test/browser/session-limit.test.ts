/**
 * Issue 15 on the demo's sign-in page, in Chromium: with MAX_SESSIONS=1 and
 * SESSION_LIMIT=ask, signing in on a second device lists the first one with
 * an `End session` button (a server-rendered form: no JavaScript needed);
 * pressing it ends that session and signs in here without the password.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, newDevice, signIn, USERS } from '../support/browser.js';
import { startDemo, type RunningDemo } from '../support/demo.js';

let browser: Browser;
let demo: RunningDemo;

beforeAll(async () => {
  [browser, demo] = await Promise.all([launchChromium(), startDemo({ env: { MAX_SESSIONS: '1', SESSION_LIMIT: 'ask' } })]);
});

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

async function stillSignedIn(page: Page): Promise<boolean> {
  await page.goto('/');
  return new URL(page.url()).pathname === '/';
}

describe('SESSION_LIMIT=ask on the sign-in page', () => {
  it('lists the other session with an End session button; pressing it signs in here and signs the other device out', async () => {
    const laptop = await (await newDevice(browser, demo.url)).newPage();
    await signIn(laptop, 'alice');
    const phoneContext = await newDevice(browser, demo.url, { javaScriptEnabled: false });
    const phone = await phoneContext.newPage();
    await phone.goto('/login');
    await phone.getByLabel('Username').fill('alice');
    await phone.getByLabel('Password').fill(USERS.alice);
    await phone.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => phone.getByRole('heading', { name: 'You are signed in on too many devices' }).count()).toBe(1);
    const buttons = phone.getByRole('button', { name: 'End session' });
    expect(await buttons.count()).toBe(1);
    // Each button is described by its session (browser, OS, device, last active) for screen readers.
    expect(await buttons.first().getAttribute('aria-describedby')).toBe('limit-session-0');
    expect(await phone.locator('#limit-session-0').textContent()).toMatch(/^Chrome \S+ on Linux .*last active /);
    await Promise.all([phone.waitForURL((url) => url.pathname === '/'), buttons.first().click()]);
    expect(await stillSignedIn(phone)).toBe(true);
    expect(await stillSignedIn(laptop)).toBe(false);
  });
});
