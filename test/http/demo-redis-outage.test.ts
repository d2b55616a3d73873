/**
 * Issue 4, part 4, at the demo: when its Redis stops answering, requests that
 * need the session fail closed with 503 `session_store_unavailable` (never
 * 200, never a crash or a hang), and the same session works again once Redis
 * is back. The test runs its own redis-server on a free loopback port and
 * freezes it with SIGSTOP (a Redis that neither answers nor closes the
 * connection: the worst case), then thaws it with SIGCONT.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startDemo, type RunningDemo } from '../support/demo.js';

let redis: ChildProcess;
let demo: RunningDemo;

/** The demo's shortest store timeout: its Redis registry's `commandTimeout` (the session store's is 2000 ms). */
const SHORTEST_STORE_TIMEOUT = 1000;
/** The 503 must come within this: four times the session store's 2000 ms timeout, generous for a loaded machine. */
const FAILS_WITHIN = 8000;

beforeAll(async () => {
  const port = await freePort();
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  redis.once('error', (error) => {
    throw new Error(`redis-server could not start (Debian package "redis-server"): ${error.message}`);
  });
  // redis-server takes a moment to listen; the demo's client connects when it is ready.
  for (let attempt = 0; attempt < 50; attempt += 1) {
    try {
      demo = await startDemo({ env: { REDIS_URL: `redis://127.0.0.1:${port}`, SESSION_SECRET: 'outage-test-secret-that-is-long-enough-0123456789' }, timeoutMs: 5000 });
      break;
    } catch (error) {
      if (attempt === 49) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
});

afterAll(async () => {
  redis?.kill('SIGCONT');
  await demo?.stop();
  redis?.kill('SIGTERM');
});

// A hang is cut off well after FAILS_WITHIN, so it fails the test rather than passing late.
const me = (cookie: string) =>
  fetch(`${demo.url}/api/me`, { headers: { Cookie: cookie, Accept: 'application/json' }, signal: AbortSignal.timeout(3 * FAILS_WITHIN) });

describe('the demo when its Redis stops answering', () => {
  it('answers 503 session_store_unavailable quickly, keeps running, and serves the same session when Redis is back', async () => {
    const login = await fetch(`${demo.url}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'alice-pass' }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.getSetCookie().find((line) => line.startsWith('sessionguard.sid='))!.split(';')[0]!;
    expect((await me(cookie)).status).toBe(200);

    redis.kill('SIGSTOP');
    try {
      const started = Date.now();
      const down = await me(cookie);
      const took = Date.now() - started;
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({ error: 'session_store_unavailable' });
      // A frozen Redis never answers and never closes: only a store timeout can end the request.
      expect(took).toBeGreaterThanOrEqual(SHORTEST_STORE_TIMEOUT - 50);
      expect(took).toBeLessThan(FAILS_WITHIN);
      expect((await fetch(`${demo.url}/healthz`)).status).toBe(200);
    } finally {
      redis.kill('SIGCONT');
    }

    // Back: the session that was live before the outage still is.
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt += 1) {
      status = (await me(cookie)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(status).toBe(200);
    expect(demo.output()).not.toMatch(/Unhandled|uncaught/i);
  });
});
