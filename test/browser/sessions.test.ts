/**
 * Issue 3 in real Chromium: two browser contexts are two devices of one
 * user. Password change, "My sessions" (revoke one, sign out the others),
 * and the admin's "Sign out everywhere".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, newDevice, signIn, type DemoUser } from '../support/browser.js';
import { startDemo, type RunningDemo } from '../support/demo.js';
import { apiMeStatus, dialog, shows } from '../support/expect-ui.js';

let browser: Browser;
let demo: RunningDemo;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [browser, demo] = await Promise.all([launchChromium(), startDemo()]);
});

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

/** A new device signed in as `user`, on the work page. */
async function device(user: DemoUser, password?: string): Promise<Page> {
  const context = await newDevice(browser, demo.url);
  contexts.push(context);
  const page = await context.newPage();
  await signIn(page, user, password);
  return page;
}

/** The device's next request as a user makes it: reloading the page. True when it is still signed in. */
async function stillSignedIn(page: Page): Promise<boolean> {
  await page.goto('/');
  return new URL(page.url()).pathname === '/';
}

describe('every session of a user, under control', () => {
  it('changing the password signs the other device out at its next request and keeps this one', async () => {
    const laptop = await device('bob');
    const phone = await device('bob');

    await laptop.goto('/account/password');
    await laptop.getByLabel('Current password').fill('bob-pass');
    await laptop.getByLabel('New password').fill('bob-new-pass-2026');
    await laptop.getByRole('button', { name: 'Change password' }).click();
    await shows(laptop.getByText('Your password was changed'), 'the confirmation');

    expect(await stillSignedIn(phone)).toBe(false);
    expect(await stillSignedIn(laptop)).toBe(true);
    expect(await apiMeStatus(laptop)).toBe(200);

    // The new password works and the old one does not.
    const tablet = await device('bob', 'bob-new-pass-2026');
    expect(await stillSignedIn(tablet)).toBe(true);
    await laptop.goto('/account/password');
    await laptop.getByLabel('Current password').fill('bob-new-pass-2026');
    await laptop.getByLabel('New password').fill('bob-pass');
    await laptop.getByRole('button', { name: 'Change password' }).click();
    await shows(laptop.getByText('Your password was changed'), 'the confirmation of the change back');
  });

  it('revokes the other device from the sessions page; every tab there shows the signed-out dialog', async () => {
    const laptop = await device('alice');
    const phone = await device('alice');
    const phoneSecondTab = await phone.context().newPage();
    await phoneSecondTab.goto('/');

    await laptop.goto('/account/sessions');
    const rows = laptop.getByRole('table').getByRole('row');
    await shows(laptop.getByText('This device'), 'the current session marked');
    expect(await rows.count()).toBe(3); // header + two sessions
    await laptop.getByRole('button', { name: 'Revoke' }).click();
    await shows(laptop.getByText('Session revoked'), 'the confirmation');
    expect(await laptop.getByRole('button', { name: 'Revoke' }).count()).toBe(0);

    // No request of the phone's is needed: its leader tab's push stream brings the end (test/browser/push.test.ts).
    await shows(dialog(phone, 'revoked'), 'the signed-out dialog on the revoked device');
    await shows(dialog(phoneSecondTab, 'revoked'), 'the signed-out dialog in the other tab of the revoked device');
    await shows(dialog(phone, 'revoked').getByLabel('Password'), 'a Password field to sign in again');
    expect(await dialog(phone, 'expired').isVisible()).toBe(false);
    expect(await stillSignedIn(laptop)).toBe(true);
  });

  it('"Sign out other sessions" signs out every other device and keeps this one', async () => {
    const laptop = await device('alice');
    const phone = await device('alice');
    const tablet = await device('alice');
    await laptop.goto('/account/sessions');
    await shows(laptop.getByText('This device'), 'the sessions list');
    await laptop.getByRole('button', { name: 'Sign out other sessions' }).click();
    await shows(laptop.getByText('Your other sessions were signed out'), 'the confirmation');

    expect(await stillSignedIn(phone)).toBe(false);
    expect(await stillSignedIn(tablet)).toBe(false);
    expect(await stillSignedIn(laptop)).toBe(true);
  });

  it('lets an admin sign a user out everywhere, and only an admin', async () => {
    const bobLaptop = await device('bob');
    const bobPhone = await device('bob');
    const admin = await device('admin');

    await admin.goto('/admin/users');
    const bobRow = admin.getByRole('row', { name: /bob/ });
    await bobRow.getByRole('button', { name: 'Sign out everywhere' }).click();
    await shows(admin.getByText('bob was signed out everywhere'), 'the confirmation');

    expect(await stillSignedIn(bobLaptop)).toBe(false);
    expect(await stillSignedIn(bobPhone)).toBe(false);
    expect(await stillSignedIn(admin)).toBe(true);

    // A non-admin does not get the page.
    const alice = await device('alice');
    const response = await alice.goto('/admin/users');
    expect(response?.status()).toBe(403);
  });
});
