#!/usr/bin/env node
/**
 * `npm run test:load`: the full load test. 1,000 signed-in sessions browse and
 * ping the demo for 60 seconds (two rounds of 30 s, each ending with every
 * session idling out), against the memory registry and against Redis
 * (REDIS_URL, default redis://127.0.0.1:6379). Prints requests, errors,
 * p50/p99 latency and the server's RSS; exits 1 on any error or on memory
 * that keeps growing from one round's end to the next.
 *
 * Flags: --sessions N (1000), --seconds S (60, split over the rounds),
 * --rounds R (2), --concurrency C (32), --registry memory|redis|both (both),
 * --json FILE (write the raw result).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runLoad, summarize } from './run-load.mjs';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '60' },
    rounds: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '32' },
    registry: { type: 'string', default: 'both' },
    json: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const registries = values.registry === 'both' ? ['memory', 'redis'] : [values.registry];
/** Growth of RSS from the end of the first round to the end of the last, beyond which we call it a leak. */
const LEAK_BOUND_KIB = 50 * 1024;
/** The same for the heap after a full GC (measured through test/load/heap-probe.cjs). */
const HEAP_BOUND_KIB = 8 * 1024;

let failed = false;
const results = [];
for (const registry of registries) {
  const result = await runLoad({
    registry,
    sessions: Number(values.sessions),
    durationSeconds: Number(values.seconds) / rounds,
    rounds,
    concurrency: Number(values.concurrency),
    log: (line) => console.log(line),
  });
  results.push(result);
  console.log(summarize(result));
  const first = result.roundsDetail[0]?.rssAfterKiB ?? NaN;
  const growth = result.rssEndKiB - first;
  console.log(`  RSS growth from the end of round 1 to the end of round ${rounds}: ${(growth / 1024).toFixed(1)} MiB`);
  if (result.errors > 0) {
    console.error(`${registry}: ${result.errors} errors`);
    failed = true;
  }
  const heapGrowth = result.heapEndKiB - (result.roundsDetail[0]?.heapAfterKiB ?? NaN);
  console.log(`  heap-after-GC growth from the end of round 1 to the end of round ${rounds}: ${(heapGrowth / 1024).toFixed(1)} MiB`);
  if (!(heapGrowth < HEAP_BOUND_KIB)) {
    console.error(`${registry}: the heap after GC grew by ${(heapGrowth / 1024).toFixed(1)} MiB between rounds`);
    failed = true;
  }
  if (!(growth < LEAK_BOUND_KIB)) {
    console.error(`${registry}: memory grew by ${(growth / 1024).toFixed(1)} MiB between rounds`);
    failed = true;
  }
  if (registry === 'redis' && result.redisKeysLeft > 0) {
    console.error(`redis: ${result.redisKeysLeft} keys left after every session ended (e.g. ${result.redisKeySample.join(', ')})`);
    failed = true;
  }
}
if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 2));
process.exit(failed ? 1 : 0);
