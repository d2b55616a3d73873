/**
 * Issue 10, part 7, in real Chromium: two users in one browser (one context,
 * so the tabs share BroadcastChannel, localStorage, Web Locks and the
 * cookie). A tab of alice's session is left open after that session was
 * revoked; bob signs in in another tab; what the stale tab says about its
 * (alice's) session must not sign bob's tab out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, newDevice, signIn } from '../support/browser.js';
import { startDemo, type RunningDemo } from '../support/demo.js';
import { apiMeStatus, dialog, shows, staysHidden } from '../support/expect-ui.js';

let browser: Browser;
let demo: RunningDemo;

beforeAll(async () => {
  // Long timeouts: nothing in this test waits for the idle clock.
  [browser, demo] = await Promise.all([launchChromium(), startDemo({ env: { WARN_AFTER: '600', EXPIRE_AFTER: '1200' } })]);
});

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

/** Records, in `page`, every message of the guards' tab channel it receives (before any page script runs). */
async function recordTabMessages(page: Page): Promise<() => Promise<{ t: string; s?: string }[]>> {
  await page.addInitScript(() => {
    const seen: unknown[] = [];
    (window as unknown as { __tabMessages: unknown[] }).__tabMessages = seen;
    new BroadcastChannel('sessionguard').onmessage = (event) => seen.push(event.data);
  });
  return () => page.evaluate(() => (window as unknown as { __tabMessages: { t: string; s?: string }[] }).__tabMessages);
}

describe('two users, one browser', () => {
  it("a stale tab of alice's revoked session does not sign out bob's tab, which stays usable", async () => {
    const context = await newDevice(browser, demo.url);
    const aliceTab = await context.newPage();
    // Alice's tab is the first, so it leads (holds the Web Lock) and answers the other tabs' checks.
    const firstAnswer = aliceTab.waitForResponse((response) => response.url().endsWith('/session/ping') && response.ok());
    await signIn(aliceTab, 'alice');
    expect(await (await firstAnswer).json()).toMatchObject({ session: expect.any(String), user: expect.any(String) });

    // Alice, on another device, signs out her other sessions: the one in this browser is revoked.
    const phone = await (await newDevice(browser, demo.url)).newPage();
    await signIn(phone, 'alice');
    await phone.goto('/account/sessions');
    await shows(phone.getByText('This device'), 'the sessions list');
    await phone.getByRole('button', { name: 'Sign out other sessions' }).click();
    await shows(phone.getByText('Your other sessions were signed out'), 'the confirmation');

    // The tab learns it from its push stream (no request of its own needed), shows the signed-out dialog and tells the other tabs.
    await shows(dialog(aliceTab, 'revoked'), "the signed-out dialog in alice's tab");

    // Bob signs in in another tab of the same browser: the cookie is now his. Alice's tab is left open.
    const bobTab = await context.newPage();
    const messages = await recordTabMessages(bobTab);
    await signIn(bobTab, 'bob');
    await shows(bobTab.getByText('Signed in as'), "bob's work page");
    await staysHidden(bobTab, dialog(bobTab, 'revoked'), "the signed-out dialog in bob's tab", 2000);
    expect(await dialog(bobTab, 'expired').isVisible()).toBe(false);

    // Alice's stale tab did broadcast its end, tagged with her session; bob's tab heard it and ignored it.
    const ends = (await messages()).filter((message) => message.t === 'e');
    expect(ends.length).toBeGreaterThan(0);
    const aliceSession = ((await (await firstAnswer).json()) as { session: string }).session;
    expect(ends.every((message) => message.s === aliceSession)).toBe(true);

    // Bob's tab works: his notes save through the SDK, and the server knows him.
    await bobTab.getByLabel('Notes').fill("bob's notes");
    await bobTab.getByRole('button', { name: 'Save notes' }).click();
    await shows(bobTab.getByText('Notes saved (11 characters).'), "the saved confirmation in bob's tab");
    expect(await apiMeStatus(bobTab)).toBe(200);
    expect(await dialog(bobTab, 'revoked').isVisible()).toBe(false);
    // Alice's tab still says what happened to her session.
    expect(await dialog(aliceTab, 'revoked').isVisible()).toBe(true);
    await context.close();
    await phone.context().close();
  });
});
