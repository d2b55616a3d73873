/**
 * Secrets stay secret: session ids and public ids carry at least 128 bits of
 * entropy, and no session id, cookie value, secret or password-derived value
 * appears in a URL, a log line, an event or an answer, over a full flow.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { computePublicId, type SessionRecord } from '@sessionguard/express';
import { FUZZ_SECRET, POLICY, startFuzzApp, type FuzzApp } from '../fuzz/fuzz-app.js';
import { rawRequest, type RawRequest, type RawResponse } from '../fuzz/raw-http.js';

let app: FuzzApp;
afterEach(async () => {
  await app?.close();
  vi.restoreAllMocks();
});

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Pearson's chi-square of symbol counts against a uniform distribution over `ALPHABET`. */
function chiSquare(values: string[]): number {
  const counts = new Map<string, number>();
  let total = 0;
  for (const value of values) for (const char of value) {
    counts.set(char, (counts.get(char) ?? 0) + 1);
    total++;
  }
  const expected = total / ALPHABET.length;
  return [...ALPHABET].reduce((sum, char) => sum + ((counts.get(char) ?? 0) - expected) ** 2 / expected, 0);
}

describe('entropy', () => {
  it('session ids are 32 base64url characters from uid-safe (24 random bytes: 192 bits), all distinct and evenly spread', async () => {
    app = await startFuzzApp();
    const ids: string[] = [];
    for (let index = 0; index < 1000; index++) {
      if (index % 100 === 0) await app.reset();
      ids.push((await app.login(index % 2 ? 'alice' : 'bob')).record.sessionId);
    }
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // 32 characters x 6 bits = 192 bits >= 128. Chi-square over 64 symbols has 63 degrees of freedom
    // (mean 63, sd ~11): a generous bound that catches a biased or low-entropy generator, not chance.
    expect(chiSquare(ids)).toBeLessThan(150);
    // No shared prefixes of 4 characters beyond what chance allows (64^4 = 16.7M buckets for 1000 ids).
    const prefixes = new Set(ids.map((id) => id.slice(0, 4)));
    expect(prefixes.size).toBeGreaterThan(990);
  });

  it('public ids are 43 base64url characters (HMAC-SHA256, 256 bits, keyed by the secret), distinct, and reveal nothing of the session id', async () => {
    app = await startFuzzApp();
    const records: SessionRecord[] = [];
    for (let index = 0; index < 500; index++) {
      if (index % 100 === 0) await app.reset();
      records.push((await app.login('alice')).record);
    }
    const publicIds = records.map((record) => record.publicId);
    for (const record of records) {
      expect(record.publicId).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(record.publicId).not.toContain(record.sessionId);
      expect(record.publicId).not.toContain(record.sessionId.slice(0, 8));
      expect(record.publicId).toBe(computePublicId(FUZZ_SECRET, record.sessionId));
      // Keyed: without the secret, the public id of a session id cannot be computed.
      expect(computePublicId('another-secret-0123456789-abcdefghijklmnop', record.sessionId)).not.toBe(record.publicId);
    }
    expect(new Set(publicIds).size).toBe(publicIds.length);
    expect(chiSquare(publicIds.map((id) => id.slice(0, 42)))).toBeLessThan(150);
  });
});

