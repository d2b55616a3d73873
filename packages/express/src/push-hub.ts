/**
 * The push streams one process holds, and everything that ends them:
 * session ends announced here (through `announceEnded`) or on other
 * processes (through the end channel), the idle and absolute timeouts of the
 * sessions whose streams are open here, the caps, and shutdown.
 * Framework-neutral: a stream is a {@link PushSink} (the Express route
 * adapts a response to it).
 */
import {
  endCode,
  evaluateSession,
  PUSH_EVENTS,
  type EndReason,
  type PushClosedEvent,
  type PushClosedReason,
  type PushEndedEvent,
  type PushSessionEvent,
} from '@sessionguard/core';
import type { GuardContext } from './context.js';
import type { EndNotice } from './end-channel.js';
import type { RevocationReason } from './events.js';
import { describeError } from './logger.js';
import type { ResolvedPushOptions } from './options.js';
import { computeUserTag } from './public-id.js';
import { setEndListener } from './push-notifier.js';
import type { SessionRecord, SessionRef } from './registry/types.js';
import { announceEnded, endStoredSession, finishRevocation } from './revocation.js';

// The server's reasons are exactly the wire's (a compile-time check both ways).
const sameReasons: [RevocationReason, EndReason] extends [EndReason, RevocationReason] ? true : never = true;
void sameReasons;

/** Where a stream's bytes go: an HTTP response, as the route adapts it. */
export interface PushSink {
  /** Writes text of the event stream. */
  write(text: string): void;
  /** Ends the response (the connection stays for the next request, or closes). */
  end(): void;
}

/** A stream being opened: counted against the caps, hearing ends, not yet writing. */
export interface StreamTicket {
  /** Resolves once ends of this user published anywhere reach this process; rejects when that cannot be set up. */
  readonly ready: Promise<void>;
  /** The reason of an end of this session heard while the ticket was pending (the stream must then be refused). */
  readonly endedBy: RevocationReason | null;
  /**
   * Starts the stream: writes the `retry` field and the `session` event of
   * `record` (the registry's record, read after `ready`), arms the session's
   * expiry check and the heartbeats. Returns the function that releases the
   * stream when its connection closes.
   */
  attach(sink: PushSink, record: SessionRecord): () => void;
  /** Gives the ticket up (the stream was refused). */
  cancel(): void;
}

/** Outcome of {@link PushHub.reserve}. */
export type Reservation = { ok: true; ticket: StreamTicket } | { ok: false; code: 'too_many_streams' | 'closed' };

/** The push streams of one guard in this process. */
export interface PushHub {
  /** Counts a new stream of `record`'s session against the caps (refused beyond `maxStreamsPerUser`). */
  reserve(record: Pick<SessionRecord, 'sessionId' | 'userId' | 'publicId'>): Reservation;
  /** Open streams (attached, not yet closed) in this process. */
  readonly size: number;
  /** Sessions with an expiry check armed (one per session, whatever its streams). */
  readonly timers: number;
  /** Closes every stream (`closed` with reason `shutdown`), stops the timers and unwatches every user. */
  close(): Promise<void>;
}

/** Node's largest timer delay; a longer wait is re-armed when it fires. */
const MAX_TIMER_MS = 2_147_483_647;
/** How soon an expiry check that could not ask the registry tries again. */
const CHECK_RETRY_MS = 5000;

interface Stream {
  sink: PushSink;
  session: WatchedSession;
  closed: boolean;
}

interface Pending {
  publicId: string;
  endedBy: RevocationReason | null;
}

interface WatchedSession {
  user: WatchedUser;
  ref: SessionRef;
  publicId: string;
  /** The last record read: its timestamps arm the expiry check. */
  record: SessionRecord;
  /** Oldest first (insertion order). */
  streams: Set<Stream>;
  timer: unknown;
  checking: boolean;
  checkAgain: boolean;
  dropped: boolean;
}

interface WatchedUser {
  userId: string;
  sessions: Map<string, WatchedSession>;
  pending: Set<Pending>;
  streams: number;
  ready: Promise<void>;
}

