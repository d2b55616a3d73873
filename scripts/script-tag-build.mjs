// How the script tag (packages/client/dist/sessionguard.min.js) is bundled: one place for scripts/build.mjs,
// which writes it, and bench/weight.mjs, which tells where its bytes go.
import path from 'node:path';

/** esbuild options of the script tag, for the repository at `root`. */
export function scriptTagBuildOptions(root) {
  return {
    entryPoints: [path.join(root, 'packages/client/src/global.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    globalName: 'SessionGuard',
    // es2022: no class or private-field lowering; every browser with Web Locks (Chrome 69, Firefox 96, Safari 15.4) runs es2022.
    target: 'es2022',
    platform: 'browser',
    // rxjs's `exports` map sends bundlers without the `es2015` condition to its ES5 build (esm5), which
    // needs tslib's class helpers; its ES2015 build is the same code as native classes: 0.8 kB less gzipped.
    conditions: ['es2015'],
    legalComments: 'none',
    logLevel: 'warning',
    // No ky: the guard's own requests use fetch, and `guard.http` (ky's instance, ky-http.ts) explains itself (src/no-ky.ts).
    plugins: [
      {
        name: 'script-tag-one-file',
        setup(plugin) {
          plugin.onResolve({ filter: /^\.\/ky-http\.js$/ }, () => ({ path: path.join(root, 'packages/client/src/no-ky.ts') }));
          // The push stream's reader inside the one file, created at once (npm builds load it on demand: push-loader.ts).
          plugin.onResolve({ filter: /^\.\/push-loader\.js$/ }, () => ({ path: path.join(root, 'packages/client/src/push-inline.ts') }));
        },
      },
    ],
  };
}
