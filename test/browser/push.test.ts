/**
 * Issue 13 in real Chromium: push. The leader tab of each browser holds one
 * stream (`GET /session/events`) and tells the other tabs, so a session
 * ended elsewhere shows the signed-out dialog in idle tabs at once, not at
 * their next ping (the warning here is an hour away: no ping would come).
 * Waits are bounded at 3 s of real time; the figures are bench/push.mjs's.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, newDevice, signIn, type DemoUser } from '../support/browser.js';
import { startDemo, type RunningDemo } from '../support/demo.js';
import { dialog, shows } from '../support/expect-ui.js';
import { startDemosOnRedis } from '../support/redis-demos.js';
import { timeMachine } from '../support/time.js';

/** Far away: nothing but push could end these sessions within the test. */
const IDLE = { WARN_AFTER: '3600', EXPIRE_AFTER: '7200' };
/** Push brings the end within this (real time); a ping would need an hour. */
const PUSH_DEADLINE_MS = 3000;

let browser: Browser;
let demo: RunningDemo;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [browser, demo] = await Promise.all([launchChromium(), startDemo({ env: IDLE })]);
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await demo?.stop();
});

const isStream = (url: string) => new URL(url).pathname === '/session/events';

/** A new device (browser context) on `base`, counting the push streams its pages open. */
async function device(base: string, user: DemoUser): Promise<{ context: BrowserContext; page: Page; streams: () => number; opened: () => number }> {
  const context = await newDevice(browser, base);
  contexts.push(context);
  let streams = 0;
  let opened = 0;
  context.on('request', (request) => void (isStream(request.url()) && streams++));
  context.on('response', (response) => void (isStream(response.url()) && response.status() === 200 && opened++));
  const page = await context.newPage();
  await signIn(page, user);
  return { context, page, streams: () => streams, opened: () => opened };
}

/** Opens `count` more tabs of the work page in `context` and waits until its leader's stream is open. */
async function tabs(context: BrowserContext, first: Page, count: number): Promise<Page[]> {
  const pages = [first];
  for (let index = 0; index < count; index++) {
    const page = await context.newPage();
    await page.goto('/');
    pages.push(page);
  }
  return pages;
}

