/**
 * Issue 13 across processes: two guards on two Express servers (as two
 * processes behind a load balancer: one session store, one Redis registry,
 * each its own Redis client and end channel). An end on one reaches the
 * stream held by the other at once, over Redis pub/sub: plain channels on one
 * server, sharded channels (SSUBSCRIBE/SPUBLISH) on a local three-master
 * Cluster; node-redis and ioredis, v5 and v6.
 */
import { parsePushClosed, parsePushEnded, parsePushNotice, type SseEvent } from '@sessionguard/core';
import session from 'express-session';
import { Cluster as IoCluster, Redis as IoRedis } from 'ioredis';
import { Cluster as IoCluster6, Redis as IoRedis6 } from 'ioredis6';
import { createClient, createCluster } from 'redis';
import { createClient as createClient6, createCluster as createCluster6 } from 'redis6';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndChannel } from '../../packages/express/src/end-channel.js';
import { createRedisEndChannel, createRedisRegistry, type AnyRedisEndChannelClient } from '../../packages/express/src/redis/index.js';
import type { SessionGuardOptions } from '../../packages/express/src/options.js';
import { startTestApp, type TestApp } from '../../packages/express/src/test-app.js';
import { openStream, type TestStream } from '../../packages/express/src/test-sse-client.js';
import { deleteKeysUnder, uniquePrefix, type AnyTestClient } from '../support/redis-registry-harness.js';
import { startRedisCluster, type RedisCluster } from '../support/redis-server.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A connected client of one library and major, and how to close it. */
interface Connected {
  client: AnyRedisEndChannelClient & AnyTestClient;
  close(): Promise<void>;
}

const data = (event: SseEvent) => JSON.parse(event.data) as unknown;

/** Two "processes" on one Redis: each its own client, registry, end channel, guard and HTTP server. */
async function twoProcesses(connect: () => Promise<Connected>, label: string, guard: Partial<SessionGuardOptions> = {}) {
  const prefix = uniquePrefix(`push-${label}`);
  const store = new session.MemoryStore();
  const made: Array<{ app: TestApp; channel: EndChannel; connected: Connected }> = [];
  for (let i = 0; i < 2; i += 1) {
    const connected = await connect();
    const registry = createRedisRegistry({ client: connected.client as never, prefix });
    const channel = createRedisEndChannel({ client: connected.client, prefix });
    const app = await startTestApp({
      startAt: Date.now(),
      wrapRegistry: () => registry,
      sessionOptions: { store },
      guard: { ...guard, push: { channel } },
    });
    made.push({ app, channel, connected });
  }
  const streams: TestStream[] = [];
  return {
    a: made[0]!.app,
    b: made[1]!.app,
    connections: made.map((entry) => entry.connected),
    async signIn(app: TestApp, username: string) {
      const res = await app.request().post('/login').send({ username }).expect(200);
      return (res.headers['set-cookie'] as unknown as string[]).find((line) => line.startsWith('connect.sid='))!.split(';')[0]!;
    },
    async open(app: TestApp, cookie: string) {
      const stream = await openStream(app.origin, cookie);
      streams.push(stream);
      expect(stream.status).toBe(200);
      await stream.next('session');
      return stream;
    },
    async stop() {
      for (const stream of streams) stream.close();
      for (const { app, channel } of made) {
        await app.close();
        await channel.close();
      }
      await deleteKeysUnder(made[0]!.connected.client, prefix);
      for (const { connected } of made) await connected.close();
    },
  };
}

/** The cross-process checks, for one way of connecting. */
function crossProcess(label: string, connect: () => Promise<Connected>) {
  it(`${label}: an admin revoke on one process reaches the stream held by the other, which closes`, async () => {
    const pair = await twoProcesses(connect, label);
    try {
      const cookie = await pair.signIn(pair.a, 'alice');
      const stream = await pair.open(pair.b, cookie);
      await pair.a.guard.revokeUser('alice');
      expect(parsePushEnded(data(await stream.next('ended')))).toMatchObject({ ok: true, value: { reason: 'revoked_by_admin' } });
      await stream.ended;
      expect(pair.b.guard.push!.streams).toBe(0);
      // The other way round too, and a logout: the reason travels.
      const phone = await pair.signIn(pair.b, 'bob');
      const onA = await pair.open(pair.a, phone);
      await pair.b.request().post('/logout').set('Cookie', phone).expect(200);
      expect(parsePushEnded(data(await onA.next('ended')))).toMatchObject({ ok: true, value: { reason: 'logout' } });
    } finally {
      await pair.stop();
    }
  });
}

