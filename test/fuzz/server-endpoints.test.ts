/**
 * Property-based fuzz of every sessionguard endpoint on a real Express app
 * (express-session + the guard), over raw TCP so that nothing between the
 * generator and the server tidies the requests up.
 */
import { gzipSync, deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isErrorCode, MAX_IDLE_FOR_SECONDS, type PingResponse } from '@sessionguard/core';
import type { SessionRecord } from '@sessionguard/express';
import { POLICY, startFuzzApp, type FuzzApp } from './fuzz-app.js';
import { rawRequest, type RawRequest, type RawResponse } from './raw-http.js';

let app: FuzzApp;
beforeAll(async () => {
  app = await startFuzzApp();
});
afterAll(async () => {
  await app?.close();
});

type Endpoint = 'ping' | 'list' | 'revokeOne' | 'revokeOthers' | 'admin';
type Actor = 'alice' | 'admin';

/** A request that is wrong in at least one way, by construction. */
interface BadRequest {
  endpoint: Endpoint;
  actor: Actor;
  flaw: string;
  cookie: 'valid' | 'none' | 'tampered' | 'garbage' | 'unsigned';
  csrf: Array<[string, string]>;
  origin: Array<[string, string]>;
  contentType: Array<[string, string]>;
  extraHeaders: Array<[string, string]>;
  body: Buffer;
  framing: RawRequest['framing'];
  publicId: { kind: 'raw'; value: string } | { kind: 'encoded'; value: string } | { kind: 'own' } | { kind: 'otherUser' } | null;
  /** Milliseconds the clock moves between sign-in and the request (at least 1 s, within the session's life). */
  elapsed: number;
}

// ---- building blocks -------------------------------------------------------------------------

const validCsrf: Array<[string, string]> = [['X-SessionGuard', '1']];
const badCsrf = fc.constantFrom<Array<[string, string]>>(
  [],
  [['X-SessionGuard', '0']],
  [['X-SessionGuard', 'true']],
  [['X-SessionGuard', '']],
  [['X-SessionGuard', '11']],
  [['X-SessionGuard', '1'], ['X-SessionGuard', '1']],
  [['X-Session-Guard', '1']],
  [['X-Requested-With', 'XMLHttpRequest']],
);
const validOrigin = (port: number) =>
  fc.constantFrom<Array<[string, string]>>([], [['Origin', `http://127.0.0.1:${port}`]], [['Sec-Fetch-Site', 'same-origin']]);
const badOrigin = (port: number) =>
  fc.constantFrom<Array<[string, string]>>(
    [['Origin', 'http://evil.example']],
    [['Origin', 'null']],
    [['Origin', `http://localhost:${port}`]],
    [['Origin', `http://127.0.0.1:${port + 1}`]],
    [['Origin', `https://127.0.0.1:${port}`]],
    [['Origin', `http://127.0.0.1:${port}.evil.example`]],
    [['Origin', `http://127.0.0.1:${port}`], ['Origin', 'http://evil.example']],
    [['Sec-Fetch-Site', 'cross-site']],
    [['Sec-Fetch-Site', 'same-site']],
    [['Sec-Fetch-Site', 'none']],
    [['Sec-Fetch-Site', 'cross-site'], ['Origin', `http://127.0.0.1:${port}`]],
  );
