// Writes the figures of bench/results.json into BENCHMARKS.md, between the
// `<!-- figures:start -->` and `<!-- figures:end -->` markers, so the
// document always shows the latest full run. `npm run bench` calls it after a
// full (not smoke) run; `node bench/report.mjs` does it by hand.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { at, resultsPath } from './lib.mjs';

const kB = (bytes) => (bytes == null ? '—' : `${(bytes / 1000).toFixed(2)} kB`);
const x = (value, digits = 2) => (value == null ? '—' : `${Number(value).toFixed(digits)}×`);
const table = (rows) => {
  const [head, ...body] = rows;
  const numeric = head.map((_, i) => i > 0 && body.every((row) => /^([-+<>~≈]?[\d.]|—|$)/.test(String(row[i] ?? '—'))));
  return [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (numeric[i] ? '---:' : '---')).join(' | ')} |`, ...body.map((row) => `| ${row.map((c) => (c == null ? '—' : String(c))).join(' | ')} |`)].join('\n');
};
// The machine line names the first bench's machine; a bench taken on another CPU says which beside its date.
let headlineCpu = null;
const when = (entry) =>
  `${entry.takenAt.slice(0, 16).replace('T', ' ')} UTC, load average ${entry.machine.loadAverage1m} when it started${entry.machine.cpu !== headlineCpu ? `, on ${entry.machine.cpu}` : ''}`;

export function render(results) {
  const out = [];
  const any = Object.values(results)[0];
  if (any) {
    const m = any.machine;
    headlineCpu = m.cpu;
    out.push(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB RAM; Node ${m.node}; ${m.chromium ?? 'no Chromium'}; Redis ${m.redis ?? 'n/a'}.`);
  }

  const w = results.weight;
  if (w) {
    const f = w.figures;
    out.push(`\n### 1. Weight (${when(w)})\n`);
    out.push(
      table([
        ['bundle', 'minified', 'min+gzip', 'target'],
        ...Object.values(f).map((e) => [e.label, e.error ? 'error' : kB(e.min), e.error ?? kB(e.gzip), e.note?.startsWith('target') ? e.note.replace('target ', '') : '']),
      ]),
    );
    out.push(
      `\nRatios (min+gzip): npm client ÷ react-idle-timer ${x(w.ratios.clientNpmVsReactIdleTimer)}, npm client ÷ @ng-idle ${x(w.ratios.clientNpmVsNgIdle)}, ` +
        `script tag ÷ (@ng-idle + its rxjs) ${x(w.ratios.clientIifeVsNgIdleWithRxjs)}. Targets: ${Object.entries(w.targets)
          .map(([name, t]) => `${name} ≤ ${t.limit / 1000} kB ${t.met ? 'met' : t.met === null ? 'n/a' : `**missed** by ${(t.shortfall / 1000).toFixed(2)} kB`}`)
          .join(', ')}.`,
    );
    if (w.breakdown) {
      out.push('\nWhere the script tag\'s bytes go (minified bytes in the output, before gzip):\n');
      out.push(table([['input', 'bytes'], ...w.breakdown.slice(0, 12).map((e) => [e.input, e.bytes])]));
    }
    if (w.npmBreakdown) {
      out.push('\nAnd the npm build\'s (rxjs and ky external; bundled from the sources the same way):\n');
      out.push(table([['input', 'bytes'], ...w.npmBreakdown.slice(0, 12).map((e) => [e.input, e.bytes])]));
    }
  }

  const a = results.activity;
  if (a) {
    out.push(`\n### 2. Activity cost (${when(a)})\n`);
    const f = a.figures;
    /** A cost at or below the no-listener page's is no cost we can see: never shown negative. */
    const cost = (ns) => (ns == null ? '—' : ns <= 0 ? 'indistinguishable from zero' : String(ns));
    const rows = [['page', 'paced: ns/event over (a), median of rounds', 'paced: range of rounds (ns)', `burst: ${a.mousemoves} mousemove, CPU ms`, `burst: ${a.keydowns} keydown, CPU ms`, 'burst: ns/event over (a), CPU', 'burst: ns/event over (a), wall clock']];
    for (const e of Object.values(f)) {
      const isBase = e.label.startsWith('(a)');
      const paced = e.paced ?? { medianNs: e.pacedNsPerEvent, rangeNs: null };
      rows.push([
        e.label,
        isBase ? '—' : cost(paced.medianNs),
        isBase || !paced.rangeNs ? '—' : `${paced.rangeNs[0]} to ${paced.rangeNs[1]}`,
        e.mousemoveLoopMs.toFixed(1),
        e.keydownLoopMs.toFixed(1),
        isBase ? '—' : cost(e.allNsPerEvent),
        isBase ? '—' : cost(e.wall?.allNsPerEvent),
      ]);
    }
    out.push(table(rows));
    const sgPaced = f.sessionguard?.paced;
    const pacedRatio = sgPaced && !sgPaced.distinguishable ? '0× (sessionguard indistinguishable from zero)' : x(a.ratios.paced);
    out.push(
      `\nPrimary, paced (${a.paced.hz} Hz for ${a.paced.seconds} s, ${a.paced.rounds} rotated rounds, each page against the no-listener page of the same round): sessionguard ÷ react-idle-timer ${pacedRatio}. ` +
        `Burst (${a.rounds} rounds): ${a.ratios.sessionguardVsReactIdleTimer == null ? '—' : a.ratios.sessionguardVsReactIdleTimer <= 0 ? '0× (indistinguishable from zero)' : x(a.ratios.sessionguardVsReactIdleTimer)}; beyond the empty-listener floor ${x(a.ratios.aboveFloor)}. ` +
        `Target ≤ 0.50× (paced): ${a.target.met == null ? 'not measured' : a.target.met ? 'met' : '**missed**'}.`,
    );
  }

  const t = results.tabs;
  if (t) {
    out.push(`\n### 3. Server load from tabs (${when(t)})\n`);
    const counts = Object.keys(Object.values(t.figures)[0].byTabs);
    out.push(
      table([
        ['design', ...counts.map((n) => `${n} tab${n === '1' ? '' : 's'}`), 'while opening the tabs', 'requests by path, most tabs'],
        ...Object.values(t.figures).map((e) => [
          e.label,
          ...counts.map((n) => e.byTabs[n].requests),
          counts.map((n) => e.byTabs[n].openingRequests ?? '—').join(' / '),
          Object.entries(e.byTabs[counts.at(-1)].byPath).map(([p, n]) => `${p}: ${n}`).join(', '),
        ]),
      ]),
    );
    out.push(
      `\nRequests over ${t.simulatedMinutes} simulated minutes once the tabs are open (opening them is counted apart), warnAfter ${t.warnAfter} s, expireAfter ${t.expireAfter} s. ` +
        `Most tabs ÷ one tab: sessionguard ${x(t.ratios.sessionguardMostTabsVsOneTab)}, per-tab timers ${x(t.ratios.perTabMostTabsVsOneTab)}; ` +
        `per-tab ÷ sessionguard at ${counts.at(-1)} tabs ${x(t.ratios.perTabVsSessionguardAtMostTabs)}. ` +
        `Target (independent of the number of tabs): ${t.target.independentOfTabs == null ? 'not measured' : t.target.independentOfTabs ? 'met' : '**missed**'}.`,
    );
  }

  const o = results.overhead;
  if (o) {
    out.push(`\n### 4. Request overhead (${when(o)})\n`);
    const span = (pair, digits = 0) => (pair?.[0] == null ? '—' : `${pair[0].toFixed(digits)}–${pair[1].toFixed(digits)}`);
    out.push(
      table([
        ['app', 'req/s, median of rounds', 'req/s, range', 'ratio to its baseline, median', 'ratio, range', 'p50 ms', 'p99 ms', 'non-2xx'],
        ...Object.entries(o.figures).map(([key, e]) => [
          e.label,
          Math.round(e.rpsMedian ?? e.rps),
          span(e.rpsRange),
          o.ratios[key]?.median == null ? '—' : `${o.ratios[key].median.toFixed(3)}×`,
          span(o.ratios[key]?.range, 3),
          e.p50Ms,
          e.p99Ms,
          e.non2xx,
        ]),
      ]),
    );
    const counted = Object.values(o.figures).filter((e) => e.counts);
    if (counted.length) {
      out.push('\nRedis work per authenticated request, counted from `MONITOR` (commands run inside scripts included):\n');
      out.push(
        table([
          ['app', 'round trips / request', 'commands / request', 'with the coalesced writes: round trips', 'commands', 'activity writes / s', 'every request an activity write: round trips', 'commands', 'commands seen under load'],
          ...counted.map((e) => [
            e.label,
            e.counts.underLoad.typical?.roundTripsPerRequest ?? '—',
            e.counts.underLoad.typical?.commandsPerRequest ?? '—',
            e.counts.underLoad.roundTripsPerRequest.toFixed(3),
            e.counts.underLoad.commandsPerRequest.toFixed(3),
            e.counts.underLoad.seconds ? (e.counts.underLoad.writes / e.counts.underLoad.seconds).toFixed(2) : '—',
            e.counts.sparse.roundTripsPerRequest,
            e.counts.sparse.commandsPerRequest,
            Object.entries(e.counts.underLoad.byCommand).map(([name, n]) => `${name} ${n}`).join(', '),
          ]),
        ]),
      );
    }
    const costed = Object.entries(o.figures).filter(([, e]) => e.cost);
    if (costed.length) {
      const baseOf = { registry: 'baseline', store: 'baseline', memory: 'memoryBaseline' };
      const over = (mine, theirs) => (mine == null || theirs == null ? '—' : `${mine - theirs >= 0 ? '+' : ''}${(mine - theirs).toFixed(1)}`);
      out.push('\nCost per authenticated request, in the timed rounds (median of rounds, and range): the server process\'s CPU time, and Redis\'s time executing commands (`INFO commandstats`, scripts included, its network I/O not):\n');
      out.push(
        table([
          ['app', 'server CPU µs / request', 'range', 'over its baseline', 'Redis command µs / request', 'range', 'over its baseline'],
          ...costed.map(([key, e]) => {
            const base = o.figures[baseOf[key]]?.cost;
            const span2 = (pair, digits) => (pair?.[0] == null ? '—' : `${pair[0].toFixed(digits)}–${pair[1].toFixed(digits)}`);
            return [
              e.label,
              e.cost.serverCpuMicrosPerRequest,
              span2(e.cost.serverCpuRange, 1),
              over(e.cost.serverCpuMicrosPerRequest, base?.serverCpuMicrosPerRequest),
              e.cost.redisMicrosPerRequest ?? '—',
              span2(e.cost.redisRange, 2),
              over(e.cost.redisMicrosPerRequest, base?.redisMicrosPerRequest),
            ];
          }),
        ]),
      );
    }
    const verdict = (t) => (t?.met == null ? 'not measured' : t.met ? 'met' : '**missed**');
    const lines = Object.entries(o.targets ?? {}).map(([key, t]) => {
      const parts = [`req/s ≥ ${t.rps.limit}× its baseline (median ${t.rps.value ?? '—'}×): ${verdict(t.rps)}`];
      if (t.roundTrips) parts.push(`round trips ≤ ${t.roundTrips.limit} (${t.roundTrips.value}): ${verdict(t.roundTrips)}`);
      if (t.commands) parts.push(`commands ≤ ${t.commands.limit} (${t.commands.value}): ${verdict(t.commands)}`);
      return `- ${o.figures[key]?.label ?? key}: ${parts.join('; ')}.`;
    });
    out.push(
      `\n${o.rounds} rotated rounds of ${o.durationSeconds} s, ${o.connections} connections; a ratio is taken within each round. Counts: ${o.figures.baseline?.counts?.underLoad.requests ?? '—'} requests on one session under the same load, per request that writes nothing (nearly all of them: activity is written at most once a second per session), then with those writes spread over all requests, and for requests more than a second apart (each one an activity write). Targets, on a request that writes nothing:\n\n${lines.join('\n')}`,
    );
  }

  const r = results.revoke;
  if (r) {
    const f = r.figures;
    out.push(`\n### 5. Revoke a user everywhere (${when(r)})\n`);
    out.push(
      table([
        ['operation', 'users timed', 'median ms', 'p99 ms'],
        ['sessionguard: list (per-user index)', f.sessionguard.list.n, f.sessionguard.list.medianMs, f.sessionguard.list.p99Ms],
        ['sessionguard: revoke all (`guard.revokeUser`)', f.sessionguard.revoke.n, f.sessionguard.revoke.medianMs, f.sessionguard.revoke.p99Ms],
        ['connect-redis: `all()` + filter', f.connectRedisScan.list.n, Math.round(f.connectRedisScan.list.medianMs), Math.round(f.connectRedisScan.list.p99Ms)],
        ['connect-redis: `all()` + filter + `destroy` each', f.connectRedisScan.revoke.n, Math.round(f.connectRedisScan.revoke.medianMs), Math.round(f.connectRedisScan.revoke.p99Ms)],
      ]),
    );
    if (f.connectRedisAllWorks === false) {
      out.push(`\nconnect-redis's \`store.all()\` itself fails at this size (\`${f.connectRedisAllError}\`: it sends one MGET with every key); the scan rows time the same algorithm with the MGET in chunks.`);
    }
    out.push(
      `\n${f.sessions.toLocaleString('en')} sessions of ${f.users.toLocaleString('en')} users, loaded in ${f.loadSeconds} s (Redis ${f.redisUsedMemoryMiB} MiB); cleanup deleted ${f.cleanup.keysDeleted.toLocaleString('en')} keys in ${f.cleanup.seconds} s. ` +
        `Scan ÷ sessionguard: list ${r.ratios.listMedian}× (median) / ${r.ratios.listP99}× (p99), revoke ${r.ratios.revokeMedian}× / ${r.ratios.revokeP99}×. ` +
        `Targets: p99 < 5 ms ${r.target.p99Met ? 'met' : '**missed**'}; ≥ 1000× faster ${r.target.speedupMet ? 'met' : '**missed**'}.`,
    );
  }
  const b = results.sessionBytes?.comparison;
  if (b) {
    const e = results.sessionBytes;
    out.push(`\n### 6. Bytes per session in Redis (${when(e)})\n`);
    out.push(
      table([
        ['layout', 'B/session (used_memory Δ)', '÷ (a)', `B/session, the first ${b.realSessions.toLocaleString('en')} alone`, 'keys'],
        ...Object.values(b.layouts).map((l) => [l.label, l.bytesPerSession, `${(l.bytesPerSession / b.layouts.connectRedis.bytesPerSession).toFixed(2)}×`, l.bytesPerSessionReal, l.keys.toLocaleString('en')]),
      ]),
    );
    if (e.oneSession) {
      out.push('\nOne session of each, by `MEMORY USAGE`:\n');
      out.push(table([['key', 'bytes', 'type', 'encoding'], ...Object.entries(e.oneSession).map(([key, v]) => [key.replace(/[A-Za-z0-9_-]{32}$/, '<sid>'), v.bytes, v.type, v.encoding])]));
    }
    out.push(
      `\n${b.sessions.toLocaleString('en')} sessions per layout, one user each, in one run (the first ${b.realSessions.toLocaleString('en')} through the real code, the rest exact copies of its keys). ` +
        `(c) ÷ (a) ${b.ratios.storeVsConnectRedis}×, (c) ÷ (b) ${b.ratios.storeVsRegistry}×. Target (c) ≤ 1.2 × (a): ${b.target.met ? 'met' : '**missed**'}.`,
    );
  }

  return out.join('\n');
}

export function updateDoc() {
  const doc = at('BENCHMARKS.md');
  if (!existsSync(doc) || !existsSync(resultsPath)) return false;
  const text = readFileSync(doc, 'utf8');
  const start = '<!-- figures:start -->';
  const end = '<!-- figures:end -->';
  if (!text.includes(start) || !text.includes(end)) return false;
  const results = JSON.parse(readFileSync(resultsPath, 'utf8'));
  const body = render(results);
  writeFileSync(doc, `${text.slice(0, text.indexOf(start) + start.length)}\n<!-- written by bench/report.mjs from bench/results.json -->\n\n${body}\n\n${text.slice(text.indexOf(end))}`);
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes('--print')) console.log(render(JSON.parse(readFileSync(resultsPath, 'utf8'))));
  else console.log(updateDoc() ? 'BENCHMARKS.md: figures updated' : 'BENCHMARKS.md or its markers or results.json missing');
}
