/**
 * Issue 4, part 3: two demo processes on two ports with REDIS_URL share
 * sessions. A cookie from one works on the other, and a revoke on one takes
 * effect on the other at its next request. Needs the Redis at
 * 127.0.0.1:6379 that `npm test` provisions (scripts/provision.mjs).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../support/demo.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const SESSION_SECRET = randomBytes(32).toString('base64url');
let a: RunningDemo;
let b: RunningDemo;

beforeAll(async () => {
  // One secret for both, fresh per run: the demo scopes its Redis-stored passwords by it.
  const env = { REDIS_URL, SESSION_SECRET };
  [a, b] = await Promise.all([startDemo({ env }), startDemo({ env })]);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  // Everything this run left in Redis (demo/stores.ts scopes keys by sha256 of the secret, 12 chars).
  const scope = createHash('sha256').update(SESSION_SECRET).digest('base64url').slice(0, 12);
  const client = createClient({ url: REDIS_URL });
  await client.connect();
  const keys = await client.keys(`sessionguard-demo:${scope}:*`);
  if (keys.length > 0) await client.del(keys);
  await client.close();
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
