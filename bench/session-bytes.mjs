// Benchmark 6, bytes per session in Redis (issue 10, "bounded cost per
// account"): what the Redis registry (@sessionguard/express/redis) holds per
// session, as Redis itself counts it. Every record goes through
// registry.create(), the way the adapter writes it at sign-in.
//
// Scenarios (SESSIONS sessions each, one per user, unless said otherwise):
// - live, a realistic User-Agent (a current Chrome on macOS, 117 bytes);
// - live, a 16 kB User-Agent (about the most Node's default header limit lets through);
// - ended: the 24 hours after a session's idle end. Before issue 10 the adapter
//   kept the whole record until end + 24 h; with it the record goes at the end
//   (plus a grace) and only a tombstone stays for `keepEndedFor` (24 h). The
//   bench tells the two registries apart by `endedAt` and writes each the way
//   its adapter does: retainUntil = end + 24 h (still in the future) for the
//   old one; for the new one a retainUntil just ahead, then it waits until
//   Redis has dropped every record key;
// - one account that signs in LOGINS times with a 16 kB User-Agent and never
//   signs out (a script, or an attacker with a stolen password): what Redis
//   holds for that one account, and what one list() of it returns.
//
// Figures per scenario: the sum of `MEMORY USAGE <key> SAMPLES 0` over every
// key the scenario wrote, divided by the sessions (exact: other clients of the
// same Redis cannot blur it), the `INFO memory` used_memory delta divided by the
// sessions (what the server really allocated, including its dict overhead;
// blurred by anything else writing to the same Redis at the time), and
// `MEMORY USAGE` of one record and of one index.
//
// Keys live in logical database BENCH_BYTES_DB (default 10) under
// sgbench:bytes:<pid>: and are deleted after each scenario (and whatever a
// crashed earlier run left under sgbench:bytes:, first).
//
// BENCH_BYTES_FROM=<path to a redis/index.ts> measures another version of the
// registry, e.g. a copy of the sources from before a change (bundled with
// esbuild like BENCH_FROM_SRC does).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { deleteByPrefix, ensureBuilt, importPackage, importSourceEntry, printTable, redisClient, round, smoke, writeResults } from './lib.mjs';

const SESSIONS = Number(process.env.BENCH_BYTES_SESSIONS ?? (smoke ? 200 : 10_000));
const LOGINS = Number(process.env.BENCH_BYTES_LOGINS ?? (smoke ? 150 : 10_000));
const DB = Number(process.env.BENCH_BYTES_DB ?? 10);
const NAMESPACE = 'sgbench:bytes:';
const PREFIX = `${NAMESPACE}${process.pid}:`;
const CONCURRENCY = 200;
const DAY = 86_400_000;
const IDLE = 30 * 60_000;

const REALISTIC_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';
const HUGE_UA = `Mozilla/5.0 (X11; Linux x86_64) ${'AppleWebKit/537.36 '.repeat(2000)}`.slice(0, 16_000);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The registry module: the package (or its sources with BENCH_FROM_SRC=1), or the entry BENCH_BYTES_FROM names. */
async function registryModule() {
  const from = process.env.BENCH_BYTES_FROM;
  return from ? importSourceEntry(path.resolve(from), 'bytes-from') : importPackage('@sessionguard/express/redis');
}

const usedMemory = async (client) => Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1]);

/** Waits until Redis has freed what earlier UNLINKs handed to its background thread. */
async function settle(client) {
  for (let i = 0; i < 100; i++) {
    const pending = Number(/lazyfree_pending_objects:(\d+)/.exec(await client.info('memory'))?.[1] ?? 0);
    if (pending === 0) break;
    await sleep(50);
  }
  await sleep(smoke ? 20 : 200);
}

async function keysUnder(client, prefix) {
  const keys = [];
  for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 10_000 })) keys.push(...batch.map(String));
  return keys;
}

