/**
 * The load run: starts the built demo (`demo/dist/server.js`) on a free
 * loopback port, signs in many sessions, lets them browse (`GET /`,
 * `GET /api/me`) and ping (`POST /session/ping`) with bounded concurrency for
 * a while, then ends them all by the idle timeout and checks that the
 * server's memory comes back down. Repeats for `rounds` rounds so a leak shows
 * as growth from one round's end to the next.
 *
 * About the demo's sign-in rate limit (60 attempts a minute per client IP, no
 * setting to relax it): the demo runs with `TRUST_PROXY=loopback` and each
 * simulated client sends its own `X-Forwarded-For` address, so 1,000
 * sessions are 1,000 clients, as they would be in production behind a proxy.
 * The server's clock is moved with the demo's test-clock hook
 * (`SESSIONGUARD_TEST_CLOCK=1`) to let the sessions idle out without waiting.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';


/** At most this many pings per session in any minute: under the guard's ping limit (60 a minute per session). */
const PINGS_PER_MINUTE = 50;

/** Whether `client` may ping at `now` without passing {@link PINGS_PER_MINUTE} in the last minute; records the ping if so. */
function mayPing(client, now) {
  const recent = (client.pingTimes ?? []).filter((at) => now - at < 60_000);
  client.pingTimes = recent;
  if (recent.length >= PINGS_PER_MINUTE) return false;
  recent.push(now);
  return true;
}
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const serverJs = path.join(root, 'demo', 'dist', 'server.js');
const heapProbe = path.join(root, 'test', 'load', 'heap-probe.cjs');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const USERS = [
  ['alice', 'alice-pass'],
  ['bob', 'bob-pass'],
  ['admin', 'admin-pass'],
];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function rssKiB(pid) {
  try {
    const { stdout } = await promisify(execFile)('ps', ['-o', 'rss=', '-p', String(pid)]);
    const value = Number(stdout.trim());
    return Number.isFinite(value) && value > 0 ? value : null;
  } catch {
    return null;
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * @param {object} options
 * @param {'memory'|'redis'} options.registry
 * @param {number} options.sessions sessions signed in per round
 * @param {number} options.durationSeconds browsing time per round
 * @param {number} [options.rounds] rounds (sign in, browse, expire)
 * @param {number} [options.concurrency] requests in flight at once
 * @param {number} [options.settleMs] pause after each round's expiry before sampling RSS
 * @param {string} [options.redisUrl]
 * @param {(line: string) => void} [options.log]
 */
export async function runLoad({
  registry,
  sessions,
  durationSeconds,
  rounds = 2,
  concurrency = 32,
  settleMs = 3000,
  redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379',
  log = () => {},
}) {
  if (!existsSync(serverJs)) throw new Error('demo/dist/server.js is missing: run `npm run build` first');
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const expireAfter = 300;
  // A secret of our own: with Redis, the demo scopes its keys by it, so this run shares nothing with others.
  const secret = `load-${randomBytes(24).toString('base64url')}`;
  const env = {
    ...process.env,
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    WARN_AFTER: String(expireAfter - 60),
    EXPIRE_AFTER: String(expireAfter),
    ABSOLUTE_TIMEOUT: String(8 * 3600),
    SESSION_SECRET: secret,
    TRUST_PROXY: 'loopback',
    SESSIONGUARD_TEST_CLOCK: '1',
  };
  if (registry === 'redis') env.REDIS_URL = redisUrl;
  else delete env.REDIS_URL;

  const child = spawn(process.execPath, ['--expose-gc', '--require', heapProbe, serverJs], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const heapWaiters = [];
  let pendingLine = '';
  const keep = (chunk) => {
    tail = (tail + chunk).slice(-4000);
    pendingLine += chunk;
    const lines = pendingLine.split('\n');
    pendingLine = lines.pop() ?? '';
    for (const line of lines) {
      const probe = /^\[heap-probe\] (.*)$/.exec(line);
      if (probe) heapWaiters.shift()?.(JSON.parse(probe[1]));
    }
  };
  /** The demo's heap after a full garbage collection (through the preloaded probe), in KiB. */
  const heapAfterGcKiB = () =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve(NaN), 5000);
      heapWaiters.push((usage) => {
        clearTimeout(timer);
        resolve(usage.heapUsed / 1024);
      });
      child.kill('SIGUSR2');
    });
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency + 8 });

  /** One request; resolves with status, headers and body, or rejects on a network error. */
  const request = (method, pathname, headers = {}, body) =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method, path: pathname, headers, agent, timeout: 10_000 }, (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(body);
    });

  const samples = [];
  let phase = 'start';
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const rss = await rssKiB(child.pid);
      if (rss !== null) samples.push({ at: Date.now(), phase, rssKiB: rss });
      await sleep(1000);
    }
  })();
  const lastRss = async () => (await rssKiB(child.pid)) ?? NaN;

  const result = { registry, sessions, durationSeconds, rounds, concurrency, roundsDetail: [], errors: 0, errorSamples: [] };
  const fail = (what) => {
    result.errors++;
    if (result.errorSamples.length < 10) result.errorSamples.push(what);
  };

  try {
    // Wait for the demo.
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the demo exited (${child.exitCode}):\n${tail}`);
      try {
        if ((await request('GET', '/healthz')).status === 200) break;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`the demo did not start:\n${tail}`);
      await sleep(100);
    }
    await sleep(1000);
    result.heapStartKiB = await heapAfterGcKiB();
    result.rssStartKiB = await lastRss();
    log(`${registry}: demo pid ${child.pid} on ${origin}, RSS ${(result.rssStartKiB / 1024).toFixed(1)} MiB`);

    for (let round = 1; round <= rounds; round++) {
      const detail = { round };
      // 1. Sign in.
      phase = `round ${round}: sign-in`;
      const clients = [];
      const signInStarted = Date.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(16, sessions) }, async () => {
          while (next < sessions) {
            const index = next++;
            const [username, password] = USERS[index % USERS.length];
            // A distinct client address per session (10.r.x.y), as behind a proxy.
            const ip = `10.${round}.${(index >> 8) & 255}.${index & 255}`;
            const res = await request(
              'POST',
              '/login',
              { 'Content-Type': 'application/json', Accept: 'application/json', Origin: origin, 'X-Forwarded-For': ip },
              JSON.stringify({ username, password }),
            ).catch((error) => ({ status: 0, headers: {}, body: String(error) }));
            // Every cookie the sign-in set, as a browser keeps them (the session's, and the device cookie of new-device notices).
            const cookie = [res.headers['set-cookie'] ?? []].flat().map((line) => /^([^;]+)/.exec(line)?.[1]).filter(Boolean).join('; ');
            if (res.status !== 200 || !cookie) {
              fail(`login ${username}: ${res.status} ${res.body.slice(0, 200)}`);
              continue;
            }
            clients.push({ cookie, ip });
          }
        }),
      );
      detail.signInSeconds = (Date.now() - signInStarted) / 1000;
      detail.signedIn = clients.length;
      detail.rssAfterSignInKiB = await lastRss();
      detail.heapAfterSignInKiB = await heapAfterGcKiB();
      log(`${registry}: round ${round}: ${clients.length} sessions signed in in ${detail.signInSeconds.toFixed(1)} s`);

      // 2. Browse and ping.
      phase = `round ${round}: browse`;
      const latencies = [];
      const counts = { page: 0, me: 0, ping: 0 };
      const stopAt = Date.now() + durationSeconds * 1000;
      let turn = 0;
      const browseStarted = Date.now();
      if (clients.length > 0) {
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            while (Date.now() < stopAt) {
              const client = clients[turn++ % clients.length];
              // A ping per five requests, but no session past the guard's ping limit (60 a minute: the SDK sends about
              // one): on a fast machine a 3 s round would otherwise send a session more, and get 429, which no SDK does.
              const wantsPing = turn % 5 === 4 && mayPing(client, Date.now());
              const kind = turn % 5 < 2 ? 'page' : wantsPing ? 'ping' : 'me';
              const base = { Cookie: client.cookie, 'X-Forwarded-For': client.ip };
              const started = process.hrtime.bigint();
              let res;
              try {
                if (kind === 'page') res = await request('GET', '/', { ...base, Accept: 'text/html' });
                else if (kind === 'me') res = await request('GET', '/api/me', { ...base, Accept: 'application/json' });
                else {
                  res = await request(
                    'POST',
                    '/session/ping',
                    { ...base, 'Content-Type': 'application/json', Accept: 'application/json', 'X-SessionGuard': '1', Origin: origin },
                    '{"idleFor":0}',
                  );
                }
              } catch (error) {
                fail(`${kind}: ${error.message}`);
                continue;
              }
              latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
              counts[kind]++;
              if (res.status !== 200) fail(`${kind}: ${res.status} ${res.body.slice(0, 200)}`);
            }
          }),
        );
      }
      const elapsed = (Date.now() - browseStarted) / 1000;
      latencies.sort((a, b) => a - b);
      Object.assign(detail, {
        requests: latencies.length,
        counts,
        rps: latencies.length / elapsed,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        maxMs: latencies.at(-1) ?? null,
        rssPeakKiB: Math.max(...samples.filter((sample) => sample.phase === phase).map((sample) => sample.rssKiB), 0),
      });
      log(
        `${registry}: round ${round}: ${latencies.length} requests in ${elapsed.toFixed(1)} s (${detail.rps.toFixed(0)}/s), ` +
          `p50 ${detail.p50Ms?.toFixed(2)} ms, p99 ${detail.p99Ms?.toFixed(2)} ms, errors so far ${result.errors}`,
      );

      // 3. Every session idles out: move the server's clock past the idle timeout, then each one's next request ends it.
      phase = `round ${round}: expire`;
      const advanced = await request(
        'POST',
        '/__test__/clock',
        { 'Content-Type': 'application/json' },
        JSON.stringify({ advance: (expireAfter + 5) * 1000 }),
      );
      if (advanced.status !== 200) throw new Error(`the test clock did not move: ${advanced.status} ${advanced.body}`);
      let ended = 0;
      next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < clients.length) {
            const client = clients[next++];
            const res = await request('GET', '/api/me', { Cookie: client.cookie, 'X-Forwarded-For': client.ip, Accept: 'application/json' }).catch(
              (error) => ({ status: 0, body: String(error) }),
            );
            if (res.status === 401 && /session_expired/.test(res.body)) ended++;
            else fail(`expire: ${res.status} ${res.body.slice(0, 200)}`);
          }
        }),
      );
      detail.ended = ended;
      phase = `round ${round}: after`;
      await sleep(settleMs);
      detail.heapAfterKiB = await heapAfterGcKiB();
      detail.rssAfterKiB = await lastRss();
      log(
        `${registry}: round ${round}: ${ended} sessions ended by the idle timeout; RSS ${(detail.rssAfterKiB / 1024).toFixed(1)} MiB, ` +
          `heap after GC ${(detail.heapAfterKiB / 1024).toFixed(1)} MiB`,
      );
      result.roundsDetail.push(detail);
    }

    if (registry === 'redis') {
      const { createClient } = await import('redis');
      const client = createClient({ url: redisUrl });
      await client.connect();
      try {
        const scope = createHash('sha256').update(secret).digest('base64url').slice(0, 12);
        const prefix = `sessionguard-demo:${scope}`;
        const keys = [];
        for await (const batch of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 })) keys.push(...[batch].flat());
        // Kept on purpose: the demo's passwords, and each user's remembered devices (new-device notices; one key per user).
        const isDevices = (key) => /:\{[^}]*\}:dev$/.test(key);
        const kept = (key) => key.includes(':password:') || isDevices(key);
        result.devicesKeys = keys.filter(isDevices).length;
        result.redisKeysLeft = keys.filter((key) => !kept(key)).length;
        result.redisKeySample = keys.filter((key) => !kept(key)).slice(0, 5);
        // Leave the shared Redis as we found it.
        for (let index = 0; index < keys.length; index += 500) await client.del(keys.slice(index, index + 500));
      } finally {
        await client.close();
      }
      log(`${registry}: ${result.redisKeysLeft} registry/session keys left in Redis after every session ended`);
    }
  } finally {
    sampling = false;
    await sampler;
    agent.destroy();
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(force);
    }
  }

  const all = result.roundsDetail;
  result.requests = all.reduce((sum, detail) => sum + detail.requests, 0);
  result.rssPeakKiB = Math.max(...samples.map((sample) => sample.rssKiB), 0);
  result.rssEndKiB = all.at(-1)?.rssAfterKiB ?? NaN;
  result.heapEndKiB = all.at(-1)?.heapAfterKiB ?? NaN;
  result.samples = samples;
  return result;
}

/** One human-readable summary of a run. */
export function summarize(result) {
  const mib = (kib) => `${(kib / 1024).toFixed(1)} MiB`;
  const lines = [
    `${result.registry}: ${result.sessions} sessions x ${result.rounds} rounds x ${result.durationSeconds} s, concurrency ${result.concurrency}`,
    `  requests ${result.requests}, errors ${result.errors}${result.errors ? ` (${result.errorSamples.join(' | ')})` : ''}`,
  ];
  for (const detail of result.roundsDetail) {
    lines.push(
      `  round ${detail.round}: ${detail.signedIn} signed in (${detail.signInSeconds.toFixed(1)} s), ${detail.requests} requests ` +
        `(${detail.counts.page} pages, ${detail.counts.me} /api/me, ${detail.counts.ping} pings), ${detail.rps.toFixed(0)} req/s, ` +
        `p50 ${detail.p50Ms?.toFixed(2)} ms, p99 ${detail.p99Ms?.toFixed(2)} ms, max ${detail.maxMs?.toFixed(1)} ms; ` +
        `RSS after sign-in ${mib(detail.rssAfterSignInKiB)}, peak ${mib(detail.rssPeakKiB)}, after expiry ${mib(detail.rssAfterKiB)}; ` +
        `heap after GC: with ${detail.signedIn} live sessions ${mib(detail.heapAfterSignInKiB)}, after expiry ${mib(detail.heapAfterKiB)}`,
    );
  }
  lines.push(`  RSS: start ${mib(result.rssStartKiB)}, peak ${mib(result.rssPeakKiB)}, end ${mib(result.rssEndKiB)}`);
  lines.push(`  heap after GC: start ${mib(result.heapStartKiB)}, end ${mib(result.heapEndKiB)}`);
  if (result.redisKeysLeft !== undefined) lines.push(`  Redis keys left after expiry: ${result.redisKeysLeft}`);
  return lines.join('\n');
}
