// Builds every package: ESM bundles with esbuild, a CommonJS copy beside them (.cjs, .d.cts),
// declarations with tsc, the client's script-tag IIFE, and the demo server.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { scriptTagBuildOptions } from './script-tag-build.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

// Two builds of one tree at once (a test run and an editor, say) would delete each other's dist
// mid-way; a lock per tree makes the second wait. A lock left by a dead process is taken over.
const lock = path.join(tmpdir(), `sessionguard-build-${createHash('sha256').update(root).digest('hex').slice(0, 12)}.lock`);
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
for (let waited = 0; ; waited += 100) {
  try {
    mkdirSync(lock);
    writeFileSync(path.join(lock, 'pid'), String(process.pid));
    break;
  } catch {
    let holder = NaN;
    try {
      holder = Number(readFileSync(path.join(lock, 'pid'), 'utf8'));
    } catch {}
    if ((Number.isInteger(holder) && !alive(holder)) || waited > 180_000) rmSync(lock, { recursive: true, force: true });
    else await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
process.on('exit', () => rmSync(lock, { recursive: true, force: true }));
const at = (...parts) => path.join(root, ...parts);
const tsc = at('node_modules', 'typescript', 'bin', 'tsc');

/** ESM for npm: dependencies stay external, the user's bundler resolves them. */
async function buildPackage(name, entries, options = {}) {
  rmSync(at('packages', name, 'dist'), { recursive: true, force: true });
  await build({
    entryPoints: entries.map((entry) => at('packages', name, 'src', entry)),
    outdir: at('packages', name, 'dist'),
    outbase: at('packages', name, 'src'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: name === 'express' ? 'node' : 'neutral',
    target: name === 'express' ? 'node20' : 'es2022',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
    ...options,
  });
  execFileSync(process.execPath, [tsc, '-p', at('packages', name, 'tsconfig.build.json')], { stdio: 'inherit' });
  await buildCommonJs(name, options);
}

/** The files tsconfig.build.json declares, minus the script-tag entry: what a CommonJS consumer may reach. */
function shippedSources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return shippedSources(file);
    const skip = /\.test\.ts$|^test-.*\.ts$|\.contract\.ts$|\.d\.ts$|^global\.ts$/.test(entry.name) || !entry.name.endsWith('.ts');
    return skip ? [] : [file];
  });
}

/**
 * CommonJS for `require()`: one .cjs per source file, each requiring its neighbours (`./x.js` becomes
 * `./x.cjs`) and `@sessionguard/core` as a package. esbuild cannot split CommonJS, and bundling each
 * entry whole would give `@sessionguard/express` and `@sessionguard/express/redis` their own copies of
 * the module-level WeakMaps and error classes; file for file, every module exists once per format.
 * Declarations follow: each .d.ts copied to a .d.cts with its relative specifiers pointing at .cjs.
 */
async function buildCommonJs(name, options) {
  const src = at('packages', name, 'src');
  const dist = at('packages', name, 'dist');
  await build({
    entryPoints: shippedSources(src),
    outdir: dist,
    outbase: src,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    format: 'cjs',
    platform: name === 'express' ? 'node' : 'neutral',
    target: name === 'express' ? 'node20' : 'es2022',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
    ...(options.tsconfigRaw ? { tsconfigRaw: options.tsconfigRaw } : {}),
    plugins: [
      {
        name: 'one-cjs-per-file',
        setup(plugin) {
          plugin.onResolve({ filter: /^@sessionguard\/core$/ }, (args) => ({ path: args.path, external: true }));
          plugin.onResolve({ filter: /^\.\.?\// }, (args) =>
            args.kind === 'entry-point' ? undefined : { path: args.path.replace(/\.js$/, '.cjs'), external: true },
          );
        },
      },
    ],
  });
  const declarations = (dir) =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const file = path.join(dir, entry.name);
      return entry.isDirectory() ? declarations(file) : entry.name.endsWith('.d.ts') ? [file] : [];
    });
  for (const file of declarations(dist)) {
    const text = readFileSync(file, 'utf8').replace(
      /((?:from|import)\s*\(?\s*)(['"])(\.\.?\/[^'"]*?)\.js\2/g,
      (_, before, quote, specifier) => `${before}${quote}${specifier}.cjs${quote}`,
    );
    writeFileSync(file.replace(/\.d\.ts$/, '.d.cts'), text);
  }
}

await buildPackage('core', ['index.ts']);
await Promise.all([
  buildPackage('client', ['index.ts', 'ui.ts', 'locales.ts'], {
    // The error classes of @sessionguard/core (bundled in) get their `name` and `option` by assignment in the
    // constructor rather than as class fields: the same own properties in the same order (Error.prototype.name
    // is a plain writable data property), but a bundler targeting below es2022 then needs no __publicField
    // helper for them (-0.1 kB gzipped in bench/weight.mjs's npm figure). tsconfigRaw replaces the tsconfig
    // files, so it also carries what they set that matters to esbuild: the path to core's sources.
    tsconfigRaw: {
      compilerOptions: {
        target: 'ES2022',
        useDefineForClassFields: false,
        verbatimModuleSyntax: true,
        baseUrl: root,
        paths: { '@sessionguard/core': ['packages/core/src/index.ts'] },
      },
    },
  }),
  buildPackage('express', existsSync(at('packages/express/src/redis/index.ts')) ? ['index.ts', 'redis/index.ts'] : ['index.ts']),
]);
// The React binding after the client: its declarations import the client's built ones. react and the client are
// peers, kept external: tsconfigRaw replaces the root tsconfig, whose `paths` would bundle the client's sources in.
if (existsSync(at('packages/react/src/index.ts'))) {
  await buildPackage('react', ['index.ts'], { tsconfigRaw: { compilerOptions: { target: 'ES2022', verbatimModuleSyntax: true } } });
}

// One <script> tag: everything inside, exposed as window.SessionGuard.
if (existsSync(at('packages/client/src/global.ts'))) {
  await build({
    ...scriptTagBuildOptions(root),
    outfile: at('packages/client/dist/sessionguard.min.js'),
    sourcemap: true,
  });
}

if (existsSync(at('demo/server.ts'))) {
  rmSync(at('demo/dist'), { recursive: true, force: true });
  await build({
    entryPoints: [at('demo/server.ts')],
    outdir: at('demo/dist'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    // No tsconfig `paths` here: the demo imports the built packages, as an app would.
    tsconfigRaw: { compilerOptions: {} },
    sourcemap: true,
    logLevel: 'warning',
  });
}
console.log('build: ok');
