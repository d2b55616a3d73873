import { createSseParser, parsePushClosed, parsePushEnded, parsePushNotice, parsePushSession, PUSH_EVENTS, type DeviceNoticeBody } from '@sessionguard/core';
import type { Clock } from './clock.js';
import type { Ended } from './guard-state.js';
import { endFromResponse } from './ping.js';
import { afterStream, BUFFERING_TIMEOUT_MS, deadAfterMs, type StreamOutcome } from './push-policy.js';

/**
 * The push stream runner: holds `GET <base>/events` while the guard wants it
 * (this tab leads, and its session is live), reads it, and says when the
 * server ended the session. What to do after a stream ends is
 * {@link afterStream}'s decision; this file only carries it out.
 */
export interface PushStream {
  /** Whether this tab should hold the stream now; called after every transition (cheap when nothing changed). */
  want(on: boolean): void;
  /** Closes the stream and stops for good. */
  close(): void;
}

/** What {@link createPushStream} needs. */
export interface PushStreamOptions {
  url: string;
  fetch: typeof fetch;
  clock: Clock;
  /** Its `pagehide`/`pageshow` and its document's `freeze`/`resume` close and reopen the stream. */
  win: Window;
  /** The jitter of the reconnect delays. @default Math.random */
  random?: () => number;
  /** The server said the session ended: an `ended` event (with its session tag), or a 401 refusal naming the end. */
  onEnded(end: Ended, session: string | undefined): void;
  /** A `notice` event: the user signed in from a new device. */
  onNotice?(notice: DeviceNoticeBody): void;
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
};

/** Starts the runner (nothing is opened until `want(true)`). */
export function createPushStream(options: PushStreamOptions): PushStream {
  const { url, clock, win, random = Math.random, onEnded } = options;
  let wanted = false;
  let suspended = false;
  let closed = false;
  let stopped: 'page' | 'leadership' | null = null;
  let retryMs = 5000;
  let failures = 0;
  let current: AbortController | null = null;
  let cancelRetry: (() => void) | null = null;
  let cancelWatch = (): void => {};

  const reconcile = (): void => {
    if (!wanted || suspended || closed || stopped !== null) {
      current?.abort();
      current = null;
      cancelWatch();
      cancelRetry?.();
      cancelRetry = null;
    } else if (!current && !cancelRetry) connect();
  };

  function connect(): void {
    const abort = new AbortController();
    current = abort;
    let opened = false;
    let heartbeat = 25;
    const finish = (outcome: StreamOutcome): void => {
      if (current !== abort) return;
      current = null;
      abort.abort();
      cancelWatch();
      const next = afterStream(outcome, retryMs, failures, random);
      if ('stop' in next) stopped = next.stop;
      else {
        failures = next.failures;
        if (wanted && !suspended && !closed) {
          cancelRetry = clock.setTimeout(() => {
            cancelRetry = null;
            reconcile();
          }, next.retryIn);
        }
      }
      if (outcome.kind === 'ended') onEnded(outcome.end, outcome.session);
    };
    const watch = (ms: number, outcome: StreamOutcome): void => {
      cancelWatch();
      cancelWatch = clock.setTimeout(() => finish(outcome), ms);
    };
    const parser = createSseParser({
      onRetry: (ms) => void (retryMs = ms),
      onEvent: ({ event, data }) => {
        if (event === PUSH_EVENTS.session) {
          const session = parsePushSession(parseJson(data));
          if (!session.ok) return;
          opened = true;
          failures = 0;
          heartbeat = session.value.heartbeat;
        } else if (event === PUSH_EVENTS.ended) {
          const ended = parsePushEnded(parseJson(data));
          if (ended.ok) finish({ kind: 'ended', end: ended.value.code === 'session_expired' ? 'expired' : 'revoked', session: ended.value.session });
        } else if (event === PUSH_EVENTS.notice) {
          const notice = parsePushNotice(parseJson(data));
          if (notice.ok) options.onNotice?.(notice.value);
        } else if (event === PUSH_EVENTS.closed) {
          const why = parsePushClosed(parseJson(data));
          if (why.ok) finish({ kind: 'closed', reason: why.value.reason });
        }
      },
    });
    // From the request on: a buffering proxy may hold back the headers too.
    watch(BUFFERING_TIMEOUT_MS, { kind: 'buffered' });
    void (async () => {
      try {
        const response = await options.fetch(url, {
          headers: { accept: 'text/event-stream' },
          cache: 'no-store',
          credentials: 'same-origin',
          signal: abort.signal,
        });
        if (current !== abort) return void response.body?.cancel().catch(() => {});
        if (response.status !== 200) {
          const end = await endFromResponse(response);
          if (end) return finish({ kind: 'ended', end });
          const retryAfter = Number(response.headers.get('retry-after'));
          return finish({ kind: 'refused', status: response.status, retryAfter: retryAfter > 0 ? retryAfter : null });
        }
        if (!response.body || !/^text\/event-stream/i.test(response.headers.get('content-type') ?? '')) return finish({ kind: 'unsupported' });
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        for (;;) {
          const chunk = await reader.read();
          if (current !== abort) return;
          if (chunk.done) break;
          parser.push(decoder.decode(chunk.value, { stream: true }));
          if (current !== abort) return;
          // Any byte after the `session` event (a heartbeat, an event) says the stream is alive.
          if (opened) watch(deadAfterMs(heartbeat), { kind: 'dead', opened: true });
        }
        finish({ kind: 'dropped', opened });
      } catch {
        finish({ kind: 'dropped', opened });
      }
    })();
  }

  const suspend = (event: Event): void => {
    suspended = event.type === 'pagehide' || event.type === 'freeze';
    reconcile();
  };
  const doc = win.document;
  win.addEventListener('pagehide', suspend);
  win.addEventListener('pageshow', suspend);
  doc.addEventListener('freeze', suspend);
  doc.addEventListener('resume', suspend);

  return {
    want(on) {
      if (on === wanted) return;
      wanted = on;
      // Replaced by another tab's newer stream: this tab may hold one again once it leads again.
      if (!on && stopped === 'leadership') stopped = null;
      reconcile();
    },
    close() {
      closed = true;
      reconcile();
      win.removeEventListener('pagehide', suspend);
      win.removeEventListener('pageshow', suspend);
      doc.removeEventListener('freeze', suspend);
      doc.removeEventListener('resume', suspend);
    },
  };
}
