// @vitest-environment jsdom
/**
 * Property-based fuzz of the browser SDK's handling of server answers: a
 * fake fetch answers each ping with something drawn at random (valid answers,
 * malformed JSON, wrong statuses and content types, 401s with known and
 * unknown codes, network errors, late answers, answers that never come),
 * while fake timers move time and the page sees activity and wake-ups.
 *
 * Properties: nothing throws out of the guard (no window `error`, no
 * unhandled rejection, no error the guard had to swallow), and the dialogs
 * never contradict the server's latest word.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSessionGuard, type SessionGuard, type TabMessage } from '@sessionguard/client';
import { MIN_WARNING_SECONDS, parseErrorBody, parsePingResponse, type PingResponse } from '@sessionguard/core';
import { attachDialogs } from '../../packages/client/src/ui.js';
import { manualLeader, memoryHub } from '../../packages/client/src/test-helpers.js';

type Answer =
  | { kind: 'ok'; body: PingResponse; contentType: string; delayMs: number }
  | { kind: 'raw'; status: number; body: string; contentType: string | null; delayMs: number }
  | { kind: 'end'; error: 'session_expired' | 'session_revoked' | 'unauthenticated'; delayMs: number }
  | { kind: 'network-error'; delayMs: number }
  | { kind: 'hang' };

const delay = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }) });

const validAnswer = fc
  .record({
    warnAfter: fc.integer({ min: 1, max: 600 }),
    extra: fc.integer({ min: 1, max: 600 }),
    idleFraction: fc.double({ min: 0, max: 1.2, noNaN: true }),
    absoluteRemaining: fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: null }),
  })
  .map(({ warnAfter, extra, idleFraction, absoluteRemaining }) => {
    const expireAfter = warnAfter + extra;
    return { idleFor: Math.round(idleFraction * expireAfter), warnAfter, expireAfter, absoluteRemaining } satisfies PingResponse;
  });

const junkBody = fc.oneof(
  fc.constantFrom(
    '',
    'null',
    '{}',
    '[]',
    '"ok"',
    '<!doctype html><title>Sign in</title>',
    '{"idleFor":-1,"warnAfter":30,"expireAfter":60,"absoluteRemaining":null}',
    '{"idleFor":"0","warnAfter":30,"expireAfter":60,"absoluteRemaining":null}',
    '{"idleFor":0,"warnAfter":60,"expireAfter":30,"absoluteRemaining":null}',
    '{"idleFor":0,"warnAfter":0,"expireAfter":30,"absoluteRemaining":null}',
    '{"idleFor":0,"warnAfter":30,"expireAfter":60,"absoluteRemaining":-5}',
    '{"idleFor":NaN,"warnAfter":30,"expireAfter":60}',
    '{"idleFor":1e999,"warnAfter":30,"expireAfter":60,"absoluteRemaining":null}',
    '{"__proto__":{"idleFor":0,"warnAfter":30,"expireAfter":60,"absoluteRemaining":null}}',
    '{"error":"session_expired"}',
    '{"error":"something_else","message":"x"}',
    '{"idleFor":0,"warnAfter":30,"expireAfter":60,"absoluteRemaining":null',
  ),
  fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value) ?? ''),
  fc.string({ maxLength: 100 }),
);
const contentType = fc.constantFrom<string | null>('application/json', 'text/html', 'text/plain', null, 'application/json; charset=utf-8');

const answerArb: fc.Arbitrary<Answer> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('ok' as const), body: validAnswer, contentType: fc.constantFrom('application/json', 'text/plain'), delayMs: delay }) },
  // A 200 with a body that is not a PingResponse, and every other status with any body.
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('raw' as const),
      status: fc.constantFrom(200, 201, 204, 301, 400, 401, 403, 404, 408, 413, 429, 500, 502, 503, 504),
      body: junkBody,
      contentType,
      delayMs: delay,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('end' as const), error: fc.constantFrom('session_expired' as const, 'session_revoked' as const, 'unauthenticated' as const), delayMs: delay }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('network-error' as const), delayMs: delay }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'hang' as const }) },
);

type Step = { kind: 'advance'; ms: number } | { kind: 'activity'; event: string } | { kind: 'wake'; event: string } | { kind: 'extend' };
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 400_000 }).map((ms) => ({ kind: 'advance' as const, ms })) },
  { weight: 2, arbitrary: fc.constantFrom('mousemove', 'keydown', 'pointerdown', 'scroll', 'touchstart').map((event) => ({ kind: 'activity' as const, event })) },
  { weight: 1, arbitrary: fc.constantFrom('visibilitychange', 'focus', 'pageshow', 'online').map((event) => ({ kind: 'wake' as const, event })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'extend' as const }) },
);

const TITLES = {
  warning: 'Your session is about to expire',
  expired: 'Your session has expired',
  revoked: 'You have been signed out',
} as const;

function dialogTitles(): string[] {
  return [...document.querySelectorAll('[role="alertdialog"]')].map(
    (dialog) => document.getElementById(dialog.getAttribute('aria-labelledby') ?? '')?.textContent ?? '(untitled)',
  );
}

const json = (status: number, body: string, type: string | null) =>
  new Response(status === 204 || status === 304 ? null : body, { status, headers: type ? { 'content-type': type } : {} });

interface Delivered {
  sentAt: number;
  answer: Answer;
}

/** The fake server: answers the n-th request with the n-th drawn answer (then valid answers), and records what it delivered. */
function fakeFetch(answers: Answer[]) {
  const delivered: Delivered[] = [];
  let index = 0;
  let pending = 0;
  const fetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const signal = init?.signal ?? request.signal;
    const sentAt = Date.now();
    // The push stream is not what is fuzzed here (push-policy and push-stream tests are): this server has none, as a server
    // without push answers. Drawn answers go to pings only, so the oracle's "server's word" is what the pings were told
    // (a stream request that took a drawn 200 was counted as the server's word, though the client rightly ignores a non-SSE body).
    if (new URL(request.url).pathname.endsWith('/events')) return Promise.resolve(json(404, '{"error":"not_found","message":""}', 'application/json'));
    const answer: Answer = answers[index++] ?? { kind: 'ok', body: { idleFor: 0, warnAfter: 60, expireAfter: 120, absoluteRemaining: null }, contentType: 'application/json', delayMs: 0 };
    pending++;
    return new Promise<Response>((resolve, reject) => {
      const settle = (run: () => void, as: Answer = answer) => {
        pending--;
        delivered.push({ sentAt, answer: as });
        run();
      };
      // Aborted (ky's 15 s timeout) before the answer came: the client got no answer at all.
      const abort = () => settle(() => reject(new DOMException('The operation was aborted.', 'AbortError')), { kind: 'hang' });
      if (signal?.aborted) return abort();
      signal?.addEventListener('abort', abort, { once: true });
      if (answer.kind === 'hang') return;
      setTimeout(() => {
        if (signal?.aborted) return;
        signal?.removeEventListener('abort', abort);
        settle(() => {
          if (answer.kind === 'network-error') reject(new TypeError('Failed to fetch'));
          else if (answer.kind === 'ok') resolve(json(200, JSON.stringify(answer.body), answer.contentType));
          else if (answer.kind === 'end') resolve(json(401, JSON.stringify({ error: answer.error, message: '' }), 'application/json'));
          else resolve(json(answer.status, answer.body, answer.contentType));
        });
      }, answer.delayMs);
    });
  };
  return { fetch, delivered, pending: () => pending };
}

