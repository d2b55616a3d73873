/**
 * Issue 3's opt-in policies, each against its own demo process:
 * SINGLE_SESSION=1, LOGOUT_EVERYWHERE=1, and the fresh sign-in that revoking
 * sessions requires (OWASP ASVS 3.3.4), reached through the test clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, newDevice, signIn, type DemoUser } from '../support/browser.js';
import { startDemo, type RunningDemo } from '../support/demo.js';
import { shows } from '../support/expect-ui.js';

let browser: Browser;
let singleSession: RunningDemo;
let logoutEverywhere: RunningDemo;
let longIdle: RunningDemo;

beforeAll(async () => {
  [browser, singleSession, logoutEverywhere, longIdle] = await Promise.all([
    launchChromium(),
    startDemo({ env: { SINGLE_SESSION: '1' } }),
    startDemo({ env: { LOGOUT_EVERYWHERE: '1' } }),
    // Idle limits longer than the 10-minute freshness window, and a server clock the test can move.
    startDemo({ env: { WARN_AFTER: '1500', EXPIRE_AFTER: '1800', SESSIONGUARD_TEST_CLOCK: '1' } }),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([singleSession?.stop(), logoutEverywhere?.stop(), longIdle?.stop()]);
});

async function device(demo: RunningDemo, user: DemoUser): Promise<Page> {
  const page = await (await newDevice(browser, demo.url)).newPage();
  await signIn(page, user);
  return page;
}

async function stillSignedIn(page: Page): Promise<boolean> {
  await page.goto('/');
  return new URL(page.url()).pathname === '/';
}

describe('session policies', () => {
  it('SINGLE_SESSION=1: signing in on a second device signs the first one out', async () => {
    const laptop = await device(singleSession, 'alice');
    const phone = await device(singleSession, 'alice');
    expect(await stillSignedIn(laptop)).toBe(false);
    expect(await stillSignedIn(phone)).toBe(true);
    // Other users are not affected.
    const bob = await device(singleSession, 'bob');
    expect(await stillSignedIn(bob)).toBe(true);
    expect(await stillSignedIn(phone)).toBe(true);
  });

  it('LOGOUT_EVERYWHERE=1: signing out on one device signs out every device', async () => {
    const laptop = await device(logoutEverywhere, 'alice');
    const phone = await device(logoutEverywhere, 'alice');
    const bob = await device(logoutEverywhere, 'bob');
    await laptop.getByRole('button', { name: 'Sign out' }).click();
    await laptop.waitForURL((url) => url.pathname === '/login');
    expect(await stillSignedIn(phone)).toBe(false);
    expect(await stillSignedIn(bob)).toBe(true);
  });

  it('without the policies, a second sign-in and a sign-out leave the other device signed in', async () => {
    const laptop = await device(longIdle, 'alice');
    const phone = await device(longIdle, 'alice');
    expect(await stillSignedIn(laptop)).toBe(true);
    await phone.getByRole('button', { name: 'Sign out' }).click();
    await phone.waitForURL((url) => url.pathname === '/login');
    expect(await stillSignedIn(laptop)).toBe(true);
  });

  it('asks for the password in place before revoking sessions when the sign-in is over 10 minutes old, then revokes', async () => {
    const laptop = await device(longIdle, 'bob');
    const phone = await device(longIdle, 'bob');
    await longIdle.advanceClock(11 * 60_000);

    await laptop.goto('/account/sessions');
    await shows(laptop.getByText('This device'), 'the sessions list');
    await laptop.getByRole('button', { name: 'Revoke' }).click();
    // The DELETE got 403 reauthentication_required: the SDK holds it and asks for the password (step-up).
    const confirm = laptop.getByRole('alertdialog', { name: 'Confirm your password' });
    await shows(confirm, 'the step-up dialog');
    await confirm.getByLabel('Password').fill('bob-wrong');
    await confirm.getByRole('button', { name: 'Continue' }).click();
    await shows(confirm.getByText('The password is not correct.'), 'a wrong password said so in the dialog');
    expect(await stillSignedIn(phone)).toBe(true);

    await confirm.getByLabel('Password').fill('bob-pass');
    await confirm.getByRole('button', { name: 'Continue' }).click();
    // The held DELETE is sent again with the renewed session: the phone is revoked without leaving the page.
    await shows(laptop.getByText('Session revoked'), 'the confirmation after the password');
    await expect.poll(() => new URL(laptop.url()).pathname).toBe('/account/sessions');
    expect(await stillSignedIn(phone)).toBe(false);
    expect(await stillSignedIn(laptop)).toBe(true);
    // Leaves bob with no session, for the next test's list.
    await laptop.getByRole('button', { name: 'Sign out' }).click();
    await laptop.waitForURL((url) => url.pathname === '/login');
  });

  it('a step-up the user cancels revokes nothing and offers to sign in again', async () => {
    const laptop = await device(longIdle, 'bob');
    const phone = await device(longIdle, 'bob');
    await longIdle.advanceClock(11 * 60_000);

    await laptop.goto('/account/sessions');
    await shows(laptop.getByText('This device'), 'the sessions list');
    await laptop.getByRole('button', { name: 'Revoke' }).click();
    const confirm = laptop.getByRole('alertdialog', { name: 'Confirm your password' });
    await shows(confirm, 'the step-up dialog');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await shows(laptop.getByText('sign in again before'), 'a message asking to sign in again');
    expect(await stillSignedIn(phone)).toBe(true);

    await laptop.getByRole('link', { name: 'Sign in again' }).click();
    await laptop.waitForURL((url) => url.pathname === '/login');
    await laptop.getByLabel('Username').fill('bob');
    await laptop.getByLabel('Password').fill('bob-pass');
    await laptop.getByRole('button', { name: 'Sign in' }).click();
    await laptop.waitForURL((url) => url.pathname === '/account/sessions');
    await laptop.getByRole('button', { name: 'Revoke' }).click();
    await shows(laptop.getByText('Session revoked'), 'the confirmation after signing in again');
    expect(await stillSignedIn(phone)).toBe(false);
  });
});
