/**
 * Starts the built demo (`demo/dist/server.js`, built by `npm test` before
 * vitest runs) on a free loopback port and stops it afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const serverJs = path.join(repoRoot, 'demo', 'dist', 'server.js');

export interface RunningDemo {
  url: string;
  port: number;
  /** Everything the demo printed so far (stdout and stderr). */
  output(): string;
  /** The exit code once stopped (null while running or when killed by a signal). */
  exitCode(): number | null;
  /** Moves the server's clock forward; needs `SESSIONGUARD_TEST_CLOCK: '1'` in `env`. */
  advanceClock(ms: number): Promise<void>;
  stop(): Promise<void>;
}

export interface StartDemoOptions {
  env?: Record<string, string>;
  /** How long to wait for /healthz. */
  timeoutMs?: number;
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (exited(child)) {
      throw new Error(`The demo exited (code ${child.exitCode}, signal ${child.signalCode}) before answering /healthz:\n${output()}`);
    }
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
      lastError = `HTTP ${response.status}`;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`The demo did not answer ${url}/healthz within ${timeoutMs} ms (last: ${lastError}):\n${output()}`);
}

/** What the demo process runs and serves, copied from the build: the server bundle, its static files, the SDK. */
const SNAPSHOT_FILES = ['demo/dist/server.js', 'demo/dist/server.js.map', 'demo/public', 'packages/client/dist/sessionguard.min.js', 'packages/client/dist/sessionguard.min.js.map'];
let snapshot: string | null = null;
let running = 0;

/**
 * The demo as built when this test file started, copied under .tmp/ (same
 * layout, so packages still resolve from the repository's node_modules). A
 * rebuild running meanwhile (it empties the dist folders first) then cannot
 * pull files from under a running test. The copy is removed when the last
 * demo started from it stops.
 */
function demoSnapshot(): string {
  if (snapshot) return path.join(snapshot, 'demo', 'dist', 'server.js');
  if (!existsSync(serverJs)) {
    throw new Error(`${path.relative(repoRoot, serverJs)} is missing: run \`npm run build\` first (\`npm test\` does).`);
  }
  const dir = path.join(repoRoot, '.tmp', 'demo-snapshots', `${process.pid}-${randomBytes(4).toString('hex')}`);
  for (const file of SNAPSHOT_FILES) {
    const from = path.join(repoRoot, file);
    if (!existsSync(from)) {
      if (file.endsWith('.map')) continue;
      throw new Error(`${file} is missing: run \`npm run build\` first (\`npm test\` does).`);
    }
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    cpSync(from, path.join(dir, file), { recursive: true });
  }
  snapshot = dir;
  return path.join(dir, 'demo', 'dist', 'server.js');
}

/** Spawns the built demo (`demo/dist/server.js`) on a free 127.0.0.1 port and waits until /healthz answers. */
export async function startDemo({ env = {}, timeoutMs = 15_000 }: StartDemoOptions = {}): Promise<RunningDemo> {
  const server = demoSnapshot();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [server], {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: 'test', HOST: '127.0.0.1', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  const output = () => log;

  running += 1;
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    running -= 1;
    if (running === 0 && snapshot) {
      rmSync(snapshot, { recursive: true, force: true });
      snapshot = null;
    }
  };
  const stop = async () => {
    if (!exited(child)) {
      const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(timer);
    }
    release();
  };

  try {
    await waitForHealth(url, child, output, timeoutMs);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url,
    port,
    output,
    stop,
    exitCode: () => child.exitCode,
    async advanceClock(ms) {
      const response = await fetch(`${url}/__test__/clock`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ advance: ms }),
      });
      if (!response.ok) {
        throw new Error(`Advancing the demo's clock failed (HTTP ${response.status}); start it with SESSIONGUARD_TEST_CLOCK=1.`);
      }
    },
  };
}
