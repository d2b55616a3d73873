/**
 * Issue 15 in the SDK's built-in UI, in real Chromium against the demo (two
 * browser contexts are two devices):
 *
 * - `SESSION_LIMIT=ask` in the sign-in-in-place dialog: the list of the
 *   user's other sessions, `End session`, signed in here and out there;
 * - the new-device notice on the user's open page, its `End that session`,
 *   and no notice for a sign-in from a known device;
 * - a per-user policy (`ADMIN_WARN_AFTER`): the admin's tab warns on the
 *   admin's clock while alice's does not yet.
 *
 * Two demos: the limit (`MAX_SESSIONS=1`) would bar the second device of the other tests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, newDevice, signIn, USERS } from '../support/browser.js';
import { axeViolations } from '../support/axe.js';
import { startDemo, type RunningDemo } from '../support/demo.js';
import { dialog, hides, shows, staysHidden } from '../support/expect-ui.js';
import { timeMachine } from '../support/time.js';

const s = (seconds: number) => seconds * 1000;
const TOO_MANY = 'You are signed in on too many devices';

let browser: Browser;
let limited: RunningDemo;
let open: RunningDemo;

beforeAll(async () => {
  [browser, limited, open] = await Promise.all([
    launchChromium(),
    startDemo({ env: { MAX_SESSIONS: '1', SESSION_LIMIT: 'ask', WARN_AFTER: '30', EXPIRE_AFTER: '60', SESSIONGUARD_TEST_CLOCK: '1' } }),
    startDemo({ env: { WARN_AFTER: '60', EXPIRE_AFTER: '120', ADMIN_WARN_AFTER: '20', ADMIN_EXPIRE_AFTER: '45', SESSIONGUARD_TEST_CLOCK: '1' } }),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([limited?.stop(), open?.stop()]);
});

describe('SESSION_LIMIT=ask in the sign-in-in-place dialog', () => {
  it("lists the other device's session; End session signs in here and the other device shows the signed-out dialog", async () => {
    const phoneContext = await newDevice(browser, limited.url);
    const time = await timeMachine(phoneContext, limited);
    const phone = await phoneContext.newPage();
    await signIn(phone, 'alice');
    await time.elapse(s(28));
    await time.elapse(s(3));
    await time.elapse(s(31));
    await shows(dialog(phone, 'expired'), 'the expiry dialog on the phone');
    // Meanwhile alice signed in on the laptop: the one place is taken.
    const laptop = await (await newDevice(browser, limited.url)).newPage();
    await signIn(laptop, 'alice');
    const expired = dialog(phone, 'expired');
    await expired.getByLabel('Password').fill(USERS.alice);
    await expired.getByRole('button', { name: 'Sign in' }).click();
    const limit = phone.getByRole('alertdialog', { name: TOO_MANY });
    await shows(limit, 'the session-limit dialog');
    const end = limit.getByRole('button', { name: 'End session' });
    expect(await end.count()).toBe(1);
    // Focus is on the button, and the button is described by the laptop's session.
    expect(await end.evaluate((button) => button === document.activeElement)).toBe(true);
    const about = await end.evaluate((button) => document.getElementById(button.getAttribute('aria-describedby')!)?.textContent);
    expect(about).toMatch(/^Chrome \S+ on Linux.*Last active /);
    expect(await axeViolations(phone)).toEqual([]);
    await end.click();
    await hides(limit, 'the session-limit dialog');
    expect((await phone.context().request.get('/api/me', { headers: { Accept: 'application/json' } })).status()).toBe(200);
    await shows(dialog(laptop, 'revoked'), 'the signed-out dialog on the laptop');
  });
});

describe('new-device notices', () => {
  it('the open page shows "New sign-in: ..." for a new device; End that session signs it out; a known device gives no notice', async () => {
    const laptop = await (await newDevice(browser, open.url)).newPage();
    await signIn(laptop, 'alice');
    await shows(laptop.getByLabel('Notes'), 'the work page on the laptop');
    const phone = await (await newDevice(browser, open.url)).newPage();
    await signIn(phone, 'alice');
    const notice = laptop.getByRole('group', { name: /^New sign-in: Chrome \S+ on Linux, / });
    await shows(notice, 'the new-device notice on the laptop');
    await expect.poll(() => laptop.locator('[data-sessionguard="live"]').textContent()).toMatch(/^New sign-in: /);
    // Not modal: focus stays on the page, nothing becomes inert.
    expect(await laptop.evaluate(() => document.querySelectorAll('[inert]').length)).toBe(0);
    expect(await axeViolations(laptop)).toEqual([]);
    await notice.getByRole('button', { name: 'End that session' }).click();
    await hides(notice, 'the notice after End that session');
    await shows(dialog(phone, 'revoked'), 'the signed-out dialog on the phone');
    // The phone signs in again: a device alice used before, so no notice.
    const revoked = dialog(phone, 'revoked');
    await revoked.getByLabel('Password').fill(USERS.alice);
    await revoked.getByRole('button', { name: 'Sign in' }).click();
    await hides(revoked, 'the signed-out dialog on the phone');
    await laptop.reload();
    await shows(laptop.getByLabel('Notes'), 'the work page on the laptop');
    await staysHidden(laptop, laptop.getByRole('group', { name: /^New sign-in/ }), 'a notice for a known device', 2000);
    // And the laptop, the first known device, signs in again: the phone's open page hears of no new device.
    await shows(phone.getByLabel('Notes'), 'the work page on the phone');
    const again = await laptop.context().newPage();
    await signIn(again, 'alice');
    await staysHidden(phone, phone.getByRole('group', { name: /^New sign-in/ }), 'a notice on the phone for the laptop', 2000);
  });
});

describe('a per-user policy', () => {
  it("the admin's tab warns at ADMIN_WARN_AFTER while alice's does not yet", async () => {
    const adminContext = await newDevice(browser, open.url);
    const aliceContext = await newDevice(browser, open.url);
    const time = await timeMachine(adminContext, open);
    await aliceContext.clock.install();
    const admin = await adminContext.newPage();
    const alice = await aliceContext.newPage();
    await signIn(admin, 'admin');
    await signIn(alice, 'alice');
    // One server clock: the admin's time machine moves it, alice's browser clock follows by hand.
    for (const step of [s(18), s(3)]) {
      await time.elapse(step);
      await aliceContext.clock.fastForward(step);
    }
    await shows(dialog(admin, 'warning'), "the admin's warning at ADMIN_WARN_AFTER");
    await staysHidden(alice, dialog(alice, 'warning'), "alice's warning (WARN_AFTER is 60 s)");
  });
});
