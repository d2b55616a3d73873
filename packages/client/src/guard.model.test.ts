/**
 * The model run of machine.property.test.ts, once more through the real
 * guard: two headless tabs (memory channel, a leader the test sets), the fake
 * server of test-helpers, fake timers, and random activity, extends, clock
 * advances, revocations, outages and sign-ins in place. Fewer runs: each one
 * runs the real timers, channel and HTTP code.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GuardState } from './guard-state.js';
import { createSessionGuard, type SessionGuard } from './guard.js';
import type { TabMessage } from './tab-message.js';
import { fakeServer, manualLeader, memoryHub } from './test-helpers.js';

type Step =
  | { k: 'activity' }
  | { k: 'extend'; tab: number }
  | { k: 'advance'; ms: number }
  | { k: 'revoke' }
  | { k: 'down'; down: boolean }
  | { k: 'signIn'; tab: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ k: 'activity' as const }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 1 }).map((tab) => ({ k: 'extend' as const, tab })) },
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 120_000 }).map((ms) => ({ k: 'advance' as const, ms })) },
  { weight: 1, arbitrary: fc.constant({ k: 'revoke' as const }) },
  { weight: 1, arbitrary: fc.boolean().map((down) => ({ k: 'down' as const, down })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 1 }).map((tab) => ({ k: 'signIn' as const, tab })) },
);

let guards: SessionGuard[] = [];
beforeEach(() => vi.useFakeTimers({ now: new Date('2026-01-01T10:00:00Z') }));
afterEach(() => {
  for (const guard of guards) guard.destroy();
  guards = [];
  vi.useRealTimers();
});

describe('the real guard under random sequences (fast-check, fake timers)', () => {
  it('warns at least 20 s before expiry, stays ended until a sign-in, and only the leader pings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 25 }), async (steps) => {
        for (const guard of guards) guard.destroy();
        guards = [];
        const server = fakeServer({ warnAfter: 60, expireAfter: 120 });
        const hub = memoryHub<TabMessage>();
        const pingsBy = [0, 0];
        const states: GuardState[][] = [[], []];
        for (const index of [0, 1]) {
          const guard = createSessionGuard({
            signInUrl: '/login',
            username: 'alice',
            fetch: (input, init) => {
              if ((input instanceof Request ? input.url : String(input)).endsWith('/session/ping')) pingsBy[index]!++;
              return server.fetch(input, init);
            },
            channel: hub.channel(),
            leader: manualLeader(index === 0),
            location: { assign: () => {}, reload: () => {} },
          });
          guard.subscribe((state) => states[index]!.push(state));
          guards.push(guard);
        }
        /** Per tab: the server ended the session and the tab shows it; cleared by a sign-in. */
        const ended = [false, false];
        let outage = false;
        for (const step of steps) {
          if (step.k === 'activity') document.dispatchEvent(new Event('mousedown'));
          else if (step.k === 'extend') guards[step.tab]!.extend();
          else if (step.k === 'advance') await vi.advanceTimersByTimeAsync(step.ms);
          else if (step.k === 'revoke') server.revoke();
          else if (step.k === 'down') outage ||= server.down = step.down;
          else if (['expired', 'revoked', 'signed-out'].includes(guards[step.tab]!.state.status) && !server.down) {
            expect(await guards[step.tab]!.signIn('alice', 'alice-pass')).toBe('ok');
            ended.fill(false);
          }
          await vi.advanceTimersByTimeAsync(0);
          for (const index of [0, 1]) {
            const { status, warnAt, expiresAt } = guards[index]!.state;
            if (status === 'warning') expect(expiresAt! - warnAt!).toBeGreaterThanOrEqual(20_000);
            const over = !server.alive() && (status === 'expired' || status === 'revoked' || status === 'signed-out');
            if (over && !server.down) ended[index] = true;
            if (ended[index] && !server.down) expect(['active', 'warning']).not.toContain(status);
          }
        }
        // A leader that answers at once: the other tab never needed to ask the server (outages aside, where it asks after 3 s).
        if (!outage) expect(pingsBy[1]).toBe(0);
        expect(pingsBy[0]).toBeGreaterThan(0);
        // A new object only when something changed.
        for (const seen of states) for (let index = 1; index < seen.length; index++) expect(seen[index]).not.toEqual(seen[index - 1]);
      }),
      { numRuns: Number(process.env.GUARD_MODEL_RUNS ?? 40) },
    );
  }, 120_000);
});
