// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { afterStream, deadAfterMs } from './push-policy.js';

const always = () => 1;

describe('what the leader tab does after its push stream ends', () => {
  it('stops for the page on 403, 404 and a 200 that is not an event stream (push off or not offered)', () => {
    expect(afterStream({ kind: 'refused', status: 403, retryAfter: null }, 5000, 0, always)).toEqual({ stop: 'page' });
    expect(afterStream({ kind: 'refused', status: 404, retryAfter: null }, 5000, 0, always)).toEqual({ stop: 'page' });
    expect(afterStream({ kind: 'unsupported' }, 5000, 0, always)).toEqual({ stop: 'page' });
  });

  it('waits at least Retry-After (jittered up to half again) after 429 and 503', () => {
    expect(afterStream({ kind: 'refused', status: 429, retryAfter: 60 }, 5000, 0, () => 0)).toEqual({ retryIn: 60_000, failures: 1 });
    expect(afterStream({ kind: 'refused', status: 503, retryAfter: 5 }, 5000, 2, always)).toEqual({ retryIn: 7500, failures: 3 });
  });

  it('backs off exponentially on failures in a row, capped at 5 minutes', () => {
    const delays = [0, 1, 2, 3, 10].map((failures) => afterStream({ kind: 'refused', status: 500, retryAfter: null }, 5000, failures, always));
    expect(delays).toEqual([
      { retryIn: 10_000, failures: 1 },
      { retryIn: 20_000, failures: 2 },
      { retryIn: 40_000, failures: 3 },
      { retryIn: 80_000, failures: 4 },
      { retryIn: 300_000, failures: 11 },
    ]);
  });

  it('counts a buffered stream as a failure, and a dropped stream only if it never opened', () => {
    expect(afterStream({ kind: 'buffered' }, 4000, 1, always)).toEqual({ retryIn: 16_000, failures: 2 });
    expect(afterStream({ kind: 'dropped', opened: true }, 4000, 3, always)).toEqual({ retryIn: 4000, failures: 0 });
    expect(afterStream({ kind: 'dead', opened: true }, 4000, 0, always)).toEqual({ retryIn: 4000, failures: 0 });
    expect(afterStream({ kind: 'dropped', opened: false }, 4000, 0, always)).toEqual({ retryIn: 8000, failures: 1 });
  });

  it('follows the closed reasons: replaced stops until leadership changes, recheck within a second, shutdown after retry', () => {
    expect(afterStream({ kind: 'closed', reason: 'replaced' }, 4000, 0, always)).toEqual({ stop: 'leadership' });
    expect(afterStream({ kind: 'closed', reason: 'recheck' }, 4000, 2, () => 0.5)).toEqual({ retryIn: 500, failures: 0 });
    expect(afterStream({ kind: 'closed', reason: 'shutdown' }, 4000, 2, always)).toEqual({ retryIn: 4000, failures: 0 });
  });

  it('declares a stream dead after twice the heartbeat and 5 s of silence', () => {
    expect(deadAfterMs(25)).toBe(55_000);
  });
});
