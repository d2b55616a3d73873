/**
 * CommonJS (issue 11 part 4): the built packages load with `require()` from a
 * CommonJS app, their types resolve there under `moduleResolution: node16`,
 * and `@sessionguard/express` and `@sessionguard/express/redis` share one copy
 * of each module. Runs on the build (`npm run build`; npm test builds first).
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, childEnv, repoRoot, run } from './built-packages.js';

let app: string;

beforeAll(() => {
  assertBuilt();
  // A CommonJS project (no "type": "module") that resolves the workspace's packages through its node_modules.
  app = mkdtempSync(path.join(tmpdir(), 'sessionguard-cjs-'));
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'cjs-app', private: true }));
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(app, 'node_modules'), 'dir');
});

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

async function node(script: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['-e', script], { cwd: app, env: childEnv() });
  return stdout;
}

describe('require() from a CommonJS app', () => {
  it.each([
    ['@sessionguard/express', ['createSessionGuard', 'createMemoryRegistry', 'failClosedStore', 'isSessionEndedError']],
    ['@sessionguard/express/redis', ['createRedisRegistry', 'encodeUserId']],
    ['@sessionguard/core', ['validateTimingPolicy', 'evaluateSession', 'parsePingResponse', 'isSessionGuardError']],
    ['@sessionguard/client', ['createSessionGuard']],
    ['@sessionguard/client/ui', ['attachDialogs', 'preserveFields']],
    ['@sessionguard/client/locales', ['localeStrings']],
    ['@sessionguard/react', ['SessionGuardProvider', 'useSessionGuard']],
  ])('require(%j) loads the CommonJS build and exports its functions', async (specifier, names) => {
    const out = await node(`
      const mod = require(${JSON.stringify(specifier)});
      console.log(JSON.stringify({
        file: require.resolve(${JSON.stringify(specifier)}),
        types: Object.fromEntries(${JSON.stringify(names)}.map((name) => [name, typeof mod[name]])),
      }));
    `);
    const { file, types } = JSON.parse(out) as { file: string; types: Record<string, string> };
    expect(file).toMatch(/\.cjs$/);
    expect(types).toEqual(Object.fromEntries(names.map((name) => [name, 'function'])));
  });

  it('@sessionguard/express and @sessionguard/express/redis share one copy of each module (one errors.cjs)', async () => {
    const out = await node(`
      const { SessionStoreUnavailableError } = require('@sessionguard/express');
      require('@sessionguard/express/redis');
      const loaded = Object.keys(require.cache).filter((file) => file.includes('packages/express/dist/'));
      console.log(JSON.stringify({ errors: loaded.filter((file) => file.endsWith('/errors.cjs')).length, esm: loaded.some((file) => file.endsWith('.js')), name: SessionStoreUnavailableError.name }));
    `);
    expect(JSON.parse(out)).toEqual({ errors: 1, esm: false, name: 'SessionStoreUnavailableError' });
  });

  it('type-checks and runs a TypeScript file compiled as CommonJS with module and moduleResolution node16', async () => {
    writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'node16',
          moduleResolution: 'node16',
          target: 'ES2022',
          strict: true,
          // The types' own resolution is attw's test (attw.test.ts); checking every .d.ts of express here takes a minute.
          skipLibCheck: true,
          types: ['node'],
          outDir: 'out',
          rootDir: '.',
        },
        files: ['app.ts'],
      }),
    );
    writeFileSync(
      path.join(app, 'app.ts'),
      `import { createMemoryRegistry, createSessionGuard, type SessionGuard } from '@sessionguard/express';
import { createRedisRegistry, type RedisRegistryOptions } from '@sessionguard/express/redis';
import { validateTimingPolicy, type TimingPolicy } from '@sessionguard/core';

const policy: Required<TimingPolicy> = validateTimingPolicy({ warnAfter: 60, expireAfter: 120 });
const guard: SessionGuard = createSessionGuard({ secret: 'a'.repeat(32), ...policy, registry: createMemoryRegistry() });
const redisOptions: Pick<RedisRegistryOptions, 'prefix'> = { prefix: 'sg' };
// The types are real, not any: a string where seconds go is refused (never called: it would throw).
export const refused = () =>
  // @ts-expect-error warnAfter is a number of seconds
  validateTimingPolicy({ warnAfter: '60', expireAfter: 120 });
console.log(JSON.stringify([typeof guard.middleware, typeof createRedisRegistry, redisOptions.prefix]));
`,
    );
    const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const compiled = await run(process.execPath, [tsc, '-p', app], { cwd: app, env: childEnv() }).catch((error: { stdout?: string }) => {
      throw new Error(`tsc (node16, CommonJS) failed:\n${error.stdout ?? String(error)}`);
    });
    expect(compiled.stdout).toBe('');
    // Emitted as CommonJS: the imports became require() calls.
    expect(readFileSync(path.join(app, 'out', 'app.js'), 'utf8')).toContain('require("@sessionguard/express")');
    const { stdout } = await run(process.execPath, [path.join(app, 'out', 'app.js')], { cwd: app, env: childEnv() });
    expect(JSON.parse(stdout)).toEqual(['function', 'function', 'sg']);
  }, 120_000);
});
