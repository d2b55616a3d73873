/**
 * The example's entry point as an operator starts it: `node server.js`, a
 * CommonJS process, with its sessions in Redis (connect-redis with
 * node-redis) and the guard's Redis registry.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfTokenOf } from './load-example.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `passport-example-test-${randomBytes(4).toString('hex')}`;
let child: ChildProcess;
let origin: string;
const redis = createClient({ url: REDIS_URL });

beforeAll(async () => {
  await redis.connect();
  child = spawn(process.execPath, [fileURLToPath(new URL('../server.js', import.meta.url))], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', REDIS_URL, REDIS_PREFIX: prefix, NODE_ENV: 'development', SESSION_SECRET: randomBytes(32).toString('base64url') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  origin = await new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the example did not start: ${output}`)), 15_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const found = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]!);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => reject(new Error(`the example exited (${code}): ${output}`)));
  });
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(keys);
  await redis.quit();
});

describe('node server.js with REDIS_URL', () => {
  it('keeps the Passport session in Redis and the guard’s record beside it; a sign-out removes both', async () => {
    const browser = request.agent(origin);
    const login = await browser.get('/login').expect(200);
    await browser.post('/login').type('form').send({ _csrf: csrfTokenOf(login.text), username: 'alice', password: 'alice-pass' }).expect(303);
    const page = await browser.get('/').expect(200);
    expect(page.text).toContain('Signed in as <strong>alice</strong>');
    const sessionKeys = await redis.keys(`${prefix}:sess:*`);
    const stored = await Promise.all(sessionKeys.map((key) => redis.get(key)));
    expect(stored.some((data) => data?.includes('"passport":{"user":"alice"}'))).toBe(true);
    expect(await redis.keys(`${prefix}:sg*`)).not.toEqual([]);
    await browser.post('/logout').set('Accept', 'application/json').set('x-csrf-token', csrfTokenOf(page.text)).send({}).expect(200);
    await browser.get('/').expect(303);
    // The registry forgot the session (its record and index entry are gone), and no session data holds alice.
    expect(await redis.keys(`${prefix}:sg*`)).toEqual([]);
    const after = await Promise.all((await redis.keys(`${prefix}:sess:*`)).map((key) => redis.get(key)));
    expect(after.some((data) => data?.includes('"user":"alice"'))).toBe(false);
    const listed = await request(origin).get('/session/sessions').set({ 'X-SessionGuard': '1', Accept: 'application/json' }).expect(401);
    expect(listed.body.error).toBe('unauthenticated');
  });
});