/** `MEMORY USAGE key SAMPLES 0`: every field counted (node-redis's memoryUsage() drops a SAMPLES of 0, and the default samples 5). */
const memoryUsage = async (client, key) => Number((await client.sendCommand(['MEMORY', 'USAGE', key, 'SAMPLES', '0'])) ?? 0);

async function bytesOf(client, keys) {
  let total = 0;
  for (let i = 0; i < keys.length; i += 1000) {
    const sizes = await Promise.all(keys.slice(i, i + 1000).map((key) => memoryUsage(client, key)));
    for (const size of sizes) total += Number(size ?? 0);
  }
  return total;
}

async function inBatches(count, create) {
  for (let offset = 0; offset < count; offset += CONCURRENCY) {
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count - offset) }, (_, i) => create(offset + i)));
  }
}

/** A record with the fields and sizes a sessionguard sign-in writes. */
function sessionRecord({ userId, userAgent, lastActivity, retainUntil, createdAt = lastActivity }) {
  return {
    sessionId: randomBytes(24).toString('base64url'), // 32 characters, like express-session's
    userId,
    publicId: randomBytes(32).toString('base64url'), // an HMAC-SHA256, 43 characters
    createdAt,
    lastActivity,
    authenticatedAt: createdAt,
    ip: '203.0.113.77',
    userAgent,
    authHash: randomBytes(32).toString('base64url'),
    retainUntil,
  };
}

