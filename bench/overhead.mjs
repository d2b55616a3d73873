// Benchmark 4, request overhead: an authenticated GET on Express +
// express-session + connect-redis (baseline) against the same app with
// sessionguard's middleware and Redis registry (bench/servers/overhead-app.mjs).
// Each server runs in its own child process; autocannon runs here. Rounds
// alternate between the two (order rotated each round) after a warm-up of
// each; rps is the mean over a round, p99 the round's latency p99.
import autocannon from 'autocannon';
import { at, deleteByPrefix, ensureBuilt, median, printTable, redisClient, round, smoke, startChild, writeResults } from './lib.mjs';

const ROUNDS = smoke ? 1 : 3;
const DURATION = smoke ? 1 : 5;
const WARMUP = smoke ? 1 : 2;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const PREFIX = `sgbench:overhead:${process.pid}:${Date.now()}:`;

async function signIn(port, username) {
  const response = await fetch(`http://127.0.0.1:${port}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-SessionGuard': '1', Origin: `http://127.0.0.1:${port}` },
    body: JSON.stringify({ username, password: 'bench' }),
  });
  if (!response.ok) throw new Error(`sign-in failed on :${port}: ${response.status} ${await response.text()}`);
  const cookie = response.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
  const check = await fetch(`http://127.0.0.1:${port}/api/me`, { headers: { cookie, Accept: 'application/json' } });
  if (check.status !== 200) throw new Error(`authenticated GET failed on :${port}: ${check.status} ${await check.text()}`);
  return cookie;
}

function load(port, cookie, duration) {
  return autocannon({
    url: `http://127.0.0.1:${port}/api/me`,
    connections: CONNECTIONS,
    duration,
    headers: { cookie, accept: 'application/json' },
  });
}

export async function run() {
  ensureBuilt();
  const contenders = [
    { key: 'baseline', label: 'express-session + connect-redis', mode: 'baseline' },
    { key: 'sessionguard', label: '+ sessionguard middleware, Redis registry', mode: 'sessionguard' },
  ];
  const redis = await redisClient();
  try {
    for (const contender of contenders) {
      // A concurrent rebuild of dist/ (another `npm test`) can take the packages away for a moment.
      for (let attempt = 0; attempt < 3 && !contender.cookie; attempt++) {
        try {
          contender.server = await startChild(at('bench/servers/overhead-app.mjs'), [], { MODE: contender.mode, PREFIX: `${PREFIX}${contender.key}:` });
          contender.cookie = await signIn(contender.server.port, `bench-${contender.key}`);
        } catch (error) {
          console.log(`${contender.key}: attempt ${attempt + 1} failed: ${String(error.message).split('\n')[0]}`);
          await contender.server?.stop();
          contender.server = null;
          await new Promise((resolve) => setTimeout(resolve, 3000));
        }
      }
      if (!contender.server) {
        console.log(`${contender.key}: NOT MEASURED`);
        process.exitCode = 1;
      }
      contender.rounds = [];
    }
    const live = contenders.filter((contender) => contender.server);
    for (const contender of live) await load(contender.server.port, contender.cookie, WARMUP);
    for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex++) {
      const order = roundIndex % 2 ? [...live].reverse() : live;
      for (const contender of order) {
        const result = await load(contender.server.port, contender.cookie, DURATION);
        contender.rounds.push({
          rps: round(result.requests.average, 1),
          p50: result.latency.p50,
          p99: result.latency.p99,
          requests: result.requests.total,
          non2xx: result.non2xx,
          errors: result.errors + result.timeouts,
        });
      }
    }
  } finally {
    for (const contender of contenders) await contender.server?.stop();
    const deleted = await deleteByPrefix(redis, PREFIX);
    console.log(`overhead: deleted ${deleted} Redis keys under ${PREFIX}`);
    await redis.quit();
  }

  const figures = {};
  for (const contender of contenders) {
    if (!contender.rounds.length) continue;
    figures[contender.key] = {
      label: contender.label,
      rps: round(contender.rounds.reduce((sum, r) => sum + r.rps, 0) / contender.rounds.length, 1),
      p50Ms: median(contender.rounds.map((r) => r.p50)),
      p99Ms: median(contender.rounds.map((r) => r.p99)),
      non2xx: contender.rounds.reduce((sum, r) => sum + r.non2xx, 0),
      errors: contender.rounds.reduce((sum, r) => sum + r.errors, 0),
      rounds: contender.rounds,
    };
  }
  const base = figures.baseline;
  const sg = figures.sessionguard;
  const ratio = base && sg ? sg.rps / base.rps : null;
  const ratios = { sessionguardRpsVsBaseline: round(ratio, 3), p99VsBaseline: base && sg && base.p99Ms ? round(sg.p99Ms / base.p99Ms, 3) : null };
  const target = { limit: 0.9, met: ratio == null ? null : ratio >= 0.9 };

  const rows = [['app', 'req/s (mean)', 'p50 ms', 'p99 ms', 'req/s per round', 'non-2xx', 'errors', 'req/s vs baseline']];
  for (const f of Object.values(figures)) {
    rows.push([f.label, f.rps.toFixed(0), f.p50Ms, f.p99Ms, f.rounds.map((r) => r.rps.toFixed(0)).join(' / '), f.non2xx, f.errors, base ? `${((f.rps / base.rps) * 100).toFixed(1)}%` : '—']);
  }
  printTable(`Authenticated GET, autocannon ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${DURATION} s each (servers in child processes)`, rows);
  if (ratio != null) console.log(`target: sessionguard keeps ≥ 90% of the baseline's req/s: ${(ratio * 100).toFixed(1)}% → ${target.met ? 'met' : 'MISSED'}`);
  writeResults('overhead', { rounds: ROUNDS, durationSeconds: DURATION, connections: CONNECTIONS, figures, ratios, target });
  return { figures, ratios, target };
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
