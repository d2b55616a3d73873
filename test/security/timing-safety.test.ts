/**
 * Timing safety: every comparison of a secret-derived value is constant
 * time. The auth hash (an HMAC stored at sign-in) is the one secret the guard
 * compares with attacker-influenced input; session cookies are verified by
 * express-session's cookie-signature.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { signAuthHash, verifyAuthHash } from '@sessionguard/express';
import { startFuzzApp, type FuzzApp } from '../fuzz/fuzz-app.js';
import { rawRequest } from '../fuzz/raw-http.js';
import { secretComparisons, sourceFiles } from './secret-comparisons.js';

// Count calls of crypto.timingSafeEqual made by the sources (vitest inlines them, so the mock reaches them).
const timing = vi.hoisted(() => ({ calls: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>();
  return {
    ...original,
    default: original,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      timing.calls++;
      return original.timingSafeEqual(a, b);
    },
  };
});

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Equality comparisons that involve secret-ish names and were reviewed: none
 * compares an attacker's guess against a secret.
 */
const REVIEWED: Array<{ file: string; text: string; why: string }> = [
  { file: 'packages/express/src/csrf.ts', text: 'req.get(CSRF_HEADER) !== CSRF_HEADER_VALUE', why: 'the CSRF header value is the public constant "1", not a secret' },
  {
    file: 'packages/express/src/login.ts',
    text: 'state.record.sessionId === req.sessionID',
    why: 'both are server-held: req.sessionID comes from a cookie express-session already verified (timingSafeEqual), the record from the registry',
  },
  { file: 'packages/express/src/revocation.ts', text: 'record.sessionId === req.sessionID', why: 'as above: two server-held ids of verified sessions' },
  { file: 'packages/express/src/redis/session-store.ts', text: 'loaded.sessionId !== ref.sessionId', why: 'both server-held: the id the store loaded for this request against the verified request session id' },
  { file: 'packages/express/src/redis/session-store.ts', text: 'id !== record.sessionId', why: 'index members (server-held ids) against the record being written' },
  { file: 'packages/express/src/redis/session-store.ts', text: 'id === exceptSessionId', why: 'as memory-registry: the caller passes the verified current session id' },
  {
    file: 'packages/express/src/redis/store-codec.ts',
    text: 'guard.authHash === record.authHash',
    why: 'encoding, not verification: whether the guard data stored in the session repeats the stored record (both server-written) so it can be left out; the auth hash is verified in auth-hash.ts with timingSafeEqual',
  },
  { file: 'packages/express/src/app-login.ts', text: 'state.record.sessionId === sessionId', why: 'as above: the request state\'s record against the id of the request\'s own (verified) session object' },
  { file: 'packages/express/src/sessions-router.ts', text: 'record.sessionId === currentSessionId', why: 'as above: marks the current session in the list' },
  { file: 'packages/express/src/registry/memory-registry.ts', text: 'sessionId === exceptSessionId', why: 'as above: the caller passes the verified current session id' },
  { file: 'packages/express/src/registry/memory-registry.ts', text: 'sessionId !== exceptSessionId', why: 'the same comparison, negated (revokeUser skips the current session)' },
  {
    file: 'packages/express/src/sessions-router.ts',
    text: 'publicId === record.publicId',
    why: 'public ids are not secrets (users and logs see them); only the requester’s own sessions are candidates',
  },
  { file: 'packages/express/src/sessions-router.ts', text: 'entry.publicId === publicId', why: 'as above' },
  {
    file: 'packages/express/src/events-router.ts',
    text: 'resolution.record.sessionId !== current.sessionId',
    why: 'two server-held ids: the registry records of the same verified request, before and after the push stream subscribed',
  },
  { file: 'packages/express/src/push-hub.ts', text: 'pending.publicId === notice.publicId', why: 'public ids are not secrets: which streams an announced end is for' },
  { file: 'packages/express/src/push-hub.ts', text: 'candidate.publicId === notice.publicId', why: 'as above' },
  { file: 'packages/express/src/push-hub.ts', text: 'candidate.publicId === record.publicId', why: 'as above: the session of a stream being opened, from the registry' },
  { file: 'packages/express/src/push-hub.ts', text: 'pending.publicId === ref.publicId', why: 'as above: counting a session\'s streams against its cap' },
  {
    file: 'packages/express/src/login.ts',
    text: 'record.publicId === publicId',
    why: 'public ids are not secrets: which of the pending user\'s own sessions the ask completion ends (the token itself is compared with timingSafeEqual in session-limit.ts)',
  },
  { file: 'packages/express/src/redis/session-store.ts', text: 'sessionId !== exceptSessionId', why: 'as memory-registry: index members (server-held ids) against the verified current session id, for notices' },
  { file: 'packages/express/src/registry/memory-registry.ts', text: 'old.sessionId !== record.sessionId', why: 'two server-held ids: the user\'s live records against the one being created under the session limit' },
];

