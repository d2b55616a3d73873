// Benchmark 7, push (issue 13): how soon a revocation reaches an open page,
// what an open stream costs the server, and what push saves in requests.
//
// - Latency: STREAMS sessions (one per user), each with its push stream open
//   (plain HTTP SSE clients in this process, one socket each); then, one at a
//   time, an admin's force-logout of one user (POST /bench/revoke, i.e.
//   guard.revokeUser) and the time until that user's stream delivers its
//   `ended` event, measured from just before the revoke request is sent.
//   Each revoked user signs in again and reopens a stream, so STREAMS stay
//   open. (a) one process, memory registry; (b) two processes on Redis
//   (registry, connect-redis, Redis end channel): the revoke on one, the
//   streams on the other.
// - Memory: MEMORY_STREAMS sessions, then a stream for each, on one process
//   (memory registry): heap and RSS after two full GCs, before and after the
//   streams; then after the clients dropped them, and after every session
//   was revoked with its stream open (nothing of a revoked session's stream
//   may stay).
// - Revocation to the signed-out dialog in Chromium: with the STREAMS above
//   still open, BROWSER_REVOKES times a real page (the script tag, idle, in a
//   background tab: another tab in front) of a user signed in for it, its
//   leader stream open; the time from just before the revoke request until
//   the page's dialog is in its DOM (a MutationObserver notes Date.now()).
// - Requests per browser per hour, computed from the client's ping schedule
//   (pingIntervalMs of packages/client/src/session-view.ts, bundled from the
//   sources) for each timing preset; and counted: the client's own session
//   machine (packages/client/src/machine.ts, bundled from the sources) run
//   for an hour on a simulated clock against a model server, with and
//   without push (its stream requests: each time the machine wants the
//   stream, plus one an hour for a proxy that recycles long connections).
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  at,
  launchChromium,
  deleteByPrefix,
  deleteStaleRuns,
  ensureBuilt,
  importPackage,
  importSourceEntry,
  median,
  percentile,
  printTable,
  redisClient,
  round,
  smoke,
  startChild,
  writeResults,
} from './lib.mjs';

const STREAMS = Number(process.env.BENCH_PUSH_STREAMS ?? (smoke ? 20 : 1000));
const REVOKES = Number(process.env.BENCH_PUSH_REVOKES ?? (smoke ? 10 : 200));
const MEMORY_STREAMS = Number(process.env.BENCH_PUSH_MEMORY_STREAMS ?? (smoke ? 100 : 10_000));
const BROWSER_REVOKES = Number(process.env.BENCH_PUSH_BROWSER_REVOKES ?? (smoke ? 3 : 40));
const NAMESPACE = 'sgbench:push:';
const PREFIX = `${NAMESPACE}${process.pid}:`;
const SERVER = at('bench', 'servers', 'push-app.mjs');

ensureBuilt();

/** Runs `fn` over `items`, at most `limit` at a time. */
async function pool(items, limit, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++];
        await fn(item);
      }
    }),
  );
}

