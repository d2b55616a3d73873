// Benchmark 4, request overhead: an authenticated GET, five servers side by
// side (bench/servers/overhead-app.mjs, each in its own child process, so
// autocannon in this process never shares their event loop):
//
//   Redis:  (a) express-session + connect-redis (the baseline)
//           (b) the same + sessionguard's middleware and the Redis registry (the connect-redis path)
//           (c) express-session + the sessionguard store (createRedisSessionStore), its own registry
//   memory: (d) express-session's MemoryStore (the baseline)
//           (e) the same + sessionguard's middleware and the memory registry
//
// Timings: after a warm-up of each, ROUNDS rounds; in each round every server
// is loaded once, in an order rotated every round, so no server always runs
// first or after the same neighbour. A ratio is taken within each round
// (contender ÷ its baseline in the same round) and reported as the median of
// the rounds and their spread (min–max): a busy machine moves both sides of a
// round together far more than it moves one.
//
// Counts, which machine noise cannot blur: Redis `MONITOR` while each Redis
// server answers (1) a second of the same load (one session hammered, as in
// the timed rounds: activity is written at most once a second, so nearly
// every request is a read) and (2) a few requests more than a second apart
// (each one records activity: the most a request costs). Round trips are the
// commands the server's connection sent; commands of work add every command
// run inside their Lua scripts.
//
// Cost, the figure that says why the req/s ratios are what they are on a
// machine where the load generator, the servers and Redis share the cores:
// in each timed round, the server process's CPU time (user + system) per
// request, and the Redis time spent executing commands per request (`INFO
// commandstats` usec, scripts included; Redis's own network I/O is not in it,
// and other clients of a shared Redis add to it: a quiet machine is assumed).
import autocannon from 'autocannon';
import { at, deleteByPrefix, ensureBuilt, median, printTable, range, REDIS_URL, redisClient, round, smoke, startChild, writeResults } from './lib.mjs';
import { countCommands, startMonitor, typicalRequest } from './redis-monitor.mjs';

const ROUNDS = smoke ? 1 : Number(process.env.BENCH_OVERHEAD_ROUNDS ?? 7);
const DURATION = smoke ? 0.5 : Number(process.env.BENCH_OVERHEAD_SECONDS ?? 4);
const WARMUP = smoke ? 0.3 : 2;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const SPARSE = smoke ? 1 : 3;
const UNDER_LOAD = smoke ? 200 : 5000;
const PREFIX = `sgbench:overhead:${process.pid}:${Date.now()}:`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const CONTENDERS = [
  { key: 'baseline', label: 'express-session + connect-redis', mode: 'baseline', redis: true },
  { key: 'registry', label: '+ sessionguard middleware, Redis registry (connect-redis path)', mode: 'registry', redis: true, baseline: 'baseline' },
  { key: 'store', label: 'express-session + sessionguard store', mode: 'store', redis: true, baseline: 'baseline' },
  { key: 'memoryBaseline', label: "express-session's MemoryStore", mode: 'memory-baseline', redis: false },
  { key: 'memory', label: '+ sessionguard middleware, memory registry', mode: 'memory', redis: false, baseline: 'memoryBaseline' },
];

/** Targets of issue 14 (req/s ratio to the baseline of the same kind, counts per request under load). */
const TARGETS = {
  registry: { rps: 0.9, roundTrips: 'baseline + 1', commands: 4 },
  store: { rps: 1.0, roundTrips: 1, commands: 3 },
  memory: { rps: 0.9 },
};

async function signIn(port, username) {
  const origin = `http://127.0.0.1:${port}`;
  const response = await fetch(`${origin}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-SessionGuard': '1', Origin: origin },
    body: JSON.stringify({ username, password: 'bench' }),
  });
  if (!response.ok) throw new Error(`sign-in failed on :${port}: ${response.status} ${await response.text()}`);
  const cookie = response.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
  const check = await fetch(`${origin}/api/me`, { headers: { cookie, Accept: 'application/json' } });
  if (check.status !== 200) throw new Error(`authenticated GET failed on :${port}: ${check.status} ${await check.text()}`);
  return cookie;
}

function load(port, cookie, duration, amount) {
  return autocannon({
    url: `http://127.0.0.1:${port}/api/me`,
    connections: CONNECTIONS,
    ...(amount ? { amount } : { duration }),
    headers: { cookie, accept: 'application/json' },
  });
}

