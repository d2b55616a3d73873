/**
 * Session ends between processes over Redis pub/sub, for the push streams.
 * One channel per user, `<prefix>:{<user>}:ended`, carrying the user's hash
 * tag: on Redis Cluster it is a sharded channel (`SSUBSCRIBE` / `SPUBLISH`,
 * Redis 7+), so a user's ends stay on the node of that user's slot, the node
 * that already holds the user's registry keys, instead of being broadcast
 * over the whole cluster bus as `PUBLISH` would be.
 *
 * A process subscribes to a user's channel while it holds a stream of that
 * user, on a connection of its own duplicated from the app's client (a
 * subscribed connection can run nothing else); it publishes with the app's
 * client. Pub/sub delivers to whoever listens at that instant and keeps
 * nothing: when the subscriber connection drops and comes back, the guard is
 * told (`gap`) and looks again at every stream it holds.
 */
import { END_REASONS } from '@sessionguard/core';
import { randomUUID } from 'node:crypto';
import type { EndChannel, EndChannelListener, EndNotice } from '../end-channel.js';
import type { RevocationReason } from '../events.js';
import { encodeUserId } from './keys.js';

/** The node-redis commands the end channel uses (v5 or v6, `createClient` or `createCluster`). */
export interface RedisEndChannelClient {
  /** A new client with the same options, for the subscriber connection (connected by the channel). */
  duplicate(): unknown;
  publish(channel: string, message: string): Promise<unknown>;
  sPublish(channel: string, message: string): Promise<unknown>;
}

/** The ioredis commands the end channel uses (v5 or v6, `new Redis()` or `new Redis.Cluster()`). */
export interface IoRedisEndChannelClient {
  /** A new client with the same options, for the subscriber connection. */
  duplicate(): unknown;
  publish(channel: string, message: string): Promise<unknown>;
  spublish(channel: string, message: string): Promise<unknown>;
}

/** Every client {@link createRedisEndChannel} accepts. */
export type AnyRedisEndChannelClient = RedisEndChannelClient | IoRedisEndChannelClient;

/** Options of {@link createRedisEndChannel}. */
export interface RedisEndChannelOptions {
  /**
   * The app's client: node-redis or ioredis, v5 or v6, single node or
   * Cluster (the registry's client will do). It publishes; the channel
   * duplicates it once for its subscriber connection, which it owns.
   */
  client: AnyRedisEndChannelClient;
  /**
   * Channel names start with it: `<prefix>:{<user>}:ended`. The registry's
   * prefix keeps a user's channel on the slot of the user's keys.
   * @default 'sg'
   */
  prefix?: string;
  /**
   * Sharded pub/sub (`SSUBSCRIBE`/`SPUBLISH`, Redis 7+). Every process of
   * one app must agree: a sharded publish never reaches a plain subscriber.
   * @default true on a Cluster client, false otherwise
   */
  sharded?: boolean;
  /**
   * Milliseconds a subscribe (and the subscriber's first connection) may
   * take; beyond it the stream that waits is refused with 503.
   * @default 2000
   */
  commandTimeout?: number;
}

/** What the channel needs of its subscriber connection, whatever the library. */
interface Subscriber {
  subscribe(channel: string): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  close(): Promise<void>;
}

type Emitter = { on(event: string, listener: (...args: never[]) => void): unknown; once(event: string, listener: (...args: never[]) => void): unknown };

const isFunction = (value: unknown): value is (...args: never[]) => unknown => typeof value === 'function';

const REASONS: ReadonlySet<string> = new Set(END_REASONS);