async function login(base, username) {
  const response = await fetch(`${base}/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username }) });
  if (!response.ok) throw new Error(`login ${username}: ${response.status}`);
  return response.headers.getSetCookie()[0].split(';')[0];
}

async function revoke(base, userId) {
  const response = await fetch(`${base}/bench/revoke`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ userId }) });
  if (!response.ok) throw new Error(`revoke ${userId}: ${response.status}`);
  return response.json();
}

async function memory(base) {
  return (await fetch(`${base}/bench/memory`)).json();
}

/**
 * Opens a push stream as a browser's leader tab would (plain HTTP, its own
 * socket); resolves once the `session` event arrived. `ended` resolves with
 * the instant (performance.now()) the `ended` event arrived.
 */
function openStream(base, cookie, path = '/session/events') {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { headers: { Accept: 'text/event-stream', Cookie: cookie }, agent: false });
    req.once('error', reject);
    req.once('response', (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`stream: ${res.statusCode}`));
        res.resume();
        return;
      }
      let tail = '';
      let opened = false;
      let endedAt;
      const ended = new Promise((done) => (endedAt = done));
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        const text = tail + chunk;
        if (!opened && text.includes('event: session\n')) {
          opened = true;
          resolve({ ended, close: () => req.destroy() });
        }
        if (text.includes('event: ended\n')) endedAt(performance.now());
        tail = text.slice(-32);
      });
      res.once('error', () => {});
      res.once('close', () => endedAt(null));
    });
    req.end();
  });
}

async function until(check, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Opens STREAMS streams on `streamsAt` of users signed in on `revokeAt`, then times REVOKES revocations. */
async function latency(label, revokeAt, streamsAt, browser = null) {
  const users = Array.from({ length: STREAMS }, (_, i) => `${label}-u${i}`);
  const open = new Map();
  const started = performance.now();
  await pool(users, 50, async (user) => {
    open.set(user, await openStream(streamsAt, await login(revokeAt, user)));
  });
  const openMs = performance.now() - started;
  const held = (await memory(streamsAt)).streams;
  const samples = [];
  const roundTrips = [];
  for (let i = 0; i < REVOKES; i += 1) {
    const user = users[i % users.length];
    const stream = open.get(user);
    const t0 = performance.now();
    const answered = revoke(revokeAt, user).then(() => performance.now() - t0);
    const endedAt = await stream.ended;
    if (endedAt === null) throw new Error(`${user}: the stream closed without an ended event`);
    samples.push(endedAt - t0);
    roundTrips.push(await answered);
    // Back to STREAMS open: the user signs in again and reopens.
    open.set(user, await openStream(streamsAt, await login(revokeAt, user)));
  }
  const inBrowser = browser ? await dialogLatency(browser, label, revokeAt, streamsAt) : null;
  for (const stream of open.values()) stream.close();
  return {
    browser: inBrowser,
    streams: held,
    revokes: REVOKES,
    openMs: round(openMs, 0),
    p50Ms: round(percentile(samples, 50), 2),
    p99Ms: round(percentile(samples, 99), 2),
    maxMs: round(Math.max(...samples), 2),
    medianRevokeRoundTripMs: round(median(roundTrips), 2),
  };
}

/**
 * BROWSER_REVOKES times: a fresh browser context (a device), signed in as a
 * user of its own; its page of `streamsAt` idle in a background tab (another
 * tab in front) with its stream open; an admin's revoke sent to `revokeAt`;
 * the time until the page's signed-out dialog is in the DOM.
 */
async function dialogLatency(browser, label, revokeAt, streamsAt) {
  const samples = { leader: [], other: [] };
  const seen = new Set();
  let streams = 0;
  for (let i = 0; i < BROWSER_REVOKES; i += 1) {
    const user = `${label}-browser-u${i}`;
    const context = await browser.newContext({ baseURL: streamsAt });
    context.on('request', (request) => void (request.url().endsWith('/session/events') && streams++));
    try {
      await context.request.post(`${streamsAt}/login`, { data: { username: user } });
      const page = await context.newPage();
      const streamOpen = page.waitForResponse((response) => response.url().endsWith('/session/events') && response.status() === 200, { timeout: 15_000 });
      await page.goto(`/bench/page?user=${user}`);
      await streamOpen;
      // A second tab of the same session in front: the first (the leader, holding the stream) is in the background.
      const front = await context.newPage();
      await front.goto(`/bench/page?user=${user}`);
      await front.waitForFunction(() => window.SessionGuard?.current?.state.warnAt != null, null, { timeout: 10_000 });
      await front.bringToFront();
      seen.add(await page.evaluate(() => document.visibilityState));
      const t0 = Date.now();
      await revoke(revokeAt, user);
      for (const [tab, at] of [['leader', page], ['other', front]]) {
        const handle = await at.waitForFunction(() => window.__dialogAt, null, { timeout: 10_000, polling: 20 });
        samples[tab].push((await handle.jsonValue()) - t0);
      }
    } finally {
      await context.close();
    }
  }
  const figures = (values) => ({ p50Ms: round(percentile(values, 50), 0), p99Ms: round(percentile(values, 99), 0), maxMs: round(Math.max(...values), 0) });
  return {
    samples: BROWSER_REVOKES,
    // Headless Chromium reports every page visible (it has no tab visibility); the path from the stream to the dialog uses no timer.
    visibility: [...seen].join(', '),
    streamRequestsPerDevice: round(streams / BROWSER_REVOKES, 2),
    ...figures(samples.leader),
    otherTab: figures(samples.other),
  };
}

/**
 * One browser's hour, counted: the client's session machine, one leader tab,
 * on a simulated clock against a model server (the guard's policy), every
 * ping answered at once. `activeEvery`: seconds between the user's activity
 * (null: idle the whole hour; the session then ends at its idle timeout).
 * `push`: counts the stream requests too (each time the machine starts
 * wanting the stream, and one an hour for a proxy recycling it). With
 * `revokeAt` (seconds) the server ends the session then: `seenAfter` is
 * when the tab showed it (push: at once, plus the measured delivery).
 */
function simulateHour(machine, policy, { activeEvery, push, revokeAt = null }) {
  const START = 1_767_261_600_000;
  let now = START;
  let serverLast = now;
  let ended = null;
  let pings = 0;
  let streams = 0;
  let seenAfter = null;
  let state = machine.initialState({ username: 'alice', loginPageUrl: null, warnAfter: null, expireAfter: null }, now, true);
  let wanted = false;
  const step = (event) => {
    const result = machine.transition(state, event, now);
    state = result.state;
    if (push && machine.wantsStream(state) && !wanted) streams++;
    wanted = machine.wantsStream(state);
    if (seenAfter === null && revokeAt !== null && state.status === 'revoked') seenAfter = (now - START) / 1000 - revokeAt;
    for (const effect of result.effects) {
      if (effect.type !== 'ping') continue;
      pings++;
      if (!ended && now - serverLast >= policy.expireAfter * 1000) ended = 'expired';
      let answer = ended;
      if (!ended) {
        serverLast = Math.min(now, Math.max(serverLast, now - effect.idleFor * 1000));
        answer = { idleFor: Math.floor((now - serverLast) / 1000), warnAfter: policy.warnAfter, expireAfter: policy.expireAfter, absoluteRemaining: null, session: 's1', user: 'u1' };
      }
      step({ type: 'answer', result: answer, sentAt: effect.sentAt });
    }
  };
  step({ type: 'start' });
  const end = START + 3_600_000;
  let nextActivity = activeEvery === null ? Infinity : now + activeEvery * 1000;
  let revokeDue = revokeAt === null ? Infinity : START + revokeAt * 1000;
  for (let guard = 0; guard < 100_000; guard++) {
    const timers = Object.entries(state.timers).filter(([, due]) => due <= end);
    const [name, due] = timers.reduce((first, entry) => (!first || entry[1] < first[1] ? entry : first), null) ?? [null, Infinity];
    const next = Math.min(due, nextActivity, revokeDue);
    if (next > end) break;
    now = Math.max(now, next);
    if (next === revokeDue) {
      revokeDue = Infinity;
      ended = 'revoked';
      // Push: the stream's `ended` event, if the tab holds one.
      if (push && wanted) step({ type: 'pushed', end: 'revoked', session: 's1' });
    } else if (next === nextActivity) {
      nextActivity += activeEvery * 1000;
      if (state.status === 'active' || state.status === 'warning') step({ type: 'activity', at: now });
    } else step({ type: 'timer', name });
  }
  // A proxy or load balancer recycling the stream hourly: one more request while it is wanted.
  if (push && wanted) streams++;
  return { pings, streams, requests: pings + streams, seenAfter };
}

async function countedRequestsPerHour(deliveryMs) {
  const machine = await importSourceEntry(at('packages/client/src/machine.ts'), 'machine');
  const { TIMING_PRESETS } = await importPackage('@sessionguard/core');
  const rows = {};
  for (const [name, policy] of Object.entries(TIMING_PRESETS)) {
    const row = {};
    for (const [mode, activeEvery] of [['active', 1], ['idle', null]]) {
      const pingOnly = simulateHour(machine, policy, { activeEvery, push: false });
      const push = simulateHour(machine, policy, { activeEvery, push: true });
      // A revocation at a random moment of the first 50 minutes (the idle aal3/pci sessions end at 15 min: within those).
      const horizon = activeEvery === null ? Math.min(policy.warnAfter, 3000) : 3000;
      const seen = (withPush) =>
        Array.from({ length: 40 }, (_, index) => simulateHour(machine, policy, { activeEvery, push: withPush, revokeAt: Math.round(((index + 0.5) / 40) * horizon) }).seenAfter);
      const waits = seen(false).filter((value) => value !== null);
      row[mode] = {
        pingOnly: pingOnly.requests,
        push: push.requests,
        pushStreams: push.streams,
        pingsUnchanged: push.pings === pingOnly.pings,
        pingOnlySeenMedianSeconds: round(median(waits), 0),
        pingOnlySeenMaxSeconds: round(Math.max(...waits), 0),
        pushSeenMaxSeconds: round(Math.max(...seen(true).map((value) => value ?? Infinity)) + deliveryMs / 1000, 3),
      };
    }
    rows[name] = row;
  }
  return rows;
}

async function memoryCost(base) {
  const users = Array.from({ length: MEMORY_STREAMS }, (_, i) => `mem-u${i}`);
  const before = await memory(base);
  const cookies = new Map();
  await pool(users, 50, async (user) => cookies.set(user, await login(base, user)));
  const withSessions = await memory(base);
  let streams = new Map();
  const open = async () => {
    streams = new Map();
    await pool(users, 100, async (user) => streams.set(user, await openStream(base, cookies.get(user))));
  };
  await open();
  const withStreams = await memory(base);
  // The clients go away (tabs closed): every stream must be released.
  for (const stream of streams.values()) stream.close();
  await until(async () => (await memory(base)).streams === 0, 'the streams to be released');
  const afterClose = await memory(base);
  // Every session revoked while its stream is open: the streams end, and nothing of them stays.
  await open();
  await pool(users, 20, (user) => revoke(base, user));
  await Promise.all([...streams.values()].map((stream) => stream.ended));
  await until(async () => (await memory(base)).streams === 0, 'the revoked streams to close');
  const afterRevoke = await memory(base);
  // The floor: the same number of held plain event-stream responses behind Express and express-session alone.
  const floor = [];
  await pool(users, 100, async (user) => floor.push(await openStream(base, cookies.get(user), '/bench/floor/events')));
  const withFloor = await memory(base);
  for (const stream of floor) stream.close();
  await until(async () => (await memory(base)).floorHeld === 0, 'the floor streams to close');
  const afterFloor = await memory(base);
  const per = (a, b, field) => Math.round((a[field] - b[field]) / MEMORY_STREAMS);
  return {
    streams: withStreams.streams,
    timersArmed: withStreams.timers,
    gcExposed: withStreams.gc,
    heapUsed: { before: before.heapUsed, withSessions: withSessions.heapUsed, withStreams: withStreams.heapUsed, afterClose: afterClose.heapUsed, afterRevoke: afterRevoke.heapUsed },
    rss: { before: before.rss, withSessions: withSessions.rss, withStreams: withStreams.rss, afterClose: afterClose.rss, afterRevoke: afterRevoke.rss },
    perStream: {
      heapBytes: per(withStreams, withSessions, 'heapUsed'),
      rssBytes: per(withStreams, withSessions, 'rss'),
      externalBytes: per(withStreams, withSessions, 'external'),
    },
    floorPerStream: { heapBytes: per(withFloor, afterFloor, 'heapUsed'), rssBytes: per(withFloor, afterFloor, 'rss') },
    leftAfterClosePerStream: per(afterClose, withSessions, 'heapUsed'),
    leftAfterRevokePerStream: per(afterRevoke, withSessions, 'heapUsed'),
    timersAfterRevoke: afterRevoke.timers,
  };
}

async function requestsPerHour(latencyP99Ms) {
  // The client's own schedule; should the client move it, the rule as documented there (half the warning delay, 5 to 60 s).
  let pingIntervalMs = (warnAfter) => Math.min(60, Math.max(5, warnAfter / 2)) * 1000;
  let scheduleFrom = 'the rule of session-view.ts, copied';
  try {
    const client = await importSourceEntry(at('packages/client/src/session-view.ts'), 'session-view');
    if (typeof client.pingIntervalMs === 'function') {
      pingIntervalMs = client.pingIntervalMs;
      scheduleFrom = 'packages/client/src/session-view.ts pingIntervalMs';
    }
  } catch {}
  const { TIMING_PRESETS } = await importPackage('@sessionguard/core');
  const heartbeat = 25;
  const rows = {};
  for (const [name, policy] of Object.entries(TIMING_PRESETS)) {
    const interval = pingIntervalMs(policy.warnAfter) / 1000;
    const activePings = 3600 / interval;
    rows[name] = {
      warnAfter: policy.warnAfter,
      pingIntervalSeconds: interval,
      // Ping-only: the leader pings only after activity, at most every interval; an idle page pings before its warning.
      pingOnly: { active: activePings, idle: 3600 / policy.warnAfter, revocationSeenActiveSeconds: interval, revocationSeenIdleSeconds: policy.warnAfter },
      // Polling at the push stream's p99 to learn of revocations as soon: one request per that many milliseconds.
      pollingAsFastAsPush: latencyP99Ms ? Math.round(3_600_000 / Math.max(latencyP99Ms, 1000)) : null,
      // Push: the same activity pings, plus one stream request per hour (a proxy or load balancer recycling it hourly).
      push: { active: activePings + 1, idle: 3600 / policy.warnAfter + 1, heartbeatsPerHour: 3600 / heartbeat, heartbeatBytesPerHour: (3600 / heartbeat) * 3 },
    };
  }
  return { scheduleFrom, byPreset: rows };
}

const children = [];
let browser = null;
const redis = await redisClient();
try {
  // Only what crashed runs left: a smoke run of this bench (npm test) may be running beside us.
  await deleteStaleRuns(redis, NAMESPACE);
  const memoryServer = await startChild(SERVER, [], { MODE: 'memory', NODE_OPTIONS: '--expose-gc' });
  children.push(memoryServer);
  const base = `http://127.0.0.1:${memoryServer.port}`;
  browser = BROWSER_REVOKES > 0 ? await launchChromium() : null;
  const oneProcess = await latency('one', base, base, browser);
  const cost = await memoryCost(base);
  await memoryServer.stop();

  const redisA = await startChild(SERVER, [], { MODE: 'redis', PREFIX });
  const redisB = await startChild(SERVER, [], { MODE: 'redis', PREFIX });
  children.push(redisA, redisB);
  const twoProcesses = await latency('two', `http://127.0.0.1:${redisA.port}`, `http://127.0.0.1:${redisB.port}`, browser);
  await browser?.close();
  browser = null;
  await redisA.stop();
  await redisB.stop();
  const requests = await requestsPerHour(twoProcesses.p99Ms);
  const counted = await countedRequestsPerHour(twoProcesses.browser?.p99Ms ?? twoProcesses.p99Ms);

  printTable(`Revocation to the open page's stream (${STREAMS} streams open, ${REVOKES} revocations one at a time)`, [
    ['setup', 'streams held', 'p50', 'p99', 'max', 'revoke request round trip (median)', `open ${STREAMS} sign-ins + streams`],
    ['one process, memory registry', oneProcess.streams, `${oneProcess.p50Ms} ms`, `${oneProcess.p99Ms} ms`, `${oneProcess.maxMs} ms`, `${oneProcess.medianRevokeRoundTripMs} ms`, `${oneProcess.openMs} ms`],
    ['two processes on Redis (revoke on A, streams on B)', twoProcesses.streams, `${twoProcesses.p50Ms} ms`, `${twoProcesses.p99Ms} ms`, `${twoProcesses.maxMs} ms`, `${twoProcesses.medianRevokeRoundTripMs} ms`, `${twoProcesses.openMs} ms`],
  ]);
  if (oneProcess.browser) {
    printTable(
      `Revocation to the signed-out dialog in Chromium (${BROWSER_REVOKES} revocations; each time a device with two tabs of the page, idle: the leader holding the stream behind, the other in front; ${STREAMS} other streams open)`,
      [
        ['setup', 'leader tab (background): p50', 'p99', 'max', 'other tab (tab channel): p50', 'p99', 'max', 'stream requests per device', 'visibilityState reported'],
        ...[['one process, memory registry', oneProcess.browser], ['two processes on Redis (revoke on A, page on B)', twoProcesses.browser]].map(([name, row]) => [
          name,
          `${row.p50Ms} ms`,
          `${row.p99Ms} ms`,
          `${row.maxMs} ms`,
          `${row.otherTab.p50Ms} ms`,
          `${row.otherTab.p99Ms} ms`,
          `${row.otherTab.maxMs} ms`,
          row.streamRequestsPerDevice,
          row.visibility,
        ]),
      ],
    );
  }
  const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
  printTable(`Memory of open streams on one process (${MEMORY_STREAMS} sessions, one stream each; after two full GCs: ${cost.gcExposed})`, [
    ['state', 'heap used', 'RSS', 'streams'],
    ['no sessions', mb(cost.heapUsed.before), mb(cost.rss.before), 0],
    [`${MEMORY_STREAMS} sessions, no stream`, mb(cost.heapUsed.withSessions), mb(cost.rss.withSessions), 0],
    [`${MEMORY_STREAMS} sessions, ${MEMORY_STREAMS} streams`, mb(cost.heapUsed.withStreams), mb(cost.rss.withStreams), cost.streams],
    ['the clients dropped their streams', mb(cost.heapUsed.afterClose), mb(cost.rss.afterClose), 0],
    ['every session revoked with its stream open', mb(cost.heapUsed.afterRevoke), mb(cost.rss.afterRevoke), 0],
  ]);
  printTable('Per open stream', [
    ['figure', 'bytes', 'target'],
    ['heap', cost.perStream.heapBytes, '< 10,000'],
    ['RSS', cost.perStream.rssBytes, '< 10,000'],
    ['heap of a held plain event-stream response behind Express + express-session (no sessionguard)', cost.floorPerStream.heapBytes, ''],
    ['RSS of the same', cost.floorPerStream.rssBytes, ''],
    ['heap left per stream after the clients dropped them', cost.leftAfterClosePerStream, '≈ 0'],
    ['heap left per stream after revoking every session', cost.leftAfterRevokePerStream, '≤ 0 (records gone, store tombstones stay)'],
  ]);
  printTable(`Requests per browser per hour (one leader tab; ping schedule from ${requests.scheduleFrom})`, [
    ['preset', 'ping interval', 'ping-only, active', 'ping-only, idle', 'revocation seen (ping-only: active / idle)', 'polling as fast as push', 'push, active', 'push, idle', 'revocation seen (push, p99)'],
    ...Object.entries(requests.byPreset).map(([name, row]) => [
      name,
      `${row.pingIntervalSeconds} s`,
      round(row.pingOnly.active, 1),
      round(row.pingOnly.idle, 2),
      `≤ ${row.pingOnly.revocationSeenActiveSeconds} s / ≤ ${row.pingOnly.revocationSeenIdleSeconds} s`,
      row.pollingAsFastAsPush,
      round(row.push.active, 1),
      round(row.push.idle, 2),
      `${twoProcesses.p99Ms} ms`,
    ]),
  ]);
  printTable("Requests per browser per hour, counted: the client's machine on a simulated clock (one leader tab, answers at once; active: activity every second; idle: none, until the idle timeout)", [
    ['preset', 'user', 'ping-only requests', 'push requests (of them streams)', 'pings the same', 'ping-only learns of a revocation (median / max of 40)', 'push learns of it (max, with the measured delivery)'],
    ...Object.entries(counted).flatMap(([name, row]) =>
      ['active', 'idle'].map((mode) => [
        name,
        mode,
        row[mode].pingOnly,
        `${row[mode].push} (${row[mode].pushStreams})`,
        row[mode].pingsUnchanged ? 'yes' : 'NO',
        `${row[mode].pingOnlySeenMedianSeconds} s / ${row[mode].pingOnlySeenMaxSeconds} s`,
        `${row[mode].pushSeenMaxSeconds} s`,
      ]),
    ),
  ]);
  writeResults('push', { figures: { latency: { oneProcess, twoProcessesRedis: twoProcesses }, memory: cost, requestsPerHour: { ...requests, counted } } });
} finally {
  await browser?.close();
  for (const child of children) await child.stop();
  await deleteByPrefix(redis, PREFIX);
  await redis.close();
}
