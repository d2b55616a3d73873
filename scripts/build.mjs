// Builds every package: ESM bundles with esbuild, declarations with tsc,
// the client's script-tag IIFE, and the demo server.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const at = (...parts) => path.join(root, ...parts);
const tsc = at('node_modules', 'typescript', 'bin', 'tsc');

/** ESM for npm: dependencies stay external, the user's bundler resolves them. */
async function buildPackage(name, entries) {
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
  });
  execFileSync(process.execPath, [tsc, '-p', at('packages', name, 'tsconfig.build.json')], { stdio: 'inherit' });
}

await buildPackage('core', ['index.ts']);
await Promise.all([
  buildPackage('client', ['index.ts']),
  buildPackage('express', existsSync(at('packages/express/src/redis/index.ts')) ? ['index.ts', 'redis/index.ts'] : ['index.ts']),
]);

// One <script> tag: everything inside, exposed as window.SessionGuard.
if (existsSync(at('packages/client/src/global.ts'))) {
  await build({
    entryPoints: [at('packages/client/src/global.ts')],
    outfile: at('packages/client/dist/sessionguard.min.js'),
    bundle: true,
    minify: true,
    format: 'iife',
    globalName: 'SessionGuard',
    target: 'es2020',
    platform: 'browser',
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
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
    sourcemap: true,
    logLevel: 'warning',
  });
}
console.log('build: ok');
