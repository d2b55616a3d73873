// Shared helpers for the benchmarks: flags, tables, results.json, the machine,
// Chromium, child-process servers. Benchmarks report figures; they never assert timing.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const at = (...parts) => path.join(root, ...parts);

/** `--smoke`: tiny counts, a few seconds, to prove the harness works (test/bench/smoke.test.ts). */
export const smoke = process.argv.includes('--smoke') || process.env.BENCH_SMOKE === '1';

/** Where figures are merged. The smoke test points this elsewhere so it never clobbers real figures. */
export const resultsPath = process.env.BENCH_RESULTS ?? at('bench', 'results.json');

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Smallest and largest value. */
export function range(values) {
  return values.length ? [Math.min(...values), Math.max(...values)] : [null, null];
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

export const round = (value, digits = 2) => (value == null || Number.isNaN(value) ? value : Number(value.toFixed(digits)));

/** Prints a plain-text table: `rows` are arrays of cells, the first row is the header. */
export function printTable(title, rows) {
  const cells = rows.map((row) => row.map((cell) => (cell == null ? '—' : String(cell))));
  const widths = cells[0].map((_, column) => Math.max(...cells.map((row) => row[column]?.length ?? 0)));
  // Figures align right, words left.
  const right = cells[0].map((_, column) => column > 0 && cells.slice(1).every((row) => /^([-+<>~≈]?[\d.]|—|n\/a)/.test(row[column] ?? '—')));
  const line = (row) => '| ' + row.map((cell, column) => (right[column] ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join(' | ') + ' |';
  const rule = '|' + widths.map((width, column) => (right[column] ? '-'.repeat(width + 1) + ':' : '-'.repeat(width + 2))).join('|') + '|';
  console.log(`\n${title}${smoke ? ' (smoke run: tiny counts, figures meaningless)' : ''}\n`);
  console.log(line(cells[0]));
  console.log(rule);
  for (const row of cells.slice(1)) console.log(line(row));
  console.log('');
}

/** The machine the figures were taken on. */
export function machine() {
  const cpuModel = (() => {
    try {
      return /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model;
    } catch {
      return cpus()[0]?.model;
    }
  })();
  let chromium = null;
  try {
    chromium = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {}
  let redis = null;
  try {
    redis = /redis_version:(\S+)/.exec(execFileSync('redis-cli', ['info', 'server'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))?.[1] ?? null;
  } catch {}
  return {
    cpu: cpuModel,
    cores: cpus().length,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    chromium,
    redis,
    loadAverage1m: round(Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]), 2),
  };
}

/** Merges one benchmark's figures into results.json (atomically: benches may run one after another). */
export function writeResults(name, figures) {
  let all = {};
  if (existsSync(resultsPath)) {
    try {
      all = JSON.parse(readFileSync(resultsPath, 'utf8'));
    } catch {}
  }
  all[name] = { takenAt: new Date().toISOString(), smoke, machine: machine(), ...figures };
  const temporary = `${resultsPath}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(all, null, 2) + '\n');
  renameSync(temporary, resultsPath);
  console.log(`${name}: figures merged into ${path.relative(process.cwd(), resultsPath) || resultsPath}`);
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Builds the packages when a dist is missing or older than its sources, so a
 * fresh clone can run `npm run bench` directly. `BENCH_SKIP_BUILD=1` skips it.
 */
export function ensureBuilt() {
  if (process.env.BENCH_SKIP_BUILD === '1') return;
  const stale = ['core', 'client', 'express'].some((name) => {
    const dist = at('packages', name, 'dist', 'index.js');
    return !existsSync(dist) || statSync(dist).mtimeMs < newestMtime(at('packages', name, 'src'));
  });
  const iifeMissing = existsSync(at('packages/client/src/global.ts')) && !existsSync(at('packages/client/dist/sessionguard.min.js'));
  const demoMissing = existsSync(at('demo/server.ts')) && !existsSync(at('demo/dist/server.js'));
  if (stale || iifeMissing || demoMissing) {
    console.log('bench: building the packages (node scripts/build.mjs)…');
    execFileSync(process.execPath, [at('scripts/build.mjs')], { stdio: 'inherit', cwd: root });
    process.env.BENCH_SKIP_BUILD = '1';
  }
}

/**
 * A fresh Chromium, the way the issue asks (headless, no background traffic,
 * a new profile: playwright gives every launch its own temporary user data
 * dir). Each benchmark page gets its own context, so nothing is shared.
 */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Starts `node <script>` as a child process and waits for it to print
 * `LISTENING <port>`. Returns `{ port, output, child, stop() }`.
 */
export function startChild(script, args = [], env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const onData = (chunk) => {
      output += chunk;
      const match = /LISTENING (\d+)/.exec(output);
      if (match) {
        child.stdout.off('data', onData);
        resolve({
          port: Number(match[1]),
          /** What it printed up to LISTENING (e.g. a `REDIS_ADDR` line). */
          output,
          child,
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), 5000).unref();
            }),
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => {
      output += chunk;
      process.stderr.write(chunk);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before listening:\n${output}`)));
  });
}