const jsonType = fc.constantFrom<Array<[string, string]>>(
  [['Content-Type', 'application/json']],
  [['Content-Type', 'application/json; charset=utf-8']],
);
const badType = fc.constantFrom<Array<[string, string]>>(
  [],
  [['Content-Type', 'text/plain']],
  [['Content-Type', 'application/x-www-form-urlencoded']],
  [['Content-Type', 'multipart/form-data; boundary=xyz']],
  [['Content-Type', 'application/json; charset=latin1']],
  [['Content-Type', 'application/json; charset=utf-16']],
  [['Content-Type', 'text/html']],
  [['Content-Type', '*/*']],
  // Node keeps the first of duplicated Content-Type headers.
  [['Content-Type', 'text/plain'], ['Content-Type', 'application/json']],
);
const noise = fc.array(
  fc.constantFrom<[string, string]>(
    ['Accept', 'application/json'],
    ['Accept', 'text/html'],
    ['Accept', '*/*;q=0.1, text/html;q=oops'],
    ['Accept-Encoding', 'gzip, br'],
    ['User-Agent', 'fuzz/1.0 \u00e9'],
    ['X-Forwarded-For', '10.0.0.1, 127.0.0.1'],
    ['X-Forwarded-Proto', 'https'],
    ['X-HTTP-Method-Override', 'GET'],
    ['Cookie', 'other=1'],
    ['Referer', 'http://evil.example/'],
  ),
  { maxLength: 3 },
);

const text = (value: string) => Buffer.from(value, 'utf8');
const isValidPingJson = (value: unknown) =>
  value !== null &&
  typeof value === 'object' &&
  !Array.isArray(value) &&
  Object.keys(value).length === 1 &&
  typeof (value as { idleFor?: unknown }).idleFor === 'number' &&
  Number.isFinite((value as { idleFor: number }).idleFor) &&
  (value as { idleFor: number }).idleFor >= 0 &&
  (value as { idleFor: number }).idleFor <= MAX_IDLE_FOR_SECONDS;