describe('push across two processes on one Redis server (plain pub/sub)', () => {
  crossProcess('node-redis 5', async () => {
    const client = createClient({ url: REDIS_URL, disableOfflineQueue: true });
    client.on('error', () => {});
    await client.connect();
    return { client: client as never, close: () => client.close() };
  });
  crossProcess('node-redis 6', async () => {
    const client = createClient6({ url: REDIS_URL, disableOfflineQueue: true });
    client.on('error', () => {});
    await client.connect();
    return { client: client as never, close: () => client.close() };
  });
  crossProcess('ioredis 5', async () => {
    const client = new IoRedis(REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true });
    client.on('error', () => {});
    await client.connect();
    return { client: client as never, close: async () => void (await client.quit()) };
  });
  crossProcess('ioredis 6', async () => {
    const client = new IoRedis6(REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true });
    client.on('error', () => {});
    await client.connect();
    return { client: client as never, close: async () => void (await client.quit()) };
  });

  it('a renewal on one process (password changed in that session) tells the stream on the other to reconnect', async () => {
    const pair = await twoProcesses(async () => {
      const client = createClient({ url: REDIS_URL, disableOfflineQueue: true });
      client.on('error', () => {});
      await client.connect();
      return { client: client as never, close: () => client.close() };
    }, 'renew');
    try {
      const cookie = await pair.signIn(pair.a, 'alice');
      const stream = await pair.open(pair.b, cookie);
      await pair.a.request().post('/password').set('Cookie', cookie).send({ hash: 'new' }).expect(200);
      expect(parsePushClosed(data(await stream.next('closed')))).toEqual({ ok: true, value: { reason: 'recheck' } });
    } finally {
      await pair.stop();
    }
  });

  it("a sign-in from a new device on one process reaches the user's stream on the other as event: notice", async () => {
    const pair = await twoProcesses(
      async () => {
        const client = createClient({ url: REDIS_URL, disableOfflineQueue: true });
        client.on('error', () => {});
        await client.connect();
        return { client: client as never, close: () => client.close() };
      },
      'notice',
      { deviceNotices: true },
    );
    try {
      const laptop = await pair.signIn(pair.a, 'alice');
      const stream = await pair.open(pair.b, laptop);
      // Another browser (no device cookie) signs in on process a.
      const phone = await pair.signIn(pair.a, 'alice');
      const phoneSession = (await pair.a.request().get('/api/me').set('Cookie', phone).expect(200)).body.publicId as string;
      expect(parsePushNotice(data(await stream.next('notice')))).toMatchObject({ ok: true, value: { publicId: phoneSession } });
      // Told once: the laptop's next ping has nothing more.
      const answer = await pair.b.request().post('/session/ping').set('Cookie', laptop).set('X-SessionGuard', '1').send({ idleFor: 0 }).expect(200);
      expect(answer.body.notices).toBeUndefined();
    } finally {
      await pair.stop();
    }
  });

  it('when the subscriber connection drops and comes back, every stream is checked again: an end it missed is caught', async () => {
    const name = uniquePrefix('sub');
    const pair = await twoProcesses(async () => {
      const client = createClient({ url: REDIS_URL, name, disableOfflineQueue: true });
      client.on('error', () => {});
      await client.connect();
      return { client: client as never, close: () => client.close() };
    }, 'gap');
    const admin = createClient({ url: REDIS_URL });
    await admin.connect();
    try {
      const login = await pair.a.request().post('/login').send({ username: 'alice' }).expect(200);
      const cookie = (login.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
      const stream = await pair.open(pair.b, cookie);
      // An end nobody announced (what a publish lost while the subscriber was away amounts to): straight in the registry.
      await pair.a.guard.registry.revoke({ sessionId: (login.body as { sid: string }).sid, userId: 'alice' });
      // Only this test's subscriber connections (they carry the client's name).
      const subscribers = String(await admin.sendCommand(['CLIENT', 'LIST', 'TYPE', 'pubsub']))
        .split('\n')
        .filter((line) => line.includes(` name=${name} `))
        .map((line) => /\bid=(\d+)/.exec(line)![1]!);
      expect(subscribers.length).toBeGreaterThan(0);
      for (const id of subscribers) await admin.sendCommand(['CLIENT', 'KILL', 'ID', id]);
      // Found by the check after the reconnect: told to reconnect, and the reconnect is refused with 401.
      expect(parsePushClosed(data(await stream.next('closed')))).toEqual({ ok: true, value: { reason: 'recheck' } });
      const again = await openStream(pair.b.origin, cookie);
      expect(again.status).toBe(401);
    } finally {
      await admin.close();
      await pair.stop();
    }
  });
});

