/**
 * Real Chromium for the browser tests: Debian's /usr/bin/chromium driven by
 * playwright-core, headless, with a fresh profile (Playwright's `launch`
 * creates a new temporary `--user-data-dir` for every browser and deletes it
 * on close; it refuses a `--user-data-dir` argument of ours).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM_PATH}. Install the Debian package "chromium" (apt-get install -y chromium), or run \`npm test\`, which provisions it as root.`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

export const USERS = {
  alice: 'alice-pass',
  bob: 'bob-pass',
  admin: 'admin-pass',
} as const;

export type DemoUser = keyof typeof USERS;

/** A new browser context (one "device") whose relative URLs resolve against the demo. */
export function newDevice(browser: Browser, baseURL: string, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  return browser.newContext({ baseURL, locale: 'en-US', ...options });
}

/** Signs in through the demo's sign-in page, as a user would, and waits for the work page. */
export async function signIn(page: Page, user: DemoUser, password: string = USERS[user]): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL((url) => url.pathname !== '/login'), page.getByRole('button', { name: 'Sign in' }).click()]);
}

/** The dialog names from docs/contracts.md. */
export const DIALOG = {
  warning: 'Your session is about to expire',
  expired: 'Your session has expired',
  revoked: 'You have been signed out',
} as const;

export interface ConsoleWatch {
  /** CSP violations: console messages and `securitypolicyviolation` events. */
  cspViolations: string[];
  /** Console errors and uncaught page errors. */
  errors: string[];
}

/**
 * Collects, for every page of a context, CSP violations (from the console
 * and from `securitypolicyviolation` events, reported through a binding) and
 * console errors. Call before opening pages.
 */
export async function watchConsole(context: BrowserContext): Promise<ConsoleWatch> {
  const seen: ConsoleWatch = { cspViolations: [], errors: [] };
  const attach = (page: Page) => {
    page.on('console', (message) => {
      const text = message.text();
      if (/Content Security Policy/i.test(text)) seen.cspViolations.push(`${page.url()}: ${text}`);
      if (message.type() === 'error') seen.errors.push(`${page.url()}: ${text}`);
    });
    page.on('pageerror', (error) => seen.errors.push(`${page.url()}: uncaught ${error.message}`));
  };
  context.pages().forEach(attach);
  context.on('page', attach);
  await context.exposeBinding('__reportCspViolation', ({ page }, text: string) => {
    seen.cspViolations.push(`${page.url()}: ${text}`);
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      const report = (window as unknown as { __reportCspViolation?: (text: string) => void }).__reportCspViolation;
      report?.(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'} (${event.sourceFile}:${event.lineNumber})`);
    });
  });
  return seen;
}
