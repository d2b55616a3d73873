/**
 * Two demo processes on one Redis (as behind a load balancer), with one
 * secret fresh per test file: the demo scopes its Redis keys (sessions,
 * registry, passwords) by it, so a run never meets another's data, and
 * `stop()` removes everything the run left.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { startDemo, type RunningDemo } from './demo.js';

export const REDIS_URL = 'redis://127.0.0.1:6379';

/** `extra`: more of the demos' environment (both get it). */
export async function startDemosOnRedis(extra: Record<string, string> = {}): Promise<{ a: RunningDemo; b: RunningDemo; stop(): Promise<void> }> {
  const sessionSecret = randomBytes(32).toString('base64url');
  const env = { ...extra, REDIS_URL, SESSION_SECRET: sessionSecret };
  const [a, b] = await Promise.all([startDemo({ env }), startDemo({ env })]);
  return {
    a,
    b,
    async stop() {
      await Promise.all([a.stop(), b.stop()]);
      // demo/stores.ts scopes keys by the first 12 characters of the secret's sha256.
      const scope = createHash('sha256').update(sessionSecret).digest('base64url').slice(0, 12);
      const client = createClient({ url: REDIS_URL });
      await client.connect();
      const keys = await client.keys(`sessionguard-demo:${scope}:*`);
      if (keys.length > 0) await client.del(keys);
      await client.close();
    },
  };
}
