/**
 * The short load test run by `npm test` (the full one is `npm run test:load`):
 * signed-in sessions browse and ping the built demo, once on the memory
 * registry and once on Redis, in two rounds that each end with every session
 * idling out. Asserts zero errors, that every session ended, that memory does
 * not keep growing from one round to the next, and that Redis is left with
 * no keys of ended sessions. No latency assertions: this is a leak and
 * correctness check, not a benchmark (figures are printed).
 */
import { describe, expect, it } from 'vitest';
import { runLoad, summarize, type LoadResult } from './run-load.mjs';

const SESSIONS = 30;
const ROUNDS = 2;
/** A generous bound: growth of the server's RSS from the end of round 1 to the end of the last round. */
const LEAK_BOUND_KIB = 50 * 1024;
/** Growth of the heap after GC; generous against the noise of lazily compiled code and caches. */
const HEAP_BOUND_KIB = 8 * 1024;

function check(result: LoadResult) {
  console.log(summarize(result));
  expect(result.errorSamples).toEqual([]);
  expect(result.errors).toBe(0);
  for (const detail of result.roundsDetail) {
    expect(detail.signedIn).toBe(SESSIONS);
    expect(detail.ended).toBe(SESSIONS);
    expect(detail.counts.ping).toBeGreaterThan(0);
    expect(detail.counts.page).toBeGreaterThan(0);
  }
  // RSS: from the end of round 1 to the end of the last (sign-in's scrypt leaves allocator arenas behind, so not from the start).
  expect(result.rssEndKiB - result.roundsDetail[0]!.rssAfterKiB).toBeLessThan(LEAK_BOUND_KIB);
  // The heap after a full GC, once every session ended, is back near where it started: nothing per session is kept.
  expect(result.heapEndKiB).toBeGreaterThan(0);
  expect(result.heapEndKiB - result.heapStartKiB).toBeLessThan(HEAP_BOUND_KIB);
  expect(result.heapEndKiB - result.roundsDetail[0]!.heapAfterKiB).toBeLessThan(HEAP_BOUND_KIB);
}

describe('load (short)', () => {
  it(
    `${SESSIONS} sessions browse and ping the demo on the memory registry and on Redis: no errors, every session ends, memory flat between rounds, no Redis keys left`,
    async () => {
      // Both at once: the two demos are separate processes, and the run stays within the time budget of npm test.
      const [memory, redis] = await Promise.all([
        runLoad({ registry: 'memory', sessions: SESSIONS, durationSeconds: 3, rounds: ROUNDS, concurrency: 16, settleMs: 1500 }),
        runLoad({ registry: 'redis', sessions: SESSIONS, durationSeconds: 3, rounds: ROUNDS, concurrency: 16, settleMs: 1500 }),
      ]);
      check(memory);
      check(redis);
      expect(redis.redisKeySample).toEqual([]);
      expect(redis.redisKeysLeft).toBe(0);
      // What stays on purpose: each user's remembered devices, one key per user of the demo (at most three), never per session.
      expect(redis.devicesKeys).toBeLessThanOrEqual(3);
    },
    120_000,
  );
});