/** Bodies that are wrong for the ping, each still within 256 bytes unless meant to be large. */
const badPingBody = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).filter((value) => !isValidPingJson(value)).map((value) => text(JSON.stringify(value) ?? 'null')),
  fc.constantFrom(
    '{"idleFor":1e309}',
    '{"idleFor":-1e309}',
    '{"idleFor":"NaN"}',
    '{"idleFor":NaN}',
    '{"idleFor":Infinity}',
    '{"idleFor":-1}',
    '{"idleFor":-0.0001}',
    '{"idleFor":null}',
    '{"idleFor":"5"}',
    '{"idleFor":[5]}',
    '{"idleFor":{"valueOf":5}}',
    '{"idleFor":true}',
    '{"idleFor":0x10}',
    '{"idleFor":5,}',
    `{"idleFor":${MAX_IDLE_FOR_SECONDS + 1}}`,
    '{"idleFor":1e308}',
    '{"idleFor":1,"extra":2}',
    '{"__proto__":{"idleFor":1}}',
    '{"idleFor":1,"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{"idleFor":1}}}',
    '{"idleFor":1,"idleFor":"x"}',
    '[{"idleFor":1}]',
    '"idleFor"',
    'null',
    'true',
    '0',
    '',
    ' ',
    '{',
    '{"idleFor":1',
    // (A leading BOM is not here: RFC 8259 lets a parser ignore it, and the guard does.)
  ).map(text),
  fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  // Invalid UTF-8: lone continuation, overlong '/', an encoded surrogate, a truncated sequence.
  fc.constantFrom(
    Buffer.from([0x7b, 0x22, 0x69, 0x64, 0x6c, 0x65, 0x46, 0x6f, 0x72, 0x22, 0x3a, 0x31, 0x2c, 0x22, 0x78, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    Buffer.concat([text('{"idleFor":1,"x":"'), Buffer.from([0xc0, 0xaf]), text('"}')]),
    Buffer.concat([text('{"idleFor":1,"x":"'), Buffer.from([0xed, 0xa0, 0x80]), text('"}')]),
    Buffer.concat([text('{"idleFor":1,"x":"'), Buffer.from([0xe2, 0x82]), text('"}')]),
  ),
  // Large and deep: past the ping's 256-byte limit.
  fc.integer({ min: 257, max: 64 * 1024 }).map((size) => text(`{"idleFor":1,"pad":"${'a'.repeat(size)}"}`)),
  fc.integer({ min: 100, max: 20_000 }).map((depth) => text(`${'['.repeat(depth)}${']'.repeat(depth)}`)),
  fc.integer({ min: 10, max: 120 }).map((depth) => text(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`)),
);

/** Bodies the admin endpoint must refuse (400), with or without permission. */
const badAdminBody = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((value) => text(JSON.stringify(value) ?? 'null')),
  fc.constantFrom(
    '{"userIds":[]}',
    '{"userIds":"bob"}',
    '{"userIds":[""]}',
    '{"userIds":[1]}',
    '{"userIds":[null]}',
    '{"userIds":["bob"],"extra":1}',
    '{"__proto__":{"userIds":["bob"]}}',
    '{"userIds":{"0":"bob","length":1}}',
    '{"constructor":{"prototype":{"userIds":["bob"]}}}',
    '{"userIds":["bob"],"userIds":[]}',
    `{"userIds":[${Array.from({ length: 101 }, (_, index) => `"u${index}"`).join(',')}]}`,
    `{"userIds":["${'x'.repeat(1025)}"]}`,
    '{"userIds":["bob"]',
    '',
  ).map(text),
  fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  fc.integer({ min: 64 * 1024 + 1, max: 200 * 1024 }).map((size) => text(`{"userIds":["${'b'.repeat(size)}"]}`)),
  fc.integer({ min: 1000, max: 60_000 }).map((depth) => text(`{"userIds":${'['.repeat(depth)}${']'.repeat(depth)}}`)),
);
/** Admin bodies that are well formed but name a user the actor may not sign out (the admin, or anyone for alice). */
const forbiddenAdminBody = fc.constantFrom('{"userIds":["admin"]}', '{"userIds":["bob","admin"]}', '{"userIds":["__proto__","admin"]}').map(text);
/** A valid-looking admin body that only the admin may send. */
const adminBodyForAlice = fc.constantFrom('{"userIds":["bob"]}', '{"userIds":["alice"]}', '{"userIds":["constructor"]}').map(text);

const compressed = (body: Buffer) =>
  // Compressed bodies: the guard does not decode content codings, so each must be refused.
  // (A plain body merely labelled gzip is its own test below.)
  fc.constantFrom<[string, Buffer]>(['gzip', gzipSync(body)], ['deflate', deflateSync(body)], ['br', gzipSync(body)], ['x-unknown', gzipSync(body)]);
const malformedLength = fc.constantFrom('abc', '-1', '1e2', '0x10', '+5', '5 5', '١٢', '18446744073709551617');

const publicIdArb = fc.oneof(
  // Never empty: `DELETE /sessions/` is `DELETE /sessions` (revoke the others), a valid request.
  fc.string({ minLength: 1, maxLength: 80 }).map((value) => ({ kind: 'encoded' as const, value })),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 50 }).map((value) => ({ kind: 'encoded' as const, value })),
  fc.stringMatching(/^[A-Za-z0-9_-]{43}$/).map((value) => ({ kind: 'encoded' as const, value })),
  fc.stringMatching(/^[A-Za-z0-9_-]{42,44}$/).map((value) => ({ kind: 'encoded' as const, value })),
  fc.constantFrom(
    '..',
    '../sessions',
    '..%2F..%2Fadmin%2Fsessions%2Frevoke',
    '%2e%2e',
    '%00',
    '%E0%A4%A',
    '%',
    '%252e%252e',
    '.',
    'sessions',
    '%F0%9F%92%A9',
    '%C0%AF',
    'a%2Fb',
  ).map((value) => ({ kind: 'raw' as const, value })),
  fc.constant({ kind: 'own' as const }),
  fc.constant({ kind: 'otherUser' as const }),
);

function badRequestArb(port: number): fc.Arbitrary<BadRequest> {
  // At least a second: activity recorded by the request would then differ from the sign-in's.
  const elapsed = fc.integer({ min: 1000, max: 100_000 });
  const base = {
    actor: fc.constant<Actor>('alice'),
    cookie: fc.constant<BadRequest['cookie']>('valid'),
    csrf: fc.constant(validCsrf),
    origin: validOrigin(port),
    contentType: jsonType,
    extraHeaders: noise,
    body: fc.constant(Buffer.alloc(0)),
    framing: fc.constant<RawRequest['framing']>({ kind: 'length' }),
    publicId: fc.constant<BadRequest['publicId']>(null),
    elapsed,
  };
  const badCookie = fc.constantFrom<BadRequest['cookie']>('none', 'tampered', 'garbage', 'unsigned');
  const validPingBody = fc.integer({ min: 0, max: 1000 }).map((idleFor) => text(JSON.stringify({ idleFor })));
  const chunkedOrNot = fc.constantFrom<RawRequest['framing']>({ kind: 'length' }, { kind: 'chunked' });

  const ping = fc.oneof(
    fc.record({ ...base, endpoint: fc.constant<Endpoint>('ping'), flaw: fc.constant('cookie'), cookie: badCookie, body: validPingBody }),
    fc.record({ ...base, endpoint: fc.constant<Endpoint>('ping'), flaw: fc.constant('csrf'), csrf: badCsrf, body: validPingBody }),
    fc.record({ ...base, endpoint: fc.constant<Endpoint>('ping'), flaw: fc.constant('origin'), origin: badOrigin(port), body: validPingBody }),
    fc.record({ ...base, endpoint: fc.constant<Endpoint>('ping'), flaw: fc.constant('content-type'), contentType: badType, body: validPingBody }),
    fc.record({ ...base, endpoint: fc.constant<Endpoint>('ping'), flaw: fc.constant('body'), body: badPingBody, framing: chunkedOrNot }),
    fc.record({
      ...base,
      endpoint: fc.constant<Endpoint>('ping'),
      flaw: fc.constant('content-length'),
      body: validPingBody,
      framing: malformedLength.map((value) => ({ kind: 'declared' as const, value })),
    }),
    validPingBody.chain((body) =>
      fc.record({
        ...base,
        endpoint: fc.constant<Endpoint>('ping'),
        flaw: fc.constant('encoding'),
        body: compressed(body).map(([, bytes]) => bytes),
        extraHeaders: compressed(body).map(([encoding]) => [['Content-Encoding', encoding]] as Array<[string, string]>),
      }),
    ),
  );
  const list = fc.record({ ...base, endpoint: fc.constant<Endpoint>('list'), flaw: fc.constant('cookie'), cookie: badCookie, csrf: fc.oneof(fc.constant(validCsrf), badCsrf) });
  const revokeOne = fc.oneof(
    fc.record({ ...base, endpoint: fc.constant<Endpoint>('revokeOne'), flaw: fc.constant('public-id'), publicId: publicIdArb }),
    fc.record({ ...base, endpoint: fc.constant<Endpoint>('revokeOne'), flaw: fc.constant('cookie'), cookie: badCookie, publicId: fc.constant({ kind: 'otherUser' as const }) }),
    fc.record({ ...base, endpoint: fc.constant<Endpoint>('revokeOne'), flaw: fc.constant('csrf'), csrf: badCsrf, publicId: publicIdArb }),
    fc.record({ ...base, endpoint: fc.constant<Endpoint>('revokeOne'), flaw: fc.constant('origin'), origin: badOrigin(port), publicId: publicIdArb }),
  );
  const revokeOthers = fc.oneof(
    fc.record({ ...base, endpoint: fc.constant<Endpoint>('revokeOthers'), flaw: fc.constant('cookie'), cookie: badCookie }),
    fc.record({ ...base, endpoint: fc.constant<Endpoint>('revokeOthers'), flaw: fc.constant('csrf'), csrf: badCsrf }),
    fc.record({ ...base, endpoint: fc.constant<Endpoint>('revokeOthers'), flaw: fc.constant('origin'), origin: badOrigin(port) }),
    // Signed in longer ago than reauthenticateWithin (600 s): 403 reauthentication_required.
    fc.record({ ...base, endpoint: fc.constant<Endpoint>('revokeOthers'), flaw: fc.constant('stale'), elapsed: fc.integer({ min: 601_000, max: 1_700_000 }) }),
  );
  const admin = fc.oneof(
    fc.record({ ...base, endpoint: fc.constant<Endpoint>('admin'), actor: fc.constant<Actor>('admin'), flaw: fc.constant('body'), body: badAdminBody, framing: chunkedOrNot }),
    fc.record({ ...base, endpoint: fc.constant<Endpoint>('admin'), actor: fc.constant<Actor>('admin'), flaw: fc.constant('forbidden-target'), body: forbiddenAdminBody }),
    fc.record({ ...base, endpoint: fc.constant<Endpoint>('admin'), actor: fc.constant<Actor>('alice'), flaw: fc.constant('not-permitted'), body: adminBodyForAlice }),
    fc.record({ ...base, endpoint: fc.constant<Endpoint>('admin'), actor: fc.constant<Actor>('admin'), flaw: fc.constant('cookie'), cookie: badCookie, body: adminBodyForAlice }),
    fc.record({ ...base, endpoint: fc.constant<Endpoint>('admin'), actor: fc.constant<Actor>('admin'), flaw: fc.constant('csrf'), csrf: badCsrf, body: adminBodyForAlice }),
    fc.record({ ...base, endpoint: fc.constant<Endpoint>('admin'), actor: fc.constant<Actor>('admin'), flaw: fc.constant('origin'), origin: badOrigin(port), body: adminBodyForAlice }),
    fc.record({ ...base, endpoint: fc.constant<Endpoint>('admin'), actor: fc.constant<Actor>('admin'), flaw: fc.constant('content-type'), contentType: badType, body: adminBodyForAlice }),
    fc.record({
      ...base,
      endpoint: fc.constant<Endpoint>('admin'),
      actor: fc.constant<Actor>('admin'),
      flaw: fc.constant('content-length'),
      body: adminBodyForAlice,
      framing: malformedLength.map((value) => ({ kind: 'declared' as const, value })),
    }),
  );
  return fc.oneof(ping, list, revokeOne, revokeOthers, admin);
}

// ---- running one request -----------------------------------------------------------------------

interface Signed {
  alice: { cookie: string; record: SessionRecord };
  aliceOther: { cookie: string; record: SessionRecord };
  bob: { cookie: string; record: SessionRecord };
  admin: { cookie: string; record: SessionRecord };
}

async function signInEveryone(): Promise<Signed> {
  await app.reset();
  return {
    alice: await app.login('alice'),
    aliceOther: await app.login('alice'),
    bob: await app.login('bob'),
    admin: await app.login('admin'),
  };
}

function cookieHeader(kind: BadRequest['cookie'], cookie: string, record: SessionRecord): Array<[string, string]> {
  switch (kind) {
    case 'valid':
      return [['Cookie', cookie]];
    case 'none':
      return [];
    case 'tampered': {
      // Flip the last character of the signature.
      const last = cookie.at(-1) === 'A' ? 'B' : 'A';
      return [['Cookie', `${cookie.slice(0, -1)}${last}`]];
    }
    case 'garbage':
      return [['Cookie', 'connect.sid=%%%zz; connect.sid=s%3A; =; ;;']];
    case 'unsigned':
      return [['Cookie', `connect.sid=${encodeURIComponent(record.sessionId)}`]];
  }
}

function toRaw(request: BadRequest, signed: Signed): RawRequest {
  const actor = request.actor === 'admin' ? signed.admin : signed.alice;
  const headers: Array<[string, string]> = [
    ...cookieHeader(request.cookie, actor.cookie, actor.record),
    ...request.csrf,
    ...request.origin,
    ...request.extraHeaders,
  ];
  switch (request.endpoint) {
    case 'ping':
      return { method: 'POST', path: '/session/ping', headers: [...headers, ...request.contentType], body: request.body, framing: request.framing };
    case 'list':
      return { method: 'GET', path: '/session/sessions', headers };
    case 'revokeOthers':
      return { method: 'DELETE', path: '/session/sessions', headers };
    case 'admin':
      return { method: 'POST', path: '/admin/sessions/revoke', headers: [...headers, ...request.contentType], body: request.body, framing: request.framing };
    case 'revokeOne': {
      const id = request.publicId!;
      const segment =
        id.kind === 'own'
          ? signed.alice.record.publicId
          : id.kind === 'otherUser'
            ? signed.bob.record.publicId
            : id.kind === 'encoded'
              ? encodeURIComponent(id.value)
              : id.value;
      return { method: 'DELETE', path: `/session/sessions/${segment}`, headers };
    }
  }
}

describe('fuzz: every endpoint under bad requests', () => {
  it('answers each bad request 4xx with a known JSON error code, never 5xx, and changes no session', async () => {
    await fc.assert(
      fc.asyncProperty(badRequestArb(app.port), async (request) => {
        const signed = await signInEveryone();
        app.clock.advance(request.elapsed);
        const before = await app.snapshot();
        const sessionIds = before.records.map((record) => record.sessionId);

        const res: RawResponse = await rawRequest(app.port, toRaw(request, signed));
        const after = await app.snapshot();

        // Never a 5xx, always a 4xx.
        expect(res.status, `${request.endpoint}/${request.flaw}: ${res.status} ${res.body}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${request.endpoint}/${request.flaw}: ${res.status} ${res.body}`).toBeLessThan(500);
        if (request.flaw === 'content-length' && !res.headers['content-type']) {
          // Refused by Node's HTTP parser before any app code runs: a bare 400.
          expect(res.status).toBe(400);
        } else {
          expect(res.headers['content-type'], res.raw.slice(0, 300)).toMatch(/^application\/json/);
          const body = JSON.parse(res.body) as { error?: unknown };
          expect(isErrorCode(body.error), `${request.endpoint}/${request.flaw}: ${res.body}`).toBe(true);
        }
        // No answer ever carries a session id.
        for (const sessionId of sessionIds) expect(res.raw).not.toContain(sessionId);

        // Nothing created, nothing ended, nothing changed: not even last activity. A refused or invalid
        // request is not the user being active (a forged one must not keep a victim's session alive), and
        // the clock moved at least a second since sign-in, so a request that recorded activity shows here.
        expect(after.storedIds).toEqual(before.storedIds);
        const shown = `${request.endpoint}/${request.flaw}: ${res.status} ${res.body}`;
        expect(after.records, shown).toEqual(before.records);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 300), seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
  });
});

describe('fuzz: content codings', () => {
  // Known bug (express adapter, json-body.ts readJsonBody): Content-Encoding is ignored, so a body
  // labelled gzip is read as plain JSON. A proxy or WAF that decodes the coding sees other bytes
  // than the app acts on; body-parser (express.json) refuses unknown codings with 415 instead.
  it.each(['gzip', 'deflate', 'br', 'x-unknown'])(
    'refuses a ping whose Content-Encoding (%s) it does not decode, instead of reading the bytes as identity',
    async (encoding) => {
      const { cookie } = await signInEveryone().then((signed) => signed.alice);
      const before = await app.snapshot();
      const res = await rawRequest(app.port, {
        method: 'POST',
        path: '/session/ping',
        headers: [
          ['Cookie', cookie],
          ['X-SessionGuard', '1'],
          ['Content-Type', 'application/json'],
          ['Content-Encoding', encoding],
        ],
        body: text('{"idleFor":0}'),
      });
      expect(res.status, res.body).toBe(415);
      expect(JSON.parse(res.body)).toMatchObject({ error: 'unsupported_media_type' });
      expect(await app.snapshot()).toEqual(before);
    },
  );
});

// ---- time: valid and hostile pings against a model of the policy ------------------------------

type Step =
  | { kind: 'advance'; ms: number }
  | { kind: 'ping'; idleFor: string }
  | { kind: 'browse' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 2_500_000 }).map((ms) => ({ kind: 'advance' as const, ms })) },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        fc.integer({ min: 0, max: 4000 }).map(String),
        fc.double({ min: 0, max: MAX_IDLE_FOR_SECONDS, noNaN: true }).map((value) => JSON.stringify(value)),
        fc.constantFrom('0', '-0', '0.0', '1e-300', '5e-324', String(MAX_IDLE_FOR_SECONDS), '1e3', '1E2'),
      )
      .map((idleFor) => ({ kind: 'ping' as const, idleFor })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'browse' as const }) },
);

describe('fuzz: time', () => {
  it('no sequence of pings, browsing and waiting moves last activity past now or keeps a session past its idle or absolute end', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 12 }), async (steps) => {
        await app.reset();
        const { cookie, record } = await app.login('alice');
        const createdAt = record.createdAt;
        const absoluteEnd = createdAt + POLICY.absoluteTimeout * 1000;
        let modelLast = record.lastActivity;
        let alive = true;
        const headers: Array<[string, string]> = [
          ['Cookie', cookie],
          ['X-SessionGuard', '1'],
          ['Origin', app.origin],
        ];
        for (const step of steps) {
          if (step.kind === 'advance') {
            app.clock.advance(step.ms);
            continue;
          }
          const now = app.clock.now();
          const shouldLive = alive && now < absoluteEnd && now < modelLast + POLICY.expireAfter * 1000;
          const res =
            step.kind === 'ping'
              ? await rawRequest(app.port, {
                  method: 'POST',
                  path: '/session/ping',
                  headers: [...headers, ['Content-Type', 'application/json']],
                  body: text(`{"idleFor":${step.idleFor}}`),
                })
              : await rawRequest(app.port, { method: 'GET', path: '/api/me', headers: [...headers, ['Accept', 'application/json']] });
          if (!shouldLive) {
            expect(res.status, `${JSON.stringify(step)} after the session's end: ${res.body}`).toBe(401);
            const error = (JSON.parse(res.body) as { error: string }).error;
            expect(alive ? ['session_expired'] : ['unauthenticated', 'session_expired', 'session_revoked']).toContain(error);
            alive = false;
            expect(await app.registry.get({ sessionId: record.sessionId, userId: 'alice' })).toBeNull();
            continue;
          }
          expect(res.status, `${JSON.stringify(step)}: ${res.body}`).toBe(200);
          if (step.kind === 'ping') {
            const idleFor = Number(step.idleFor);
            modelLast = Math.min(now, Math.max(modelLast, now - idleFor * 1000));
            const answer = JSON.parse(res.body) as PingResponse;
            expect(answer.idleFor).toBeCloseTo((now - modelLast) / 1000, 6);
            expect(answer.idleFor).toBeGreaterThanOrEqual(0);
            expect(answer.absoluteRemaining).toBeCloseTo((absoluteEnd - now) / 1000, 6);
            expect(answer.absoluteRemaining!).toBeGreaterThan(0);
            expect(answer.absoluteRemaining!).toBeLessThanOrEqual(POLICY.absoluteTimeout);
          } else {
            modelLast = now;
          }
          const stored = await app.registry.get({ sessionId: record.sessionId, userId: 'alice' });
          expect(stored?.lastActivity).toBe(modelLast);
          expect(stored!.lastActivity).toBeLessThanOrEqual(now);
        }
      }),
      { numRuns: Math.ceil(Number(process.env.FUZZ_RUNS ?? 300) * 0.4) },
    );
  });
});
