import { describe, expect, it } from 'vitest';
import { parseErrorBody, parsePingRequest, parsePingResponse, parsePushNotice } from './index.js';

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

describe('device notices in the ping answer (issue 15)', () => {
  const timing = { idleFor: 3, warnAfter: 30, expireAfter: 60, absoluteRemaining: null };
  const notice = { publicId: 'a'.repeat(43), browser: 'Firefox 140', os: 'Windows 10', device: null, ago: 12 };

  it('keeps well-formed notices', () => {
    expect(parsePingResponse({ ...timing, notices: [notice] })).toEqual({ ok: true, value: { ...timing, notices: [notice] } });
  });

  it.each([
    [[{ ...notice, publicId: 'not a tag!' }]],
    [[{ ...notice, ago: -1 }]],
    [[{ ...notice, browser: 'x'.repeat(65) }]],
    [Array.from({ length: 6 }, () => notice)],
    ['soon'],
  ])('drops malformed notices %o but keeps the timing beside them', (notices) => {
    expect(parsePingResponse({ ...timing, notices })).toEqual({ ok: true, value: timing });
  });

  it('parsePushNotice reads the data of a notice event', () => {
    expect(parsePushNotice(notice)).toEqual({ ok: true, value: notice });
    expect(parsePushNotice({ ...notice, ago: 'now' }).ok).toBe(false);
  });
});
