import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeUserId, indexKey, recordKey } from './keys.js';

/** The hash tag Redis Cluster hashes: between the first `{` and the next `}`, when non-empty. */
function hashTag(key: string): string | null {
  const open = key.indexOf('{');
  if (open < 0) return null;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : null;
}

describe('redis keys', () => {
  it('an encoded user id never contains {, } or : and is never empty', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (userId) => {
        const encoded = encodeUserId(userId);
        expect(encoded).not.toMatch(/[{}:]/);
        expect(encoded.length).toBeGreaterThan(0);
      }),
    );
  });

  it('two different user ids never encode the same (lone surrogates included)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        fc.pre(a !== b);
        expect(encodeUserId(a)).not.toBe(encodeUserId(b));
      }),
    );
    expect(encodeUserId('\uD800')).not.toBe(encodeUserId('\uDBFF'));
    expect(encodeUserId('a:b')).not.toBe(encodeUserId('a%003ab'));
  });

  it("every key of a user has the user's hash tag, whatever the session id", () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (userId, sessionId) => {
        const tag = encodeUserId(userId);
        expect(hashTag(recordKey('sg', userId, sessionId))).toBe(tag);
        expect(hashTag(indexKey('sg', userId))).toBe(tag);
        expect(recordKey('sg', userId, sessionId)).not.toBe(indexKey('sg', userId));
      }),
    );
  });

  it('keeps ordinary ids readable', () => {
    expect(encodeUserId('42')).toBe('42');
    expect(encodeUserId('alice@example.com')).toBe('alice@example.com');
    expect(encodeUserId('6f1c2a9e-0b7d-4c1e-9a43-2f5b8e7d1c30')).toBe('6f1c2a9e-0b7d-4c1e-9a43-2f5b8e7d1c30');
    expect(indexKey('sg', 'a:b')).toBe('sg:{a%003ab}:idx');
    expect(recordKey('sg', '', 'x')).toBe('sg:{%}:s:x');
  });
});
