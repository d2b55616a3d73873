// Benchmark 6, bytes per session in Redis. First (issue 14, part 4) the three
// ways to keep sessions in Redis side by side, COMPARE_SESSIONS sessions each
// (1,000,000; one run), every session written through the real code:
// - (a) connect-redis alone: express-session's data of an app without sessionguard
//   (its cookie and a user id), through RedisStore.set();
// - (b) connect-redis + the Redis registry: the data of a sessionguard app (its
//   cookie and the guard's entry) through RedisStore.set(), and the record
//   through registry.create();
// - (c) the sessionguard store: the same record through store.registry.create()
//   and the same data through store.set(), the way a sign-in writes them.
// Each scenario's figure is the `INFO memory` used_memory delta divided by the
// sessions (what Redis really allocated: keys, values, dicts, expiries), with
// the MEMORY USAGE of one session's keys beside it. One user per session, the
// costliest case for the per-user index. The first COMPARE_REAL sessions of
// each layout go through the real code, one by one; the rest are exact copies
// of the last real session's keys (`DUMP`, then `RESTORE` with its expiry,
// pipelined) under new session ids and user ids of the same lengths: the same
// objects, bytes and encodings, loaded many times faster. Both figures are
// printed: over the real sessions alone, and over all of them.
//
// Then (issue 10, "bounded cost per account"): what the Redis registry holds
// per session, as Redis itself counts it. Every record goes through
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
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import { RESP_TYPES } from 'redis';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { deleteByPrefix, deleteStaleRuns, ensureBuilt, importPackage, importSourceEntry, printTable, redisClient, round, smoke, writeResults } from './lib.mjs';

const COMPARE_SESSIONS = Number(process.env.BENCH_BYTES_COMPARE_SESSIONS ?? (smoke ? 2_000 : 1_000_000));
const COMPARE_REAL = Math.min(COMPARE_SESSIONS, Number(process.env.BENCH_BYTES_COMPARE_REAL ?? (smoke ? 1_000 : 20_000)));
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


const callback = (run) => new Promise((resolve, reject) => run((error) => (error ? reject(error) : resolve())));

/** Fixed-width ids, so a copy's key names are as long as the real ones'. */
const cmpUser = (i) => `cmp-user-${String(i).padStart(7, '0')}`;

/**
 * Copies the keys of one real session (`template`: key names under which the
 * session id and the user id appear) `count` times: DUMP once, RESTORE with
 * the same absolute expiry under new ids of the same lengths, pipelined.
 */
async function replicate(client, template, sessionId, userId, count, firstIndex) {
  const binary = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  const objects = [];
  for (const key of template) objects.push({ key, dump: await binary.dump(key), expireAt: Number(await client.pExpireTime(key)) });
  const BATCH = 5_000;
  for (let offset = 0; offset < count; offset += BATCH) {
    const n = Math.min(BATCH, count - offset);
    const ids = randomBytes(24 * n).toString('base64url');
    const pipeline = client.multi();
    for (let i = 0; i < n; i++) {
      const sid = ids.slice(i * 32, (i + 1) * 32);
      const user = cmpUser(firstIndex + offset + i);
      for (const { key, dump, expireAt } of objects) {
        pipeline.restore(key.replace(sessionId, sid).replace(encodeURIComponent(userId), user).replace(userId, user), expireAt > 0 ? expireAt : 0, dump, expireAt > 0 ? { ABSTTL: true } : {});
      }
    }
    await pipeline.execAsPipeline();
  }
}

/**
 * (a), (b) and (c) at COMPARE_SESSIONS sessions each: one after the other,
 * each deleted before the next, so each delta is its own.
 */
