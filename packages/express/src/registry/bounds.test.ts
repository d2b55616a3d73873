import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cutToUtf8Bytes, normalizeRegistryBounds, REGISTRY_BOUNDS_DEFAULTS } from './bounds.js';

describe('registry bounds', () => {
  it('cutToUtf8Bytes keeps the longest start that fits, as Redis clients encode it, and never splits a surrogate pair', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), fc.integer({ min: 0, max: 700 }), (value, max) => {
        const cut = cutToUtf8Bytes(value, max);
        expect(value.startsWith(cut)).toBe(true);
        expect(Buffer.byteLength(cut, 'utf8')).toBeLessThanOrEqual(max);
        if (cut.length < value.length) {
          const next = value.codePointAt(cut.length)! > 0xffff ? 2 : 1;
          expect(Buffer.byteLength(value.slice(0, cut.length + next), 'utf8')).toBeGreaterThan(max);
          // A pair is kept whole or left out whole.
          expect(/[\uD800-\uDBFF]$/.test(cut) && /^[\uDC00-\uDFFF]/.test(value.slice(cut.length))).toBe(false);
        }
      }),
    );
  });

  it('defaults live in one place and bad values are named', () => {
    expect(normalizeRegistryBounds('f', {})).toEqual({ maxSessionsPerUser: 100, keepEndedFor: 86_400_000 });
    expect(REGISTRY_BOUNDS_DEFAULTS).toEqual({ maxSessionsPerUser: 100, keepEndedFor: 86_400_000 });
    expect(normalizeRegistryBounds('f', { maxSessionsPerUser: 1, keepEndedFor: 0 })).toEqual({ maxSessionsPerUser: 1, keepEndedFor: 0 });
    expect(() => normalizeRegistryBounds('createX', { maxSessionsPerUser: Infinity })).toThrow(/^createX: `maxSessionsPerUser`/);
    expect(() => normalizeRegistryBounds('createX', { keepEndedFor: 1e300 })).toThrow(/^createX: `keepEndedFor`/);
  });
});