const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * Creates the hub of `ctx` and makes it hear every end `ctx` announces. With
 * a channel, ends announced here are also published to the other processes,
 * and theirs delivered here.
 */
export function createPushHub(ctx: GuardContext, push: ResolvedPushOptions): PushHub {
  const { options, registry } = ctx;
  const { logger, policy } = options;
  const { timers, channel } = push;
  const users = new Map<string, WatchedUser>();
  const all = new Set<Stream>();
  let armed = 0;
  let heartbeat: unknown = null;
  let closed = false;

  const warn = (message: string, error: unknown, fields: Record<string, unknown> = {}) =>
    logger.warn(`push: ${message}`, { ...fields, ...describeError(error) });

  // --- the streams ----------------------------------------------------------------------------

  const dropUserIfIdle = (user: WatchedUser) => {
    if (user.streams > 0 || user.pending.size > 0 || users.get(user.userId) !== user) return;
    users.delete(user.userId);
    channel?.unwatch(user.userId).catch((error: unknown) => warn('could not stop watching a user', error));
  };

  const clearTimer = (session: WatchedSession) => {
    if (session.timer === null) return;
    timers.clearTimeout(session.timer);
    session.timer = null;
    armed -= 1;
  };

  const dropSession = (session: WatchedSession) => {
    if (session.dropped) return;
    session.dropped = true;
    clearTimer(session);
    session.user.sessions.delete(session.publicId);
    dropUserIfIdle(session.user);
  };

  /** Ends one stream, after writing `last` (an event) when given. */
  const closeStream = (stream: Stream, last: string | null) => {
    if (stream.closed) return;
    stream.closed = true;
    all.delete(stream);
    const { session } = stream;
    session.streams.delete(stream);
    session.user.streams -= 1;
    try {
      if (last) stream.sink.write(last);
      stream.sink.end();
    } catch (error) {
      warn('could not end a stream', error);
    }
    if (session.streams.size === 0) dropSession(session);
    if (all.size === 0 && heartbeat !== null) {
      timers.clearTimeout(heartbeat);
      heartbeat = null;
    }
  };

  const endSession = (session: WatchedSession, reason: RevocationReason) => {
    const event: PushEndedEvent = { reason, code: endCode(reason), session: session.publicId };
    const text = sse(PUSH_EVENTS.ended, event);
    for (const stream of [...session.streams]) closeStream(stream, text);
    dropSession(session);
  };

  const closeSession = (session: WatchedSession, reason: PushClosedReason) => {
    const event: PushClosedEvent = { reason };
    const text = sse(PUSH_EVENTS.closed, event);
    for (const stream of [...session.streams]) closeStream(stream, text);
    dropSession(session);
  };

  const beat = () => {
    heartbeat = null;
    if (all.size === 0 || closed) return;
    for (const stream of all) {
      try {
        stream.sink.write(':\n\n');
      } catch (error) {
        warn('heartbeat failed', error);
      }
    }
    heartbeat = timers.setTimeout(beat, push.heartbeatInterval * 1000);
  };

  // --- the expiry check of a session with streams here -------------------------------------------

  const arm = (session: WatchedSession, delayMs?: number) => {
    clearTimer(session);
    if (session.dropped) return;
    let delay = delayMs;
    if (delay === undefined) {
      const now = options.now();
      const { record } = session;
      delay = evaluateSession(policy, { lastActivity: Math.min(record.lastActivity, now), createdAt: record.createdAt, now }).expireIn;
    }
    armed += 1;
    session.timer = timers.setTimeout(
      () => {
        session.timer = null;
        armed -= 1;
        void check(session);
      },
      Math.min(MAX_TIMER_MS, Math.max(0, delay)),
    );
  };

  /**
   * The session's record went missing without an end heard here. Ran out
   * unnoticed (a tombstone): ended as expired, as a request would end it;
   * otherwise (renewed under a new id, or an end lost on the way) the
   * streams are told to reconnect, and the reconnect hears the truth.
   */
  const settleMissing = async (session: WatchedSession) => {
    const endedAt = registry.endedAt ? await registry.endedAt(session.ref) : null;
    if (session.dropped) return;
    if (endedAt === null) {
      closeSession(session, 'recheck');
      return;
    }
    const { absoluteTimeout } = policy;
    const { record } = session;
    const reason = absoluteTimeout !== null && record.createdAt + absoluteTimeout * 1000 <= endedAt ? 'expired_absolute' : 'expired_idle';
    // Drops the registry's tombstone and leaves one in the session store instead: the browser is told session_expired, once.
    await registry.revoke(session.ref);
    await endStoredSession(ctx, record, reason);
    announceEnded(ctx, [record], reason);
    if (!session.dropped) endSession(session, reason);
  };

  /**
   * Asks the registry about the session at its expiry (or when told to look
   * again). Still live: re-armed at its new end (other tabs' pings moved its
   * last activity). Past its limits: ended here, through the registry and
   * the normal announcement, so every process's streams hear it once.
   */
  const check = async (session: WatchedSession): Promise<void> => {
    if (session.dropped) return;
    if (session.checking) {
      session.checkAgain = true;
      return;
    }
    session.checking = true;
    clearTimer(session);
    try {
      const record = await registry.get(session.ref);
      if (session.dropped) return;
      if (!record) return await settleMissing(session);
      session.record = record;
      const now = options.now();
      const timing = evaluateSession(policy, { lastActivity: Math.min(record.lastActivity, now), createdAt: record.createdAt, now });
      if (timing.phase !== 'expired') return arm(session, timing.expireIn);
      const reason = timing.reason === 'absolute' ? 'expired_absolute' : 'expired_idle';
      const removed = await registry.revoke(session.ref);
      // The announcement reaches this session's streams too (and every other process's).
      if (removed) await finishRevocation(ctx, [removed], reason);
      // Removed by someone else in the same instant: their announcement is on its way; the streams here need not wait.
      if (!session.dropped) endSession(session, reason);
    } catch (error) {
      warn('could not check a session at its expiry; retrying', error, { publicId: session.publicId });
      if (!session.dropped) arm(session, CHECK_RETRY_MS);
    } finally {
      session.checking = false;
      if (session.checkAgain && !session.dropped) {
        session.checkAgain = false;
        void check(session);
      }
    }
  };

  // --- ends: from here and from the other processes ------------------------------------------------

  const deliver = (notice: EndNotice) => {
    const user = users.get(notice.userId);
    if (!user) return;
    if (notice.publicId === null || notice.reason === null) {
      for (const session of [...user.sessions.values()]) void check(session);
      return;
    }
    for (const pending of user.pending) if (pending.publicId === notice.publicId) pending.endedBy = notice.reason;
    const session = user.sessions.get(notice.publicId);
    if (session) endSession(session, notice.reason);
  };

  const publish = (notice: EndNotice) => {
    channel?.publish(notice).catch((error: unknown) => warn('could not publish a session end to the other processes', error, { publicId: notice.publicId }));
  };

  setEndListener(ctx, (records, reason) => {
    for (const { userId, publicId } of records) {
      const notice: EndNotice = { userId, publicId, reason };
      deliver(notice);
      publish(notice);
    }
  });
  // A renewed session (password change, re-authentication) lives on under a new id: its streams, here or
  // elsewhere, watch an id that is gone. Every process looks again at that user's streams.
  const onCreated = ({ userId, by }: { userId: string; by: string }) => {
    if (by !== 'renewed') return;
    const notice: EndNotice = { userId, publicId: null, reason: null };
    deliver(notice);
    publish(notice);
  };
  ctx.events.on('session.created', onCreated);
  channel?.listen({
    notice: deliver,
    gap() {
      for (const user of users.values()) for (const session of [...user.sessions.values()]) void check(session);
    },
    error: (message, error) => warn(message, error),
  });

  // --- opening ---------------------------------------------------------------------------------

  const userOf = (userId: string): WatchedUser => {
    let user = users.get(userId);
    if (!user) {
      const ready = channel ? channel.watch(userId) : Promise.resolve();
      // Handled by each ticket's holder; never an unhandled rejection here.
      ready.catch(() => {});
      user = { userId, sessions: new Map(), pending: new Set(), streams: 0, ready };
      users.set(userId, user);
    }
    return user;
  };

  const retryField = () => {
    const { min, max } = push.reconnectDelayMs;
    return `retry: ${min + Math.floor(Math.random() * (max - min + 1))}\n`;
  };

  return {
    reserve(ref) {
      if (closed) return { ok: false, code: 'closed' };
      const existing = users.get(ref.userId);
      if (existing) {
        let ofSession = existing.sessions.get(ref.publicId)?.streams.size ?? 0;
        for (const pending of existing.pending) if (pending.publicId === ref.publicId) ofSession += 1;
        // A stream that will replace one of its own session's takes no new place.
        const replaces = ofSession >= push.maxStreamsPerSession;
        if (!replaces && existing.streams + existing.pending.size >= push.maxStreamsPerUser) return { ok: false, code: 'too_many_streams' };
      }
      const user = userOf(ref.userId);
      const pending: Pending = { publicId: ref.publicId, endedBy: null };
      user.pending.add(pending);
      let settled = false;
      const settle = () => {
        if (settled) return false;
        settled = true;
        user.pending.delete(pending);
        return true;
      };
      return {
        ok: true,
        ticket: {
          ready: user.ready,
          get endedBy() {
            return pending.endedBy;
          },
          cancel() {
            if (settle()) dropUserIfIdle(user);
          },
          attach(sink, record) {
            if (!settle()) throw new Error('push: a ticket is attached once');
            if (closed) {
              sink.write(retryField() + sse(PUSH_EVENTS.closed, { reason: 'shutdown' } satisfies PushClosedEvent));
              sink.end();
              return () => {};
            }
            // The user entry may have been replaced meanwhile (closed hub, all its streams gone): use the current one.
            const owner = users.get(ref.userId) === user ? user : userOf(ref.userId);
            let session = owner.sessions.get(record.publicId);
            if (!session) {
              session = {
                user: owner,
                ref: { sessionId: record.sessionId, userId: record.userId },
                publicId: record.publicId,
                record,
                streams: new Set(),
                timer: null,
                checking: false,
                checkAgain: false,
                dropped: false,
              };
              owner.sessions.set(record.publicId, session);
            } else if (record.lastActivity > session.record.lastActivity) {
              session.record = record;
            }
            const stream: Stream = { sink, session, closed: false };
            session.streams.add(stream);
            owner.streams += 1;
            all.add(stream);
            const now = options.now();
            const timing = evaluateSession(policy, { lastActivity: Math.min(record.lastActivity, now), createdAt: record.createdAt, now });
            const first: PushSessionEvent = {
              idleFor: timing.idleFor / 1000,
              warnAfter: policy.warnAfter,
              expireAfter: policy.expireAfter,
              absoluteRemaining: timing.absoluteRemaining === null ? null : timing.absoluteRemaining / 1000,
              session: record.publicId,
              user: computeUserTag(options.secrets[0], record.userId),
              heartbeat: push.heartbeatInterval,
            };
            sink.write(retryField() + sse(PUSH_EVENTS.session, first));
            const replaced = sse(PUSH_EVENTS.closed, { reason: 'replaced' } satisfies PushClosedEvent);
            for (const older of session.streams) {
              if (session.streams.size <= push.maxStreamsPerSession) break;
              closeStream(older, replaced);
            }
            if (session.timer === null && !session.checking) arm(session);
            if (heartbeat === null) heartbeat = timers.setTimeout(beat, push.heartbeatInterval * 1000);
            return () => closeStream(stream, null);
          },
        },
      };
    },
    get size() {
      return all.size;
    },
    get timers() {
      return armed;
    },
    async close() {
      if (closed) return;
      closed = true;
      setEndListener(ctx, null);
      ctx.events.off('session.created', onCreated);
      if (heartbeat !== null) timers.clearTimeout(heartbeat);
      heartbeat = null;
      const shutdown = sse(PUSH_EVENTS.closed, { reason: 'shutdown' } satisfies PushClosedEvent);
      for (const stream of [...all]) closeStream(stream, shutdown);
      for (const user of [...users.values()]) for (const session of [...user.sessions.values()]) dropSession(session);
    },
  };
}
