/**
 * Preloaded into the demo by the load test (`node --expose-gc --require
 * heap-probe.cjs demo/dist/server.js`), so the demo itself exposes nothing:
 * on SIGUSR2 it collects garbage twice and prints one line
 * `[heap-probe] {"heapUsed":…,"rss":…,"external":…,"arrayBuffers":…}`.
 */
process.on('SIGUSR2', () => {
  if (typeof global.gc === 'function') {
    global.gc();
    global.gc();
  }
  process.stdout.write(`[heap-probe] ${JSON.stringify(process.memoryUsage())}\n`);
});