/** Rejects after `ms` with a message naming `what`; the underlying operation is not withdrawn. */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sessionguard end channel: ${what} took longer than ${ms} ms`)), ms);
    timer.unref?.();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** The channel of one user's ends. */
export function endChannelName(prefix: string, userId: string): string {
  return `${prefix}:{${encodeUserId(userId)}}:ended`;
}

/**
 * Session ends between the processes of one app, over Redis pub/sub: pass
 * it to the guard as `push: { channel }`, one channel per guard.
 *
 * @example
 * const guard = createSessionGuard({
 *   secret, preset: 'aal2',
 *   registry: createRedisRegistry({ client, prefix: 'sg' }),
 *   push: { channel: createRedisEndChannel({ client, prefix: 'sg' }) },
 * });
 * // at shutdown, after guard.close(): await channel.close() (closes its subscriber connection)
 */
export function createRedisEndChannel(options: RedisEndChannelOptions): EndChannel {
  const factory = 'createRedisEndChannel';
  const { client } = options;
  const candidate = client as unknown as Record<string, unknown> | null;
  const kind =
    candidate && isFunction(candidate.duplicate) && isFunction(candidate.publish) && isFunction(candidate.sPublish)
      ? 'node-redis'
      : candidate && isFunction(candidate.duplicate) && isFunction(candidate.publish) && isFunction(candidate.spublish)
        ? 'ioredis'
        : null;
  if (!kind) {
    throw new TypeError(`${factory}: \`client\` must be a node-redis or ioredis client or cluster (v5 or v6)`);
  }
  const prefix = options.prefix ?? 'sg';
  if (typeof prefix !== 'string' || prefix === '' || /[{}]/.test(prefix)) {
    throw new TypeError(`${factory}: \`prefix\` must be a non-empty string without braces`);
  }
  const commandTimeout = options.commandTimeout ?? 2000;
  if (!(typeof commandTimeout === 'number' && Number.isFinite(commandTimeout) && commandTimeout > 0)) {
    throw new TypeError(`${factory}: \`commandTimeout\` must be a positive number of milliseconds`);
  }
  const cluster = kind === 'node-redis' ? isFunction(candidate!.nodeClient) : candidate!.isCluster === true;
  const sharded = options.sharded ?? cluster;
  // Tells this process's notices from the others' (the guard already delivered its own).
  const origin = randomUUID();
  let listener: EndChannelListener | null = null;
  let subscriber: Promise<Subscriber> | null = null;
  let closed = false;
  /** Subscribes and unsubscribes of one channel, in order (a user's last stream closing while a new one opens). */
  const queues = new Map<string, Promise<void>>();

  const receive = (message: unknown) => {
    if (typeof message !== 'string' || !listener) return;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(message) as Record<string, unknown>;
    } catch {
      return;
    }
    if (parsed === null || typeof parsed !== 'object' || parsed.v !== 1 || parsed.o === origin || typeof parsed.u !== 'string') return;
    const { u: userId, p: publicId, r: reason } = parsed;
    const whole = typeof publicId === 'string' && typeof reason === 'string' && REASONS.has(reason);
    if (!whole && !(publicId === null && reason === null)) return;
    listener.notice({ userId, publicId: publicId as string | null, reason: reason as RevocationReason | null });
  };

  /** Watches the subscriber connection: a drop and a return mean notices may have been missed. */
  const watchConnection = (connection: Emitter) => {
    let lost = false;
    let reported = false;
    connection.on('error', (error: never) => {
      lost = true;
      if (!reported) listener?.error('end channel: the subscriber connection failed', error);
      reported = true;
    });
    connection.on('ready', () => {
      reported = false;
      if (!lost) return;
      lost = false;
      listener?.gap();
    });
  };

  const connectNodeRedis = async (): Promise<Subscriber> => {
    const connection = (client as RedisEndChannelClient).duplicate() as Emitter & {
      connect(): Promise<unknown>;
      subscribe(channel: string, listener: (message: string) => void): Promise<void>;
      unsubscribe(channel: string, listener: (message: string) => void): Promise<void>;
      sSubscribe(channel: string, listener: (message: string) => void): Promise<void>;
      sUnsubscribe(channel: string, listener: (message: string) => void): Promise<void>;
      close?: () => Promise<void>;
      quit?: () => Promise<unknown>;
      destroy?: () => void;
    };
    watchConnection(connection);
    try {
      await withTimeout(connection.connect(), commandTimeout, 'connecting the subscriber');
    } catch (error) {
      connection.destroy?.();
      throw error;
    }
    return {
      subscribe: (channel) => (sharded ? connection.sSubscribe(channel, receive) : connection.subscribe(channel, receive)),
      unsubscribe: (channel) => (sharded ? connection.sUnsubscribe(channel, receive) : connection.unsubscribe(channel, receive)),
      async close() {
        if (connection.close) await connection.close();
        else await connection.quit?.();
      },
    };
  };

  const connectIoRedis = async (): Promise<Subscriber> => {
    const duplicate = (client as unknown as { duplicate(...args: unknown[]): unknown }).duplicate.bind(client);
    // ioredis's Cluster routes SSUBSCRIBE to the slot's node only with shardedSubscribers.
    const connection = (cluster ? duplicate([], sharded ? { shardedSubscribers: true } : {}) : duplicate()) as Emitter & {
      status: string;
      connect(): Promise<unknown>;
      subscribe(channel: string): Promise<unknown>;
      unsubscribe(channel: string): Promise<unknown>;
      ssubscribe(channel: string): Promise<unknown>;
      sunsubscribe(channel: string): Promise<unknown>;
      quit(): Promise<unknown>;
      disconnect(): void;
    };
    watchConnection(connection);
    connection.on('message', (_channel: never, message: never) => receive(message));
    connection.on('smessage', (_channel: never, message: never) => receive(message));
    const ready = new Promise<void>((resolve) => {
      if (connection.status === 'ready') resolve();
      else connection.once('ready', () => resolve());
    });
    // The sharded subscribers of a Cluster start after the cluster itself is ready.
    const subscribersReady = cluster && sharded ? new Promise<void>((resolve) => connection.once('subscribersReady', () => resolve())) : Promise.resolve();
    if (connection.status === 'wait') void connection.connect().catch(() => {});
    try {
      await withTimeout(Promise.all([ready, subscribersReady]), commandTimeout, 'connecting the subscriber');
    } catch (error) {
      connection.disconnect();
      throw error;
    }
    return {
      subscribe: async (channel) => {
        await (sharded ? connection.ssubscribe(channel) : connection.subscribe(channel));
      },
      unsubscribe: async (channel) => {
        await (sharded ? connection.sunsubscribe(channel) : connection.unsubscribe(channel));
      },
      async close() {
        try {
          await connection.quit();
        } catch {
          connection.disconnect();
        }
      },
    };
  };

  const getSubscriber = (): Promise<Subscriber> => {
    if (!subscriber) {
      const connecting = kind === 'node-redis' ? connectNodeRedis() : connectIoRedis();
      subscriber = connecting;
      // A failed first connection is tried again at the next watch.
      connecting.catch(() => {
        if (subscriber === connecting) subscriber = null;
      });
    }
    return subscriber;
  };

  const enqueue = (channel: string, operation: () => Promise<void>): Promise<void> => {
    const next = (queues.get(channel) ?? Promise.resolve()).catch(() => {}).then(operation);
    queues.set(channel, next);
    next
      .finally(() => {
        if (queues.get(channel) === next) queues.delete(channel);
      })
      .catch(() => {});
    return next;
  };

  return {
    listen(given) {
      if (listener) throw new Error(`${factory}: this channel already serves a guard; create one channel per guard`);
      listener = given;
    },
    watch(userId) {
      if (closed) return Promise.reject(new Error(`${factory}: the channel is closed`));
      const channel = endChannelName(prefix, userId);
      return enqueue(channel, async () => {
        const connection = await getSubscriber();
        await withTimeout(connection.subscribe(channel), commandTimeout, 'subscribing');
      });
    },
    unwatch(userId) {
      const channel = endChannelName(prefix, userId);
      return enqueue(channel, async () => {
        if (!subscriber || closed) return;
        const connection = await subscriber;
        await withTimeout(connection.unsubscribe(channel), commandTimeout, 'unsubscribing');
      });
    },
    async publish(notice: EndNotice) {
      const channel = endChannelName(prefix, notice.userId);
      const message = JSON.stringify({ v: 1, o: origin, u: notice.userId, p: notice.publicId, r: notice.reason });
      const sent =
        kind === 'node-redis'
          ? sharded
            ? (client as RedisEndChannelClient).sPublish(channel, message)
            : (client as RedisEndChannelClient).publish(channel, message)
          : sharded
            ? (client as IoRedisEndChannelClient).spublish(channel, message)
            : (client as IoRedisEndChannelClient).publish(channel, message);
      await withTimeout(sent, commandTimeout, 'publishing');
    },
    async close() {
      if (closed) return;
      closed = true;
      const connecting = subscriber;
      subscriber = null;
      if (!connecting) return;
      try {
        await (await connecting).close();
      } catch {
        // Never connected, or already gone: nothing to release.
      }
    },
  } satisfies EndChannel;
}
