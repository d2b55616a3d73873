// Benchmark 1, weight: min+gzip bytes of what users ship, measured one way for
// every library: esbuild bundle + minify (ESM, browser, es2020), then zlib
// gzip level 9. Peers the user's app has anyway are external.
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { at, clientArtifacts, ensureBuilt, formatBytes, printTable, root, writeResults } from './lib.mjs';

const TARGET_NPM = 5000;
const TARGET_IIFE = 16000;

const gzip = (code) => gzipSync(code, { level: 9 }).length;

/** Bundles `contents` as an ESM entry (every export kept), minified, with `external` left out. */
async function bundle(contents, external) {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: 'ts', sourcefile: 'bench-weight-entry.ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    external,
    write: false,
    legalComments: 'none',
    logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"production"', ngDevMode: 'false' },
    metafile: true,
  });
  const code = result.outputFiles[0].contents;
  return { min: code.length, gzip: gzip(code), inputs: groupInputs(result.metafile) };
}

/** Minified bytes in the output per package (node_modules) or per source file (ours), largest first. */
function groupInputs(metafile) {
  const groups = {};
  for (const [input, { bytesInOutput }] of Object.entries(Object.values(metafile.outputs)[0].inputs)) {
    const name = /node_modules\/(@[^/]+\/[^/]+|[^/]+)/.exec(input)?.[1] ?? input.replace(/^packages\//, '');
    groups[name] = (groups[name] ?? 0) + bytesInOutput;
  }
  return Object.entries(groups)
    .map(([input, bytes]) => ({ input, bytes }))
    .filter((entry) => entry.bytes > 0)
    .sort((x, y) => y.bytes - x.bytes);
}

export async function run() {
  ensureBuilt();
  const rows = [];
  const figures = {};
  const measure = async (key, label, contents, external, note) => {
    try {
      figures[key] = { label, ...(await bundle(contents, external)), external, note };
    } catch (error) {
      figures[key] = { label, error: String(error.message ?? error).split('\n')[0], note };
    }
  };

  // (a) The client as npm users get it: the published dist (dist/index.js),
  // with our own @sessionguard/core bundled in, rxjs and ky external (peers).
  const client = await clientArtifacts();
  const clientDist = client.esm;
  await measure(
    'clientNpm',
    '@sessionguard/client (npm: + core, rxjs & ky external)',
    `export * from ${JSON.stringify(clientDist)};`,
    ['rxjs', 'rxjs/*', 'ky'],
    'target ≤ 5 kB',
  );

  // (b) The script-tag build as shipped: already minified, everything inside.
  const iife = client.iife;
  if (iife && existsSync(iife)) {
    const code = readFileSync(iife);
    figures.clientIife = { label: 'sessionguard.min.js (script tag, all inside)', min: code.length, gzip: gzip(code), note: 'target ≤ 16 kB' };
  } else {
    figures.clientIife = { label: 'sessionguard.min.js (script tag, all inside)', error: 'not built (packages/client/src/global.ts missing)', note: 'target ≤ 16 kB' };
  }

  // Peers, bundled from npm the same way.
  await measure(
    'reactIdleTimer',
    'react-idle-timer (react, react-dom external)',
    `export * from 'react-idle-timer';`,
    ['react', 'react-dom', 'react/*', 'react-dom/*'],
    'no dependencies of its own, so also its "everything but React" figure',
  );
  await measure(
    'ngIdle',
    '@ng-idle/core + keepalive (@angular/*, rxjs external)',
    `export * from '@ng-idle/core'; export * from '@ng-idle/keepalive';`,
    ['@angular/*', 'rxjs', 'rxjs/*'],
    'Angular partial-compilation output, as published',
  );
  await measure(
    'ngIdleWithRxjs',
    '@ng-idle/core + keepalive + the rxjs it uses (@angular/* external)',
    `export * from '@ng-idle/core'; export * from '@ng-idle/keepalive';`,
    ['@angular/*'],
    'comparable to the script tag: its own code plus rxjs',
  );

  // Where the script tag's bytes go: the same build as scripts/build.mjs, with a metafile.
  let breakdown = null;
  if (existsSync(at('packages/client/src/global.ts'))) {
    const result = await build({
      entryPoints: [at('packages/client/src/global.ts')],
      bundle: true,
      minify: true,
      format: 'iife',
      globalName: 'SessionGuard',
      target: 'es2020',
      platform: 'browser',
      legalComments: 'none',
      write: false,
      metafile: true,
      logLevel: 'error',
    });
    breakdown = groupInputs(result.metafile);
  }

  const a = figures.clientNpm.gzip;
  const b = figures.clientIife.gzip;
  const rit = figures.reactIdleTimer.gzip;
  const ng = figures.ngIdle.gzip;
  const ratios = {
    clientNpmVsReactIdleTimer: a && rit ? a / rit : null,
    clientNpmVsNgIdle: a && ng ? a / ng : null,
    clientIifeVsNgIdleWithRxjs: b && figures.ngIdleWithRxjs.gzip ? b / figures.ngIdleWithRxjs.gzip : null,
  };
  const targets = {
    clientNpm: { limit: TARGET_NPM, met: a != null ? a <= TARGET_NPM : null },
    clientIife: { limit: TARGET_IIFE, met: b != null ? b <= TARGET_IIFE : null },
  };

  rows.push(['bundle', 'minified', 'min+gzip', 'vs ours (npm)', 'note']);
  for (const entry of Object.values(figures)) {
    rows.push([
      entry.label,
      entry.error ? 'error' : formatBytes(entry.min),
      entry.error ? entry.error : formatBytes(entry.gzip),
      entry.gzip && a ? `${(entry.gzip / a).toFixed(2)}×` : null,
      entry.note,
    ]);
  }
  printTable('Weight: esbuild minify (ESM, es2020) + gzip -9; 1 kB = 1000 bytes', rows);
  console.log(
    `targets: npm ${a != null ? formatBytes(a) : 'n/a'} (≤ 5 kB: ${targets.clientNpm.met ? 'met' : 'MISSED'}), ` +
      `script tag ${b != null ? formatBytes(b) : 'n/a'} (≤ 16 kB: ${targets.clientIife.met ? 'met' : 'MISSED'})`,
  );
  if (breakdown) {
    printTable('Where the script tag\'s minified bytes go (before gzip)', [['input', 'bytes'], ...breakdown.slice(0, 12).map((e) => [e.input, e.bytes])]);
  }
  // The same for (a), bundled from the sources (dist/index.js is one file) the same way.
  const npmBreakdown = (await bundle(`export * from ${JSON.stringify(at('packages/client/src/index.ts'))};`, ['rxjs', 'rxjs/*', 'ky'])).inputs;
  printTable('Where the npm build\'s minified bytes go (before gzip; from the sources)', [['input', 'bytes'], ...npmBreakdown.slice(0, 12).map((e) => [e.input, e.bytes])]);
  for (const entry of Object.values(figures)) delete entry.inputs;
  writeResults('weight', { figures, ratios, targets, breakdown, npmBreakdown });
  return { figures, ratios, targets };
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
