// `npm run screenshots`: starts the built demo, signs in in headless Chromium,
// lets the session run into the warning and then the sign-in dialog (clock
// control in the browser, the demo's test clock on the server), and writes
// docs/screenshots/{warning,sign-in}-{light,dark}.png.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outDir = path.join(root, 'docs', 'screenshots');
const serverJs = path.join(root, 'demo', 'dist', 'server.js');
const CHROMIUM = '/usr/bin/chromium';
const WARN_AFTER = 30;
const EXPIRE_AFTER = 60;

function fail(message) {
  console.error(`screenshots: ${message}`);
  process.exit(1);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startDemo() {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [serverJs], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), WARN_AFTER: String(WARN_AFTER), EXPIRE_AFTER: String(EXPIRE_AFTER), SESSIONGUARD_TEST_CLOCK: '1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (child.exitCode !== null) fail(`the demo exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, child };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGTERM');
  fail('the demo did not answer /healthz within 10 s');
}

async function advanceServer(url, ms) {
  const response = await fetch(`${url}/__test__/clock`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ advance: ms }),
  });
  if (!response.ok) fail(`advancing the demo clock failed: HTTP ${response.status}`);
}

async function shoot(browser, url, colorScheme) {
  const context = await browser.newContext({ baseURL: url, colorScheme, locale: 'en-US', viewport: { width: 960, height: 640 } });
  await context.clock.install();
  const page = await context.newPage();
  await page.goto('/login');
  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill('alice-pass');
  await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.getByRole('button', { name: 'Sign in' }).click()]);
  await page.getByLabel('Notes').fill('Quarterly report, draft 2:\n- revenue up 4 %\n- hiring plan for the spring');
  await page.mouse.move(0, 0);
  await page.waitForLoadState('networkidle');

  const elapse = async (ms) => {
    await advanceServer(url, ms);
    await context.clock.fastForward(ms);
  };
  await elapse((WARN_AFTER + 1) * 1000);
  const warning = page.getByRole('alertdialog', { name: 'Your session is about to expire' });
  await warning.waitFor({ state: 'visible', timeout: 5000 });
  await page.waitForTimeout(300); // let an entrance transition, if any, finish
  await page.screenshot({ path: path.join(outDir, `warning-${colorScheme}.png`) });

  await elapse((EXPIRE_AFTER - WARN_AFTER) * 1000);
  const signIn = page.getByRole('alertdialog', { name: 'Your session has expired' });
  await signIn.waitFor({ state: 'visible', timeout: 5000 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(outDir, `sign-in-${colorScheme}.png`) });
  await context.close();
}

if (!existsSync(serverJs)) fail('demo/dist/server.js is missing: run `npm run build` first.');
if (!existsSync(CHROMIUM)) fail(`${CHROMIUM} is missing: install the Debian package "chromium".`);
mkdirSync(outDir, { recursive: true });
const demo = await startDemo();
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  for (const scheme of ['light', 'dark']) await shoot(browser, demo.url, scheme);
  console.log(`screenshots: wrote ${path.relative(root, outDir)}/{warning,sign-in}-{light,dark}.png`);
} finally {
  await browser.close();
  demo.child.kill('SIGTERM');
}
