/**
 * @sessionguard/react in real Chromium against the demo's server: a small
 * React page (test/support/react-page.tsx, bundled here with esbuild from the
 * built packages) served at /__react_test__ on the demo's own origin through
 * Playwright's routing, so the SDK's requests reach the demo's real /session
 * endpoints with the session cookie. The page draws its own warning from
 * useSessionGuard(); Playwright's clock and the demo's test clock move
 * together (test/support/time.ts).
 */
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, newDevice, signIn } from '../support/browser.js';
import { repoRoot, startDemo, type RunningDemo } from '../support/demo.js';
import { apiMeStatus, dialog, hides, shows, staysHidden } from '../support/expect-ui.js';
import { timeMachine, type TimeMachine } from '../support/time.js';

const WARN_AFTER = 30;
const EXPIRE_AFTER = 60;
const s = (seconds: number) => seconds * 1000;
const PAGE_PATH = '/__react_test__';
const reactDist = path.join(repoRoot, 'packages', 'react', 'dist', 'index.js');

let browser: Browser;
let demo: RunningDemo;
let bundle: string;

/** The page's script: react-page.tsx with React, @sessionguard/react (built) and the client (built), as an app bundles them. */
async function bundlePage(): Promise<string> {
  if (!existsSync(reactDist)) throw new Error(`${path.relative(repoRoot, reactDist)} is missing: run \`npm run build\` first.`);
  const result = await build({
    entryPoints: [path.join(repoRoot, 'test', 'support', 'react-page.tsx')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    // React's development build: StrictMode runs the provider's effect twice, as in an app under development.
    define: { 'process.env.NODE_ENV': '"development"' },
    alias: { '@sessionguard/react': reactDist },
    tsconfigRaw: { compilerOptions: {} },
    write: false,
    logLevel: 'error',
  });
  return result.outputFiles[0]!.text;
}

/** The page; `dialogs`: whether the provider mounts the built-in dialogs too. */
const html = (dialogs: boolean) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>React page</title></head>
<body>
<div id="root"></div>
<script type="application/json" id="page-config">${JSON.stringify({
  options: { baseUrl: '/session', signInUrl: '/login', logoutUrl: '/logout', loginPageUrl: '/login', username: 'alice' },
  dialogs,
})}</script>
<script type="module" src="${PAGE_PATH}/page.js"></script>
</body>
</html>`;

beforeAll(async () => {
  [browser, demo, bundle] = await Promise.all([
    launchChromium(),
    startDemo({ env: { WARN_AFTER: String(WARN_AFTER), EXPIRE_AFTER: String(EXPIRE_AFTER), SESSIONGUARD_TEST_CLOCK: '1' } }),
    bundlePage(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

/** Signed in as alice through the demo, then on the React page (same origin: the demo's cookie and endpoints). */
async function reactPage({ dialogs = false } = {}): Promise<{ context: BrowserContext; time: TimeMachine; page: Page }> {
  const context = await newDevice(browser, demo.url);
  await context.route(
    (url) => url.pathname === PAGE_PATH || url.pathname === `${PAGE_PATH}/page.js`,
    (route) =>
      new URL(route.request().url()).pathname === PAGE_PATH
        ? route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html(dialogs) })
        : route.fulfill({ status: 200, contentType: 'text/javascript; charset=utf-8', body: bundle }),
  );
  const time = await timeMachine(context, demo);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await signIn(page, 'alice');
  await page.goto(PAGE_PATH);
  await shows(page.getByRole('heading', { name: 'React page' }), 'the React page');
  // The guard's first answer from the server: the page knows when to warn.
  await page.getByTestId('warn-at').filter({ hasNotText: 'unknown' }).waitFor({ timeout: 10_000 });
  expect(errors).toEqual([]);
  return { context, time, page };
}

describe('@sessionguard/react: the app draws its own warning', () => {
  it('shows its warning at warnAt with a countdown to expiresAt; its Stay button extends the session', async () => {
    const { context, time, page } = await reactPage();
    const own = page.getByRole('dialog', { name: 'Still working?' });
    expect(await page.getByTestId('status').textContent()).toBe('active');

    await time.elapse(s(WARN_AFTER - 2));
    await staysHidden(page, own, "the app's warning before WARN_AFTER");

    await time.elapse(s(3));
    await shows(own, "the app's own warning at WARN_AFTER");
    expect(await page.getByTestId('status').textContent()).toBe('warning');
    // Signed in at t0; now is t0 + 31 s and the session expires at t0 + 60 s (the page's first ping came a moment
    // after the sign-in, and the server counts idle time in whole seconds: a second either way).
    const secondsLeft = async () => Number(/in (\d+) s$/.exec((await own.getByTestId('countdown').textContent())!)![1]);
    const left = await secondsLeft();
    expect(left).toBeGreaterThanOrEqual(EXPIRE_AFTER - WARN_AFTER - 3);
    expect(left).toBeLessThanOrEqual(EXPIRE_AFTER - WARN_AFTER - 1);
    // The countdown is the app's, from expiresAt: it ticks with the clock.
    await time.run(s(2));
    expect(await secondsLeft()).toBe(left - 2);
    const expiresAt = Date.parse((await own.getByTestId('expires-at').textContent())!);
    expect(Math.ceil((expiresAt - (await page.evaluate(() => Date.now()))) / 1000)).toBe(left - 2);

    // The client is headless: with dialogs={false} nothing but the app's own warning shows, and nothing is inert.
    expect(await dialog(page, 'warning').isVisible()).toBe(false);
    expect(await page.locator('[inert]').count()).toBe(0);

    await own.getByRole('button', { name: 'Stay' }).click();
    await hides(own, "the app's warning after Stay");
    expect(await page.getByTestId('status').textContent()).toBe('active');

    // Extended: at t0 + 61 s, past the first expiry and before the next warning (Stay + WARN_AFTER), still signed in.
    await time.elapse(s(EXPIRE_AFTER + 1 - (WARN_AFTER + 3)));
    expect(await page.getByTestId('status').textContent()).toBe('active');
    expect(await own.isVisible()).toBe(false);
    expect(await apiMeStatus(page)).toBe(200);
    await context.close();
  });

  it("with dialogs, the provider mounts the built-in warning; its 'Stay signed in' closes it and the app's own", async () => {
    const { context, time, page } = await reactPage({ dialogs: true });
    await time.elapse(s(WARN_AFTER + 1));
    // The built-in dialogs come from @sessionguard/client/ui, loaded by the provider on demand.
    await shows(dialog(page, 'warning'), 'the built-in warning');
    await shows(page.getByRole('dialog', { name: 'Still working?' }), "the app's own warning beside it");
    await dialog(page, 'warning').getByRole('button', { name: 'Stay signed in' }).click();
    await hides(dialog(page, 'warning'), 'the built-in warning after Stay signed in');
    await hides(page.getByRole('dialog', { name: 'Still working?' }), "the app's warning after Stay signed in");
    expect(await page.getByTestId('status').textContent()).toBe('active');
    await context.close();
  });
});
