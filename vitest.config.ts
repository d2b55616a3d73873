import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Unit tests run against the sources; the demo and the browser tests use the built packages.
    alias: [
      { find: /^@sessionguard\/core$/, replacement: src('./packages/core/src/index.ts') },
      { find: /^@sessionguard\/client$/, replacement: src('./packages/client/src/index.ts') },
      // The subpath entries from their sources too: from dist they would carry a second copy of the client's modules.
      { find: /^@sessionguard\/client\/ui$/, replacement: src('./packages/client/src/ui.ts') },
      { find: /^@sessionguard\/client\/locales$/, replacement: src('./packages/client/src/locales.ts') },
      { find: /^@sessionguard\/express\/redis$/, replacement: src('./packages/express/src/redis/index.ts') },
      { find: /^@sessionguard\/express$/, replacement: src('./packages/express/src/index.ts') },
    ],
  },
  test: {
    // Browser and multi-process tests start servers and Chromium: two files at a time suits a 2-core machine.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          environment: 'node',
          env: { SG_EXPECT_EXPRESS_MAJOR: '5' },
          // Property tests (fast-check) take a few seconds alone and several times that beside the browser suites.
          testTimeout: 30_000,
          include: ['packages/core/src/**/*.test.ts', 'packages/express/src/**/*.test.ts'],
        },
      },
      {
        // The adapter's HTTP tests again, on Express 4 (installed beside 5 as the npm alias `express4`):
        // the peer range is ^4.21 || ^5, and both majors must behave the same.
        extends: true,
        resolve: { alias: [{ find: /^express$/, replacement: 'express4' }] },
        test: {
          name: 'unit-express4',
          environment: 'node',
          env: { SG_EXPECT_EXPRESS_MAJOR: '4' },
          // Property tests (fast-check) take a few seconds alone and several times that beside the browser suites.
          testTimeout: 30_000,
          include: ['packages/express/src/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'dom',
          environment: 'jsdom',
          include: ['packages/client/src/**/*.test.ts', 'packages/react/src/**/*.test.tsx'],
        },
      },
      {
        // The client's tests that send requests through ky, again on ky 2 (installed beside 1.14 as the
        // npm alias `ky2`): the peer range is ^1.14 || ^2, and ky 2 calls its hooks with other arguments.
        extends: true,
        resolve: { alias: [{ find: /^ky$/, replacement: 'ky2' }] },
        test: {
          name: 'dom-ky2',
          environment: 'jsdom',
          env: { SG_EXPECT_KY_MAJOR: '2' },
          include: [
            'packages/client/src/http.test.ts',
            'packages/client/src/http-ky.test.ts',
            'packages/client/src/guard.test.ts',
            'packages/client/src/session-scope.test.ts',
            'packages/client/src/dialogs.test.ts',
            'packages/client/src/preserve.test.ts',
            'packages/client/src/csrf.test.ts',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          environment: 'node',
          // The example apps' own tests run here too: they start the apps as their users would.
          include: ['test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The Redis registry suites again, on node-redis 6 and ioredis 6 (installed beside the v5s as the
        // npm aliases `redis6` and `ioredis6`): the peer ranges are ^5 || ^6, and both v6s speak RESP3 by default.
        // The demo's own Redis tests stay on v5: its server is the built demo, which this alias does not reach.
        extends: true,
        resolve: {
          alias: [
            { find: /^redis$/, replacement: 'redis6' },
            { find: /^ioredis$/, replacement: 'ioredis6' },
          ],
        },
        test: {
          name: 'integration-redis6',
          environment: 'node',
          env: { SG_EXPECT_REDIS_MAJOR: '6', SG_EXPECT_IOREDIS_MAJOR: '6' },
          include: [
            'test/redis/redis-majors.test.ts',
            'test/redis/redis-registry.test.ts',
            'test/redis/redis-cluster.test.ts',
            'test/redis/redis-outage.test.ts',
            'test/redis/ioredis-registry.test.ts',
            'test/redis/ioredis-cluster.test.ts',
            'test/redis/fail-closed-store-redis.test.ts',
          ],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
