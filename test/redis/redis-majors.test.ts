/**
 * The Redis suites run twice: on node-redis 5 and ioredis 5 (project
 * `integration`, the root devDependencies) and on node-redis 6 and ioredis 6
 * (project `integration-redis6`, which aliases `redis` and `ioredis` to the
 * npm aliases `redis6` and `ioredis6` and sets SG_EXPECT_REDIS_MAJOR and
 * SG_EXPECT_IOREDIS_MAJOR). This proves each run loaded the majors it is
 * named for, and spoke the protocol those majors default to (RESP2 for v5,
 * RESP3 for v6) to the machine's Redis, as the suites' clients do.
 */
import { describe, expect, it } from 'vitest';
import * as redis from 'redis';
import { Redis } from 'ioredis';

const REDIS_URL = process.env.SG_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisMajor = process.env.SG_EXPECT_REDIS_MAJOR ?? '5';
const ioredisMajor = process.env.SG_EXPECT_IOREDIS_MAJOR ?? '5';
/** The protocol a client's connection uses, from `CLIENT INFO` (`... resp=3 ...`). */
const respOf = (info: unknown) => /\bresp=(\d)/.exec(String(info))?.[1];

describe('the Redis client majors under test', () => {
  it('node-redis is the major this test project is named for, on its default protocol', async () => {
    // node-redis 6 exports DEFAULT_RESP (RESP3 became its default); 5 does not.
    expect('DEFAULT_RESP' in redis ? '6' : '5').toBe(redisMajor);
    const client = redis.createClient({ url: REDIS_URL, socket: { reconnectStrategy: false } });
    client.on('error', () => {});
    await client.connect();
    try {
      expect(respOf(await client.sendCommand(['CLIENT', 'INFO']))).toBe(redisMajor === '6' ? '3' : '2');
    } finally {
      client.destroy();
    }
  });

  it('ioredis is the major this test project is named for, on its default protocol', async () => {
    const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0 });
    client.on('error', () => {});
    // ioredis 6 has a `protocol` option, 3 (RESP3) by default; 5 has none.
    expect((client.options as { protocol?: number }).protocol === 3 ? '6' : '5').toBe(ioredisMajor);
    await client.connect();
    try {
      expect(respOf(await client.call('CLIENT', 'INFO'))).toBe(ioredisMajor === '6' ? '3' : '2');
    } finally {
      client.disconnect();
    }
  });
});
