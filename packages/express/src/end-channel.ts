/**
 * The seam through which session ends travel between processes, for the push
 * streams (`GET <mount>/events`). Framework-neutral: plain ids and reasons.
 *
 * Within one process the guard delivers an end to its own streams directly;
 * a channel only carries it to the *other* processes (and never echoes a
 * process's own notices back to it). Without a channel (the default) ends
 * reach the streams of the process where they happen: right for the memory
 * registry, which is one process anyway. With the Redis registry, pass
 * `push: { channel: createRedisEndChannel({ client }) }` from
 * `@sessionguard/express/redis`.
 */
import type { RevocationReason } from './events.js';

/** One end (or a "look again"), as it travels between processes. Never a session id. */
export interface EndNotice {
  /** Whose session. Channels route by it (on Redis Cluster: the user's slot). */
  userId: string;
  /**
   * The public id of the session that ended; `null`: look again at every
   * stream of this user (a session of the user was renewed under a new id,
   * so its streams belong to an id that no longer exists).
   */
  publicId: string | null;
  /** Why it ended; `null` exactly when `publicId` is. */
  reason: RevocationReason | null;
}

/** What the guard gives a channel in {@link EndChannel.listen}. */
export interface EndChannelListener {
  /** A notice published by another process, for a user this process watches. */
  notice(notice: EndNotice): void;
  /**
   * Notices may have been lost (the subscriber connection dropped and came
   * back): the guard looks again at every stream it holds.
   */
  gap(): void;
  /** Something failed that the channel could not report otherwise (a publish, a connection error). */
  error(message: string, error: unknown): void;
}

/**
 * A transport of {@link EndNotice}s between processes. Each guard needs its
 * own channel (it tells its own notices from others' by an id of its own).
 *
 * `watch` and `unwatch` are called on a user's first and last stream in this
 * process; a channel may subscribe per user (Redis: one channel per user,
 * sharded on Cluster) or to everything.
 */
export interface EndChannel {
  /** Called once, by the guard that uses the channel; a second guard is refused. */
  listen(listener: EndChannelListener): void;
  /**
   * Starts receiving `userId`'s notices. Resolves once a notice published
   * from now on is certain to arrive (Redis: the subscription is
   * confirmed); rejects when that cannot be set up (the stream is then
   * refused with 503).
   */
  watch(userId: string): Promise<void>;
  /** Stops receiving `userId`'s notices (after a `watch`). */
  unwatch(userId: string): Promise<void>;
  /** Sends `notice` to every other process watching its user. */
  publish(notice: EndNotice): Promise<void>;
  /** Releases what the channel holds (Redis: its subscriber connection). */
  close(): Promise<void>;
}
