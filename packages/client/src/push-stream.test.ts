import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from './clock.js';
import type { Ended } from './guard-state.js';
import { createPushStream, type PushStream } from './push-stream.js';
import { jsonAnswer, sseEndpoint } from './test-sse.js';

let endpoint: ReturnType<typeof sseEndpoint>;
let ends: [Ended, string | undefined][];
let stream: PushStream;
const advance = (seconds: number) => vi.advanceTimersByTimeAsync(seconds * 1000);

function start(random = () => 1) {
  stream = createPushStream({
    url: 'http://localhost/session/events',
    fetch: async (input, init) => endpoint.handle(new Request(input, init)) ?? new Response(null, { status: 500 }),
    clock: systemClock,
    win: window,
    random,
    onEnded: (end, session) => {
      ends.push([end, session]);
      // As the guard does: the signed-out tab no longer wants the stream.
      stream.want(false);
    },
  });
  return stream;
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T10:00:00Z') });
  endpoint = sseEndpoint();
  ends = [];
});
afterEach(() => {
  stream?.close();
  vi.useRealTimers();
});

describe('the push stream of the leader tab', () => {
  it('opens only while wanted, and closes when this tab stops leading', async () => {
    start();
    await advance(1);
    expect(endpoint.streams).toHaveLength(0);
    stream.want(true);
    await advance(1);
    endpoint.streams[0]!.open();
    await advance(1);
    expect(endpoint.open).toBe(1);
    stream.want(false);
    await advance(1);
    expect(endpoint.streams[0]!.aborted).toBe(true);
    expect(endpoint.open).toBe(0);
    stream.want(true);
    await advance(1);
    expect(endpoint.streams).toHaveLength(2);
  });

  it('reports an ended event with its end and session tag, and does not reconnect', async () => {
    start().want(true);
    await advance(1);
    endpoint.streams[0]!.open({ session: 'tag-1' });
    await advance(1);
    endpoint.streams[0]!.ended('session_revoked', 'tag-1');
    await advance(1);
    expect(ends).toEqual([['revoked', 'tag-1']]);
    await advance(600);
    expect(endpoint.streams).toHaveLength(1);
  });

  it('treats a 401 refusal as the end it names', async () => {
    endpoint.answer = () => jsonAnswer(401, { error: 'session_expired', message: '' });
    start().want(true);
    await advance(1);
    expect(ends).toEqual([['expired', undefined]]);
  });

  it.each([403, 404])('never asks again on this page after %i (push off)', async (status) => {
    endpoint.answer = () => jsonAnswer(status, { error: status === 403 ? 'csrf_failed' : 'not_found', message: '' });
    start().want(true);
    await advance(3600);
    stream.want(false);
    stream.want(true);
    await advance(3600);
    expect(endpoint.streams).toHaveLength(1);
    expect(ends).toEqual([]);
  });

  it('never asks again after a 200 that is not an event stream', async () => {
    endpoint.answer = () => new Response('<html>not found</html>', { status: 200, headers: { 'content-type': 'text/html' } });
    start().want(true);
    await advance(3600);
    expect(endpoint.streams).toHaveLength(1);
  });

  it('waits Retry-After after a 429 before it tries again', async () => {
    endpoint.answer = () => jsonAnswer(429, { error: 'too_many_streams', message: '' }, { 'retry-after': '60' });
    start(() => 0).want(true);
    await advance(59);
    expect(endpoint.streams).toHaveLength(1);
    await advance(2);
    expect(endpoint.streams).toHaveLength(2);
  });

  it('closes a stream a proxy buffers (no session event within 10 s) and tries again with backoff', async () => {
    start().want(true);
    await advance(9);
    expect(endpoint.streams[0]!.aborted).toBe(false);
    await advance(2);
    expect(endpoint.streams[0]!.aborted).toBe(true);
    // Buffered again and again: 10 s (2 × the default retry of 5 s), then 20 s, then 40 s between tries (after each 10 s wait).
    const tries = [Date.now()];
    for (let second = 0; second < 200 && endpoint.streams.length < 4; second++) {
      const before = endpoint.streams.length;
      await advance(1);
      if (endpoint.streams.length > before) tries.push(Date.now());
    }
    expect(endpoint.streams).toHaveLength(4);
    const gaps = tries.slice(1).map((at, index) => (at - tries[index]!) / 1000);
    expect(gaps[1]! - gaps[0]!).toBeGreaterThanOrEqual(9);
    expect(gaps[2]! - gaps[1]!).toBeGreaterThanOrEqual(19);
  });

  it('gives up on a request whose answer a proxy holds back entirely (not even its headers) after 10 s', async () => {
    let aborted = 0;
    stream = createPushStream({
      url: 'http://localhost/session/events',
      fetch: (_input, init) => new Promise((_resolve, reject) => init!.signal!.addEventListener('abort', () => (aborted++, reject(new DOMException('aborted', 'AbortError'))))),
      clock: systemClock,
      win: window,
      random: () => 1,
      onEnded: () => {},
    });
    stream.want(true);
    await advance(9);
    expect(aborted).toBe(0);
    await advance(2);
    expect(aborted).toBe(1);
  });

  it('closes a stream silent for twice the heartbeat and 5 s, and reconnects', async () => {
    start().want(true);
    await advance(1);
    endpoint.streams[0]!.open({ heartbeat: 10, retry: 2000 });
    for (let beat = 0; beat < 5; beat++) {
      await advance(10);
      endpoint.streams[0]!.send(':\n\n');
    }
    expect(endpoint.streams[0]!.aborted).toBe(false);
    await advance(24);
    expect(endpoint.streams[0]!.aborted).toBe(false);
    await advance(2);
    expect(endpoint.streams[0]!.aborted).toBe(true);
    await advance(3);
    expect(endpoint.streams).toHaveLength(2);
  });

  it('reconnects after a dropped stream, at once-ish after closed recheck, never after closed replaced', async () => {
    start().want(true);
    await advance(1);
    endpoint.streams[0]!.open({ retry: 3000 });
    endpoint.streams[0]!.end();
    await advance(2);
    expect(endpoint.streams).toHaveLength(1);
    await advance(2);
    expect(endpoint.streams).toHaveLength(2);
    endpoint.streams[1]!.open();
    endpoint.streams[1]!.send('event: closed\ndata: {"reason":"recheck"}\n\n');
    endpoint.streams[1]!.end();
    await advance(1.1);
    expect(endpoint.streams).toHaveLength(3);
    endpoint.streams[2]!.open();
    endpoint.streams[2]!.send('event: closed\ndata: {"reason":"replaced"}\n\n');
    endpoint.streams[2]!.end();
    await advance(3600);
    expect(endpoint.streams).toHaveLength(3);
    // Leading again later (after another tab led): this tab may hold the stream again.
    stream.want(false);
    stream.want(true);
    await advance(1);
    expect(endpoint.streams).toHaveLength(4);
  });

  it('closes the stream when the page is hidden into the back/forward cache or frozen, and reopens on return', async () => {
    start().want(true);
    await advance(1);
    endpoint.streams[0]!.open();
    window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }));
    await advance(1);
    expect(endpoint.streams[0]!.aborted).toBe(true);
    window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
    await advance(1);
    expect(endpoint.streams).toHaveLength(2);
    document.dispatchEvent(new Event('freeze'));
    await advance(1);
    expect(endpoint.streams[1]!.aborted).toBe(true);
    document.dispatchEvent(new Event('resume'));
    await advance(1);
    expect(endpoint.streams).toHaveLength(3);
  });

  it('ignores junk events and keeps the stream', async () => {
    start().want(true);
    await advance(1);
    endpoint.streams[0]!.open();
    endpoint.streams[0]!.send('event: ended\ndata: {not json\n\nevent: ended\ndata: {"reason":"nope","code":"session_revoked"}\n\nevent: closed\ndata: {}\n\n');
    await advance(1);
    expect(ends).toEqual([]);
    expect(endpoint.open).toBe(1);
  });
});
