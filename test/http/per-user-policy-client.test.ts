// @vitest-environment jsdom
/**
 * Issue 15 part 3, end to end without a browser: the headless client (in
 * jsdom) pinging a real guard whose timing policy is per user. The client
 * takes warnAfter and expireAfter from each ping answer (it is given none
 * itself), so each user's tabs warn and expire on that user's own clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSessionGuard, type SessionGuard } from '../../packages/client/src/index.js';
import { manualLeader } from '../../packages/client/src/test-helpers.js';
import { startTestApp, type TestApp } from '../../packages/express/src/test-app.js';

let app: TestApp;
const guards: SessionGuard[] = [];
afterEach(async () => {
  for (const guard of guards.splice(0)) guard.destroy();
  await app?.close();
});

/** A client of `username`'s session: the session cookie added to every request it sends to the test server. */
async function clientOf(username: string) {
  const res = await app.request().post('/login').send({ username }).expect(200);
  const cookie = ((res.headers['set-cookie'] as unknown as string[]) ?? []).map((line) => line.split(';')[0]).join('; ');
  const fetchWithCookie: typeof fetch = async (input, init) => {
    const request = new Request(input as RequestInfo, init);
    const headers = new Headers(request.headers);
    headers.set('Cookie', cookie);
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.text();
    return globalThis.fetch(request.url, { method: request.method, headers, body });
  };
  const guard = createSessionGuard({ baseUrl: `${app.origin}/session`, fetch: fetchWithCookie, leader: manualLeader(true), push: false, name: `policy-${username}` });
  guards.push(guard);
  return guard;
}

const answered = async (guard: SessionGuard) => {
  for (let i = 0; i < 200 && guard.state.expiresAt === null; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  return guard.state;
};

describe("the client follows each user's own policy from the ping answer", () => {
  it('an administrator on a shorter policy is warned and expires on their clock, everyone else on theirs', async () => {
    app = await startTestApp({
      guard: { preset: 'aal2', warnAfter: undefined, expireAfter: undefined, absoluteTimeout: undefined, policyFor: (userId) => (userId === 'admin' ? { preset: 'aal3' } : undefined) },
    });
    const admin = await answered(await clientOf('admin'));
    const alice = await answered(await clientOf('alice'));
    const now = Date.now();
    // aal3: warn at 13 min, end at 15 min idle; aal2: warn at 55 min, end at 1 h.
    expect((admin.warnAt! - now) / 1000).toBeCloseTo(780, -1);
    expect((admin.expiresAt! - now) / 1000).toBeCloseTo(900, -1);
    expect((alice.warnAt! - now) / 1000).toBeCloseTo(3300, -1);
    expect((alice.expiresAt! - now) / 1000).toBeCloseTo(3600, -1);
  });
});
