/**
 * Weight (issue 12 part 5): `@sessionguard/react` alone, as an app's bundler
 * ships it, is at most 1 kB min+gzip (1 kB = 1000 bytes), measured the way
 * bench/weight.mjs measures every library: esbuild bundle + minify (ESM,
 * browser, es2020) of the published dist/index.js, then gzip level 9, with
 * what the app has anyway external (react, @sessionguard/client and its
 * built-in dialogs, which load on demand). Runs on the build (`npm run build`).
 */
import { build } from 'esbuild';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, packageDir, repoRoot } from './built-packages.js';

const LIMIT = 1000;

beforeAll(() => assertBuilt());

describe('@sessionguard/react weight', () => {
  it(`is at most ${LIMIT} bytes min+gzip, with react and the client external`, async () => {
    const result = await build({
      stdin: { contents: `export * from ${JSON.stringify(path.join(packageDir('react'), 'dist', 'index.js'))};`, resolveDir: repoRoot, loader: 'ts' },
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2020',
      external: ['react', 'react/*', '@sessionguard/client', '@sessionguard/client/*'],
      define: { 'process.env.NODE_ENV': '"production"' },
      legalComments: 'none',
      write: false,
      logLevel: 'error',
    });
    const code = result.outputFiles[0]!.contents;
    const gzip = gzipSync(code, { level: 9 }).length;
    console.log(`@sessionguard/react: ${code.length} B min, ${gzip} B min+gzip (${(gzip / 1000).toFixed(2)} kB)`);
    // Nothing of the client or React came in: only their imports.
    expect(new TextDecoder().decode(code)).toMatch(/from"react"/);
    expect(gzip).toBeLessThanOrEqual(LIMIT);
  });
});
