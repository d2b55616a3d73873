/**
 * Starts test/support/csrf-app.mjs: a small real Express 5 app with
 * express-session, csrf-sync (tokens in the session, `<meta name="csrf-token">`,
 * hidden `_csrf` fields), the guard from the built @sessionguard/express and
 * the built script tag on every page of a shared layout (the login page too),
 * with a test clock. The result fits {@link timeMachine} like a {@link RunningDemo}.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePort, repoRoot, type RunningDemo } from './demo.js';

export interface CsrfAppOptions {
  warnAfter: number;
  expireAfter: number;
}

export async function startCsrfApp(options: CsrfAppOptions, timeoutMs = 15_000): Promise<RunningDemo> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [path.join(repoRoot, 'test', 'support', 'csrf-app.mjs')], {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: 'test', PORT: String(port), WARN_AFTER: String(options.warnAfter), EXPIRE_AFTER: String(options.expireAfter) },
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
      throw new Error(`csrf-app did not start (did \`npm run build\` run?):\n${log}`);
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
      if (!response.ok) throw new Error(`Advancing csrf-app's clock failed (HTTP ${response.status}).`);
    },
  };
}