describe('timing safety', () => {
  it('compares no secret-derived value with === or !== in packages/express/src and packages/core/src, except the reviewed non-secret ones', () => {
    const found = secretComparisons([...sourceFiles(path.join(root, 'packages/express/src')), ...sourceFiles(path.join(root, 'packages/core/src'))], root);
    const unreviewed = found.filter((comparison) => !REVIEWED.some((entry) => entry.file === comparison.file && comparison.text.includes(entry.text)));
    expect(unreviewed).toEqual([]);
  });

  it('computes HMACs only in auth-hash.ts, public-id.ts and device-notices.ts, and auth-hash.ts, the one that verifies, uses timingSafeEqual', () => {
    const files = sourceFiles(path.join(root, 'packages/express/src'));
    const hmacs = files.filter((file) => /createHmac/.test(readFileSync(file, 'utf8'))).map((file) => path.relative(root, file));
    // device-notices.ts: the HMAC of a device id is the key the registry remembers it under (a set member Redis or a
    // Set looks up), never compared in JavaScript; a wrong or unknown device id only makes a sign-in "new".
    expect(hmacs).toEqual(['packages/express/src/auth-hash.ts', 'packages/express/src/device-notices.ts', 'packages/express/src/public-id.ts']);
    expect(readFileSync(path.join(root, 'packages/express/src/device-notices.ts'), 'utf8')).not.toMatch(/===\s*(?:hash|known)|(?:hash|known)\s*===/);
    expect(readFileSync(path.join(root, 'packages/express/src/auth-hash.ts'), 'utf8')).toMatch(/timingSafeEqual\(/);
  });

  describe('verifyAuthHash', () => {
    const secrets = ['first-secret-0123456789-abcdefghijklmnop', 'older-secret-0123456789-abcdefghijklmnop'] as const;
    beforeEach(() => {
      timing.calls = 0;
    });

    it('accepts the hash signed with the first secret, through timingSafeEqual under every secret', () => {
      const stored = signAuthHash(secrets[0], 'alice', 'pw-hash-1');
      expect(verifyAuthHash(secrets, 'alice', 'pw-hash-1', stored)).toEqual({ ok: true, rotated: false });
      // Both secrets were tried, even though the first matched: the time does not tell which one did.
      expect(timing.calls).toBe(2);
    });

    it('accepts one signed with an older secret and asks to rewrite it', () => {
      const stored = signAuthHash(secrets[1], 'alice', 'pw-hash-1');
      expect(verifyAuthHash(secrets, 'alice', 'pw-hash-1', stored)).toEqual({ ok: true, rotated: true, current: signAuthHash(secrets[0], 'alice', 'pw-hash-1') });
      expect(timing.calls).toBe(2);
    });

    it('refuses a changed app hash, another user, a one-character change and a truncated hash', () => {
      const stored = signAuthHash(secrets[0], 'alice', 'pw-hash-1');
      expect(verifyAuthHash(secrets, 'alice', 'pw-hash-2', stored)).toEqual({ ok: false });
      expect(verifyAuthHash(secrets, 'bob', 'pw-hash-1', stored)).toEqual({ ok: false });
      const flipped = `${stored.slice(0, -1)}${stored.endsWith('A') ? 'B' : 'A'}`;
      expect(verifyAuthHash(secrets, 'alice', 'pw-hash-1', flipped)).toEqual({ ok: false });
      expect(timing.calls).toBe(6);
      // A different length is refused without timingSafeEqual (which throws on unequal lengths); the length of an HMAC is public.
      expect(verifyAuthHash(secrets, 'alice', 'pw-hash-1', stored.slice(0, 20))).toEqual({ ok: false });
    });
  });

  describe('on every request', () => {
    let app: FuzzApp;
    afterEach(async () => {
      await app?.close();
    });

    it('the middleware checks the session auth hash through timingSafeEqual on each request', async () => {
      const hashes = new Map([['alice', 'pw-hash-1']]);
      app = await startFuzzApp({ getSessionAuthHash: (userId) => hashes.get(userId) ?? null });
      const { cookie } = await app.login('alice');
      timing.calls = 0;
      for (let index = 0; index < 5; index++) {
        const res = await rawRequest(app.port, { method: 'GET', path: '/api/me', headers: [['Cookie', cookie]] });
        expect(res.status).toBe(200);
      }
      expect(timing.calls).toBe(5);
      hashes.set('alice', 'pw-hash-2');
      const res = await rawRequest(app.port, { method: 'GET', path: '/api/me', headers: [['Cookie', cookie], ['Accept', 'application/json']] });
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body)).toMatchObject({ error: 'session_revoked' });
      expect(timing.calls).toBe(6);
    });
  });

  it("express-session verifies the cookie's signature in constant time (cookie-signature: timingSafeEqual, or a comparison of SHA-1 digests)", () => {
    const require = createRequire(import.meta.url);
    const sessionDir = path.dirname(require.resolve('express-session/package.json'));
    const signaturePath = createRequire(path.join(sessionDir, 'index.js')).resolve('cookie-signature');
    const source = readFileSync(signaturePath, 'utf8');
    // cookie-signature 1.0.7 (express-session 1.19's) compares sha1(mac) with sha1(val): the digests, not the
    // secret-derived MAC itself, so early exit reveals nothing usable; 1.2 uses timingSafeEqual.
    expect(source).toMatch(/crypto\.timingSafeEqual\(|sha1\(mac\) == sha1\(val\)/);
    // Never the raw comparison of the MAC with the cookie (the pre-1.0.4 timing leak).
    expect(source).not.toMatch(/sign\(str, secret\) ={2,3} val/);
  });
});
