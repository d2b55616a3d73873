/**
 * The script tag's `lazyPushStream`: the reader is inside the one file already, so the guard creates the
 * stream at once, with neither the loader's bookkeeping nor the lazy-module wrapper esbuild would put
 * around an inlined `import()` (+0.35 kB gzipped, bench/weight.mjs).
 */
export { createPushStream as lazyPushStream } from './push-stream.js';
