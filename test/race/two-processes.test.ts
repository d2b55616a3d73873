/**
 * Issue 10, the races across two processes: two demo processes on one Redis
 * (as behind a load balancer), the race's two sides on different processes.
 */
import { request as httpRequest } from 'node:http';
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

const cookieOf = (response: Response) => response.headers.getSetCookie().find((line) => line.startsWith('sessionguard.sid='))?.split(';')[0];

const signIn = (demo: RunningDemo, username: string, password: string) =>
  fetch(`${demo.url}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', Origin: demo.url },
    body: JSON.stringify({ username, password }),
  });

const me = async (demo: RunningDemo, cookie: string) =>
  (await fetch(`${demo.url}/api/me`, { headers: { Cookie: cookie, Accept: 'application/json', 'X-SessionGuard': '1' } })).status;

describe('races across two processes on one Redis', () => {
  it('sign-ins with the old password racing a password change on the other process: none survives', async () => {
    const victimSignIn = await signIn(b, 'alice', 'alice-pass');
    let victim = cookieOf(victimSignIn)!;
    // 50 sign-ins 25 ms apart on A with the old password; the victim changes it on B half-way.
    const attempts: Array<Promise<Response>> = [];
    let change: Promise<Response> | null = null;
    for (let i = 0; i < 50; i += 1) {
      attempts.push(signIn(a, 'alice', 'alice-pass'));
      if (i === 25) {
        change = fetch(`${b.url}/account/password`, {
          method: 'POST',
          redirect: 'manual',
          headers: { Cookie: victim, Origin: b.url, 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ current_password: 'alice-pass', new_password: 'alice-new-pass' }).toString(),
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const changed = await change!;
    expect(changed.status).toBe(303);
    victim = cookieOf(changed) ?? victim;
    const responses = await Promise.all(attempts);
    const signedIn = responses.filter((response) => response.status === 200).map((response) => cookieOf(response)!);
    // Every one of them checked the old password, so none may outlive the change, on either process.
    expect(signedIn.length).toBeGreaterThan(0);
    const alive = (await Promise.all(signedIn.map(async (cookie) => (await me(a, cookie)) === 200 || (await me(b, cookie)) === 200))).filter(Boolean);
    expect(alive).toHaveLength(0);
    expect(await me(a, victim)).toBe(200);
  });

  it("an admin on one process signs a user out while her note's body trickles to the other: nothing is saved", async () => {
    const alice = cookieOf(await signIn(a, 'bob', 'bob-pass'))!;
    const admin = cookieOf(await signIn(b, 'admin', 'admin-pass'))!;
    const text = JSON.stringify({ notes: 'written after the sign-out' });
    const url = new URL('/api/notes', a.url);
    const save = httpRequest({
      host: url.hostname,
      port: url.port,
      method: 'POST',
      path: url.pathname,
      headers: { Cookie: alice, Origin: a.url, 'X-SessionGuard': '1', 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) },
    });
    const answered = new Promise<number>((resolve, reject) => {
      save.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      save.on('error', reject);
    });
    save.flushHeaders();
    save.write(text.slice(0, 5));
    // The headers are in; whether A checked the session before or after the revoke, the note must not be saved.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const revoked = await fetch(`${b.url}/admin/sessions/revoke`, {
      method: 'POST',
      headers: { Cookie: admin, Origin: b.url, 'X-SessionGuard': '1', 'Content-Type': 'application/json' },
      body: JSON.stringify({ userIds: ['bob'] }),
    });
    expect(revoked.status).toBe(200);
    save.end(text.slice(5));
    expect(await answered).toBe(401);
    const again = cookieOf(await signIn(a, 'bob', 'bob-pass'))!;
    const notes = await fetch(`${a.url}/api/notes`, { headers: { Cookie: again, Accept: 'application/json' } });
    expect(await notes.json()).toEqual({ notes: '' });
  });
});