async function compareLayouts(client, mod) {
  const { createRedisRegistry, createRedisSessionStore } = mod;
  const cookie = () => new session.Cookie({ sameSite: 'lax' });
  const CHUNK = 1_000;
  const now = Date.now();
  const record = (sessionId, i) => ({
    ...sessionRecord({ userId: cmpUser(i), userAgent: REALISTIC_UA, lastActivity: now, retainUntil: now + IDLE + 60_000 }),
    sessionId,
  });
  const guardData = (r) => ({ cookie: cookie(), sessionguard: { userId: r.userId, createdAt: r.createdAt, authHash: r.authHash } });
  const layouts = [];
  /** `write(sessionId, i)` writes one real session; `keysOf(sessionId, userId)` names its keys. */
  const layout = async (key, label, prefix, write, keysOf) => {
    await settle(client);
    const before = await usedMemory(client);
    const started = performance.now();
    let last = null;
    for (let offset = 0; offset < COMPARE_REAL; offset += CHUNK) {
      const count = Math.min(CHUNK, COMPARE_REAL - offset);
      const ids = randomBytes(24 * count).toString('base64url');
      await Promise.all(Array.from({ length: count }, (_, i) => write((last = ids.slice(i * 32, (i + 1) * 32)), offset + i)));
    }
    const realSeconds = round((performance.now() - started) / 1000, 1);
    await settle(client);
    const realDelta = (await usedMemory(client)) - before;
    const copyStarted = performance.now();
    if (COMPARE_SESSIONS > COMPARE_REAL) await replicate(client, keysOf(last, cmpUser(COMPARE_REAL - 1)), last, cmpUser(COMPARE_REAL - 1), COMPARE_SESSIONS - COMPARE_REAL, COMPARE_REAL);
    const copySeconds = round((performance.now() - copyStarted) / 1000, 1);
    await settle(client);
    const delta = (await usedMemory(client)) - before;
    const keyCount = (await keysUnder(client, prefix)).length;
    layouts.push({
      key,
      label,
      sessions: COMPARE_SESSIONS,
      realSessions: COMPARE_REAL,
      keys: keyCount,
      usedMemoryDelta: delta,
      bytesPerSession: round(delta / COMPARE_SESSIONS, 0),
      bytesPerSessionReal: round(realDelta / COMPARE_REAL, 0),
      realSeconds,
      copySeconds,
    });
    const deleted = await deleteByPrefix(client, prefix);
    console.log(`session-bytes: ${label}: ${round(delta / COMPARE_SESSIONS, 0)} B/session over ${COMPARE_SESSIONS.toLocaleString('en')} sessions (${round(realDelta / COMPARE_REAL, 0)} B over the ${COMPARE_REAL.toLocaleString('en')} written by the real code in ${realSeconds} s; copies in ${copySeconds} s); ${deleted} keys deleted`);
  };
  const a = `${PREFIX}cmp-a:`;
  const storeA = new RedisStore({ client, prefix: `${a}sess:` });
  await layout('connectRedis', '(a) connect-redis alone', a,
    (sid, i) => callback((done) => storeA.set(sid, { cookie: cookie(), userId: cmpUser(i) }, done)),
    (sid) => [`${a}sess:${sid}`]);
  const b = `${PREFIX}cmp-b:`;
  const storeB = new RedisStore({ client, prefix: `${b}sess:` });
  const registryB = createRedisRegistry({ client, prefix: `${b}sg`, commandTimeout: 120_000 });
  await layout('connectRedisRegistry', '(b) connect-redis + Redis registry', b,
    async (sid, i) => {
      const r = record(sid, i);
      await registryB.create(r);
      await callback((done) => storeB.set(sid, guardData(r), done));
    },
    (sid, user) => [`${b}sess:${sid}`, `${b}sg:{${user}}:s:${sid}`, `${b}sg:{${user}}:idx`]);
  const c = `${PREFIX}cmp-c:`;
  const storeC = createRedisSessionStore({ client, prefix: `${c}sg`, commandTimeout: 120_000 });
  await layout('store', '(c) sessionguard store', c,
    async (sid, i) => {
      const r = record(sid, i);
      await storeC.registry.create(r);
      await callback((done) => storeC.set(sid, guardData(r), done));
    },
    (sid, user) => [`${c}sg:s:${sid}`, `${c}sg:u:{${user}}`]);
  const byKey = Object.fromEntries(layouts.map((l) => [l.key, l]));
  const ratio = (x) => round(x.bytesPerSession / byKey.connectRedis.bytesPerSession, 2);
  const ratios = { registryVsConnectRedis: ratio(byKey.connectRedisRegistry), storeVsConnectRedis: ratio(byKey.store), storeVsRegistry: round(byKey.store.bytesPerSession / byKey.connectRedisRegistry.bytesPerSession, 2) };
  return { sessions: COMPARE_SESSIONS, realSessions: COMPARE_REAL, layouts: byKey, ratios, target: { limit: 1.2, met: ratios.storeVsConnectRedis <= 1.2 } };
}

