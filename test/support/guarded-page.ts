/**
 * Starts test/support/guarded-page-app.mjs: pages the demo does not have (a
 * work page marked `data-sessionguard-preserve`, optionally without a sign-in
 * endpoint, not `no-store`) with the built script tag behind a real guard from
 * the built @sessionguard/express, and a test clock. The result fits
 * {@link timeMachine} like a {@link RunningDemo}.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePort, repoRoot, type RunningDemo } from './demo.js';

export interface GuardedPageAppOptions {
  warnAfter: number;
  expireAfter: number;
  /** The script tag carries `data-sign-in-url` (sign-in in place). @default false: expiry sends the user to the login page */
  signInInPlace?: boolean;
  /** The work page's Cache-Control. @default 'private, no-cache' (revalidated, but not `no-store`) */
  pageCache?: string;
}

export async function startGuardedPageApp(options: GuardedPageAppOptions, timeoutMs = 15_000): Promise<RunningDemo> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [path.join(repoRoot, 'test', 'support', 'guarded-page-app.mjs')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(port),
      WARN_AFTER: String(options.warnAfter),
      EXPIRE_AFTER: String(options.expireAfter),
      SIGN_IN_URL: options.signInInPlace ? '1' : '',
      ...(options.pageCache === undefined ? {} : { PAGE_CACHE: options.pageCache }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const stop = async () => {
    if (exited()) return;
    const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(timer);
  };

  const deadline = Date.now() + timeoutMs;
  while (!log.includes('LISTENING')) {
    if (exited() || Date.now() > deadline) {
      await stop();
      throw new Error(`guarded-page-app did not start (did \`npm run build\` run?):\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  return {
    url,
    port,
    output: () => log,
    exitCode: () => child.exitCode,
    stop,
    async advanceClock(ms) {
      const response = await fetch(`${url}/__test__/clock`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ advance: ms }),
      });
      if (!response.ok) throw new Error(`Advancing guarded-page-app's clock failed (HTTP ${response.status}).`);
    },
  };
}
