// Benchmark 1, weight: min+gzip bytes of what users ship, measured one way for
// every library: esbuild bundle + minify (ESM, browser, es2020), then zlib
// gzip level 9. Peers the user's app has anyway are external.
import { build } from 'esbuild';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { scriptTagBuildOptions } from '../scripts/script-tag-build.mjs';
import { at, clientArtifacts, ensureBuilt, formatBytes, printTable, root, writeResults } from './lib.mjs';

/** Issue 12's targets, min+gzip bytes (1 kB = 1000 bytes). */
const TARGETS = { clientNpm: 3200, clientUi: 6500, clientIife: 14_000, reactBinding: 1000 };
const target = (key) => `target ≤ ${TARGETS[key] / 1000} kB`;

const gzip = (code) => gzipSync(code, { level: 9 }).length;

/**
 * The client's `observable.ts` replaced by rxjs's Observable, for the variant rows: `state$` (and the
 * internal activity and wake streams) as rxjs Observables, as the client was before issue 12.
 */
const RXJS_OBSERVABLE = `import { Observable } from 'rxjs';
export const observable = (produce) => new Observable((subscriber) => produce(subscriber));`;
const rxjsObservable = {
  name: 'rxjs-observable',
  setup(plugin) {
    plugin.onResolve({ filter: /\/observable\.js$/ }, (args) =>
      args.importer.includes('packages/client/src') ? { path: 'rxjs-observable', namespace: 'variant' } : undefined,
    );
    plugin.onLoad({ filter: /.*/, namespace: 'variant' }, () => ({ contents: RXJS_OBSERVABLE, loader: 'js', resolveDir: root }));
  },
};

/** How every figure is bundled: minified ESM for browsers, `external` left out, nothing written. */
const measuredBuild = (external) => ({
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2020',
  // rxjs's ES2015 build (as scripts/build.mjs takes it): its esm5 build needs tslib's class helpers.
  conditions: ['es2015'],
  external,
  write: false,
  legalComments: 'none',
  logLevel: 'error',
  define: { 'process.env.NODE_ENV': '"production"', ngDevMode: 'false' },
  metafile: true,
});

/** Bundles `contents` as an ESM entry (every export kept), minified, with `external` left out. */
async function bundle(contents, external, plugins = []) {
  const result = await build({
    ...measuredBuild(external),
    stdin: { contents, resolveDir: root, loader: 'ts', sourcefile: 'bench-weight-entry.ts' },
    plugins,
  });
  const code = result.outputFiles[0].contents;
  return { min: code.length, gzip: gzip(code), inputs: groupInputs(result.metafile) };
}

/**
 * Bundles `contents` as an app's bundler does (ESM, code splitting): what every page loads (the entry and
 * the chunks it imports statically) apart from the chunks loaded on demand (`import()`, the push stream's
 * reader). Each file is gzipped alone, as a browser downloads it.
 */