export const formatBytes = (bytes) => (bytes == null ? null : `${(bytes / 1000).toFixed(2)} kB`);

/** Deletes every key under `prefix` (SCAN + UNLINK in batches); returns how many. */
export async function deleteByPrefix(client, prefix) {
  let deleted = 0;
  let batch = [];
  for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 10_000 })) {
    batch.push(...keys);
    if (batch.length >= 10_000) {
      deleted += await client.unlink(batch);
      batch = [];
    }
  }
  if (batch.length) deleted += await client.unlink(batch);
  return deleted;
}

/**
 * Deletes what crashed earlier runs left under `namespace` (their keys are
 * `<namespace><pid>:...`), but never the keys of a run still going: another
 * bench, or `npm test`'s smoke run of it, may share this Redis right now.
 * Keys of a pid alive on this machine are left alone. Returns how many went.
 */
export async function deleteStaleRuns(client, namespace) {
  const pids = new Set();
  const pattern = new RegExp(`^${namespace.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\d+):`);
  for await (const keys of client.scanIterator({ MATCH: `${namespace}*`, COUNT: 10_000 })) {
    for (const key of keys) {
      const pid = pattern.exec(String(key))?.[1];
      if (pid) pids.add(Number(pid));
    }
  }
  let deleted = 0;
  for (const pid of pids) {
    let alive = pid === process.pid;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch (error) {
      alive = alive || error.code === 'EPERM';
    }
    if (!alive) deleted += await deleteByPrefix(client, `${namespace}${pid}:`);
  }
  return deleted;
}

/** A connected node-redis client. */
export async function redisClient(database = 0) {
  const { createClient } = await import('redis');
  const client = createClient({ url: REDIS_URL, database });
  client.on('error', (error) => console.error(`redis: ${error.message}`));
  await client.connect();
  return client;
}

/**
 * Bundles a TypeScript entry of ours (e.g. a copy of the sources from before a
 * change) with esbuild, its `@sessionguard/core` from the repository's
 * sources and every other bare import left external, and imports it from a
 * file inside the repository so those imports resolve from its node_modules.
 */
export async function importSourceEntry(entryPath, label) {
  const { build } = await import('esbuild');
  const outfile = path.join(tmpdir(), `sg-bench-src-${process.pid}`, `${label}.mjs`);
  await build({
    entryPoints: [entryPath],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
    plugins: [
      {
        name: 'sessionguard-src',
        setup(pluginBuild) {
          pluginBuild.onResolve({ filter: /^@sessionguard\/core$/ }, () => ({ path: at('packages/core/src/index.ts') }));
          pluginBuild.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@sessionguard/') ? undefined : { path: args.path, external: true }));
        },
      },
    ],
  });
  const inside = at('bench', `.src-${process.pid}-${label}.mjs`);
  writeFileSync(inside, readFileSync(outfile));
  try {
    return await import(inside);
  } finally {
    rmSync(inside, { force: true });
    rmSync(path.dirname(outfile), { recursive: true, force: true });
  }
}

/**
 * Imports one of our packages as users get it: the built dist (through the
 * workspace link). With BENCH_FROM_SRC=1 it bundles the sources instead
 * (esbuild, into a temp dir), to try the benches without touching dist/.
 */
export async function importPackage(specifier) {
  if (process.env.BENCH_FROM_SRC !== '1') return import(specifier);
  const entries = {
    '@sessionguard/core': 'packages/core/src/index.ts',
    '@sessionguard/express': 'packages/express/src/index.ts',
    '@sessionguard/express/redis': 'packages/express/src/redis/index.ts',
  };
  return importSourceEntry(at(entries[specifier]), specifier.replaceAll('/', '_'));
}

/**
 * Paths of the client as shipped: `esm` (dist/index.js, what npm users
 * import) and `iife` (dist/sessionguard.min.js, the script tag). With
 * BENCH_FROM_SRC=1 both are built from the sources into a temp dir with the
 * options of scripts/build.mjs, without touching dist/.
 */
export async function clientArtifacts() {
  const dist = { esm: at('packages/client/dist/index.js'), iife: at('packages/client/dist/sessionguard.min.js') };
  if (process.env.BENCH_FROM_SRC !== '1') return { ...dist, iife: existsSync(dist.iife) ? dist.iife : null };
  const { build } = await import('esbuild');
  const dir = at('bench', `.client-src-${process.pid}`);
  const esm = path.join(dir, 'index.js');
  const iife = path.join(dir, 'sessionguard.min.js');
  await build({
    entryPoints: [at('packages/client/src/index.ts')],
    outfile: esm,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    packages: 'external',
    logLevel: 'error',
  });
  await build({
    entryPoints: [at('packages/client/src/global.ts')],
    outfile: iife,
    bundle: true,
    minify: true,
    format: 'iife',
    globalName: 'SessionGuard',
    target: 'es2020',
    platform: 'browser',
    legalComments: 'none',
    logLevel: 'error',
  });
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return { esm, iife };
}
