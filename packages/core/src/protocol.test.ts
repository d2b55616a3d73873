import { describe, expect, it } from 'vitest';
import { parseErrorBody, parsePingRequest, parsePingResponse } from './index.js';

describe('parsePingRequest', () => {
  it('accepts a number of seconds, up to 366 days', () => {
    expect(parsePingRequest({ idleFor: 12.5 })).toEqual({ ok: true, value: { idleFor: 12.5 } });
    expect(parsePingRequest({ idleFor: 31_622_400 })).toEqual({ ok: true, value: { idleFor: 31_622_400 } });
  });
  it.each([
    [undefined, 'invalid_body'],
    [null, 'invalid_body'],
    [[], 'invalid_body'],
    ['{"idleFor":1}', 'invalid_body'],
    [{ idleFor: 1, extra: true }, 'invalid_body'],
    [{}, 'invalid_idle_for'],
    [{ idleFor: -1 }, 'invalid_idle_for'],
    [{ idleFor: Number.NaN }, 'invalid_idle_for'],
    [{ idleFor: '5' }, 'invalid_idle_for'],
    [{ idleFor: 31_622_401 }, 'invalid_idle_for'],
    [{ idleFor: 1e308 }, 'invalid_idle_for'],
  ])('rejects %o with %s', (body, error) => {
    expect(parsePingRequest(body)).toMatchObject({ ok: false, error });
  });
});

describe('parsePingResponse', () => {
  it('accepts the server view', () => {
    const body = { idleFor: 3, warnAfter: 30, expireAfter: 60, absoluteRemaining: null };
    expect(parsePingResponse(body)).toEqual({ ok: true, value: body });
  });
  it.each([
    [{ idleFor: -3, warnAfter: 30, expireAfter: 60, absoluteRemaining: null }],
    [{ idleFor: 3, warnAfter: 60, expireAfter: 30, absoluteRemaining: null }],
    [{ idleFor: 3, warnAfter: 30, expireAfter: 60, absoluteRemaining: 'soon' }],
    [{ idleFor: 3, warnAfter: 30, expireAfter: 60 }],
    ['ok'],
  ])('treats a malformed answer %o as no answer', (body) => {
    expect(parsePingResponse(body).ok).toBe(false);
  });
});

describe('parseErrorBody', () => {
  it('reads known codes only', () => {
    expect(parseErrorBody({ error: 'session_expired', message: 'gone' })).toEqual({ error: 'session_expired', message: 'gone' });
    expect(parseErrorBody({ error: 'teapot' })).toBeNull();
    expect(parseErrorBody({ error: 'toString' })).toBeNull();
  });
});