async function bundleSplit(contents, external) {
  const dir = mkdtempSync(path.join(tmpdir(), 'sg-weight-'));
  try {
    const entry = path.join(dir, 'entry.js');
    writeFileSync(entry, contents);
    const result = await build({ ...measuredBuild(external), entryPoints: [entry], outdir: path.join(dir, 'out'), splitting: true });
    // The metafile names outputs relative to the working directory; the output files by absolute path.
    const code = Object.fromEntries(result.outputFiles.map((file) => [path.relative(process.cwd(), file.path), file.contents]));
    const outputs = result.metafile.outputs;
    const start = Object.keys(outputs).find((file) => outputs[file].entryPoint);
    const initial = new Set();
    const visit = (file) => {
      if (initial.has(file)) return;
      initial.add(file);
      for (const imported of outputs[file].imports) if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
    };
    visit(start);
    const sum = (files) => files.reduce((total, file) => ({ min: total.min + code[file].length, gzip: total.gzip + gzip(code[file]) }), { min: 0, gzip: 0 });
    const js = Object.keys(outputs).filter((file) => file.endsWith('.js'));
    return { ...sum([...initial]), onDemand: sum(js.filter((file) => !initial.has(file))) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
  const measure = async (key, label, contents, external, note, plugins) => {
    try {
      figures[key] = { label, ...(await bundle(contents, external, plugins)), external, note };
    } catch (error) {
      figures[key] = { label, error: String(error.message ?? error).split('\n')[0], note };
    }
  };
  const from = (file) => JSON.stringify(at(file));

  // (a) The client as npm users get it: the published dist, with our own @sessionguard/core bundled in,
  // ky external (its peer: the app has it anyway). rxjs is no longer imported at all.
  const client = await clientArtifacts();
  const clientDist = client.esm;
  const uiDist = clientDist.replace(/index\.js$/, 'ui.js');
  // What every page loads, the push stream's reader (loaded on demand by the leader tab) apart, as an app's bundler splits it.
  const split = async (key, label, contents, external, note) => {
    try {
      const { onDemand, ...initial } = await bundleSplit(contents, external);
      figures[key] = { label, ...initial, external, note };
      figures[`${key}OnDemand`] = { label: `  + on demand, once, in the leader tab: the push stream's reader`, ...onDemand, external, note: 'a chunk of its own' };
    } catch (error) {
      figures[key] = { label, error: String(error.message ?? error).split('\n')[0], note };
    }
  };
  const headless = `export * from ${JSON.stringify(clientDist)};`;
  const withUi = `${headless} export * from ${JSON.stringify(uiDist)};`;
  await split('clientNpm', '@sessionguard/client, headless (npm: + core; ky external): what every page loads', headless, ['ky'], target('clientNpm'));
  await split('clientUi', '@sessionguard/client + /ui (npm: headless + the built-in dialogs; ky external): every page', withUi, ['ky'], target('clientUi'));
  await measure('clientNpmWhole', '@sessionguard/client, headless, in one file (the push chunk inlined)', headless, ['ky'], 'as a bundler without code splitting ships it');

  // (b) The script-tag build as shipped: already minified, everything inside.
  const iife = client.iife;
  const iifeLabel = 'sessionguard.min.js (script tag: headless + ui + en/fr/de, all inside; no ky, guard.fetch)';
  if (iife && existsSync(iife)) {
    const code = readFileSync(iife);
    figures.clientIife = { label: iifeLabel, min: code.length, gzip: gzip(code), note: target('clientIife') };
  } else {
    figures.clientIife = { label: iifeLabel, error: 'not built (packages/client/src/global.ts missing)', note: target('clientIife') };
  }

  // The script tag as built, less the push stream's reader (issue 13): what push costs the script tag.
  if (existsSync(at('packages/client/src/push-stream.ts'))) {
    const withoutPush = {
      name: 'without-push',
      setup(plugin) {
        plugin.onResolve({ filter: /\/push-stream\.js$/ }, () => ({ path: 'push-stream', namespace: 'variant-push' }));
        plugin.onLoad({ filter: /.*/, namespace: 'variant-push' }, () => ({ contents: 'export const createPushStream = () => ({ want() {}, close() {} });', loader: 'js' }));
      },
    };
    const options = scriptTagBuildOptions(root);
    const result = await build({ ...options, plugins: [...options.plugins, withoutPush], write: false, logLevel: 'error' });
    const code = result.outputFiles[0].contents;
    figures.variantIifeWithoutPush = { label: 'variant, the script tag without the push stream (pings only)', min: code.length, gzip: gzip(code), note: 'not shipped: what push costs the script tag' };
  }

  // (c) What an app that has neither rxjs nor ky pays for the SDK, in all.
  await measure('clientAlone', '@sessionguard/client headless + ky (an app without rxjs or ky)', `export * from ${JSON.stringify(clientDist)};`, [], 'all it pays, ky included');
  await measure(
    'clientUiAlone',
    '@sessionguard/client + /ui + ky (an app without rxjs or ky)',
    `export * from ${JSON.stringify(clientDist)}; export * from ${JSON.stringify(uiDist)};`,
    [],
    'all it pays, ky included',
  );

  // (d) The React binding, when it is built: react, react-dom and the client (its peers) external.
  const reactDist = at('packages/react/dist/index.js');
  if (existsSync(reactDist)) {
    await measure(
      'reactBinding',
      '@sessionguard/react (react, react-dom, @sessionguard/client external)',
      `export * from ${JSON.stringify(reactDist)};`,
      ['react', 'react-dom', 'react/*', 'react-dom/*', '@sessionguard/client', '@sessionguard/client/*'],
      target('reactBinding'),
    );
  } else {
    figures.reactBinding = { label: '@sessionguard/react', error: 'not built (packages/react/dist/index.js missing)', note: target('reactBinding') };
  }

  // (e) rxjs or not, from the sources: state$ as the client's interop Observable (shipped) or as rxjs's.
  const sources = `export * from ${from('packages/client/src/index.ts')};`;
  await measure('variantInterop', 'variant, headless from sources, state$ interop Observable (shipped)', sources, ['ky', 'rxjs'], 'rxjs external');
  await measure('variantRxjs', "variant, headless from sources, state$ as rxjs's Observable", sources, ['ky', 'rxjs'], 'rxjs external', [rxjsObservable]);
  await measure('variantInteropAlone', 'variant, the same, interop Observable, for an app without rxjs', sources, ['ky'], 'rxjs inside (none imported)');
  await measure('variantRxjsAlone', "variant, the same, rxjs's Observable, for an app without rxjs", sources, ['ky'], 'rxjs inside', [rxjsObservable]);

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

  // Where the bytes go: the script tag built as scripts/build.mjs builds it, with a metafile; and the npm entries from the sources.
  let breakdown = null;
  if (existsSync(at('packages/client/src/global.ts'))) {
    const result = await build({ ...scriptTagBuildOptions(root), write: false, metafile: true, logLevel: 'error' });
    breakdown = groupInputs(result.metafile);
  }
  const npmBreakdown = figures.variantInterop.inputs;
  const uiBreakdown = (await bundle(`${sources} export * from ${from('packages/client/src/ui.ts')};`, ['ky'])).inputs;

  const gz = (key) => figures[key]?.gzip ?? null;
  const ratio = (x, y) => (gz(x) && gz(y) ? gz(x) / gz(y) : null);
  const ratios = {
    clientNpmVsReactIdleTimer: ratio('clientNpm', 'reactIdleTimer'),
    clientUiVsReactIdleTimer: ratio('clientUi', 'reactIdleTimer'),
    clientNpmVsNgIdle: ratio('clientNpm', 'ngIdle'),
    clientIifeVsNgIdleWithRxjs: ratio('clientIife', 'ngIdleWithRxjs'),
    rxjsObservableCostForAppsWithoutRxjs: gz('variantRxjsAlone') && gz('variantInteropAlone') ? gz('variantRxjsAlone') - gz('variantInteropAlone') : null,
  };
  const targets = Object.fromEntries(
    Object.entries(TARGETS).map(([key, limit]) => [key, { limit, gzip: gz(key), met: gz(key) != null ? gz(key) <= limit : null, shortfall: gz(key) != null ? Math.max(0, gz(key) - limit) : null }]),
  );

  rows.push(['bundle', 'minified', 'min+gzip', 'vs react-idle-timer', 'note']);
  for (const entry of Object.values(figures)) {
    rows.push([
      entry.label,
      entry.error ? 'error' : formatBytes(entry.min),
      entry.error ? entry.error : formatBytes(entry.gzip),
      entry.gzip && gz('reactIdleTimer') ? `${(entry.gzip / gz('reactIdleTimer')).toFixed(2)}×` : null,
      entry.note,
    ]);
  }
  printTable('Weight: esbuild minify (ESM, es2020) + gzip -9; 1 kB = 1000 bytes', rows);
  console.log(
    'targets: ' +
      Object.entries(targets)
        .map(([key, t]) => `${key} ${t.gzip != null ? formatBytes(t.gzip) : 'n/a'} (≤ ${t.limit / 1000} kB: ${t.met ? 'met' : t.met === null ? 'n/a' : `MISSED by ${formatBytes(t.shortfall)}`})`)
        .join(', '),
  );
  if (breakdown) printTable("Where the script tag's minified bytes go (before gzip)", [['input', 'bytes'], ...breakdown.slice(0, 14).map((e) => [e.input, e.bytes])]);
  printTable("Where the headless npm entry's minified bytes go (before gzip; from the sources)", [['input', 'bytes'], ...npmBreakdown.slice(0, 14).map((e) => [e.input, e.bytes])]);
  printTable('Where headless + /ui spend theirs (before gzip; from the sources)', [['input', 'bytes'], ...uiBreakdown.slice(0, 14).map((e) => [e.input, e.bytes])]);
  for (const entry of Object.values(figures)) delete entry.inputs;
  writeResults('weight', { figures, ratios, targets, breakdown, npmBreakdown, uiBreakdown });
  return { figures, ratios, targets };
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