async function start(contender) {
  // A concurrent rebuild of dist/ (another `npm test`) can take the packages away for a moment.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // In production mode, as apps run (the guard's development-only checks stay out of the figures).
      contender.server = await startChild(at('bench/servers/overhead-app.mjs'), [], { MODE: contender.mode, PREFIX: `${PREFIX}${contender.key}:`, NODE_ENV: 'production' });
      contender.address = /REDIS_ADDR (\S+)/.exec(contender.server.output)?.[1] ?? null;
      contender.cookie = await signIn(contender.server.port, `bench-${contender.key}`);
      return;
    } catch (error) {
      console.log(`${contender.key}: attempt ${attempt + 1} failed: ${String(error.message).split('\n')[0]}`);
      await contender.server?.stop();
      contender.server = null;
      await sleep(3000);
    }
  }
  console.log(`${contender.key}: NOT MEASURED`);
  process.exitCode = 1;
}

/** MONITOR while `send` runs; the counts of the contender's connection per request. */
async function count(contender, send) {
  const monitor = await startMonitor(REDIS_URL);
  const started = Date.now();
  const requests = await send();
  const seconds = (Date.now() - started) / 1000;
  const counts = countCommands(await monitor.stop(), [contender.address]);
  const typical = typicalRequest(counts, requests);
  return {
    requests,
    seconds: round(seconds, 2),
    // Everything, the coalesced activity writes included.
    roundTripsPerRequest: round(counts.roundTrips / requests, 3),
    commandsPerRequest: round(counts.commands / requests, 3),
    // A request that writes nothing (nearly all of them under load), and how many wrote.
    typical: { roundTripsPerRequest: round(typical.roundTripsPerRequest, 3), commandsPerRequest: round(typical.commandsPerRequest, 3) },
    writes: typical.writes,
    byCommand: counts.byCommand,
  };
}

/** The sum of `usec` over every command in `INFO commandstats` (Redis's time executing commands, scripts included). */
async function redisCommandMicros(redis) {
  const info = String(await redis.sendCommand(['INFO', 'commandstats']));
  let sum = 0;
  for (const [, name, usec] of info.matchAll(/cmdstat_([^:]+):calls=\d+,usec=(\d+)/g)) if (name !== 'info') sum += Number(usec);
  return sum;
}

/** The server process's CPU time so far, µs (user + system). */
async function serverCpu(contender) {
  const { user, system } = await (await fetch(`http://127.0.0.1:${contender.server.port}/__cpu`)).json();
  return user + system;
}

