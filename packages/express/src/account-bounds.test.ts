/**
 * Issue 10 part 6 through the adapter: what one account can make the server
 * store is bounded, and an ended session leaves only a tombstone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryRegistry } from './registry/memory-registry.js';
import { SDK, signIn, startTestApp, T0, type TestApp } from './test-app.js';

let app: TestApp;
afterEach(async () => {
  await app?.close();
});

describe('a bounded User-Agent', () => {
  it('stores at most 512 bytes of a 16 kB User-Agent and lists bounded device fields', async () => {
    app = await startTestApp();
    const agent = app.agent();
    const huge = `Mozilla/5.0 (${'X'.repeat(16_000)}) Firefox/128.0`;
    await agent.post('/login').set('User-Agent', huge).send({ username: 'alice' }).expect(200);
    const [record] = await app.registry.list('alice');
    expect(Buffer.byteLength(record!.userAgent!, 'utf8')).toBeLessThanOrEqual(512);
    expect(record!.userAgent!.startsWith('Mozilla/5.0 (XXX')).toBe(true);
    const listed = (await agent.get('/session/sessions').expect(200)).body.sessions[0];
    for (const field of ['browser', 'os', 'device'] as const) {
      if (typeof listed[field] === 'string') expect(listed[field].length).toBeLessThanOrEqual(64);
    }
  });
});

describe('an expired session nobody came back to', () => {
  it('leaves only a tombstone, is told session_expired when it comes back, and is then forgotten', async () => {
    app = await startTestApp();
    const agent = app.agent();
    await signIn(agent, 'alice');
    // Long past the idle end (60 s) and the record's grace: only the tombstone is left.
    app.clock.advance(3600 + 120);
    app.registry.sweep();
    expect(await app.registry.list('alice')).toEqual([]);
    expect(app.registry.tombstones).toBe(1);
    const res = await agent.get('/api/me').set(SDK).expect(401);
    expect(res.body.error).toBe('session_expired');
    expect(app.events.filter((e) => e.name === 'session.expired').map((e) => 'reason' in e.event && e.event.reason)).toEqual(['idle']);
    expect(app.registry.size).toBe(0);
  });

  it('is told session_revoked once its tombstone is gone too (after retainExpiredFor)', async () => {
    // The guard's own default registry, which takes its tombstone lifetime from retainExpiredFor.
    app = await startTestApp({ guard: { registry: undefined, retainExpiredFor: 600 } });
    const registry = app.guard.registry as ReturnType<typeof createMemoryRegistry>;
    const agent = app.agent();
    await signIn(agent, 'alice');
    app.clock.advance(61 + 60 + 590);
    registry.sweep();
    expect(registry.tombstones).toBe(1);
    app.clock.advance(20);
    registry.sweep();
    expect(registry.size).toBe(0);
    expect((await agent.get('/api/me').set(SDK).expect(401)).body.error).toBe('session_revoked');
  });
});

describe('at most maxSessionsPerUser sessions per user', () => {
  it('ends the least recently active session (reason session_limit) when a sign-in goes over the cap', async () => {
    let now = T0;
    const registry = createMemoryRegistry({ now: () => now, maxSessionsPerUser: 2 });
    app = await startTestApp({ guard: { registry, now: () => now } });
    const first = app.agent();
    const second = app.agent();
    const third = app.agent();
    await signIn(first, 'alice');
    now += 1000;
    await signIn(second, 'alice');
    now += 1000;
    // The first is used again: the second is now the least recently active.
    await first.get('/api/me').expect(200);
    now += 1000;
    await signIn(third, 'alice');
    expect(await registry.list('alice')).toHaveLength(2);
    expect((await second.get('/api/me').set(SDK).expect(401)).body.error).toBe('session_revoked');
    await first.get('/api/me').expect(200);
    await third.get('/api/me').expect(200);
    expect(app.events.filter((e) => e.name === 'session.revoked').map((e) => 'reason' in e.event && e.event.reason)).toEqual(['session_limit']);
    await registry.close();
  });
});
