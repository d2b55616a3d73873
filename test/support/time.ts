/**
 * Moves time forward for the browser and the demo together: the demo's test
 * clock first (so the server already agrees when the browser's timers fire
 * and ping), then the browser context's Playwright clock.
 *
 * Time never jumps while a request is in flight: the SDK reads the server's
 * answer against the browser clock when the answer lands, so a jump in
 * between would skew it by the jump (no real clock does that mid-request).
 */
import type { BrowserContext, Page, Request } from 'playwright-core';
import type { RunningDemo } from './demo.js';

export interface TimeMachine {
  /** Time passes for the idle user: both clocks move `ms` forward; due browser timers fire (once). */
  elapse(ms: number): Promise<void>;
  /** Like {@link elapse}, but every browser timer on the way fires (Playwright's `runFor`): a countdown ticks each second. */
  run(ms: number): Promise<void>;
  /**
   * A laptop sleep: the wall clock jumps `ms` but no browser timer runs
   * meanwhile (Playwright's `setSystemTime`); then the tabs wake up
   * (`visibilitychange`, `pageshow`, `focus`), as a browser does on resume.
   */
  sleep(ms: number, pages: Page[]): Promise<void>;
  /** The first half of {@link sleep}: the wall clock jumps `ms`, no browser timer runs, nothing wakes up. */
  jump(ms: number, pages: Page[]): Promise<void>;
  /** The second half of {@link sleep}: the tabs wake up (`visibilitychange`, `pageshow`, `focus`). */
  wake(pages: Page[]): Promise<void>;
  /** Waits until no request of the context is in flight (bounded). */
  settle(): Promise<void>;
}

export async function timeMachine(context: BrowserContext, demo: RunningDemo): Promise<TimeMachine> {
  await context.clock.install();
  const inFlight = new Set<Request>();
  // The push stream is one request held open for as long as the page leads: never "in flight" in this sense.
  const isStream = (request: Request) => new URL(request.url()).pathname.endsWith('/events');
  context.on('request', (request) => isStream(request) || inFlight.add(request));
  context.on('requestfinished', (request) => inFlight.delete(request));
  context.on('requestfailed', (request) => inFlight.delete(request));

  const settle = async () => {
    const deadline = Date.now() + 3000;
    // Two quiet checks in a row: a response often triggers the next request at once.
    let quiet = 0;
    while (quiet < 2 && Date.now() < deadline) {
      quiet = inFlight.size === 0 ? quiet + 1 : 0;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const jump = async (ms: number, pages: Page[]) => {
    await settle();
    await demo.advanceClock(ms);
    const now = await pages[0]!.evaluate(() => Date.now());
    await context.clock.setSystemTime(now + ms);
  };
  const wake = async (pages: Page[]) => {
    for (const page of pages) {
      await page.evaluate(() => {
        document.dispatchEvent(new Event('visibilitychange'));
        window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: false }));
        window.dispatchEvent(new FocusEvent('focus'));
      });
    }
  };

  return {
    settle,
    jump,
    wake,
    async elapse(ms) {
      await settle();
      await demo.advanceClock(ms);
      await context.clock.fastForward(ms);
    },
    async run(ms) {
      await settle();
      await demo.advanceClock(ms);
      await context.clock.runFor(ms);
    },
    async sleep(ms, pages) {
      await jump(ms, pages);
      await wake(pages);
    },
  };
}
