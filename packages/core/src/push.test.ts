import { describe, expect, it } from 'vitest';
import {
  createSseParser,
  END_REASONS,
  endCode,
  MAX_PUSH_RECONNECT_MS,
  parsePushClosed,
  parsePushEnded,
  parsePushSession,
  pushReconnectDelay,
  type SseEvent,
} from './push.js';

function parseAll(chunks: string[]) {
  const events: SseEvent[] = [];
  const retries: number[] = [];
  const comments: string[] = [];
  const parser = createSseParser({ onEvent: (event) => events.push(event), onRetry: (ms) => retries.push(ms), onComment: (text) => comments.push(text) });
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return { events, retries, comments };
}

describe('createSseParser', () => {
  const stream = 'retry: 5273\nevent: session\ndata: {"a":1}\n\n:\n\nevent: ended\ndata: {"reason":"logout"}\n\n';

  it('reads events, retry and heartbeat comments however the text is split', () => {
    const whole = parseAll([stream]);
    expect(whole.events).toEqual([
      { event: 'session', data: '{"a":1}' },
      { event: 'ended', data: '{"reason":"logout"}' },
    ]);
    expect(whole.retries).toEqual([5273]);
    expect(whole.comments).toEqual(['']);
    for (let cut = 1; cut < stream.length; cut += 1) {
      expect(parseAll([stream.slice(0, cut), stream.slice(cut)])).toEqual(whole);
    }
    expect(parseAll([...stream])).toEqual(whole);
  });

  it('takes CRLF and CR line ends, also split between chunks, and joins data lines with LF', () => {
    const crlf = 'event: x\r\ndata: one\r\ndata: two\r\n\r\n';
    expect(parseAll([crlf]).events).toEqual([{ event: 'x', data: 'one\ntwo' }]);
    expect(parseAll(['event: x\r', '\ndata: one\r', '\r']).events).toEqual([{ event: 'x', data: 'one' }]);
    expect(parseAll(['data:plain\r\r']).events).toEqual([{ event: 'message', data: 'plain' }]);
  });

  it('drops an unterminated last event, events without data and a retry that is not digits', () => {
    expect(parseAll(['event: x\n\nretry: soon\n\ndata: cut']).events).toEqual([]);
    expect(parseAll(['retry: soon\n\n']).retries).toEqual([]);
  });
});

describe('the push events', () => {
  it('ended: every reason with its code; a mismatched code or unknown reason is refused', () => {
    for (const reason of END_REASONS) {
      expect(parsePushEnded({ reason, code: endCode(reason), session: 'abc_-1' })).toEqual({ ok: true, value: { reason, code: endCode(reason), session: 'abc_-1' } });
    }
    expect(endCode('expired_idle')).toBe('session_expired');
    expect(endCode('expired_absolute')).toBe('session_expired');
    expect(endCode('revoked_by_admin')).toBe('session_revoked');
    expect(parsePushEnded({ reason: 'logout', code: 'session_expired' }).ok).toBe(false);
    expect(parsePushEnded({ reason: 'nope', code: 'session_revoked' }).ok).toBe(false);
    expect(parsePushEnded({ reason: 'logout', code: 'session_revoked', session: 'has space' }).ok).toBe(false);
  });

  it('session: a ping answer plus a positive heartbeat', () => {
    const answer = { idleFor: 0, warnAfter: 30, expireAfter: 60, absoluteRemaining: null };
    expect(parsePushSession({ ...answer, heartbeat: 25 })).toEqual({ ok: true, value: { ...answer, heartbeat: 25 } });
    expect(parsePushSession(answer).ok).toBe(false);
    expect(parsePushSession({ ...answer, warnAfter: 90, heartbeat: 25 }).ok).toBe(false);
  });

  it('closed: replaced, recheck or shutdown', () => {
    for (const reason of ['replaced', 'recheck', 'shutdown'] as const) expect(parsePushClosed({ reason })).toEqual({ ok: true, value: { reason } });
    expect(parsePushClosed({ reason: 'bye' }).ok).toBe(false);
    expect(parsePushClosed(null).ok).toBe(false);
  });
});

describe('pushReconnectDelay', () => {
  it('is between half and all of retry × 2^failures, capped at five minutes', () => {
    expect(pushReconnectDelay(4000, 0, () => 0)).toBe(2000);
    expect(pushReconnectDelay(4000, 0, () => 1)).toBe(4000);
    expect(pushReconnectDelay(4000, 3, () => 0)).toBe(16_000);
    expect(pushReconnectDelay(4000, 3, () => 1)).toBe(32_000);
    expect(pushReconnectDelay(4000, 50, () => 1)).toBe(MAX_PUSH_RECONNECT_MS);
    expect(pushReconnectDelay(Number.NaN, 0, () => 1)).toBe(5000);
  });

  it('spreads a thousand clients over the whole window', () => {
    const delays = Array.from({ length: 1000 }, () => pushReconnectDelay(10_000, 0));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(5000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(10_000);
    // Not bunched: every second of the window gets some.
    for (let second = 5; second < 10; second += 1) expect(delays.some((d) => d >= second * 1000 && d < (second + 1) * 1000)).toBe(true);
  });
});
