/**
 * Issue 4, parts 4 and 5: Redis stopped and started under a running demo.
 * The demo runs with REDIS_URL pointing at a redis-server this test starts on
 * a free loopback port with an append-only file (so a crash loses nothing).
 * While Redis is down, every request that needs the session fails closed with
 * 503 `{"error":"session_store_unavailable"}` (the API, the ping the SDK
 * retries, and pages alike) and the process stays up; once Redis is back on
 * the same port the process reconnects by itself, every session that was live
 * before works again, and a session revoked before the outage stays revoked.
 * Uses the built demo (`node scripts/build.mjs`, which `npm test` runs).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../support/demo.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

/** A single request may take this long before it counts as a hang (the machine is loaded). */
const REQUEST_TIMEOUT = 10_000;
/** How long the demo may take to serve again once Redis is back. */
const RECOVERY_TIMEOUT = 15_000;

let redis: RedisServer | undefined;
let demo: RunningDemo | undefined;

beforeAll(async () => {
  redis = await startRedisServer({ appendonly: true });
  // A fresh secret: the demo scopes its keys (sessions, registry, passwords) by it.
  demo = await startDemo({ env: { REDIS_URL: redis.url, SESSION_SECRET: randomBytes(32).toString('base64url') } });
});

afterAll(async () => {
  await demo?.stop();
  await redis?.stop();
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function running(): { demo: RunningDemo; redis: RedisServer } {
  if (!demo || !redis) throw new Error('beforeAll did not start the demo and Redis');
  return { demo, redis };
}

/** A request to the demo that must answer within REQUEST_TIMEOUT (a hang fails the test). */
function request(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${running().demo.url}${path}`, { redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT), ...init });
}

async function signIn(username: string, password: string): Promise<string> {
  const response = await request('/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ username });
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith('sessionguard.sid='));
  expect(cookie, 'POST /login sets the session cookie').toMatch(/^sessionguard\.sid=[^;]+;/);
  return cookie!.split(';')[0]!;
}

const me = (cookie: string) =>
  request('/api/me', { headers: { Cookie: cookie, Accept: 'application/json', 'X-SessionGuard': '1' } });

const ping = (cookie: string) =>
  request('/session/ping', {
    method: 'POST',
    headers: {
      Cookie: cookie,
      Accept: 'application/json',
      'Content-Type': 'application/json',
      'X-SessionGuard': '1',
      Origin: running().demo.url,
    },
    body: JSON.stringify({ idleFor: 0 }),
  });

const page = (cookie: string) => request('/', { headers: { Cookie: cookie, Accept: 'text/html' } });

/** A response's status and body text, for assertions whose failure message shows both. */
async function described(response: Response): Promise<{ status: number; body: string }> {
  return { status: response.status, body: await response.text() };
}

/** The demo process is still up and serving what does not need the session. */
async function expectDemoAlive(): Promise<void> {
  const { demo } = running();
  expect(demo.exitCode(), `the demo exited:\n${demo.output()}`).toBeNull();
  const health = await request('/healthz');
  expect(health.status).toBe(200);
}

/** Polls (bounded) until `check` resolves true; false when it never did within `timeout`. */
async function until(check: () => Promise<boolean>, timeout: number): Promise<boolean> {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      if (await check()) return true;
    } catch {
      // A connection error while the demo reconnects counts as "not yet".
    }
    if (Date.now() > deadline) return false;
    await sleep(200);
  }
}

describe('the demo on Redis, with Redis stopped and started under it', () => {
  let alice = '';
  let bob = '';
  let revokedBefore = '';
  let signedOutBefore = '';

  it('serves signed-in users while Redis is up, and a revoke or sign-out takes effect', async () => {
    alice = await signIn('alice', 'alice-pass');
    bob = await signIn('bob', 'bob-pass');
    revokedBefore = await signIn('alice', 'alice-pass');
    signedOutBefore = await signIn('admin', 'admin-pass');
    for (const cookie of [alice, bob, revokedBefore, signedOutBefore]) expect((await me(cookie)).status).toBe(200);

    // From alice's first session: "Sign out other sessions" ends her second one.
    const revoke = await request('/session/sessions', {
      method: 'DELETE',
      headers: { Cookie: alice, Accept: 'application/json', 'X-SessionGuard': '1', Origin: running().demo.url },
    });
    expect(revoke.status).toBe(200);
    expect(await revoke.json()).toEqual({ revoked: 1 });
    const out = await request('/logout', { method: 'POST', headers: { Cookie: signedOutBefore, Accept: 'application/json', Origin: running().demo.url } });
    expect(out.status).toBe(200);

    expect((await me(revokedBefore)).status).toBe(401);
    expect((await me(signedOutBefore)).status).toBe(401);
    expect((await me(alice)).status).toBe(200);
    expect((await me(bob)).status).toBe(200);
    expect((await ping(alice)).status).toBe(200);
  });

  it('fails closed with 503 session_store_unavailable while Redis is down, and the process stays up', async () => {
    expect(alice && bob, 'the previous test signed the users in').toBeTruthy();
    // A crash: the append-only file (fsync on every write) keeps everything for the restart.
    await running().redis.stop({ signal: 'SIGKILL', keepData: true });

    const seen: Record<string, string> = {};
    for (let round = 1; round <= 2; round += 1) {
      // Every answer must come (a hang throws), must never be the signed-in 200, and must not be
      // 401 or a redirect to the login page (that would sign a live user out over a store outage).
      const answers = {
        'GET /api/me (alice)': await described(await me(alice)),
        'GET /api/me (bob)': await described(await me(bob)),
        // The ping: 503 so the SDK retries with backoff instead of signing the user out.
        'POST /session/ping': await described(await ping(alice)),
        // A page: never the signed-in work page.
        'GET / (page)': await described(await page(bob)),
        // Signing in needs the store too.
        'POST /login': await described(
          await request('/login', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Accept: 'application/json', Origin: running().demo.url },
            body: JSON.stringify({ username: 'bob', password: 'bob-pass' }),
          }),
        ),
      };
      const revoked = await me(revokedBefore);
      expect(revoked.status, 'a session revoked before the outage gets no 200').not.toBe(200);

      for (const [what, { status, body }] of Object.entries(answers)) {
        const shown = `${what} (round ${round}) answered ${status}: ${body.slice(0, 200)}`;
        expect(status, shown).not.toBe(200);
        expect([401, 303], shown).not.toContain(status);
        if (what === 'GET / (page)') {
          expect(body, shown).not.toContain('id="notes"');
          seen[`${what}, round ${round}`] = String(status);
        } else {
          seen[`${what}, round ${round}`] = `${status} ${body.startsWith('{') ? (JSON.parse(body) as { error?: string }).error : body.slice(0, 40)}`;
        }
      }
      await expectDemoAlive();
      // Still failing closed a while later, while the demo keeps trying to reconnect.
      if (round === 1) await sleep(1500);
    }
    // A clear log line says why.
    expect(running().demo.output()).toMatch(/redis: .*503|session registry unavailable/i);

    // The contract: 503 {"error":"session_store_unavailable"}, whatever layer answers (express-session
    // reading its store, or the guard asking the registry).
    const unavailable = '503 session_store_unavailable';
    expect(seen, 'every request that needs the session answers 503 session_store_unavailable').toEqual(
      Object.fromEntries(
        [1, 2].flatMap((round) => [
          [`GET /api/me (alice), round ${round}`, unavailable],
          [`GET /api/me (bob), round ${round}`, unavailable],
          [`POST /session/ping, round ${round}`, unavailable],
          [`GET / (page), round ${round}`, '503'],
          [`POST /login, round ${round}`, unavailable],
        ]),
      ),
    );
  });

  it('serves again once Redis is back, with every session that was live before, and the revoked one stays revoked', async () => {
    expect(alice && bob, 'the first test signed the users in').toBeTruthy();
    const { redis } = running();
    await redis.restart(); // same port, same append-only file

    const statuses = async () => [(await me(alice)).status, (await me(bob)).status];
    const recovered = await until(async () => (await statuses()).every((status) => status === 200), RECOVERY_TIMEOUT);
    expect(recovered ? [200, 200] : await statuses(), `recovery within ${RECOVERY_TIMEOUT} ms; demo log:\n${running().demo.output().slice(-3000)}`).toEqual([200, 200]);

    expect(await (await me(alice)).json()).toEqual({ username: 'alice' });
    expect(await (await me(bob)).json()).toEqual({ username: 'bob' });
    expect((await ping(bob)).status).toBe(200);
    const work = await page(alice);
    expect(work.status).toBe(200);
    expect(await work.text()).toContain('id="notes"');

    // Revoked and signed-out sessions before the outage stay ended after it.
    const revoked = await me(revokedBefore);
    expect(revoked.status).toBe(401);
    expect((await revoked.json()).error).toMatch(/^session_(revoked|expired)$|^unauthenticated$/);
    expect((await me(signedOutBefore)).status).toBe(401);

    await expectDemoAlive();
  });
});
