/**
 * Small waits on what a user sees, with messages that say what was expected.
 * (Vitest's `expect` has no auto-waiting locator matchers; these fill the gap.)
 */
import type { Locator, Page } from 'playwright-core';
import { DIALOG } from './browser.js';

export async function shows(locator: Locator, what: string, timeout = 10_000): Promise<void> {
  try {
    await locator.waitFor({ state: 'visible', timeout });
  } catch {
    throw new Error(`Expected to see ${what} within ${timeout} ms.`);
  }
}

export async function hides(locator: Locator, what: string, timeout = 10_000): Promise<void> {
  try {
    await locator.waitFor({ state: 'hidden', timeout });
  } catch {
    throw new Error(`Expected ${what} to be gone within ${timeout} ms.`);
  }
}

/** Asserts that `locator` stays hidden for `ms` (real time: lets async pings and messages land). */
export async function staysHidden(page: Page, locator: Locator, what: string, ms = 750): Promise<void> {
  await page.waitForTimeout(ms);
  if (await locator.isVisible()) throw new Error(`Expected ${what} not to show.`);
}

export const dialog = (page: Page, kind: keyof typeof DIALOG): Locator =>
  page.getByRole('alertdialog', { name: DIALOG[kind] });

/** `GET /api/me` with the page's cookies: the status the server gives this browser. */
export async function apiMeStatus(page: Page): Promise<number> {
  const response = await page.context().request.get('/api/me', { headers: { Accept: 'application/json' }, maxRedirects: 0 });
  return response.status();
}