/** What the server last said, from the answers delivered so far. */
/**
 * CI runs a fixed seed (`FUZZ_SEED` picks another; unset outside CI, a fresh one each run, printed on failure):
 * a counterexample a random run finds is fixed and its seed added here, not left to fail a landing by chance.
 */
const SEED = process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : process.env.CI ? { seed: 20261202 } : {};

/**
 * Counterexamples random runs found, replayed first on every run (fast-check's `examples`).
 * 1. A network error, then a valid answer whose warning lead (11 s) is under the 20 s minimum, then `extend()`: the push
 *    stream's request took the network error and, reconnecting after its jittered delay, the next 200, which the oracle
 *    took for the server's word (fixed in the fake server: it has no push stream).
 */
const COUNTEREXAMPLES: [Answer[], Step[]][] = [
  [
    [
      { kind: 'network-error', delayMs: 0 },
      { kind: 'ok', body: { idleFor: 0, warnAfter: 1, expireAfter: 12, absoluteRemaining: null }, contentType: 'application/json', delayMs: 0 },
    ],
    [{ kind: 'advance', ms: 5623 }, { kind: 'extend' }],
  ],
];

function serverWord(delivered: Delivered[]) {
  let lastValid: { sentAt: number; body: PingResponse } | null = null;
  let ended: 'session_expired' | 'session_revoked' | 'unauthenticated' | null = null;
  for (const { sentAt, answer } of delivered) {
    if (ended) break;
    if (answer.kind === 'ok') lastValid = { sentAt, body: answer.body };
    if (answer.kind === 'end') ended = answer.error;
    if (answer.kind === 'raw') {
      // A drawn "raw" answer may still be a well-formed one: judge it by the wire contract.
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(answer.body);
      } catch {
        parsed = null;
      }
      const ping = parsePingResponse(parsed);
      if (answer.status === 200 && ping.ok) lastValid = { sentAt, body: ping.value };
      const error = parseErrorBody(parsed)?.error;
      if (answer.status === 401 && (error === 'session_expired' || error === 'session_revoked' || error === 'unauthenticated')) ended = error;
    }
  }
  if (!lastValid) return { ended, warnAt: Infinity, expiresAt: Infinity, hasView: false };
  const { sentAt, body } = lastValid;
  const idleEnd = sentAt + (body.expireAfter - body.idleFor) * 1000;
  const expiresAt = body.absoluteRemaining === null ? idleEnd : Math.min(idleEnd, sentAt + body.absoluteRemaining * 1000);
  const warnAt = expiresAt - Math.max(MIN_WARNING_SECONDS, body.expireAfter - body.warnAfter) * 1000;
  return { ended, warnAt, expiresAt, hasView: true };
}

