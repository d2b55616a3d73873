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
const when = (entry) => `${entry.takenAt.slice(0, 16).replace('T', ' ')} UTC, load average ${entry.machine.loadAverage1m} when it started`;

export function render(results) {
  const out = [];
  const any = Object.values(results)[0];
  if (any) {
    const m = any.machine;
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
    const rows = [['page', `${a.mousemoves} mousemove, CPU ms`, `${a.keydowns} keydown, CPU ms`, 'ns/event over (a), burst, CPU', 'ns/event over (a), burst, wall clock', 'ns/event over (a), paced, CPU']];
    for (const e of Object.values(f)) {
      const isBase = e.label.startsWith('(a)');
      rows.push([e.label, e.mousemoveLoopMs.toFixed(1), e.keydownLoopMs.toFixed(1), isBase ? '—' : e.allNsPerEvent, isBase ? '—' : (e.wall?.allNsPerEvent ?? '—'), isBase ? '—' : e.pacedNsPerEvent]);
    }
    out.push(table(rows));
    out.push(
      `\nsessionguard ÷ react-idle-timer: burst ${x(a.ratios.sessionguardVsReactIdleTimer)} (mousemove ${x(a.ratios.mousemove)}, keydown ${x(a.ratios.keydown)}), paced ${x(a.ratios.paced)}; beyond the empty-listener floor ${x(a.ratios.aboveFloor)}. ` +
        `Target ≤ 0.50×: ${a.target.met == null ? 'not measured' : a.target.met ? 'met' : '**missed**'}.`,
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
    out.push(
      table([
        ['app', 'req/s (mean of rounds)', 'p50 ms', 'p99 ms', 'req/s per round', 'non-2xx'],
        ...Object.values(o.figures).map((e) => [e.label, e.rps, e.p50Ms, e.p99Ms, e.rounds.map((r) => Math.round(r.rps)).join(' / '), e.non2xx]),
      ]),
    );
    out.push(
      `\n${o.rounds} alternating rounds of ${o.durationSeconds} s, ${o.connections} connections. sessionguard keeps ${o.ratios.sessionguardRpsVsBaseline == null ? '—' : `${(o.ratios.sessionguardRpsVsBaseline * 100).toFixed(1)}%`} of the baseline's req/s ` +
        `(p99 ${x(o.ratios.p99VsBaseline)} the baseline's). Target ≥ 90%: ${o.target.met == null ? 'not measured' : o.target.met ? 'met' : '**missed**'}.`,
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