/** One session of each layout, by MEMORY USAGE (exact, per key), with what it holds. */
async function oneOfEach(client, mod) {
  const { createRedisRegistry, createRedisSessionStore } = mod;
  const prefix = `${PREFIX}one:`;
  const now = Date.now();
  const r = { ...sessionRecord({ userId: 'one-user', userAgent: REALISTIC_UA, lastActivity: now, retainUntil: now + IDLE + 60_000 }) };
  const data = { cookie: new session.Cookie({ sameSite: 'lax' }), sessionguard: { userId: r.userId, createdAt: r.createdAt, authHash: r.authHash } };
  const storeA = new RedisStore({ client, prefix: `${prefix}a:sess:` });
  await callback((done) => storeA.set(r.sessionId, { cookie: data.cookie, userId: r.userId }, done));
  const storeB = new RedisStore({ client, prefix: `${prefix}b:sess:` });
  await createRedisRegistry({ client, prefix: `${prefix}b:sg` }).create(r);
  await callback((done) => storeB.set(r.sessionId, data, done));
  const storeC = createRedisSessionStore({ client, prefix: `${prefix}c:sg` });
  await storeC.registry.create(r);
  await callback((done) => storeC.set(r.sessionId, data, done));
  const keys = await keysUnder(client, prefix);
  const out = {};
  for (const key of keys.sort()) out[key.slice(prefix.length)] = { bytes: await memoryUsage(client, key), type: await client.type(key), encoding: await client.objectEncoding(key) };
  await deleteByPrefix(client, prefix);
  return out;
}

export async function run() {
  ensureBuilt();
  const { createRedisRegistry } = await registryModule();
  const client = await redisClient(DB);
  // Only what crashed runs left: a smoke run of this bench (npm test) may be loading beside us.
  const stale = await deleteStaleRuns(client, NAMESPACE);
  if (stale) console.log(`session-bytes: deleted ${stale} keys a previous run left under ${NAMESPACE}`);
  const probe = createRedisRegistry({ client, prefix: `${PREFIX}probe` });
  const issue10 = typeof probe.endedAt === 'function';
  const variant = issue10 ? 'bounded (issue 10)' : 'unbounded (before issue 10)';
  console.log(`session-bytes: registry ${variant}; ${SESSIONS.toLocaleString('en')} sessions per scenario, one account signing in ${LOGINS.toLocaleString('en')} times; Redis db ${DB}`);

  const mod = await registryModule();
  console.log(`session-bytes: comparing (a) connect-redis alone, (b) connect-redis + registry, (c) the sessionguard store at ${COMPARE_SESSIONS.toLocaleString('en')} sessions each`);
  const comparison = typeof mod.createRedisSessionStore === 'function' ? await compareLayouts(client, mod) : null;
  const oneSession = typeof mod.createRedisSessionStore === 'function' ? await oneOfEach(client, mod) : null;

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

  if (comparison) {
    const l = comparison.layouts;
    printTable(`Bytes per session in Redis, ${COMPARE_SESSIONS.toLocaleString('en')} sessions each (INFO memory used_memory Δ ÷ sessions)`, [
      ['layout', 'B/session', '÷ (a)', `B/session, the first ${COMPARE_REAL.toLocaleString('en')} alone`, 'keys', 'real code s', 'copies s'],
      ...Object.values(l).map((x) => [x.label, x.bytesPerSession, round(x.bytesPerSession / l.connectRedis.bytesPerSession, 2), x.bytesPerSessionReal, x.keys, x.realSeconds, x.copySeconds]),
    ]);
    console.log(`target: (c) ≤ 1.2 × (a): ${comparison.ratios.storeVsConnectRedis}× → ${comparison.target.met ? 'met' : 'MISSED'}; (c) ÷ (b) ${comparison.ratios.storeVsRegistry}×`);
  }
  if (oneSession) {
    printTable('One session of each layout, by MEMORY USAGE (key: bytes, type, encoding)', [
      ['key (under the layout\'s prefix)', 'bytes', 'type', 'encoding'],
      ...Object.entries(oneSession).map(([key, v]) => [key.replace(/[A-Za-z0-9_-]{32}$/, '<sid>'), v.bytes, v.type, v.encoding]),
    ]);
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
  writeResults('sessionBytes', { variant, sessions: SESSIONS, logins: LOGINS, scenarios: byKey, comparison, oneSession });
  return { variant, scenarios: byKey, comparison };
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