let guard: SessionGuard | null = null;
const problems: string[] = [];
const onError = (event: ErrorEvent) => problems.push(`window error: ${event.message}`);
const onRejection = (event: PromiseRejectionEvent) => problems.push(`unhandled rejection: ${String(event.reason)}`);
const onProcessRejection = (reason: unknown) => problems.push(`unhandled rejection (process): ${String(reason)}`);

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T10:00:00Z') });
  window.addEventListener('error', onError);
  window.addEventListener('unhandledrejection', onRejection);
  process.on('unhandledRejection', onProcessRejection);
});
afterEach(() => {
  guard?.destroy();
  guard = null;
  window.removeEventListener('error', onError);
  window.removeEventListener('unhandledrejection', onRejection);
  process.off('unhandledRejection', onProcessRejection);
  vi.restoreAllMocks();
  vi.useRealTimers();
  document.body.innerHTML = '';
});

const flush = async () => {
  for (let round = 0; round < 5; round++) await vi.advanceTimersByTimeAsync(0);
};

describe('fuzz: the client under arbitrary server answers', () => {
  it('never throws out of its handlers and never shows a dialog that contradicts the server', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(answerArb, { minLength: 1, maxLength: 12 }), fc.array(stepArb, { minLength: 1, maxLength: 15 }), async (answers, steps) => {
        guard?.destroy();
        document.body.innerHTML = '<main><textarea aria-label="Notes"></textarea></main>';
        problems.length = 0;
        const swallowed = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
          problems.push(`console.error: ${args.map(String).join(' ')}`);
        });
        const server = fakeFetch(answers);
        const hub = memoryHub<TabMessage>();
        guard = createSessionGuard({
          baseUrl: '/session',
          signInUrl: '/login',
          logoutUrl: '/logout',
          loginPageUrl: '/login',
          username: 'alice',
          fetch: server.fetch,
          channel: hub.channel(),
          leader: manualLeader(true),
          location: { assign: () => {}, reload: () => {} },
        });
        // The client is headless: the dialogs checked below are the built-in UI's.
        attachDialogs(guard, { locale: 'en' });
        await flush();

        for (const step of steps) {
          if (step.kind === 'advance') await vi.advanceTimersByTimeAsync(step.ms);
          else if (step.kind === 'activity') document.querySelector('textarea')!.dispatchEvent(new Event(step.event, { bubbles: true }));
          else if (step.kind === 'wake') (step.event === 'visibilitychange' ? document : window).dispatchEvent(new Event(step.event));
          else guard.extend();
          await flush();

          const now = Date.now();
          const word = serverWord(server.delivered);
          const titles = dialogTitles();
          const status = guard.state.status;
          const context = `status ${status}, dialogs ${JSON.stringify(titles)}, server ${JSON.stringify(word)}, now ${now}`;
          expect(problems, context).toEqual([]);
          expect(titles.length, context).toBeLessThanOrEqual(1);
          if (word.ended === 'session_expired') {
            expect(status, context).toBe('expired');
            expect(titles, context).toEqual([TITLES.expired]);
          } else if (word.ended === 'unauthenticated' && word.hasView && now >= word.expiresAt && status === 'expired') {
            // `unauthenticated` says only that the server forgot the session; once past the end the server
            // itself announced, the client may read it as the expiry it is (it does when it lands past that end).
            expect(titles, context).toEqual([TITLES.expired]);
          } else if (word.ended === 'session_revoked' || word.ended === 'unauthenticated') {
            expect(status, context).toBe(word.ended === 'session_revoked' ? 'revoked' : 'signed-out');
            expect(titles, context).toEqual([TITLES.revoked]);
          } else {
            // The server never said the session ended: no signed-out dialog, ever.
            expect(['active', 'warning', 'expired'], context).toContain(status);
            if (!word.hasView || now < word.warnAt) {
              // Its latest valid answer puts the warning in the future (or it gave none yet): nothing shows.
              expect(status, context).toBe('active');
              expect(titles, context).toEqual([]);
            }
            if (status === 'expired') expect(now, context).toBeGreaterThanOrEqual(word.expiresAt);
            if (status === 'warning') expect(titles, context).toEqual([TITLES.warning]);
          }
        }
        swallowed.mockRestore();
      }),
      { numRuns: Math.ceil(Number(process.env.FUZZ_RUNS ?? 300) / 2), ...SEED, examples: COUNTEREXAMPLES },
    );
  });

  it('after a valid 200 saying idleFor 0, no expired dialog shows, even when earlier answers were garbage', async () => {
    // Garbage only: no valid answer and no end before the last one (the client stops asking once it has a valid view).
    const garbageArb = answerArb.filter((answer) => {
      const word = serverWord([{ sentAt: 0, answer }]);
      return answer.kind !== 'end' && answer.kind !== 'ok' && word.ended === null && !word.hasView;
    });
    await fc.assert(
      fc.asyncProperty(fc.array(garbageArb, { maxLength: 6 }), async (garbage) => {
        guard?.destroy();
        document.body.innerHTML = '';
        const answers: Answer[] = [
          ...garbage,
          { kind: 'ok', body: { idleFor: 0, warnAfter: 60, expireAfter: 120, absoluteRemaining: 3600 }, contentType: 'application/json', delayMs: 0 },
        ];
        const server = fakeFetch(answers);
        guard = createSessionGuard({
          fetch: server.fetch,
          channel: memoryHub<TabMessage>().channel(),
          leader: manualLeader(true),
          location: { assign: () => {}, reload: () => {} },
        });
        attachDialogs(guard, { locale: 'en' });
        // Let the client work through the garbage (its retries back off up to 30 s; hangs time out after 15 s).
        for (let round = 0; round < 60 && server.delivered.length < answers.length; round++) {
          await vi.advanceTimersByTimeAsync(5_000);
        }
        await flush();
        const last = server.delivered.at(-1);
        expect(last?.answer.kind).toBe('ok');
        // Within the answer's warning lead, whatever the client believed before, it now shows nothing.
        if (Date.now() < last!.sentAt + 60_000) {
          expect(dialogTitles()).toEqual([]);
          expect(guard.state.status).toBe('active');
        }
      }),
      { numRuns: Math.ceil(Number(process.env.FUZZ_RUNS ?? 300) / 5), ...SEED },
    );
  });
});
