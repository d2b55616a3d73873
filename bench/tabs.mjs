// Benchmark 3, server load from tabs: the requests an idle-timeout client
// sends over a simulated 30 minutes with 1, 5 and 20 tabs open and active,
// for sessionguard (one leader tab talks to the server) and for the per-tab
// timer design of django-session-security (bench/peers/per-tab-timer.js).
//
// Real Chromium, real server (bench/servers/tabs-app.mjs, in a child
// process, counting requests by path). Chromium's clock is controlled
// (context.clock.install / runFor) and advanced in steps of STEP seconds;
// every step the user is active in every tab (a mousemove and a keydown), and
// between steps the bench waits until the network is quiet, so answers arrive
// before the next timers fire. Page loads (documents and scripts) are the
// user's, not the library's: they are counted apart.
import { at, launchChromium, printTable, smoke, startChild, writeResults, ensureBuilt } from './lib.mjs';

const MINUTES = smoke ? 2 : 30;
const TAB_COUNTS = smoke ? [1, 2] : [1, 5, 20];
const STEP_SECONDS = 5;
// django-session-security's defaults, the same policy for both designs.
const WARN_AFTER = smoke ? 40 : 540;
const EXPIRE_AFTER = smoke ? 90 : 1800;
const START = new Date('2026-01-05T09:00:00Z');

const DESIGNS = [
  { key: 'sessionguard', label: 'sessionguard (leader tab pings)', path: '/sg', login: 'sg' },
  { key: 'perTabTimer', label: 'per-tab timers (django-session-security)', path: '/dss', login: 'dss' },
];

const isPageLoad = (key) => /^GET \/(sg|dss)$/.test(key) || key.endsWith('.js');

async function simulate(browser, base, design, tabs, minutes) {
  const context = await browser.newContext();
  await context.clock.install({ time: START });
  let inFlight = 0;
  const errors = [];
  // The push stream (GET <base>/events, held by the leader tab) is open by design: it is counted, never waited for.
  const held = (request) => new URL(request.url()).pathname.endsWith('/events');
  context.on('request', (request) => void (held(request) || inFlight++));
  context.on('requestfinished', (request) => void (held(request) || inFlight--));
  context.on('requestfailed', (request) => {
    if (held(request)) return;
    inFlight--;
    errors.push(`request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText}`);
  });
  const settle = async () => {
    // Let posted messages, lock grants and fetches run, then wait for the network to go quiet.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const deadline = Date.now() + 3000;
    while (inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 5));
  };
  try {
    const origin = base;
    const login = await context.request.post(`${base}/login`, {
      data: { username: `bench-${design.key}-${tabs}`, password: 'bench', design: design.login },
      headers: { 'X-SessionGuard': '1', Origin: origin, 'Content-Type': 'application/json' },
    });
    if (!login.ok()) throw new Error(`${design.key}: sign-in failed: ${login.status()} ${await login.text()}`);
    await fetch(`${base}/__counts`); // reset: count from the first tab on

    const pages = [];
    for (let i = 0; i < tabs; i++) {
      const page = await context.newPage();
      page.on('pageerror', (error) => errors.push(`tab ${i}: ${error}`));
      await page.goto(`${base}${design.path}`);
      const started = await page
        .waitForFunction(design.key === 'sessionguard' ? () => window.SessionGuard?.current : () => window.perTab, null, { timeout: 10_000 })
        .then(() => true, () => false);
      if (!started) throw new Error(`${design.key}: tab ${i} did not start its client`);
      pages.push(page);
      await settle();
    }
    // What opening the tabs cost (page loads apart), then count the 30 minutes alone.
    const opening = await (await fetch(`${base}/__counts`)).json();
    const steps = (minutes * 60) / STEP_SECONDS;
    for (let step = 0; step < steps; step++) {
      await Promise.all(
        pages.map((page) =>
          page.evaluate(() => {
            document.body.dispatchEvent(new MouseEvent('mousemove', { bubbles: true, clientX: 10, clientY: 10 }));
            document.body.dispatchEvent(new KeyboardEvent('keydown', { bubbles: true, key: 'a' }));
            document.body.dispatchEvent(new KeyboardEvent('keyup', { bubbles: true, key: 'a' }));
          }),
        ),
      );
      await context.clock.runFor(STEP_SECONDS * 1000);
      await settle();
    }
    const counts = await (await fetch(`${base}/__counts`)).json();
    const state = await pages[0].evaluate(() => ({
      title: document.title,
      dialog: document.querySelector('[role="alertdialog"]')?.getAttribute('aria-label') ?? document.querySelector('[role="alertdialog"]')?.textContent?.slice(0, 60) ?? null,
    }));
    return { counts, opening, errors, state };
  } finally {
    await context.close();
  }
}

/**
 * Starts the counting server and Chromium, runs `designs` (keys of DESIGNS)
 * with each of `tabCounts` tabs over `minutes` simulated minutes, and returns
 * the figures by design and number of tabs (exact request counts). Used by
 * run() below and by test/bench/tabs.test.ts (a short run inside `npm test`).
 */
