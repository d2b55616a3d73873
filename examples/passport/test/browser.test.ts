/**
 * The Passport example in real Chromium: the script tag on every page (the
 * login page included), Passport's form sign-in, an idle timeout, sign-in in
 * place through the SDK's dialog, and csrf-sync's refreshed token carrying
 * the typed text through the app's own form. Playwright's clock for the
 * browser, the example's injected clock for the server: no sleeping through
 * timeouts.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, newDevice } from '../../../test/support/browser.js';
import { dialog, shows, staysHidden } from '../../../test/support/expect-ui.js';
import { timeMachine } from '../../../test/support/time.js';
import { createExample, quiet, SECRET, type Example } from './load-example.js';

const WARN_AFTER = 30;
const EXPIRE_AFTER = 60;

let browser: Browser;
let server: Server;
let example: Example;
let url: string;
let offset = 0;

beforeAll(async () => {
  example = createExample({ secret: SECRET, now: () => Date.now() + offset, logger: quiet, warnAfter: WARN_AFTER, expireAfter: EXPIRE_AFTER });
  [browser, server] = await Promise.all([
    launchChromium(),
    new Promise<Server>((resolve) => {
      const listening = example.app.listen(0, '127.0.0.1', () => resolve(listening));
    }),
  ]);
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await example?.guard.close();
});

/** What the time machine needs of a server: a clock it can move. */
const serverClock = () => ({
  async advanceClock(ms: number) {
    offset += ms;
  },
});

describe('the Passport example in Chromium', () => {
  it('signs in with the login form (the script tag inert there), then keeps typed text across expiry and sign-in in place', async () => {
    const context = await newDevice(browser, url);
    const time = await timeMachine(context, serverClock() as never);
    const page = await context.newPage();
    await page.goto('/login');
    // The login page carries the script tag but no session: no dialog, and the form is usable.
    await staysHidden(page, page.getByRole('dialog'), 'a session dialog on the login page');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('alice-pass');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await shows(page.getByText('Signed in as alice'), 'the notes page');

    await page.getByLabel('Your notes').fill('typed before the timeout');
    await time.elapse((EXPIRE_AFTER + 1) * 1000);
    const expired = dialog(page, 'expired');
    await shows(expired, 'the sign-in dialog after expiry');
    await expired.getByLabel('Password').fill('alice-pass');
    await expired.getByRole('button', { name: 'Sign in' }).click();
    await staysHidden(page, expired, 'the dialog once signed in again', 300);

    // The text is still there, and the app's own form (csrf-sync) accepts it with the refreshed token.
    await expect.poll(() => page.getByLabel('Your notes').inputValue()).toBe('typed before the timeout');
    await page.getByRole('button', { name: 'Save' }).click();
    await shows(page.getByRole('status').filter({ hasText: 'Saved.' }), 'the saved notice');
    expect(example.notes.get('alice')).toBe('typed before the timeout');
    await context.close();
  });
});
