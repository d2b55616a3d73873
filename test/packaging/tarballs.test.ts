/**
 * Installable as documented (issue 11 part 8): the packed tarballs install
 * into a fresh app outside the workspace with the peers the README names
 * (`npm install <tarballs> express express-session`, from the registry), and
 * a tiny Express app with the guard answers there, as ES module and as
 * CommonJS. Runs on the build (`npm run build`; npm test builds first) and
 * needs the npm registry.
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, childEnv, npmInstall, packedApp, run } from './built-packages.js';

let app: string;

const SERVER = (load: string) => `${load}
const guard = createSessionGuard({ secret: 'a'.repeat(32), warnAfter: 60, expireAfter: 120 });
const app = express();
app.use(guard.session({ secret: 'b'.repeat(32), resave: false, saveUninitialized: false, cookie: { httpOnly: true, sameSite: 'lax' } }));
app.use(guard.middleware);
app.use('/session', guard.router);
app.use(guard.errorHandler);
const server = app.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port, redis: typeof createRedisRegistry })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

beforeAll(async () => {
  assertBuilt();
  const packed = await packedApp('install');
  app = packed.dir;
  await npmInstall(app, [...packed.tarballs, 'express', 'express-session', '--no-audit', '--no-fund', '--loglevel=error']);
  writeFileSync(
    path.join(app, 'server.mjs'),
    SERVER(`import express from 'express';
import { createSessionGuard } from '@sessionguard/express';
import { createRedisRegistry } from '@sessionguard/express/redis';`),
  );
  writeFileSync(
    path.join(app, 'server.cjs'),
    SERVER(`const express = require('express');
const { createSessionGuard } = require('@sessionguard/express');
const { createRedisRegistry } = require('@sessionguard/express/redis');`),
  );
}, 180_000);

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

/** Starts one of the app's servers; resolves with its port and a stop function. */
function start(file: string): Promise<{ port: number; redis: string; stop: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { cwd: app, env: { ...childEnv(), NODE_ENV: 'development' } });
    let output = '';
    const stop = () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
      const line = output.split('\n').find((text) => text.startsWith('{'));
      if (line) resolve({ ...(JSON.parse(line) as { port: number; redis: string }), stop });
    });
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}:\n${output}`)));
  });
}

describe('the packed tarballs in a fresh app', () => {
  it('installed the packages from the tarballs, each with its LICENSE and README', () => {
    for (const name of ['core', 'client', 'express', 'react']) {
      const dir = path.join(app, 'node_modules', '@sessionguard', name);
      expect(existsSync(path.join(dir, 'LICENSE')), `${name}/LICENSE`).toBe(true);
      expect(existsSync(path.join(dir, 'README.md')), `${name}/README.md`).toBe(true);
    }
    expect(existsSync(path.join(app, 'node_modules', '@sessionguard', 'client', 'dist', 'sessionguard.min.js'))).toBe(true);
  });

  it('@sessionguard/client and @sessionguard/client/ui load there, as ES module and as CommonJS, with ky and without rxjs', async () => {
    const load = async (args: string[]) => (await run(process.execPath, args, { cwd: app, env: childEnv() })).stdout.trim();
    const names = "typeof client.createSessionGuard, typeof ui.attachDialogs, typeof ui.preserveFields";
    const esm = await load(['--input-type=module', '-e', `const client = await import('@sessionguard/client'); const ui = await import('@sessionguard/client/ui'); console.log(${names})`]);
    const cjs = await load(['-e', `const client = require('@sessionguard/client'); const ui = require('@sessionguard/client/ui'); console.log(${names})`]);
    expect([esm, cjs]).toEqual(['function function function', 'function function function']);
    // The headless client's state$ is an interop Observable: rxjs is no longer a peer, and nothing installed it.
    expect(existsSync(path.join(app, 'node_modules', 'ky', 'package.json'))).toBe(true);
    expect(existsSync(path.join(app, 'node_modules', 'rxjs'))).toBe(false);
  });

  it('@sessionguard/react loads there, as ES module and as CommonJS, beside the react npm installed for its peer', async () => {
    const load = async (args: string[]) => (await run(process.execPath, args, { cwd: app, env: childEnv() })).stdout.trim();
    const esm = await load(['--input-type=module', '-e', "const m = await import('@sessionguard/react'); console.log(typeof m.SessionGuardProvider, typeof m.useSessionGuard)"]);
    const cjs = await load(['-e', "const m = require('@sessionguard/react'); console.log(typeof m.SessionGuardProvider, typeof m.useSessionGuard)"]);
    expect([esm, cjs]).toEqual(['function function', 'function function']);
    expect(existsSync(path.join(app, 'node_modules', 'react', 'package.json'))).toBe(true);
  });

  it.each(['server.mjs', 'server.cjs'])('%s: the guard answers POST /session/ping without a session with 401 JSON', async (file) => {
    const server = await start(file);
    try {
      expect(server.redis).toBe('function');
      const response = await fetch(`http://127.0.0.1:${server.port}/session/ping`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-SessionGuard': '1' },
        body: JSON.stringify({ idleFor: 0 }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toMatchObject({ error: 'unauthenticated' });
    } finally {
      await server.stop();
    }
  });
});
