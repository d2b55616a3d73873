/**
 * For the push tests: a plain HTTP client of `GET <mount>/events` that keeps
 * every raw byte (to prove what the stream never carries) and parses events
 * with the core's SSE parser; and timers driven by a test clock, so heartbeats
 * and expiry checks run when a test says, never after a sleep.
 */
import { createSseParser, type SseEvent } from '@sessionguard/core';
import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { PushTimers } from './options.js';

/** One open (or refused) stream, as a test sees it. */
export interface TestStream {
  status: number;
  headers: IncomingHttpHeaders;
  /** Every byte received so far, as text. */
  raw(): string;
  events: SseEvent[];
  retries: number[];
  /** Heartbeats (comment lines) received. */
  comments: number;
  /** Resolves with the next event named `name` not yet taken (or any, without `name`). */
  next(name?: string): Promise<SseEvent>;
  /** Resolves once `comments` reaches `count`. */
  heartbeats(count: number): Promise<void>;
  /** Resolves when the server has ended the response. */
  ended: Promise<void>;
  /** The JSON body of a refusal. */
  json(): Promise<unknown>;
  /** Drops the connection from the client side. */
  close(): void;
}

/** Opens `path` on `origin` with `cookie` (or none), answering once the status line and headers arrived. */
export function openStream(
  origin: string,
  cookie: string | null,
  { path = '/session/events', headers = {} }: { path?: string; headers?: Record<string, string> } = {},
): Promise<TestStream> {
  return new Promise((resolve, reject) => {
    const req = request(`${origin}${path}`, {
      headers: { Accept: 'text/event-stream', ...(cookie ? { Cookie: cookie } : {}), ...headers },
      agent: false,
    });
    req.once('error', reject);
    req.once('response', (res: IncomingMessage) => {
      let raw = '';
      const events: SseEvent[] = [];
      let taken = 0;
      const waiters: Array<() => void> = [];
      const wake = () => {
        for (const waiter of waiters.splice(0)) waiter();
      };
      const stream: TestStream = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        raw: () => raw,
        events,
        retries: [],
        comments: 0,
        next(name) {
          return new Promise((done, fail) => {
            const look = () => {
              for (let i = taken; i < events.length; i += 1) {
                if (name === undefined || events[i]!.event === name) {
                  taken = i + 1;
                  return done(events[i]!);
                }
              }
              if (finished) return fail(new Error(`stream ended without a${name ? ` "${name}"` : 'n'} event; got: ${raw}`));
              waiters.push(look);
            };
            look();
          });
        },
        heartbeats(count) {
          return new Promise((done, fail) => {
            const look = () => {
              if (stream.comments >= count) return done();
              if (finished) return fail(new Error(`stream ended after ${stream.comments} heartbeats`));
              waiters.push(look);
            };
            look();
          });
        },
        ended: new Promise((done) => res.once('close', () => done())),
        async json() {
          await stream.ended;
          return JSON.parse(raw) as unknown;
        },
        close: () => {
          req.destroy();
          res.destroy();
        },
      };
      let finished = false;
      const parser = createSseParser({
        onEvent: (event) => events.push(event),
        onRetry: (ms) => stream.retries.push(ms),
        onComment: () => {
          stream.comments += 1;
        },
      });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        parser.push(chunk);
        wake();
      });
      res.once('close', () => {
        finished = true;
        parser.end();
        wake();
      });
      res.once('error', () => {});
      resolve(stream);
    });
    req.end();
  });
}

/** {@link PushTimers} on a test clock: `runDue()` runs what is due at `now()`, including what those schedule. */
export function manualTimers(now: () => number) {
  const scheduled = new Set<{ callback: () => void; at: number; ms: number }>();
  const timers: PushTimers & { runDue(): number; readonly pending: number; delays(): number[] } = {
    setTimeout(callback, ms) {
      const timer = { callback, at: now() + ms, ms };
      scheduled.add(timer);
      return timer;
    },
    clearTimeout(handle) {
      scheduled.delete(handle as { callback: () => void; at: number; ms: number });
    },
    runDue() {
      let ran = 0;
      for (;;) {
        const due = [...scheduled].filter((timer) => timer.at <= now()).sort((a, b) => a.at - b.at)[0];
        if (!due) return ran;
        scheduled.delete(due);
        due.callback();
        ran += 1;
      }
    },
    get pending() {
      return scheduled.size;
    },
    delays: () => [...scheduled].map((timer) => timer.ms),
  };
  return timers;
}
