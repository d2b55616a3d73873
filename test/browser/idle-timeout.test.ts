/**
 * Issue 2, end to end in real Chromium: two tabs of one browser (one
 * context) against the demo, with Playwright's clock for the browser and the
 * demo's test clock for the server, so no test sleeps through a timeout.
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

interface TwoTabs {
  context: BrowserContext;
  time: TimeMachine;
  first: Page;
  second: Page;
}

/** One browser, signed in as alice, with the work page open in two tabs. */
async function twoTabs(): Promise<TwoTabs> {
  const context = await newDevice(browser, demo.url);
  const time = await timeMachine(context, demo);
  const first = await context.newPage();
  await signIn(first, 'alice');
  const second = await context.newPage();
  await second.goto('/');
  await shows(second.getByLabel('Notes'), 'the work page in the second tab');
  return { context, time, first, second };
}

describe('idle timeout across tabs', () => {
  it('shows the warning at WARN_AFTER in every tab', async () => {
    const { context, time, first, second } = await twoTabs();
    await time.elapse(s(WARN_AFTER - 2));
    await staysHidden(first, dialog(first, 'warning'), 'the warning before WARN_AFTER');
    expect(await dialog(second, 'warning').isVisible()).toBe(false);

    await time.elapse(s(3));
    await shows(dialog(first, 'warning'), 'the warning in the first tab');
    await shows(dialog(second, 'warning'), 'the warning in the second tab');
    await shows(dialog(first, 'warning').getByRole('button', { name: 'Stay signed in' }), 'a "Stay signed in" button');
    await context.close();
  });

  it('postpones the warning in the other tab after activity in one tab', async () => {
    const { context, time, first, second } = await twoTabs();
    await time.elapse(s(20));
    await first.getByLabel('Notes').click();
    await first.keyboard.type('still here');
    await time.elapse(s(WARN_AFTER - 5));
    // 45 s after sign-in, but only 25 s after the typing in the first tab.
    await staysHidden(second, dialog(second, 'warning'), 'the warning in the second tab');
    expect(await dialog(first, 'warning').isVisible()).toBe(false);

    await time.elapse(s(7));
    await shows(dialog(second, 'warning'), 'the warning in the second tab, WARN_AFTER after the activity');
    await context.close();
  });

  it('closes the warning in every tab on activity in one tab', async () => {
    const { context, time, first, second } = await twoTabs();
    await time.elapse(s(WARN_AFTER + 1));
    await shows(dialog(first, 'warning'), 'the warning in the first tab');
    await shows(dialog(second, 'warning'), 'the warning in the second tab');

    // Scrolling the page counts; moving the pointer towards the dialog's buttons does not.
    await second.mouse.move(200, 150);
    await second.mouse.wheel(0, 300);
    await hides(dialog(second, 'warning'), 'the warning in the tab with the activity');
    await hides(dialog(first, 'warning'), 'the warning in the other tab');

    // The session was extended: past the old expiry, still signed in.
    await time.elapse(s(EXPIRE_AFTER - WARN_AFTER));
    expect(await dialog(first, 'expired').isVisible()).toBe(false);
    expect(await apiMeStatus(first)).toBe(200);
    await context.close();
  });

  it('shows the sign-in dialog in every tab at expiry, and /api/me answers 401', async () => {
    const { context, time, first, second } = await twoTabs();
    await time.elapse(s(WARN_AFTER + 1));
    await shows(dialog(first, 'warning'), 'the warning');
    await time.elapse(s(EXPIRE_AFTER - WARN_AFTER));

    for (const page of [first, second]) {
      const expired = dialog(page, 'expired');
      await shows(expired, 'the "session has expired" dialog in every tab');
      await shows(expired.getByLabel('Username'), 'a Username field');
      await shows(expired.getByLabel('Password'), 'a Password field');
      await shows(expired.getByRole('button', { name: 'Sign in' }), 'a Sign in button');
      expect(await dialog(page, 'warning').isVisible()).toBe(false);
    }
    expect(await apiMeStatus(first)).toBe(401);
    await context.close();
  });

  it('keeps the text typed in Notes when signing in again in place', async () => {
    const { context, time, first, second } = await twoTabs();
    const notes = first.getByLabel('Notes');
    await notes.fill('Minutes of the meeting, draft 3: nothing decided yet.');
    await time.elapse(s(WARN_AFTER + 1));
    await shows(dialog(first, 'warning'), 'the warning');
    await time.elapse(s(EXPIRE_AFTER - WARN_AFTER));
    const expired = dialog(first, 'expired');
    await shows(expired, 'the sign-in dialog');

    expect(await expired.getByLabel('Username').inputValue()).toBe('alice');
    await expired.getByLabel('Password').fill('alice-pass');
    await expired.getByRole('button', { name: 'Sign in' }).click();

    await hides(expired, 'the sign-in dialog after signing in');
    await hides(dialog(second, 'expired'), 'the sign-in dialog in the other tab');
    expect(first.url()).toBe(`${demo.url}/`);
    expect(await notes.inputValue()).toBe('Minutes of the meeting, draft 3: nothing decided yet.');
    expect(await apiMeStatus(first)).toBe(200);
    await context.close();
  });

  it('expires at once on wake after a sleep longer than EXPIRE_AFTER', async () => {
    const { context, time, first, second } = await twoTabs();
    await time.jump(s(EXPIRE_AFTER + 60), [first, second]);
    // The clock jumped and no timer ran: nothing shows until the tabs wake up.
    await staysHidden(first, dialog(first, 'expired'), 'the sign-in dialog before the wake-up');
    expect(await dialog(second, 'expired').isVisible()).toBe(false);
    // The wake signals alone must bring the dialog.
    await time.wake([first, second]);
    await shows(dialog(first, 'expired'), 'the sign-in dialog right after waking');
    await shows(dialog(second, 'expired'), 'the sign-in dialog in the other tab right after waking');
    expect(await dialog(first, 'warning').isVisible()).toBe(false);
    expect(await apiMeStatus(first)).toBe(401);
    await context.close();
  });

  it('signs out every tab when signing out in one', async () => {
    const { context, first, second } = await twoTabs();
    await first.getByRole('button', { name: 'Sign out' }).click();
    await first.waitForURL((url) => url.pathname === '/login');
    await second.waitForURL((url) => url.pathname === '/login', { timeout: 10_000 });
    await shows(second.getByRole('button', { name: 'Sign in' }), 'the sign-in page in the other tab');
    expect(await apiMeStatus(second)).toBe(401);
    await context.close();
  });
});