/** Until the device's leader tab holds its stream: its 200 arrived. */
async function streamOpen(device: { opened: () => number }): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (device.opened() === 0) {
    if (Date.now() > deadline) throw new Error('Expected a push stream to open within 10 s.');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The admin's "Sign out everywhere" for `user`, on the admin's own device. */
async function signOutEverywhere(admin: Page, user: DemoUser): Promise<void> {
  await admin.goto('/admin/users');
  await admin.getByRole('row', { name: new RegExp(user) }).getByRole('button', { name: 'Sign out everywhere' }).click();
  await shows(admin.getByText(`${user} was signed out everywhere`), 'the confirmation');
}

describe('push: a session ended elsewhere reaches the open pages at once', () => {
  it('an admin signs a user out: four idle tabs of the other device show the signed-out dialog at once, over one stream', async () => {
    const bob = await device(demo.url, 'bob');
    const pages = await tabs(bob.context, bob.page, 3);
    await streamOpen(bob);
    const admin = await device(demo.url, 'admin');

    await signOutEverywhere(admin.page, 'bob');
    for (const [index, page] of pages.entries()) {
      await shows(dialog(page, 'revoked'), `the signed-out dialog in idle tab ${index + 1} of bob's device`, PUSH_DEADLINE_MS);
    }
    // One stream for the four tabs, and no reconnect after the end.
    expect(bob.streams()).toBe(1);
    expect(await dialog(pages[0]!, 'revoked').getByLabel('Password').isVisible()).toBe(true);
  });

  it('closing the leader tab hands the stream to another tab, which still hears the end', async () => {
    const bob = await device(demo.url, 'bob');
    const [leader, other] = await tabs(bob.context, bob.page, 1);
    await streamOpen(bob);
    await leader!.close();
    const deadline = Date.now() + PUSH_DEADLINE_MS;
    while (bob.opened() < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(bob.opened()).toBe(2);
    const admin = await device(demo.url, 'admin');
    await signOutEverywhere(admin.page, 'bob');
    await shows(dialog(other!, 'revoked'), 'the signed-out dialog in the tab that took over', PUSH_DEADLINE_MS);
    expect(bob.streams()).toBe(2);
  });

  it("a password change on one device reaches the other device's idle tab", async () => {
    const laptop = await device(demo.url, 'alice');
    const phone = await device(demo.url, 'alice');
    await streamOpen(phone);

    await laptop.page.goto('/account/password');
    await laptop.page.getByLabel('Current password').fill('alice-pass');
    await laptop.page.getByLabel('New password').fill('alice-new-pass-2026');
    await laptop.page.getByRole('button', { name: 'Change password' }).click();
    await shows(laptop.page.getByText('Your password was changed'), 'the confirmation');

    await shows(dialog(phone.page, 'revoked'), "the signed-out dialog on the phone's idle tab", PUSH_DEADLINE_MS);
    // The device that changed it stays signed in (its stream was told to recheck, and reconnected).
    expect(await dialog(laptop.page, 'revoked').isVisible()).toBe(false);
    await laptop.page.getByLabel('Current password').fill('alice-new-pass-2026');
    await laptop.page.getByLabel('New password').fill('alice-pass');
    await laptop.page.getByRole('button', { name: 'Change password' }).click();
    await shows(laptop.page.getByText('Your password was changed'), 'the confirmation of the change back');
  });
});

describe('push across processes', () => {
  let demos: Awaited<ReturnType<typeof startDemosOnRedis>>;
  beforeAll(async () => {
    demos = await startDemosOnRedis(IDLE);
  });
  afterAll(async () => {
    await demos?.stop();
  });

  it('two demo processes on one Redis: a revocation on A reaches the page held open on B', async () => {
    const onB = await device(demos.b.url, 'bob');
    await streamOpen(onB);
    const admin = await device(demos.a.url, 'admin');
    await signOutEverywhere(admin.page, 'bob');
    await shows(dialog(onB.page, 'revoked'), 'the signed-out dialog on the page served by process B', PUSH_DEADLINE_MS);
  });
});

/**
 * A proxy in front of the demo that forwards everything, except that it
 * sends a stream's headers and then holds its body back forever (a buffering
 * proxy whose buffer never fills).
 */
async function bufferingProxy(target: string): Promise<{ url: string; streams: number; closedByClient: number; close(): Promise<void> }> {
  const upstream = new URL(target);
  const proxy = {
    url: '',
    streams: 0,
    closedByClient: 0,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
  const server = http.createServer((req, res) => {
    const stream = req.url?.startsWith('/session/events') ?? false;
    if (stream) proxy.streams++;
    const forward = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (stream && answer.statusCode === 200) {
        res.flushHeaders();
        answer.resume(); // read and dropped: held back from the browser
        return;
      }
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
    res.on('close', () => {
      if (stream && !res.writableFinished) proxy.closedByClient++;
      forward.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

async function until(check: () => boolean, what: string, ms = PUSH_DEADLINE_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Expected ${what} within ${ms} ms.`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('push behind a proxy that buffers the stream', () => {
  let clocked: RunningDemo;
  let proxy: Awaited<ReturnType<typeof bufferingProxy>>;
  beforeAll(async () => {
    clocked = await startDemo({ env: { WARN_AFTER: '60', EXPIRE_AFTER: '120', SESSIONGUARD_TEST_CLOCK: '1' } });
    proxy = await bufferingProxy(clocked.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await clocked?.stop();
  });

  it('falls back to pings: the stream is given up after 10 s and tried again later, and a revocation ends the session at the next ping', async () => {
    const context = await newDevice(browser, proxy.url);
    contexts.push(context);
    const time = await timeMachine(context, clocked);
    const answers: string[] = [];
    context.on('response', (response) => {
      if (response.status() === 401) answers.push(new URL(response.url()).pathname);
    });
    const page = await context.newPage();
    await signIn(page, 'bob');
    await until(() => proxy.streams === 1, 'the leader tab to open its stream');

    // No `session` event within 10 s: the tab closes the stream, keeps to its pings, and tries again later.
    await time.elapse(10_500);
    await until(() => proxy.closedByClient === 1, 'the tab to close the buffered stream');
    await time.elapse(10_000);
    await until(() => proxy.streams === 2, 'a second try');

    // Revoked elsewhere (straight to the demo): nothing reaches the page through the held stream.
    const admin = await newDevice(browser, clocked.url);
    contexts.push(admin);
    const adminPage = await admin.newPage();
    await signIn(adminPage, 'admin');
    await signOutEverywhere(adminPage, 'bob');
    expect(await dialog(page, 'revoked').isVisible()).toBe(false);

    // The user comes back: the next ping (due 30 s after the last) learns it.
    await page.mouse.move(10, 10);
    await page.mouse.move(40, 40);
    await time.elapse(10_000);
    await shows(dialog(page, 'revoked'), 'the signed-out dialog after the next ping', PUSH_DEADLINE_MS);
    expect(answers[0]).toBe('/session/ping');
  });
});
