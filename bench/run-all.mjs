// `npm run bench`: every benchmark, one after the other (they would disturb
// each other's timings if run together), each in its own process, printing its
// table and merging its figures into bench/results.json. `--smoke` passes
// through. After a full run, BENCHMARKS.md's figures section is rewritten.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { at, ensureBuilt, machine, smoke } from './lib.mjs';

const benches = ['weight', 'activity', 'tabs', 'overhead', 'revoke', 'session-bytes', 'push'];
const only = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const started = performance.now();
ensureBuilt();
const info = machine();
console.log(`sessionguard benchmarks${smoke ? ' (smoke run)' : ''} on ${info.cpu}, ${info.cores} cores, ${info.memoryGiB} GiB, node ${info.node}, ${info.chromium ?? 'no chromium'}, Redis ${info.redis ?? 'n/a'}; load average ${info.loadAverage1m}`);
const failed = [];
for (const name of benches) {
  if (only.length && !only.includes(name)) continue;
  const start = performance.now();
  console.log(`\n=== ${name} ===`);
  // Each in its own process: one's heap (a million sessions) or Chromium never weighs on the next.
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', at('bench', `${name}.mjs`), ...(smoke ? ['--smoke'] : [])], { stdio: 'inherit', env: { ...process.env, BENCH_SKIP_BUILD: '1' } });
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? signal));
  });
  if (code !== 0) {
    failed.push(name);
    console.error(`${name}: failed (${code})`);
  }
  console.log(`${name}: ${((performance.now() - start) / 1000).toFixed(1)} s`);
}
console.log(`\nall benchmarks: ${((performance.now() - started) / 1000).toFixed(1)} s${failed.length ? `; FAILED: ${failed.join(', ')}` : ''}`);
if (!smoke && !only.length && !failed.length) {
  const { updateDoc } = await import('./report.mjs');
  if (updateDoc()) console.log('BENCHMARKS.md: figures section rewritten from bench/results.json');
}
process.exitCode = failed.length ? 1 : 0;