export async function run() {
  ensureBuilt();
  const contenders = CONTENDERS.map((c) => ({ ...c, rounds: [] }));
  const redis = await redisClient();
  try {
    // Started together (each its own process), so the bench does not wait five times.
    await Promise.all(contenders.map((contender) => start(contender)));
    const live = contenders.filter((c) => c.server);
    for (const contender of live) await load(contender.server.port, contender.cookie, WARMUP);
    for (let r = 0; r < ROUNDS; r++) {
      const order = live.map((_, i) => live[(i + r) % live.length]);
      for (const contender of order) {
        const [cpuBefore, redisBefore] = [await serverCpu(contender), await redisCommandMicros(redis)];
        const result = await load(contender.server.port, contender.cookie, DURATION);
        const [cpuAfter, redisAfter] = [await serverCpu(contender), await redisCommandMicros(redis)];
        contender.rounds[r] = {
          cpuMicrosPerRequest: round((cpuAfter - cpuBefore) / result.requests.total, 1),
          redisMicrosPerRequest: contender.redis ? round((redisAfter - redisBefore) / result.requests.total, 2) : null,
          rps: round(result.requests.average, 1),
          p50: result.latency.p50,
          p99: result.latency.p99,
          requests: result.requests.total,
          non2xx: result.non2xx,
          errors: result.errors + result.timeouts,
        };
      }
    }
    // The counts, once the timings are taken (MONITOR slows Redis down).
    for (const contender of live.filter((c) => c.redis && c.address)) {
      contender.counts = {
        // A fixed number of requests, all answered before MONITOR stops: none is in flight at either end.
        underLoad: await count(contender, async () => {
          const result = await load(contender.server.port, contender.cookie, null, UNDER_LOAD);
          if (result.non2xx || result.errors) throw new Error(`${contender.key}: ${result.non2xx} non-2xx, ${result.errors} errors`);
          return result.requests.total;
        }),
        sparse: await count(contender, async () => {
          for (let i = 0; i < SPARSE; i++) {
            // More than the 1 s granularity apart: each request records its activity.
            await sleep(smoke ? 50 : 1100);
            const res = await fetch(`http://127.0.0.1:${contender.server.port}/api/me`, { headers: { cookie: contender.cookie, accept: 'application/json' } });
            // The whole answer: express-session's touch runs before the response ends.
            await res.text();
            if (res.status !== 200) throw new Error(`${contender.key}: ${res.status}`);
          }
          return SPARSE;
        }),
      };
    }
  } finally {
    for (const contender of contenders) await contender.server?.stop();
    const deleted = await deleteByPrefix(redis, PREFIX);
    console.log(`overhead: deleted ${deleted} Redis keys under ${PREFIX}`);
    await redis.quit();
  }

  const figures = {};
  for (const c of contenders) {
    if (!c.rounds.length) continue;
    const rps = c.rounds.map((r) => r.rps);
    figures[c.key] = {
      label: c.label,
      rpsMedian: round(median(rps), 1),
      rpsRange: range(rps),
      p50Ms: median(c.rounds.map((r) => r.p50)),
      p99Ms: median(c.rounds.map((r) => r.p99)),
      non2xx: c.rounds.reduce((sum, r) => sum + r.non2xx, 0),
      errors: c.rounds.reduce((sum, r) => sum + r.errors, 0),
      rounds: c.rounds,
      cost: {
        serverCpuMicrosPerRequest: round(median(c.rounds.map((r) => r.cpuMicrosPerRequest)), 1),
        serverCpuRange: range(c.rounds.map((r) => r.cpuMicrosPerRequest)),
        redisMicrosPerRequest: c.redis ? round(median(c.rounds.map((r) => r.redisMicrosPerRequest)), 2) : null,
        redisRange: c.redis ? range(c.rounds.map((r) => r.redisMicrosPerRequest)) : null,
      },
      ...(c.counts ? { counts: c.counts } : {}),
    };
  }
  const ratios = {};
  for (const c of contenders) {
    const base = c.baseline && figures[c.baseline];
    const mine = figures[c.key];
    if (!base || !mine) continue;
    const perRound = mine.rounds.map((r, i) => r.rps / base.rounds[i].rps);
    ratios[c.key] = { of: c.baseline, median: round(median(perRound), 3), range: range(perRound).map((v) => round(v, 3)), perRound: perRound.map((v) => round(v, 3)) };
  }
  const base = figures.baseline?.counts?.underLoad;
  const targets = {};
  for (const [key, target] of Object.entries(TARGETS)) {
    const ratio = ratios[key]?.median ?? null;
    // A request that writes nothing (nearly all under load); the coalesced writes are reported beside it.
    const counts = figures[key]?.counts?.underLoad?.typical;
    // The baseline's own round trips, a whole number (a late EXPIRE of the timed rounds can land in the count).
    const roundTripLimit = target.roundTrips === 'baseline + 1' ? (base ? Math.round(base.typical.roundTripsPerRequest) + 1 : null) : target.roundTrips;
    targets[key] = {
      rps: { limit: target.rps, value: ratio, met: ratio == null ? null : ratio >= target.rps },
      ...(target.commands
        ? {
            roundTrips: { limit: roundTripLimit, value: counts?.roundTripsPerRequest ?? null, met: counts && roundTripLimit != null ? counts.roundTripsPerRequest <= roundTripLimit : null },
            commands: { limit: target.commands, value: counts?.commandsPerRequest ?? null, met: counts ? counts.commandsPerRequest <= target.commands : null },
            writesPerSecond: figures[key].counts.underLoad.writes / figures[key].counts.underLoad.seconds,
          }
        : {}),
    };
  }

  const fmtRange = ([lo, hi], digits = 0) => (lo == null ? '—' : `${lo.toFixed(digits)}–${hi.toFixed(digits)}`);
  const rows = [['app', 'req/s (median of rounds)', 'req/s range', 'p50 ms', 'p99 ms', 'ratio to its baseline (median)', 'ratio range', 'non-2xx', 'errors']];
  for (const [key, f] of Object.entries(figures)) {
    const ratio = ratios[key];
    rows.push([f.label, f.rpsMedian.toFixed(0), fmtRange(f.rpsRange), f.p50Ms, f.p99Ms, ratio ? `${ratio.median.toFixed(3)}×` : '—', ratio ? fmtRange(ratio.range, 3) : '—', f.non2xx, f.errors]);
  }
  printTable(`Authenticated GET, autocannon ${CONNECTIONS} connections, ${ROUNDS} rotated rounds of ${DURATION} s each (servers in child processes)`, rows);
  const countRows = [['app', 'round trips / request', 'commands / request', 'with the coalesced writes: round trips', 'commands', 'activity writes / s', 'each request an activity write: round trips', 'commands', 'commands seen, under load']];
  for (const f of Object.values(figures)) {
    if (!f.counts) continue;
    const { underLoad, sparse } = f.counts;
    countRows.push([
      f.label,
      underLoad.typical.roundTripsPerRequest,
      underLoad.typical.commandsPerRequest,
      underLoad.roundTripsPerRequest.toFixed(3),
      underLoad.commandsPerRequest.toFixed(3),
      (underLoad.writes / underLoad.seconds).toFixed(2),
      sparse.roundTripsPerRequest,
      sparse.commandsPerRequest,
      Object.entries(underLoad.byCommand).map(([name, n]) => `${name} ${n}`).join(', '),
    ]);
  }
  printTable('Redis work per authenticated request, from MONITOR (scripts\' inner commands included)', countRows);
  const costRows = [['app', 'server CPU µs / request (median of rounds)', 'range', 'over its baseline', 'Redis command µs / request', 'range', 'over its baseline']];
  for (const c of contenders) {
    const f = figures[c.key];
    if (!f?.cost) continue;
    const base = c.baseline ? figures[c.baseline]?.cost : null;
    const over = (mine, theirs) => (mine == null || theirs == null ? '—' : `${mine - theirs >= 0 ? '+' : ''}${round(mine - theirs, 1)}`);
    costRows.push([
      f.label,
      f.cost.serverCpuMicrosPerRequest,
      fmtRange(f.cost.serverCpuRange, 1),
      over(f.cost.serverCpuMicrosPerRequest, base?.serverCpuMicrosPerRequest),
      f.cost.redisMicrosPerRequest ?? '—',
      f.cost.redisRange ? fmtRange(f.cost.redisRange, 2) : '—',
      over(f.cost.redisMicrosPerRequest, base?.redisMicrosPerRequest),
    ]);
  }
  printTable('Cost per authenticated request, in the timed rounds: server process CPU, and Redis executing commands (INFO commandstats)', costRows);
  for (const [key, t] of Object.entries(targets)) {
    const parts = [`req/s ≥ ${t.rps.limit}× its baseline: ${t.rps.value ?? '—'} → ${t.rps.met == null ? 'not measured' : t.rps.met ? 'met' : 'MISSED'}`];
    if (t.roundTrips) parts.push(`round trips ≤ ${t.roundTrips.limit}: ${t.roundTrips.value ?? '—'} → ${t.roundTrips.met ? 'met' : 'MISSED'}`);
    if (t.commands) parts.push(`commands ≤ ${t.commands.limit}: ${t.commands.value ?? '—'} → ${t.commands.met ? 'met' : 'MISSED'}`);
    console.log(`target, ${figures[key]?.label ?? key}: ${parts.join('; ')}`);
  }
  writeResults('overhead', { rounds: ROUNDS, durationSeconds: DURATION, connections: CONNECTIONS, figures, ratios, targets });
  return { figures, ratios, targets };
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
