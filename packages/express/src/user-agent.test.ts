import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { boundUserAgent, describeUserAgent } from './user-agent.js';

const bytes = (value: string) => Buffer.byteLength(value, 'utf8');
/** True when no surrogate stands alone. */
const wellFormed = (value: string) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value);
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;

const CHROME = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';

describe('boundUserAgent', () => {
  it('keeps an ordinary User-Agent as it is, and gives null for none', () => {
    expect(boundUserAgent(CHROME)).toBe(CHROME);
    expect(boundUserAgent(null)).toBeNull();
    expect(boundUserAgent(undefined)).toBeNull();
    expect(boundUserAgent('')).toBeNull();
    expect(boundUserAgent('\u0000\r\n\t')).toBeNull();
  });

  it('cuts a 16 kB User-Agent to 512 bytes', () => {
    const huge = `${CHROME} ${'x'.repeat(16_000)}`;
    const bounded = boundUserAgent(huge)!;
    expect(bytes(bounded)).toBe(512);
    expect(huge.startsWith(bounded)).toBe(true);
  });

  it('cuts between two characters: never half of a surrogate pair or of a multi-byte character', () => {
    expect(boundUserAgent(`a${'🚀'.repeat(200)}`)).toBe(`a${'🚀'.repeat(127)}`);
    expect(boundUserAgent('é'.repeat(300))).toBe('é'.repeat(256));
    expect(boundUserAgent(`x${'€'.repeat(200)}`)).toBe(`x${'€'.repeat(170)}`);
    const exact = `${'y'.repeat(510)}é`;
    expect(boundUserAgent(exact)).toBe(exact);
  });

  it('removes control characters (CR, LF, NUL, escapes: log and terminal injection) and lone surrogates', () => {
    expect(boundUserAgent('Mozilla/5.0\r\nX-Injected: 1')).toBe('Mozilla/5.0X-Injected: 1');
    expect(boundUserAgent('curl/8.0\u0000\u001b[31m\u007f\u0085')).toBe('curl/8.0[31m');
    expect(boundUserAgent('a\uD800b\uDC00c')).toBe('a\uFFFDb\uFFFDc');
  });

  it('whatever the input: at most 512 bytes, well formed, no control character, and a start of the cleaned input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 2000 }), fc.string({ unit: 'grapheme', maxLength: 600 })), (input) => {
        const bounded = boundUserAgent(input);
        if (bounded === null) return;
        expect(bytes(bounded)).toBeLessThanOrEqual(512);
        expect(wellFormed(bounded)).toBe(true);
        expect(bounded).not.toMatch(CONTROL);
        const cleaned = input.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD').replace(/[\u0000-\u001F\u007F-\u009F]/g, '');
        expect(cleaned.startsWith(bounded)).toBe(true);
        // Cut only when it had to: one more character would not have fitted.
        if (bounded.length < cleaned.length) expect(bytes(cleaned.slice(0, bounded.length + (cleaned.codePointAt(bounded.length)! > 0xffff ? 2 : 1)))).toBeGreaterThan(512);
      }),
    );
  });
});

describe('describeUserAgent', () => {
  it('describes a real User-Agent', () => {
    expect(describeUserAgent(CHROME)).toEqual({ browser: 'Chrome 140', os: 'macOS 10.15.7', device: 'desktop (Apple)' });
  });

  it('gives nulls for none, and accepts undefined', () => {
    expect(describeUserAgent(null)).toEqual({ browser: null, os: null, device: null });
    expect(describeUserAgent(undefined)).toEqual({ browser: null, os: null, device: null });
  });

  it('keeps every field at most 64 characters, and free of control characters, whatever the input', () => {
    const longVersion = `Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/${'9'.repeat(5000)}.0 Safari/537.36`;
    const longModel = `Mozilla/5.0 (Linux; Android 14; ${'M'.repeat(5000)} Build/UP1A) AppleWebKit/537.36 Chrome/140.0 Mobile Safari/537.36`;
    const controls = 'Mozilla/5.0 (Linux; Android 14; Pixel\u001b[2J 8\r\n) AppleWebKit/537.36 Chrome/140.0 Mobile Safari/537.36';
    for (const input of [longVersion, longModel, controls, 'x'.repeat(16_000)]) {
      for (const value of Object.values(describeUserAgent(input))) {
        if (value === null) continue;
        expect(value.length).toBeLessThanOrEqual(64);
        expect(value).not.toMatch(CONTROL);
        expect(wellFormed(value)).toBe(true);
      }
    }
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 3000 }), fc.constantFrom('', 'Mozilla/5.0 (Linux; Android 14; ', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/'), (input, start) => {
        for (const value of Object.values(describeUserAgent(start + input))) {
          if (value === null) continue;
          expect(value.length).toBeLessThanOrEqual(64);
          expect(value).not.toMatch(CONTROL);
          expect(wellFormed(value)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
