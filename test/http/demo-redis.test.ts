/**
 * Issue 4, part 3: two demo processes on two ports with REDIS_URL share
 * sessions. A cookie from one works on the other, and a revoke on one takes
 * effect on the other at its next request. Needs the Redis at
 * 127.0.0.1:6379 that `npm test` provisions (scripts/provision.mjs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningDemo } from '../support/demo.js';
import { startDemosOnRedis } from '../support/redis-demos.js';

let a: RunningDemo;
let b: RunningDemo;
let demos: Awaited<ReturnType<typeof startDemosOnRedis>> | undefined;

beforeAll(async () => {
  demos = await startDemosOnRedis();
  ({ a, b } = demos);
});

afterAll(async () => {
  await demos?.stop();
});

async function signIn(demo: RunningDemo, username: string, password: string): Promise<string> {
  const response = await fetch(`${demo.url}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  expect(response.status).toBe(200);
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith('sessionguard.sid='));
  expect(cookie).toMatch(/^sessionguard\.sid=[^;]+;/);
  return cookie!.split(';')[0]!;
}

const me = (demo: RunningDemo, cookie: string) =>
  fetch(`${demo.url}/api/me`, { headers: { Cookie: cookie, Accept: 'application/json', 'X-SessionGuard': '1' } });

describe('two demo processes on one Redis', () => {
  it('accept each other\'s session cookies', async () => {
    const cookie = await signIn(a, 'alice', 'alice-pass');
    const onB = await me(b, cookie);
    expect(onB.status).toBe(200);
    expect(await onB.json()).toEqual({ username: 'alice' });
    expect((await me(a, cookie)).status).toBe(200);
  });

  it('a revoke on one process takes effect on the other at its next request', async () => {
    const phone = await signIn(a, 'bob', 'bob-pass');
    const laptop = await signIn(b, 'bob', 'bob-pass');
    expect((await me(a, phone)).status).toBe(200);

    // From the laptop, on process B: "Sign out other sessions".
    const revoke = await fetch(`${b.url}/session/sessions`, {
      method: 'DELETE',
      headers: { Cookie: laptop, Accept: 'application/json', 'X-SessionGuard': '1', Origin: b.url },
    });
    expect(revoke.status).toBe(200);
    expect(await revoke.json()).toEqual({ revoked: 1 });

    const phoneOnA = await me(a, phone);
    expect(phoneOnA.status).toBe(401);
    expect((await me(a, laptop)).status).toBe(200);
  });

  it('signing out on one process ends the session on the other', async () => {
    const cookie = await signIn(b, 'admin', 'admin-pass');
    expect((await me(a, cookie)).status).toBe(200);
    const out = await fetch(`${a.url}/logout`, { method: 'POST', headers: { Cookie: cookie, Accept: 'application/json' } });
    expect(out.status).toBe(200);
    expect((await me(b, cookie)).status).toBe(401);
  });
});