describe('push across two processes on a Redis Cluster (sharded pub/sub)', () => {
  let servers: RedisCluster | undefined;
  beforeAll(async () => {
    servers = await startRedisCluster({ masters: 3 });
  }, 60_000);
  afterAll(async () => {
    await servers?.stop();
  });
  const nodes = () => servers!.nodes.map((node) => ({ host: '127.0.0.1', port: node.port }));

  crossProcess('node-redis 5 cluster', async () => {
    const cluster = createCluster({ rootNodes: servers!.rootNodes, defaults: { disableOfflineQueue: true } });
    cluster.on('error', () => {});
    await cluster.connect();
    return { client: cluster as never, close: () => cluster.close() };
  });
  crossProcess('node-redis 6 cluster', async () => {
    const cluster = createCluster6({ rootNodes: servers!.rootNodes, defaults: { disableOfflineQueue: true } });
    cluster.on('error', () => {});
    await cluster.connect();
    return { client: cluster as never, close: () => cluster.close() };
  });
  crossProcess('ioredis 5 cluster', async () => {
    const cluster = new IoCluster(nodes(), { enableOfflineQueue: false, lazyConnect: true, redisOptions: { maxRetriesPerRequest: 0 } });
    cluster.on('error', () => {});
    await cluster.connect();
    return { client: cluster as never, close: async () => void (await cluster.quit()) };
  });
  crossProcess('ioredis 6 cluster', async () => {
    const cluster = new IoCluster6(nodes(), { enableOfflineQueue: false, lazyConnect: true, redisOptions: { maxRetriesPerRequest: 0 } });
    cluster.on('error', () => {});
    await cluster.connect();
    return { client: cluster as never, close: async () => void (await cluster.quit()) };
  });

  it("sends each user's ends on a sharded channel in that user's slot (SPUBLISH, no cluster-wide PUBLISH)", async () => {
    const cluster = createCluster({ rootNodes: servers!.rootNodes });
    cluster.on('error', () => {});
    await cluster.connect();
    const channel = createRedisEndChannel({ client: cluster as never, prefix: 'sgslot' });
    const heard: unknown[] = [];
    channel.listen({ notice: (notice) => heard.push(notice), gap() {}, error() {} });
    try {
      await channel.watch('alice');
      // Who listens to alice's channel: exactly one master (the slot's), as a shard channel.
      const counts = await Promise.all(
        cluster.masters.map(async (master) => {
          const node = await cluster.nodeClient(master);
          return { shard: Number(await node.sendCommand(['PUBSUB', 'SHARDNUMSUB', 'sgslot:{alice}:ended']).then((r) => (r as unknown as unknown[])[1])), plain: Number(await node.sendCommand(['PUBSUB', 'NUMSUB', 'sgslot:{alice}:ended']).then((r) => (r as unknown as unknown[])[1])) };
        }),
      );
      expect(counts.map((count) => count.shard).sort()).toEqual([0, 0, 1]);
      expect(counts.every((count) => count.plain === 0)).toBe(true);
      const slotOfAlice = Number(await cluster.sendCommand('sgslot:{alice}:ended', true, ['CLUSTER', 'KEYSLOT', 'sgslot:{alice}:ended']));
      expect(slotOfAlice).toBe(Number(await cluster.sendCommand('sg:{alice}:idx', true, ['CLUSTER', 'KEYSLOT', 'sg:{alice}:idx'])));
      // A notice from another process (another origin) arrives; this channel's own never echo back.
      const other = createRedisEndChannel({ client: cluster as never, prefix: 'sgslot' });
      other.listen({ notice() {}, gap() {}, error() {} });
      await other.publish({ userId: 'alice', publicId: 'p1', reason: 'logout' });
      await channel.publish({ userId: 'alice', publicId: 'p2', reason: 'logout' });
      await expect.poll(() => heard).toEqual([{ userId: 'alice', publicId: 'p1', reason: 'logout' }]);
      await other.close();
    } finally {
      await channel.close();
      await cluster.close();
    }
  });
});