describe('nothing secret in URLs, logs, events or answers', () => {
  it('a full flow (sign-in, ping, list, revoke one, revoke others, admin revoke, idle and absolute expiry, password change, auth hash change, logout) leaks no session id, cookie, secret or auth hash', async () => {
    const appHashes = new Map([
      ['alice', 'alice-password-hash-$scrypt$AAAA'],
      ['bob', 'bob-password-hash-$scrypt$BBBB'],
      ['admin', 'admin-password-hash-$scrypt$CCCC'],
    ]);
    const console_: string[] = [];
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void console_.push(args.map(String).join(' ')));
    }
    app = await startFuzzApp(
      { getSessionAuthHash: (userId) => appHashes.get(userId) ?? null },
      { onPasswordChange: (userId) => void appHashes.set(userId, `${userId}-password-hash-$scrypt$DDDD`) },
    );
    const events: unknown[] = [];
    for (const name of ['session.created', 'session.revoked', 'session.expired'] as const) app.guard.events.on(name, (event) => events.push(event));

    const sessionIds = new Set<string>();
    const cookies = new Set<string>();
    const answers: RawResponse[] = [];
    const signIn = async (user: string) => {
      const signed = await app.login(user);
      sessionIds.add(signed.record.sessionId);
      cookies.add(signed.cookie.split('=')[1]!);
      cookies.add(decodeURIComponent(signed.cookie.split('=')[1]!));
      return signed;
    };
    const send = async (cookie: string, request: Omit<RawRequest, 'headers'> & { headers?: Array<[string, string]>; page?: boolean }) => {
      const sdk: Array<[string, string]> = request.page ? [] : [['X-SessionGuard', '1'], ['Origin', app.origin]];
      const res = await rawRequest(app.port, { ...request, headers: [['Cookie', cookie], ...sdk, ...(request.headers ?? [])] });
      answers.push(res);
      // Whatever session id a request carries now (a password change re-keys it), remember it.
      for (const user of ['alice', 'bob', 'admin']) for (const record of await app.registry.list(user)) sessionIds.add(record.sessionId);
      const set = /connect\.sid=([^;]+)/.exec(res.headers['set-cookie'] ?? '')?.[1];
      if (set) {
        cookies.add(set);
        cookies.add(decodeURIComponent(set));
        return { res, cookie: `connect.sid=${set}` };
      }
      return { res, cookie };
    };
    const json = (body: unknown) => ({ headers: [['Content-Type', 'application/json']] as Array<[string, string]>, body: Buffer.from(JSON.stringify(body)) });

    const aliceA = await signIn('alice');
    const aliceB = await signIn('alice');
    const bob = await signIn('bob');
    const admin = await signIn('admin');
    expect((await send(aliceA.cookie, { method: 'POST', path: '/session/ping', ...json({ idleFor: 3 }) })).res.status).toBe(200);
    expect((await send(aliceA.cookie, { method: 'GET', path: '/session/sessions' })).res.status).toBe(200);
    expect((await send(aliceA.cookie, { method: 'GET', path: '/api/me' })).res.status).toBe(200);
    expect((await send(aliceA.cookie, { method: 'DELETE', path: `/session/sessions/${aliceB.record.publicId}` })).res.status).toBe(200);
    await signIn('alice');
    expect((await send(aliceA.cookie, { method: 'DELETE', path: '/session/sessions' })).res.status).toBe(200);
    expect((await send(admin.cookie, { method: 'POST', path: '/admin/sessions/revoke', ...json({ userIds: ['bob'] }) })).res.status).toBe(200);
    expect((await send(bob.cookie, { method: 'GET', path: '/api/me', headers: [['Accept', 'application/json']] })).res.status).toBe(401);

    // Idle expiry: an API request gets 401, a page request a redirect whose URL holds only the return path.
    const bob2 = await signIn('bob');
    app.clock.advance((POLICY.expireAfter + 1) * 1000);
    const redirect = (await send(bob2.cookie, { method: 'GET', path: '/page?tab=2', page: true, headers: [['Accept', 'text/html']] })).res;
    expect(redirect.status).toBe(303);
    expect(redirect.headers.location).toBe(`/login?next=${encodeURIComponent('/page?tab=2')}`);

    // Absolute expiry, with pings keeping the session from idling out.
    let alice = await signIn('alice');
    for (let elapsed = 0; elapsed <= POLICY.absoluteTimeout; elapsed += 1000) {
      app.clock.advance(1000 * 1000);
      const { res } = await send(alice.cookie, { method: 'POST', path: '/session/ping', ...json({ idleFor: 0 }) });
      if (res.status !== 200) {
        expect(JSON.parse(res.body)).toMatchObject({ error: 'session_expired' });
        break;
      }
    }

    // Password change through the guard (re-keys this session, ends the others), then one elsewhere (auth hash).
    alice = await signIn('alice');
    const aliceOther = await signIn('alice');
    const changed = await send(alice.cookie, { method: 'POST', path: '/password' });
    expect(changed.res.status).toBe(200);
    expect((await send(aliceOther.cookie, { method: 'GET', path: '/api/me' })).res.status).toBe(401);
    expect((await send(changed.cookie, { method: 'GET', path: '/api/me' })).res.status).toBe(200);
    appHashes.set('alice', 'alice-password-hash-$scrypt$EEEE');
    expect((await send(changed.cookie, { method: 'GET', path: '/api/me' })).res.status).toBe(401);

    // Logout.
    const last = await signIn('admin');
    expect((await send(last.cookie, { method: 'POST', path: '/logout' })).res.status).toBe(200);

    const logText = JSON.stringify(app.logs);
    const eventText = JSON.stringify(events);
    const consoleText = console_.join('\n');
    // Answers, without the Set-Cookie header that legitimately carries the cookie.
    const answerText = answers.map((res) => res.raw.replace(/^set-cookie:.*$/gim, '')).join('\n');
    expect(app.logs.length).toBeGreaterThan(10);
    expect(sessionIds.size).toBeGreaterThanOrEqual(10);
    const secrets = [
      ...sessionIds,
      ...cookies,
      FUZZ_SECRET,
      ...appHashes.values(),
      'alice-password-hash-$scrypt$AAAA',
      'alice-password-hash-$scrypt$DDDD',
    ];
    for (const secret of secrets) {
      expect(logText, 'log lines').not.toContain(secret);
      expect(eventText, 'events').not.toContain(secret);
      expect(consoleText, 'console').not.toContain(secret);
      expect(answerText, 'answers').not.toContain(secret);
    }
    // Every Location header holds a path on this site and no session id.
    for (const res of answers.filter((answer) => answer.headers.location)) {
      expect(res.headers.location).toMatch(/^\/login\?next=/);
    }
    // The registry stores only an HMAC of the app's hash, never the hash itself.
    for (const user of ['alice', 'bob', 'admin']) {
      for (const record of await app.registry.list(user)) expect([...appHashes.values()]).not.toContain(record.authHash);
    }
  });

  it('a registry error that quotes the session id is logged with the id cut out', async () => {
    app = await startFuzzApp();
    const { cookie, record } = await app.login('alice');
    const { get, touch } = app.registry;
    // Every call the middleware may make (a read, or the checked touch) fails quoting the key.
    app.registry.get = app.registry.touch = async () => {
      throw new Error(`ERR key sessionguard:{alice}:${record.sessionId} timed out`);
    };
    const res = await rawRequest(app.port, { method: 'GET', path: '/api/me', headers: [['Cookie', cookie], ['Accept', 'application/json']] });
    Object.assign(app.registry, { get, touch });
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'session_store_unavailable' });
    expect(res.raw).not.toContain(record.sessionId);
    const errorLines = app.logs.filter((line) => line.level === 'error');
    expect(errorLines.length).toBeGreaterThan(0);
    expect(JSON.stringify(app.logs)).not.toContain(record.sessionId);
  });
});
