// Benchmark 5, revoke a user everywhere at scale: SESSIONS sessions of USERS
// users in a real Redis, stored twice the way a sessionguard app stores them:
// the express-session data in connect-redis, and the registry records
// (@sessionguard/express/redis) with their per-user index.
//
// Timed, one user at a time:
// - sessionguard list:   registry.list(userId)
// - sessionguard revoke: guard.revokeUser(userId): the registry's per-user
//   revoke plus destroying each session's express-session data in connect-redis
// - connect-redis list:  store.all(), then filter by user (its only way)
// - connect-redis revoke: store.all(), filter, store.destroy() each
// Median and p99 over SG_USERS users for sessionguard; the scan reads every
// session each time, so it is timed over SCAN_USERS users only, its list figure being the
// all() + filter part of its revoke.
//
// Keys live under a prefix of this run (sgbench:revoke:<pid>:) and are all
// deleted afterwards (SCAN + UNLINK), along with anything a crashed earlier
// run left under sgbench:revoke:.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { deleteByPrefix, deleteStaleRuns, ensureBuilt, importPackage, median, percentile, printTable, redisClient, round, smoke, writeResults } from './lib.mjs';

const SESSIONS = Number(process.env.BENCH_REVOKE_SESSIONS ?? (smoke ? 10_000 : 1_000_000));
const USERS = Number(process.env.BENCH_REVOKE_USERS ?? SESSIONS / 10);
const SG_USERS = smoke ? 20 : 100;
const SCAN_USERS = Number(process.env.BENCH_REVOKE_SCAN_USERS ?? (smoke ? 2 : 3));
const BATCH = 5_000;
const NAMESPACE = 'sgbench:revoke:';
const PREFIX = `${NAMESPACE}${process.pid}:`;
const STORE_DB = Number(process.env.BENCH_STORE_DB ?? 9);
const SECRET = 'bench-revoke-secret-0123456789abcdef0123456789abcd';

// The default logger writes one JSON line per revoked session to stdout; an app ships logs its own
// way, so the timed revocation leaves logging out.
const silent = { info() {}, warn() {}, error() {} };
const userOf = (index) => `user-${index % USERS}`;

const MGET_CHUNK = 10_000;

/** connect-redis's all(), step for step (its SCAN, its serializer), with the MGET in chunks. */
async function allInChunks(store) {
  const keys = await store.getAllKeys();
  const sessions = [];
  for (let i = 0; i < keys.length; i += MGET_CHUNK) {
    const chunk = keys.slice(i, i + MGET_CHUNK);
    const values = await store.client.mGet(chunk);
    values.forEach((raw, index) => {
      if (!raw) return;
      const sess = store.serializer.parse(raw);
      sess.id = chunk[index].substring(store.prefix.length);
      sessions.push(sess);
    });
  }
  return sessions;
}

