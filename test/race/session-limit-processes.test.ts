/**
 * Issue 15 across two processes: two demo processes on one Redis (as behind
 * a load balancer) with `MAX_SESSIONS`. The limit holds whichever process
 * the sign-ins reach, and the `ask` token is single use across processes.
 * 20 sign-ins, 10 per process: the demo lets 10 sign-ins of one username and
 * client be checked at once per process (its failure limit counts each
 * attempt until it succeeds). 30 at once are in test/race/session-limits.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningDemo } from '../support/demo.js';
import { startDemosOnRedis } from '../support/redis-demos.js';

let demos: Awaited<ReturnType<typeof startDemosOnRedis>> | undefined;
afterEach(async () => {
  await demos?.stop();
  demos = undefined;
});

const cookieOf = (response: Response) => response.headers.getSetCookie().find((line) => line.startsWith('sessionguard.sid='))?.split(';')[0];

const signIn = (demo: RunningDemo, username: string) =>
  fetch(`${demo.url}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', Origin: demo.url },
    body: JSON.stringify({ username, password: `${username}-pass` }),
  });

const me = async (demo: RunningDemo, cookie: string | undefined) =>
  (await fetch(`${demo.url}/api/me`, { headers: { ...(cookie ? { Cookie: cookie } : {}), Accept: 'application/json', 'X-SessionGuard': '1' } })).status;

describe('session limits across two processes on one Redis', () => {
  it('20 concurrent sign-ins of one user spread over both processes leave exactly MAX_SESSIONS live sessions (evict-oldest)', async () => {
    demos = await startDemosOnRedis({ MAX_SESSIONS: '3' });
    const { a, b } = demos;
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => signIn(i % 2 === 0 ? a : b, 'alice')));
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
    const cookies = answers.map(cookieOf);
    const live = (await Promise.all(cookies.map((cookie, i) => me(i % 2 === 0 ? b : a, cookie)))).filter((status) => status === 200);
    expect(live).toHaveLength(3);
  });

  it('20 concurrent sign-ins over both processes with deny: exactly MAX_SESSIONS get in, the rest 409 session_limit', async () => {
    demos = await startDemosOnRedis({ MAX_SESSIONS: '2', SESSION_LIMIT: 'deny' });
    const { a, b } = demos;
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => signIn(i % 2 === 0 ? a : b, 'bob')));
    expect(answers.filter((r) => r.status === 200)).toHaveLength(2);
    expect(answers.filter((r) => r.status === 409)).toHaveLength(18);
    const bodies = await Promise.all(answers.filter((r) => r.status === 409).map((r) => r.json() as Promise<{ error: string }>));
    expect(new Set(bodies.map((body) => body.error))).toEqual(new Set(['session_limit']));
  });

  it('the ask token is single use across processes: the same completion sent to both, exactly one signs in', async () => {
    demos = await startDemosOnRedis({ MAX_SESSIONS: '1', SESSION_LIMIT: 'ask' });
    const { a, b } = demos;
    const first = cookieOf(await signIn(a, 'alice'));
    expect(await me(b, first)).toBe(200);
    const held = await signIn(b, 'alice');
    expect(held.status).toBe(409);
    const body = (await held.json()) as { error: string; token: string; sessions: Array<{ publicId: string }> };
    expect(body.sessions).toHaveLength(1);
    const pending = cookieOf(held)!;
    const complete = (demo: RunningDemo) =>
      fetch(`${demo.url}/session/sessions/limit`, {
        method: 'POST',
        headers: { Cookie: pending, 'Content-Type': 'application/json', Accept: 'application/json', 'X-SessionGuard': '1', Origin: demo.url },
        body: JSON.stringify({ token: body.token, end: [body.sessions[0]!.publicId] }),
      });
    const [onA, onB] = await Promise.all([complete(a), complete(b)]);
    const statuses = [onA.status, onB.status].sort();
    expect(statuses).toEqual([200, 400]);
    const winner = onA.status === 200 ? onA : onB;
    const loser = onA.status === 200 ? onB : onA;
    expect(((await loser.json()) as { error: string }).error).toBe('session_limit_token_invalid');
    const signedIn = cookieOf(winner);
    expect(await me(a, signedIn)).toBe(200);
    expect(await me(b, signedIn)).toBe(200);
    expect(await me(a, first)).toBe(401);
    // Reused later, on either process: refused.
    expect((await complete(a)).status).toBe(400);
    expect((await complete(b)).status).toBe(400);
    expect(await me(b, signedIn)).toBe(200);
  });
});