export async function run() {
  ensureBuilt();
  const { createRedisRegistry } = await registryModule();
  const client = await redisClient(DB);
  const stale = await deleteByPrefix(client, NAMESPACE);
  if (stale) console.log(`session-bytes: deleted ${stale} keys a previous run left under ${NAMESPACE}`);
  const probe = createRedisRegistry({ client, prefix: `${PREFIX}probe` });
  const issue10 = typeof probe.endedAt === 'function';
  const variant = issue10 ? 'bounded (issue 10)' : 'unbounded (before issue 10)';
  console.log(`session-bytes: registry ${variant}; ${SESSIONS.toLocaleString('en')} sessions per scenario, one account signing in ${LOGINS.toLocaleString('en')} times; Redis db ${DB}`);

  const scenarios = [];
  let n = 0;
  /** Runs one scenario under its own key prefix; `load(registry)` returns the sessions it means to count. */
  async function scenario(key, label, load, extra) {
    const prefix = `${PREFIX}${key}:sg`;
    // Loading fires many scripts at once: a long timeout; the figures do not depend on it.
    const registry = createRedisRegistry({ client, prefix, commandTimeout: 120_000 });
    await settle(client);
    const before = await usedMemory(client);
    const started = performance.now();
    const sessions = await load(registry, prefix);
    const loadSeconds = round((performance.now() - started) / 1000, 1);
    await settle(client);
    const after = await usedMemory(client);
    const keys = await keysUnder(client, `${prefix}:`);
    const recordKey = keys.find((k) => k.includes('}:s:'));
    const indexKey = keys.find((k) => k.endsWith('}:idx'));
    const total = await bytesOf(client, keys);
    const figures = {
      key,
      label,
      sessions,
      keys: keys.length,
      recordKeys: keys.filter((k) => k.includes('}:s:')).length,
      memoryUsagePerSession: round(total / sessions, 0),
      usedMemoryDeltaPerSession: round((after - before) / sessions, 0),
      memoryUsageTotal: total,
      usedMemoryDelta: after - before,
      oneRecord: recordKey ? await memoryUsage(client, recordKey) : null,
      recordEncoding: recordKey ? await client.objectEncoding(recordKey) : null,
      oneIndex: indexKey ? await memoryUsage(client, indexKey) : null,
      indexMembers: indexKey ? await client.zCard(indexKey) : null,
      loadSeconds,
      ...(extra ? await extra(registry) : {}),
    };
    scenarios.push(figures);
    const deleted = await deleteByPrefix(client, `${prefix}:`);
    console.log(`session-bytes: ${label}: ${figures.memoryUsagePerSession} B/session by MEMORY USAGE, ${figures.usedMemoryDeltaPerSession} B/session by used_memory; ${deleted} keys deleted`);
  }

  const perUser = (userAgent, times) => async (registry) => {
    await inBatches(SESSIONS, (i) => registry.create(sessionRecord({ userId: `user-${n}-${i}`, userAgent, ...times(Date.now()) })));
    n += 1;
    return SESSIONS;
  };
  const live = (now) => ({ lastActivity: now, retainUntil: now + IDLE + (issue10 ? 60_000 : DAY) });
  /** Ended an hour ago: the old registry still holds the record until end + 24 h; the new one only until end + grace. */
  const ended = (now) => ({ createdAt: now - 2 * 3600_000, lastActivity: now - 3600_000 - IDLE, retainUntil: issue10 ? now + 1000 : now - 3600_000 + DAY });
  const endedLoad = (userAgent) => async (registry, prefix) => {
    const count = await perUser(userAgent, ended)(registry);
    if (issue10) {
      // Let every record run out, then wait until Redis has deleted them all (SCAN also expires what it meets).
      await sleep(1100);
      for (let i = 0; i < 200 && (await keysUnder(client, `${prefix}:`)).some((k) => k.includes('}:s:')); i++) await sleep(50);
    }
    return count;
  };

  try {
    await scenario('live', 'live, realistic User-Agent', perUser(REALISTIC_UA, live));
    await scenario('live16k', 'live, 16 kB User-Agent', perUser(HUGE_UA, live));
    await scenario('ended', 'ended 1 h ago (within 24 h), realistic User-Agent', endedLoad(REALISTIC_UA));
    await scenario('ended16k', 'ended 1 h ago (within 24 h), 16 kB User-Agent', endedLoad(HUGE_UA));
    await scenario(
      'account',
      `one account, ${LOGINS.toLocaleString('en')} sign-ins, 16 kB User-Agent`,
      async (registry) => {
        for (let i = 0; i < LOGINS; i += 50) {
          await Promise.all(Array.from({ length: Math.min(50, LOGINS - i) }, (_, j) => registry.create(sessionRecord({ userId: 'attacker', userAgent: HUGE_UA, ...live(Date.now() + i + j) }))));
        }
        return LOGINS;
      },
      async (registry) => {
        const started = performance.now();
        const listed = await registry.list('attacker');
        return { listMs: round(performance.now() - started, 1), listed: listed.length, listReplyBytes: Buffer.byteLength(JSON.stringify(listed)) };
      },
    );
  } finally {
    await deleteByPrefix(client, PREFIX);
    await client.quit();
  }

  const byKey = Object.fromEntries(scenarios.map((s) => [s.key, s]));
  const account = byKey.account;
  printTable(`Bytes per session in Redis, ${variant}`, [
    ['scenario', 'sessions', 'B/session (MEMORY USAGE)', 'B/session (used_memory Δ)', 'one record B', 'record encoding', 'one index B', 'keys held'],
    ...scenarios.map((s) => [s.label, s.sessions, s.memoryUsagePerSession, s.usedMemoryDeltaPerSession, s.oneRecord ?? '—', s.recordEncoding ?? '—', s.oneIndex ?? '—', s.keys]),
  ]);
  console.log(
    `one account after ${LOGINS.toLocaleString('en')} sign-ins: ${account.recordKeys} records held, ${account.indexMembers} index members, ` +
      `${(account.memoryUsageTotal / 1e6).toFixed(2)} MB in Redis; one list() returned ${account.listed} records (${(account.listReplyBytes / 1e6).toFixed(2)} MB as JSON) in ${account.listMs} ms`,
  );
  writeResults('sessionBytes', { variant, sessions: SESSIONS, logins: LOGINS, scenarios: byKey });
  return { variant, scenarios: byKey };
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