async function timed(fn) {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

export async function run() {
  ensureBuilt();
  const { RedisStore } = await import('connect-redis');
  let createSessionGuard = null;
  try {
    ({ createSessionGuard } = await importPackage('@sessionguard/express'));
  } catch {}

  const { createRedisRegistry, encodeUserId } = await importPackage('@sessionguard/express/redis');
  const client = await redisClient();
  // connect-redis gets a logical database of its own, so its scan walks its sessions only, not
  // also the registry's keys: the fairest case for the scan.
  const storeClient = await redisClient(STORE_DB);
  for (const c of [client, storeClient]) {
    // Only what crashed runs left: a smoke run of this bench (npm test) may be loading beside us.
    const stale = await deleteStaleRuns(c, NAMESPACE);
    if (stale) console.log(`revoke: deleted ${stale} keys a previous run left under ${NAMESPACE}`);
  }
  const store = new RedisStore({ client: storeClient, prefix: `${PREFIX}sess:` });
  const registryPrefix = `${PREFIX}sg`;
  // Loading fires thousands of scripts at once: give it a long timeout. The timed calls use the default one.
  const loader = createRedisRegistry({ client, prefix: registryPrefix, commandTimeout: 120_000 });
  const registry = createRedisRegistry({ client, prefix: registryPrefix });
  const guard =
    typeof createSessionGuard === 'function'
      ? createSessionGuard({ secret: SECRET, preset: 'aal3', loginUrl: '/login', registry, store, logger: silent })
      : null;

  const figures = { sessions: SESSIONS, users: USERS };
  try {
    // --- load. The i-th session belongs to user i mod USERS, so every user has SESSIONS / USERS
    // sessions. The users whose revocation is timed are created through registry.create(); the
    // rest, the background, is written in pipelined batches straight in the registry's documented key
    // layout (keys.ts: a hash per record, a sorted set per user), which is many times faster. The
    // list check below fails if that layout ever drifts from the registry's.
    const loadStart = performance.now();
    const now = Date.now();
    const retainUntil = now + 86_400_000;
    const cookie = { originalMaxAge: null, expires: null, httpOnly: true, path: '/', sameSite: 'lax' };
    const userAgent = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36';
    const heapBefore = process.memoryUsage().heapUsed;
    for (let offset = 0; offset < SESSIONS; offset += BATCH) {
      const pending = [];
      const sessionsPipeline = storeClient.multi();
      const registryPipeline = client.multi();
      const end = Math.min(SESSIONS, offset + BATCH);
      const ids = randomBytes(24 * (end - offset)).toString('base64url'); // 32 characters per id, like express-session's
      const publicIds = randomBytes(16 * (end - offset)).toString('base64url');
      for (let i = offset; i < end; i++) {
        const sessionId = ids.slice((i - offset) * 32, (i - offset + 1) * 32);
        const publicId = publicIds.slice((i - offset) * 21, (i - offset + 1) * 21);
        const userIndex = i % USERS;
        const userId = userOf(i);
        const createdAt = now - (i % 3600) * 1000;
        sessionsPipeline.set(`${PREFIX}sess:${sessionId}`, JSON.stringify({ cookie, sessionguard: { userId, createdAt } }), { expiration: { type: 'EX', value: 86_400 } });
        const ip = `10.0.${(i >> 8) & 255}.${i & 255}`;
        if (userIndex < SG_USERS) {
          pending.push(loader.create({ sessionId, userId, publicId, createdAt, lastActivity: now, authenticatedAt: createdAt, ip, userAgent, authHash: null, retainUntil }));
        } else {
          // The fields registry.create() writes. Background records get no TTL of their own (one
          // PEXPIREAT fewer per session); every key is deleted at the end anyway.
          const base = `${registryPrefix}:{${encodeUserId(userId)}}:`;
          registryPipeline.hSet(`${base}s:${sessionId}`, [
            'sessionId', sessionId, 'userId', userId, 'publicId', publicId, 'createdAt', String(createdAt), 'lastActivity', String(now),
            'authenticatedAt', String(createdAt), 'retainUntil', String(retainUntil), 'ip', ip, 'userAgent', userAgent,
          ]);
          registryPipeline.zAdd(`${base}idx`, { score: retainUntil, value: sessionId });
          if (i >= SESSIONS - USERS) registryPipeline.pExpireAt(`${base}idx`, retainUntil); // the user's last session
        }
      }
      pending.push(sessionsPipeline.execAsPipeline(), registryPipeline.execAsPipeline());
      await Promise.all(pending);
      if (!smoke && offset % 200_000 === 0 && offset) console.log(`revoke: loaded ${offset} sessions…`);
    }
    figures.loadSeconds = round((performance.now() - loadStart) / 1000, 1);
    figures.redisUsedMemoryMiB = round(Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1] ?? 0) / 2 ** 20, 0);
    figures.redisKeys = (await client.dbSize()) + (await storeClient.dbSize());
    console.log(`revoke: loaded ${SESSIONS} sessions of ${USERS} users in ${figures.loadSeconds} s (Redis ${figures.redisUsedMemoryMiB} MiB, ${figures.redisKeys} keys in the db)`);

    // --- sessionguard: users 0..SG_USERS-1. Let Redis and the heap settle after the load, and warm
    // up the scripts on other users first.
    await new Promise((resolve) => setTimeout(resolve, smoke ? 100 : 2000));
    globalThis.gc?.(); // the load's garbage is the bench's, not the operation's (node --expose-gc)
    for (let i = 0; i < 20; i++) await registry.list(userOf(USERS - 1 - i));
    const sgList = [];
    const sgRevoke = [];
    let sgRevoked = 0;
    for (let u = 0; u < SG_USERS; u++) {
      const userId = userOf(u);
      const listed = await timed(() => registry.list(userId));
      if (listed.value.length !== SESSIONS / USERS) throw new Error(`sessionguard listed ${listed.value.length} sessions of ${userId}`);
      sgList.push(listed.ms);
      const revoked = await timed(async () => {
        if (guard) return guard.revokeUser(userId);
        const records = await registry.revokeUser(userId);
        await Promise.all(records.map((record) => store.destroy(record.sessionId)));
        return records;
      });
      sgRevoke.push(revoked.ms);
      sgRevoked += Array.isArray(revoked.value) ? revoked.value.length : typeof revoked.value === 'number' ? revoked.value : 0;
    }
    const left = await registry.list(userOf(0));
    if (left.length) throw new Error(`sessionguard left ${left.length} sessions of ${userOf(0)} after revoking`);

    // --- connect-redis: all(), filter, destroy each (users far from the ones above). The list
    // figure is the all() + filter part of the same call: one scan of everything per user.
    const scanList = [];
    const scanRevoke = [];
    // connect-redis's all() sends one MGET with every key; at a million keys node-redis overflows
    // its stack building that command (RangeError). When it would fail, time the same algorithm
    // with the MGET cut in chunks, the least an app would have to do.
    // Whether all() works at this size is checked cheaply: one MGET of SESSIONS absent keys, the
    // very call all() makes after its scan.
    let all = () => store.all();
    try {
      await storeClient.mGet(new Array(SESSIONS).fill(`${PREFIX}absent`));
      figures.connectRedisAllWorks = true;
    } catch (error) {
      figures.connectRedisAllWorks = false;
      figures.connectRedisAllError = `${error.name}: ${error.message}`;
      console.log(`revoke: store.all() cannot run with ${SESSIONS.toLocaleString('en')} sessions (its MGET of every key: ${figures.connectRedisAllError}); timing the same scan with MGET in chunks of ${MGET_CHUNK.toLocaleString('en')}`);
      all = () => allInChunks(store);
    }
    for (let u = 0; u < SCAN_USERS; u++) {
      const userId = userOf(USERS - 100 - u);
      const start = performance.now();
      const mine = (await all()).filter((sess) => sess.sessionguard?.userId === userId);
      scanList.push(performance.now() - start);
      if (mine.length !== SESSIONS / USERS) throw new Error(`scan listed ${mine.length} sessions of ${userId}`);
      await Promise.all(mine.map((sess) => store.destroy(sess.id)));
      scanRevoke.push(performance.now() - start);
    }
    figures.heapAfterScanMiB = round((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20, 0);

    const stats = (values) => ({ medianMs: round(median(values), 3), p99Ms: round(percentile(values, 99), 3), n: values.length });
    figures.sessionguard = { via: guard ? 'guard.revokeUser (registry + connect-redis destroy)' : 'registry.revokeUser + store.destroy', list: stats(sgList), revoke: stats(sgRevoke), sessionsRevoked: sgRevoked };
    figures.connectRedisScan = {
      via: figures.connectRedisAllWorks ? 'store.all() + filter (+ store.destroy each)' : `store.all()'s scan with MGET in chunks of ${MGET_CHUNK} (store.all() itself fails) + filter (+ store.destroy each)`,
      list: stats(scanList),
      revoke: stats(scanRevoke),
    };
  } finally {
    const cleanupStart = performance.now();
    const deleted = (await deleteByPrefix(client, PREFIX)) + (await deleteByPrefix(storeClient, PREFIX));
    figures.cleanup = { keysDeleted: deleted, seconds: round((performance.now() - cleanupStart) / 1000, 1) };
    console.log(`revoke: deleted ${deleted} keys under ${PREFIX} in ${figures.cleanup.seconds} s`);
    await client.quit();
    await storeClient.quit();
  }

  const sg = figures.sessionguard;
  const scan = figures.connectRedisScan;
  const ratios = {
    listMedian: round(scan.list.medianMs / sg.list.medianMs, 0),
    revokeMedian: round(scan.revoke.medianMs / sg.revoke.medianMs, 0),
    listP99: round(scan.list.p99Ms / sg.list.p99Ms, 0),
    revokeP99: round(scan.revoke.p99Ms / sg.revoke.p99Ms, 0),
  };
  const target = {
    p99UnderMs: 5,
    p99Met: sg.list.p99Ms < 5 && sg.revoke.p99Ms < 5,
    speedupAtLeast: 1000,
    speedupMet: Math.min(ratios.listMedian, ratios.revokeMedian) >= 1000,
  };
  const per = SESSIONS / USERS;
  printTable(`Revoke a user everywhere: ${SESSIONS.toLocaleString('en')} sessions of ${USERS.toLocaleString('en')} users (${per} each) in Redis`, [
    ['operation', 'users timed', 'median ms', 'p99 ms', 'scan ÷ sessionguard (median)', 'p99 ratio'],
    ['sessionguard: list a user’s sessions (per-user index)', sg.list.n, sg.list.medianMs, sg.list.p99Ms, '—', '—'],
    ['sessionguard: revoke them all (index + destroy)', sg.revoke.n, sg.revoke.medianMs, sg.revoke.p99Ms, '—', '—'],
    [figures.connectRedisAllWorks ? 'connect-redis: all() + filter' : 'connect-redis: all()\'s scan, MGET chunked (all() fails) + filter', scan.list.n, round(scan.list.medianMs, 0), round(scan.list.p99Ms, 0), `${ratios.listMedian}×`, `${ratios.listP99}×`],
    [figures.connectRedisAllWorks ? 'connect-redis: all() + filter + destroy each' : 'connect-redis: the same + destroy each', scan.revoke.n, round(scan.revoke.medianMs, 0), round(scan.revoke.p99Ms, 0), `${ratios.revokeMedian}×`, `${ratios.revokeP99}×`],
  ]);
  console.log(
    `targets: sessionguard p99 < 5 ms (list ${sg.list.p99Ms} ms, revoke ${sg.revoke.p99Ms} ms): ${target.p99Met ? 'met' : 'MISSED'}; ` +
      `≥ 1000× faster than the scan (list ${ratios.listMedian}×, revoke ${ratios.revokeMedian}×): ${target.speedupMet ? 'met' : 'MISSED'}` +
      (SCAN_USERS < SG_USERS ? ` (the scan timed over ${SCAN_USERS} users: each one reads all ${SESSIONS.toLocaleString('en')} sessions)` : ''),
  );
  writeResults('revoke', { figures, ratios, target, sgUsers: SG_USERS, scanUsers: SCAN_USERS });
  return { figures, ratios, target };
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
