import { MAX_PING_BODY_BYTES } from '@sessionguard/core';
import express from 'express';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionStoreUnavailableError } from './errors.js';
import type { SessionRegistry } from './registry/types.js';
import { SDK, signIn, startTestApp, T0, type TestApp } from './test-app.js';

let app: TestApp;
afterEach(async () => {
  await app?.close();
});

const lastActivity = async (userId = 'alice') => (await app.registry.list(userId))[0]?.lastActivity;

async function signedIn() {
  app = await startTestApp();
  const agent = app.agent();
  await signIn(agent, 'alice');
  return agent;
}

describe('POST /ping', () => {
  it('moves last activity to now - idleFor and answers the server view', async () => {
    const agent = await signedIn();
    app.clock.advance(50);
    const res = await agent.post('/session/ping').set(SDK).send({ idleFor: 10 }).expect(200);
    const [record] = await app.registry.list('alice');
    expect(res.body).toEqual({
      idleFor: 10,
      warnAfter: 30,
      expireAfter: 60,
      absoluteRemaining: 3550,
      // Tags to scope tab messages and saved fields: the public id and an HMAC of the user id, never the session id.
      session: record!.publicId,
      user: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
    });
    expect(JSON.stringify(res.body)).not.toContain(record!.sessionId);
    expect(res.body.user).not.toContain('alice');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(await lastActivity()).toBe(T0 + 40_000);
  });

  it('tags each answer with its session and user: one user tag for all of a user\'s sessions, another for another user', async () => {
    app = await startTestApp();
    const tags = async (username: string) => {
      const agent = app.agent();
      await signIn(agent, username);
      return (await agent.post('/session/ping').set(SDK).send({ idleFor: 0 }).expect(200)).body as { session: string; user: string };
    };
    const laptop = await tags('alice');
    const phone = await tags('alice');
    const bob = await tags('bob');
    expect(phone.user).toBe(laptop.user);
    expect(phone.session).not.toBe(laptop.session);
    expect(bob.user).not.toBe(laptop.user);
  });

  it('rate-limits pings per session (429 rate_limited, nothing recorded), other sessions unaffected', async () => {
    app = await startTestApp({ guard: { pingRateLimit: { windowMs: 60_000, max: 3 } } });
    const agent = app.agent();
    await signIn(agent, 'alice');
    const other = app.agent();
    await signIn(other, 'alice');
    for (let i = 0; i < 3; i += 1) await agent.post('/session/ping').set(SDK).send({ idleFor: 0 }).expect(200);
    const before = (await app.registry.list('alice')).map((record) => record.lastActivity);
    app.clock.advance(5);
    const limited = await agent.post('/session/ping').set(SDK).send({ idleFor: 0 }).expect(429);
    expect(limited.body.error).toBe('rate_limited');
    // The 60 s window opened at the first ping, 5 s ago.
    expect(limited.headers['retry-after']).toBe('55');
    expect((await app.registry.list('alice')).map((record) => record.lastActivity)).toEqual(before);
    await other.post('/session/ping').set(SDK).send({ idleFor: 0 }).expect(200);
  });

  it('keeps the later of stored and reported activity (never moves it back)', async () => {
    const agent = await signedIn();
    app.clock.advance(50);
    await agent.post('/session/ping').set(SDK).send({ idleFor: 10 }).expect(200);
    const res = await agent.post('/session/ping').set(SDK).send({ idleFor: 45 }).expect(200);
    expect(res.body.idleFor).toBe(10);
    expect(await lastActivity()).toBe(T0 + 40_000);
  });

  it('is not activity itself: a ping reporting the real idleness changes nothing', async () => {
    const agent = await signedIn();
    app.clock.advance(50);
    const res = await agent.post('/session/ping').set(SDK).send({ idleFor: 50 }).expect(200);
    expect(res.body.idleFor).toBe(50);
    expect(await lastActivity()).toBe(T0);
    // ...so pinging alone never keeps an idle session alive.
    app.clock.advance(11);
    await agent.post('/session/ping').set(SDK).send({ idleFor: 61 }).expect(401, /session_expired/);
  });

  it('answers 401 unauthenticated without a signed-in session', async () => {
    app = await startTestApp();
    await app.request().post('/session/ping').set(SDK).send({ idleFor: 1 }).expect(401, /unauthenticated/);
  });

  it('answers 401 session_expired for an expired session', async () => {
    const agent = await signedIn();
    app.clock.advance(60);
    const res = await agent.post('/session/ping').set(SDK).send({ idleFor: 0 }).expect(401);
    expect(res.body.error).toBe('session_expired');
  });

  it('answers 401 session_revoked for a revoked session', async () => {
    const agent = await signedIn();
    await app.guard.revokeUser('alice');
    await agent.post('/session/ping').set(SDK).send({ idleFor: 0 }).expect(401, /session_revoked/);
    // Told once; afterwards the browser is simply signed out.
    await agent.post('/session/ping').set(SDK).send({ idleFor: 0 }).expect(401, /unauthenticated/);
  });

  it('answers 503 when the registry is unavailable', async () => {
    let failing = false;
    app = await startTestApp({
      wrapRegistry: (registry): SessionRegistry => ({
        ...registry,
        async touch(...args) {
          if (failing) throw new SessionStoreUnavailableError('down');
          return registry.touch(...args);
        },
      }),
    });
    const agent = app.agent();
    await signIn(agent, 'alice');
    failing = true;
    await agent.post('/session/ping').set(SDK).send({ idleFor: 0 }).expect(503, /session_store_unavailable/);
  });

  const json = 'application/json';
  it.each([
    ['a missing body', undefined, undefined, 400, 'invalid_body'],
    ['an empty object', json, '{}', 400, 'invalid_idle_for'],
    ['a negative idleFor', json, '{"idleFor":-1}', 400, 'invalid_idle_for'],
    ['NaN as a string', json, '{"idleFor":"NaN"}', 400, 'invalid_idle_for'],
    ['NaN as a bare word (not JSON)', json, '{"idleFor":NaN}', 400, 'invalid_body'],
    ['a numeric string', json, '{"idleFor":"5"}', 400, 'invalid_idle_for'],
    ['a boolean', json, '{"idleFor":true}', 400, 'invalid_idle_for'],
    ['a huge number', json, '{"idleFor":1e308}', 400, 'invalid_idle_for'],
    ['more than a year', json, '{"idleFor":99999999}', 400, 'invalid_idle_for'],
    ['an array', json, '[{"idleFor":1}]', 400, 'invalid_body'],
    ['null', json, 'null', 400, 'invalid_body'],
    ['a number', json, '5', 400, 'invalid_body'],
    ['an extra key', json, '{"idleFor":1,"admin":true}', 400, 'invalid_body'],
    ['broken JSON', json, '{"idleFor":', 400, 'invalid_body'],
    ['invalid UTF-8', json, Buffer.from([0x7b, 0xff, 0x7d]), 400, 'invalid_body'],
    ['text/plain', 'text/plain', '{"idleFor":1}', 415, 'unsupported_media_type'],
    ['a form', 'application/x-www-form-urlencoded', 'idleFor=1', 415, 'unsupported_media_type'],
    ['a gzip-labelled body', 'application/json', '{"idleFor":0}', 415, 'unsupported_media_type', { 'Content-Encoding': 'gzip' }],
    ['JSON in latin1', 'application/json; charset=latin1', '{"idleFor":1}', 415, 'unsupported_media_type'],
    ['an oversized body', json, JSON.stringify({ idleFor: 1, pad: 'x'.repeat(MAX_PING_BODY_BYTES) }), 413, 'payload_too_large'],
  ])('rejects %s with a JSON code and changes nothing', async (_name, type, body, status, code, headers: Record<string, string> = {}) => {
    const agent = await signedIn();
    app.clock.advance(50);
    let call = agent.post('/session/ping').set(SDK).set(headers);
    if (type) call = call.set('Content-Type', type);
    if (body !== undefined) call = call.send(body as string);
    const res = await call;
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.error).toBe(code);
    expect(await lastActivity()).toBe(T0);
  });

  it('rejects an oversized chunked body (no Content-Length) with 413', async () => {
    app = await startTestApp();
    const login = await app.request().post('/login').send({ username: 'alice' }).expect(200);
    const jar = (login.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
    const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${app.origin}/session/ping`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', Cookie: jar, ...SDK },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.write('{"idleFor":1,"pad":"');
      req.write('x'.repeat(4096));
      req.end('"}');
    });
    expect(jar).toContain('connect.sid');
    expect(status.status).toBe(413);
    expect(JSON.parse(status.body).error).toBe('payload_too_large');
  });

  it('requires the X-SessionGuard header (403 csrf_failed)', async () => {
    const agent = await signedIn();
    app.clock.advance(50);
    await agent.post('/session/ping').send({ idleFor: 0 }).expect(403, /csrf_failed/);
    expect(await lastActivity()).toBe(T0);
  });

  it('rejects a cross-site Origin or Sec-Fetch-Site, accepts same-origin and trusted origins', async () => {
    app = await startTestApp({ guard: { trustedOrigins: ['https://app.example.com'] } });
    const agent = app.agent();
    await signIn(agent, 'alice');
    const ping = () => agent.post('/session/ping').set(SDK);
    await ping().set('Origin', 'https://evil.example').send({ idleFor: 0 }).expect(403, /csrf_failed/);
    await ping().set('Origin', 'null').send({ idleFor: 0 }).expect(403);
    await ping().set('Sec-Fetch-Site', 'cross-site').send({ idleFor: 0 }).expect(403);
    await ping().set('Sec-Fetch-Site', 'same-site').set('Origin', 'https://sub.example.com').send({ idleFor: 0 }).expect(403);
    await ping().set('Origin', app.origin).send({ idleFor: 0 }).expect(200);
    await ping().set('Sec-Fetch-Site', 'same-origin').set('Origin', app.origin).send({ idleFor: 0 }).expect(200);
    await ping().set('Origin', 'https://app.example.com').send({ idleFor: 0 }).expect(200);
  });

  it('works behind an app-wide express.json() that already read the body', async () => {
    app = await startTestApp();
    const outer = express();
    outer.use(express.json());
    outer.use(app.app);
    const server = outer.listen(0, '127.0.0.1');
    try {
      const { default: request } = await import('supertest');
      const agent = request.agent(server);
      await agent.post('/login').send({ username: 'alice' }).expect(200);
      app.clock.advance(30);
      const res = await agent.post('/session/ping').set(SDK).send({ idleFor: 5 }).expect(200);
      expect(res.body.idleFor).toBe(5);
      await agent.post('/session/ping').set(SDK).send({ idleFor: -5 }).expect(400, /invalid_idle_for/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
