/**
 * Today's majors (issue 11 part 5): the packed tarballs install into a fresh
 * app outside the workspace together with the newest major of every peer
 * (Express 5, the latest express-session, node-redis 6, ioredis 6, ky 2,
 * rxjs 7, connect-redis), from the registry, with npm's default peer
 * handling: no `--legacy-peer-deps`, no `--force`, and no ERESOLVE, not even
 * as a warning. Then the Redis registry runs there on both v6 clients, the
 * client SDK loads with ky 2, and an app's TypeScript compiles against the
 * v6 clients' and ky 2's own types. Runs on the build (`npm run build`; npm
 * test builds first) and needs the npm registry and the machine's Redis.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, childEnv, npmInstall, packedApp, repoRoot, run } from './built-packages.js';
import { COMPILER_OPTIONS } from './readme-blocks.js';

const REDIS_URL = process.env.SG_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** What the app asks npm for, and the major each must come out as. */
const PEERS = {
  express: ['express@5', 5],
  'express-session': ['express-session@latest', 1],
  redis: ['redis@6', 6],
  ioredis: ['ioredis@6', 6],
  ky: ['ky@2', 2],
  rxjs: ['rxjs@7', 7],
  'connect-redis': ['connect-redis@latest', null],
} as const;

let app: string;
/** npm's whole output (stdout and stderr) of the install, at its default log level (warnings included). */
let output: string;

beforeAll(async () => {
  assertBuilt();
  const packed = await packedApp('majors');
  app = packed.dir;
  const { stdout, stderr } = await npmInstall(app, [...packed.tarballs, ...Object.values(PEERS).map(([spec]) => spec), '--no-audit', '--no-fund']);
  output = `${stdout}\n${stderr}`;
}, 180_000);

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