export async function measureTabs({ minutes = MINUTES, tabCounts = TAB_COUNTS, warnAfter = WARN_AFTER, expireAfter = EXPIRE_AFTER, designs = DESIGNS.map((d) => d.key) } = {}) {
  // A concurrent rebuild of dist/ (another `npm test`) can take the packages away for a moment:
  // try a few times before reporting sessionguard as not measurable.
  let server;
  let base;
  let hasGuard = false;
  for (let attempt = 0; attempt < 4 && !hasGuard; attempt++) {
    if (server) {
      await server.stop();
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
    server = await startChild(at('bench/servers/tabs-app.mjs'), [], { WARN_AFTER: String(warnAfter), EXPIRE_AFTER: String(expireAfter) });
    base = `http://127.0.0.1:${server.port}`;
    hasGuard =
      (await fetch(`${base}/session/ping`, { method: 'POST' })).status !== 404 &&
      (await fetch(`${base}/sessionguard/sessionguard.min.js`)).status === 200;
  }
  await fetch(`${base}/__counts`);
  const browser = await launchChromium();
  const figures = {};
  try {
    for (const design of DESIGNS.filter((d) => designs.includes(d.key))) {
      if (design.key === 'sessionguard' && !hasGuard) {
        console.log('sessionguard: NOT MEASURED, @sessionguard/express or the client script is not built');
        continue;
      }
      figures[design.key] = { label: design.label, byTabs: {} };
      for (const tabs of tabCounts) {
        const { counts, opening, errors, state } = await simulate(browser, base, design, tabs, minutes);
        const library = Object.entries(counts).filter(([key]) => !isPageLoad(key));
        const openingLibrary = Object.entries(opening).filter(([key]) => !isPageLoad(key));
        const pageLoads = Object.entries(opening).filter(([key]) => isPageLoad(key));
        figures[design.key].byTabs[tabs] = {
          // the library's requests while the tabs were being opened, then over the simulated minutes
          openingRequests: openingLibrary.reduce((sum, [, n]) => sum + n, 0),
          openingByPath: Object.fromEntries(openingLibrary),
          requests: library.reduce((sum, [, n]) => sum + n, 0),
          byPath: Object.fromEntries(library),
          pageLoads: Object.fromEntries(pageLoads),
          endState: state,
          errors: errors.slice(0, 10),
        };
      }
    }
  } finally {
    await browser.close();
    await server.stop();
  }
  return figures;
}

export async function run() {
  ensureBuilt();
  const figures = await measureTabs();
  if (!figures.sessionguard) process.exitCode = 1;
  const rows = [['design', ...TAB_COUNTS.map((n) => `${n} tab${n > 1 ? 's' : ''}`), `${TAB_COUNTS.at(-1)} tabs ÷ 1 tab`, 'while opening the tabs', 'requests by path (most tabs)']];
  for (const design of DESIGNS) {
    const f = figures[design.key];
    if (!f) continue;
    const first = f.byTabs[TAB_COUNTS[0]].requests;
    const last = f.byTabs[TAB_COUNTS.at(-1)];
    rows.push([
      f.label,
      ...TAB_COUNTS.map((n) => f.byTabs[n].requests),
      first ? `${(last.requests / first).toFixed(2)}×` : '—',
      TAB_COUNTS.map((n) => f.byTabs[n].openingRequests).join(' / '),
      Object.entries(last.byPath).map(([path, n]) => `${path}: ${n}`).join(', ') || 'none',
    ]);
  }
  printTable(`Requests the library sent over ${MINUTES} simulated minutes (after the tabs were open), user active in every tab (warnAfter ${WARN_AFTER} s, expireAfter ${EXPIRE_AFTER} s)`, rows);

  const sg = figures.sessionguard;
  const per = figures.perTabTimer;
  const most = TAB_COUNTS.at(-1);
  const ratios = {
    sessionguardMostTabsVsOneTab: sg && sg.byTabs[TAB_COUNTS[0]].requests ? sg.byTabs[most].requests / sg.byTabs[TAB_COUNTS[0]].requests : null,
    perTabMostTabsVsOneTab: per.byTabs[TAB_COUNTS[0]].requests ? per.byTabs[most].requests / per.byTabs[TAB_COUNTS[0]].requests : null,
    perTabVsSessionguardAtMostTabs: sg && sg.byTabs[most].requests ? per.byTabs[most].requests / sg.byTabs[most].requests : null,
  };
  // Independent: the most tabs cost at most 10% (or one request) more than one tab; and the
  // client did talk to the server, or the figure would mean nothing.
  const counts = sg ? TAB_COUNTS.map((n) => sg.byTabs[n].requests) : [];
  const target = {
    independentOfTabs: sg ? counts[0] > 0 && Math.max(...counts) <= Math.max(counts[0] * 1.1, counts[0] + 1) : null,
    counts,
  };
  if (sg) console.log(`target: sessionguard's requests independent of the number of tabs (${counts.join(' / ')}): ${target.independentOfTabs ? 'met' : 'MISSED'}`);
  for (const [key, f] of Object.entries(figures)) {
    for (const [tabs, entry] of Object.entries(f.byTabs)) if (entry.errors.length) console.log(`${key}, ${tabs} tabs: ${entry.errors.join('; ')}`);
  }
  writeResults('tabs', { simulatedMinutes: MINUTES, stepSeconds: STEP_SECONDS, warnAfter: WARN_AFTER, expireAfter: EXPIRE_AFTER, figures, ratios, target });
  return { figures, ratios, target };
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