const installedVersion = (name: string): string =>
  (JSON.parse(readFileSync(path.join(app, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

/** Runs a script in the app with plain `node`; resolves with its stdout. */
async function node(file: string, source: string): Promise<string> {
  writeFileSync(path.join(app, file), source);
  const { stdout } = await run(process.execPath, [file], { cwd: app, env: { ...childEnv(), REDIS_URL }, timeout: 30_000 });
  return stdout;
}

describe('a fresh app with the newest major of every peer', () => {
  it('npm installed it with its strict peer handling on, and reported no ERESOLVE', async () => {
    // Neither flag was passed; this shows no npm configuration (an .npmrc, say) turned either on behind the test's back.
    for (const setting of ['legacy-peer-deps', 'force']) {
      const { stdout } = await run('npm', ['config', 'get', setting], { cwd: app, env: childEnv() });
      expect(stdout.trim(), setting).toBe('false');
    }
    expect(output).not.toMatch(/ERESOLVE/);
    // `npm ls` exits non-zero on a missing or invalid (out-of-range) peer anywhere in the tree.
    await expect(run('npm', ['ls', '--all'], { cwd: app, env: childEnv() })).resolves.toBeDefined();
  });

  it.each(Object.entries(PEERS).flatMap(([name, [, major]]) => (major === null ? [] : [[name, major] as const])))(
    'installed %s at major %i',
    (name, major) => {
      expect(Number(installedVersion(name).split('.')[0])).toBe(major);
    },
  );

  it('warns EBADENGINE (a warning, not an error) for none of our packages or their dependencies, only for peers the app chose', () => {
    // Today on Node 20: ky 2 and connect-redis 10 declare node >= 22; sessionguard itself declares >= 20.19.
    const flagged = [...output.matchAll(/EBADENGINE\s+package: '(@?[^@']+)@[^']*'/g)].map((match) => match[1]);
    expect(flagged.filter((name) => !(name! in PEERS))).toEqual([]);
    // What npm warns about on Node 20 (which also shows that the pattern above reads npm's output).
    if (Number(process.versions.node.split('.')[0]) < 22) expect(flagged).toContain('ky');
  });

  it('the Redis registry of the packed adapter works there on node-redis 6 and on ioredis 6', async () => {
    const out = await node(
      'registry.mjs',
      `import { createClient } from 'redis';
import { Redis } from 'ioredis';
import { createRedisRegistry } from '@sessionguard/express/redis';
const now = Date.now();
const record = (sessionId) => ({ sessionId, userId: 'alice', publicId: 'p-' + sessionId, createdAt: now, lastActivity: now,
  authenticatedAt: now, ip: null, userAgent: null, authHash: null, retainUntil: now + 60_000 });
async function roundTrip(client, prefix) {
  const registry = createRedisRegistry({ client, prefix });
  await registry.create(record('s1'));
  const found = await registry.get({ userId: 'alice', sessionId: 's1' });
  const revoked = await registry.revoke({ userId: 'alice', sessionId: 's1' });
  const after = await registry.get({ userId: 'alice', sessionId: 's1' });
  return { found: found?.publicId, revoked: revoked?.publicId, after };
}
const tag = 'sgtest-majors-' + process.pid;
const nodeRedis = createClient({ url: process.env.REDIS_URL, socket: { reconnectStrategy: false } });
nodeRedis.on('error', () => {});
await nodeRedis.connect();
const ioredis = new Redis(process.env.REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
ioredis.on('error', () => {});
await ioredis.connect();
try {
  console.log(JSON.stringify({ nodeRedis: await roundTrip(nodeRedis, tag + '-n'), ioredis: await roundTrip(ioredis, tag + '-i') }));
} finally {
  for await (const keys of nodeRedis.scanIterator({ MATCH: tag + '*' })) if (keys.length) await nodeRedis.unlink(keys);
  nodeRedis.destroy();
  ioredis.disconnect();
}
`,
    );
    const roundTrip = { found: 'p-s1', revoked: 'p-s1', after: null };
    expect(JSON.parse(out)).toEqual({ nodeRedis: roundTrip, ioredis: roundTrip });
  });

  it("TypeScript: node-redis 6 and ioredis 6 clients (single and cluster) are registry clients, and guard.http is ky 2's KyInstance", () => {
    const file = path.join(app, 'types.mts');
    writeFileSync(
      file,
      `import { createClient, createCluster } from 'redis';
import { Cluster, Redis } from 'ioredis';
import type { KyInstance } from 'ky';
import { createRedisRegistry } from '@sessionguard/express/redis';
import { createSessionGuard } from '@sessionguard/client';
createRedisRegistry({ client: createClient() });
createRedisRegistry({ client: createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:7000' }] }) });
createRedisRegistry({ client: new Redis() });
createRedisRegistry({ client: new Cluster([{ host: '127.0.0.1', port: 7000 }]) });
const http: KyInstance = createSessionGuard().http;
export const me: Promise<{ name: string }> = http.get('/api/me').json<{ name: string }>();
`,
    );
    // The app's own packages' types (node_modules of the app); @types/node from the workspace, as an app has its own.
    const program = ts.createProgram([file], { ...COMPILER_OPTIONS, typeRoots: [path.join(repoRoot, 'node_modules', '@types')] });
    const errors = ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    expect(errors).toEqual([]);
    // The types came from the app's packages, not the workspace's (ky 1, node-redis 5, ioredis 5).
    const sources = program.getSourceFiles().map((source) => source.fileName);
    for (const name of ['ky', 'redis', 'ioredis']) {
      expect(sources.some((source) => source.startsWith(path.join(app, 'node_modules', name) + path.sep)), name).toBe(true);
    }
  });

  it.each([
    ['client.mjs', `const client = await import('@sessionguard/client');`],
    ['client.cjs', `const client = require('@sessionguard/client');`],
  ])('%s: the client SDK loads with ky 2 (import and require)', async (file, load) => {
    const out = await node(file, `${load}\nconsole.log(typeof client.createSessionGuard);\n`);
    expect(out.trim()).toBe('function');
  });
});
