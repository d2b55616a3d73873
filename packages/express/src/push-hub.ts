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
  type TimingPolicy,
} from '@sessionguard/core';
import type { GuardContext } from './context.js';
import type { EndNotice } from './end-channel.js';
import type { RevocationReason } from './events.js';
import { describeError } from './logger.js';
import type { ResolvedPushOptions } from './options.js';
import { computeUserTag } from './public-id.js';
import { setEndListener } from './push-notifier.js';
import type { SessionRecord, SessionRef } from './registry/types.js';
import { noticeBody } from './device-notices.js';
import { announceEnded, endStoredSession, finishRevocation } from './revocation.js';
import { policyOf } from './session-policy.js';

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
/**
 * Expiry checks are due on whole seconds of the guard's clock: one timer
 * serves every session due in the same second, so ten thousand sessions do
 * not cost ten thousand timers. A check runs at most a second after the
 * session's end.
 */
const SLOT_MS = 1000;

interface Stream {
  sink: PushSink;
  session: WatchedSession;
  closed: boolean;
}

interface Pending {
  publicId: string;
  endedBy: RevocationReason | null;
}

/**
 * A session with streams here. Only what its expiry check needs: the ids and
 * two timestamps (a stream must not hold the session's whole record, its
 * User-Agent and hashes, for hours).
 */
interface WatchedSession {
  user: WatchedUser;
  sessionId: string;
  publicId: string;
  createdAt: number;
  lastActivity: number;
  /** The session's timing policy (its own, or the guard's). */
  policy: Required<TimingPolicy>;
  /** Oldest first. */
  streams: Stream[];
  /** The slot (epoch ms, a whole second) its expiry check is due in; `null` while none is. */
  due: number | null;
  checking: boolean;
  checkAgain: boolean;
  dropped: boolean;
}

interface WatchedUser {
  userId: string;
  /** A few at most (bounded by `maxStreamsPerUser`): an array costs less than a Map. */
  sessions: WatchedSession[];
  /** Tickets not yet attached or cancelled; `null` when none. */
  pending: Pending[] | null;
  streams: number;
  ready: Promise<void>;
}

/** What a user's `ready` becomes once the channel watches the user: one shared promise, not one per user. */
const WATCHING = Promise.resolve();

const refOf = (session: WatchedSession): SessionRef => ({ sessionId: session.sessionId, userId: session.user.userId });

const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * Creates the hub of `ctx` and makes it hear every end `ctx` announces. With
 * a channel, ends announced here are also published to the other processes,
 * and theirs delivered here.
 */
export function createPushHub(ctx: GuardContext, push: ResolvedPushOptions): PushHub {
  const { options, registry } = ctx;
  const { logger } = options;
  const { timers, channel } = push;
  const users = new Map<string, WatchedUser>();
  const all = new Set<Stream>();
  /** Sessions by the slot their expiry check is due in. */
  const slots = new Map<number, Set<WatchedSession>>();
  let armed = 0;
  let wheel: { handle: unknown; at: number } | null = null;
  let heartbeat: unknown = null;
  let closed = false;

  const warn = (message: string, error: unknown, fields: Record<string, unknown> = {}) =>
    logger.warn(`push: ${message}`, { ...fields, ...describeError(error) });

  if (!channel && typeof options.registry.clock === 'function') {
    // A registry with a clock of its own is shared by several processes (Redis): without a channel, a stream hears
    // only the ends of the process that holds it (and the timeouts); ends elsewhere reach its page at the next ping.
    // A memory registry (no clock) is this process's alone, whoever created it.
    logger.warn('push: no end channel: session ends reach only the streams of the process where they happen', {
      hint: 'with more than one process, pass push: { channel: createRedisEndChannel({ client }) } from @sessionguard/express/redis',
    });
  }

  // --- the expiry slots ---------------------------------------------------------------------------

  const unschedule = (session: WatchedSession) => {
    if (session.due === null) return;
    const slot = slots.get(session.due);
    slot?.delete(session);
    if (slot?.size === 0) slots.delete(session.due);
    session.due = null;
    armed -= 1;
    if (slots.size === 0 && wheel) {
      timers.clearTimeout(wheel.handle);
      wheel = null;
    }
  };

  /** Sets the one timer at the earliest slot (or none). */
  const rewind = () => {
    let earliest = Infinity;
    for (const at of slots.keys()) if (at < earliest) earliest = at;
    if (wheel && wheel.at === earliest) return;
    if (wheel) timers.clearTimeout(wheel.handle);
    wheel = null;
    if (earliest === Infinity || closed) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, earliest - options.now()));
    wheel = { at: earliest, handle: timers.setTimeout(turn, delay) };
  };

  function turn() {
    wheel = null;
    const now = options.now();
    const due: WatchedSession[] = [];
    for (const [at, slot] of slots) {
      if (at > now) continue;
      slots.delete(at);
      for (const session of slot) {
        session.due = null;
        armed -= 1;
        due.push(session);
      }
    }
    rewind();
    for (const session of due) void check(session);
  }

  /** Due `delayMs` from now, or at the session's end. */
  const schedule = (session: WatchedSession, delayMs?: number) => {
    unschedule(session);
    if (session.dropped || closed) return;
    const now = options.now();
    const delay =
      delayMs ?? evaluateSession(session.policy, { lastActivity: Math.min(session.lastActivity, now), createdAt: session.createdAt, now }).expireIn;
    const at = Math.ceil((now + delay) / SLOT_MS) * SLOT_MS;
    let slot = slots.get(at);
    if (!slot) slots.set(at, (slot = new Set()));
    slot.add(session);
    session.due = at;
    armed += 1;
    if (!wheel || at < wheel.at) rewind();
  };

  // --- the streams ----------------------------------------------------------------------------

  const dropUserIfIdle = (user: WatchedUser) => {
    if (user.streams > 0 || user.pending !== null || users.get(user.userId) !== user) return;
    users.delete(user.userId);
    channel?.unwatch(user.userId).catch((error: unknown) => warn('could not stop watching a user', error));
  };

  const dropSession = (session: WatchedSession) => {
    if (session.dropped) return;
    session.dropped = true;
    unschedule(session);
    const { sessions } = session.user;
    const index = sessions.indexOf(session);
    if (index >= 0) sessions.splice(index, 1);
    dropUserIfIdle(session.user);
  };

  /** Ends one stream, after writing `last` (an event) when given. */
  const closeStream = (stream: Stream, last: string | null) => {
    if (stream.closed) return;
    stream.closed = true;
    all.delete(stream);
    const { session } = stream;
    const index = session.streams.indexOf(stream);
    if (index >= 0) session.streams.splice(index, 1);
    session.user.streams -= 1;
    try {
      if (last) stream.sink.write(last);
      stream.sink.end();
    } catch (error) {
      warn('could not end a stream', error);
    }
    if (session.streams.length === 0) dropSession(session);
    if (all.size === 0 && heartbeat !== null) {
      timers.clearTimeout(heartbeat);
      heartbeat = null;
    }
  };

  /** What a route calls when the stream's connection closes; holds nothing but the stream. */
  const releaserOf = (stream: Stream) => () => closeStream(stream, null);

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

  /**
   * The session's record went missing without an end heard here. Ran out
   * unnoticed (a tombstone): ended as expired, as a request would end it;
   * otherwise (renewed under a new id, or an end lost on the way) the
   * streams are told to reconnect, and the reconnect hears the truth.
   */
  const settleMissing = async (session: WatchedSession) => {
    const ref = refOf(session);
    const endedAt = registry.endedAt ? await registry.endedAt(ref) : null;
    if (session.dropped) return;
    if (endedAt === null) {
      closeSession(session, 'recheck');
      return;
    }
    const { absoluteTimeout } = session.policy;
    const reason = absoluteTimeout !== null && session.createdAt + absoluteTimeout * 1000 <= endedAt ? 'expired_absolute' : 'expired_idle';
    const ended = { ...ref, publicId: session.publicId };
    // Drops the registry's tombstone and leaves one in the session store instead: the browser is told session_expired, once.
    await registry.revoke(ref);
    // Only its ids are read: which store entry to replace, and the public id for the log line.
    await endStoredSession(ctx, ended as SessionRecord, reason);
    announceEnded(ctx, [ended], reason);
    if (!session.dropped) endSession(session, reason);
  };

  /**
   * Asks the registry about the session at its expiry (or when told to look
   * again). Still live: due again at its new end (other tabs' pings moved its
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
    unschedule(session);
    try {
      const ref = refOf(session);
      const record = await registry.get(ref);
      if (session.dropped) return;
      if (!record) return await settleMissing(session);
      session.lastActivity = Math.max(session.lastActivity, record.lastActivity);
      session.createdAt = record.createdAt;
      session.policy = policyOf(ctx, record);
      if (record.notices && record.notices.length > 0) await sendNotices(session);
      const now = options.now();
      const timing = evaluateSession(session.policy, { lastActivity: Math.min(record.lastActivity, now), createdAt: record.createdAt, now });
      if (timing.phase !== 'expired') return schedule(session, timing.expireIn);
      const reason = timing.reason === 'absolute' ? 'expired_absolute' : 'expired_idle';
      const removed = await registry.revoke(ref);
      // The announcement reaches this session's streams too (and every other process's).
      if (removed) await finishRevocation(ctx, [removed], reason);
      // Removed by someone else in the same instant: their announcement is on its way; the streams here need not wait.
      if (!session.dropped) endSession(session, reason);
    } catch (error) {
      warn('could not check a session at its expiry; retrying', error, { publicId: session.publicId });
      if (!session.dropped) schedule(session, CHECK_RETRY_MS);
    } finally {
      session.checking = false;
      if (session.checkAgain && !session.dropped) {
        session.checkAgain = false;
        void check(session);
      }
    }
  };

  /**
   * New-device notices waiting in the session's record: taken from the
   * registry (each is told once per session, here or in a ping answer,
   * whichever takes it first) and written to the session's streams.
   */
  const sendNotices = async (session: WatchedSession) => {
    if (!registry.takeNotices) return;
    const taken = await registry.takeNotices(refOf(session));
    if (taken.length === 0 || session.dropped) return;
    const now = options.now();
    const text = taken.map((notice) => sse(PUSH_EVENTS.notice, noticeBody(notice, now))).join('');
    for (const stream of session.streams) if (!stream.closed) stream.sink.write(text);
  };

  // --- ends: from here and from the other processes ------------------------------------------------

  const deliver = (notice: EndNotice) => {
    const user = users.get(notice.userId);
    if (!user) return;
    if (notice.publicId === null || notice.reason === null) {
      for (const session of [...user.sessions]) void check(session);
      return;
    }
    for (const pending of user.pending ?? []) if (pending.publicId === notice.publicId) pending.endedBy = notice.reason;
    const session = user.sessions.find((candidate) => candidate.publicId === notice.publicId);
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
  // A sign-in from a new device left a notice in the user's other sessions: the same look again brings it to their streams.
  const onCreated = ({ userId, by, newDevice }: { userId: string; by: string; newDevice?: boolean }) => {
    if (by !== 'renewed' && newDevice !== true) return;
    const notice: EndNotice = { userId, publicId: null, reason: null };
    deliver(notice);
    publish(notice);
  };
  ctx.events.on('session.created', onCreated);
  channel?.listen({
    notice: deliver,
    gap() {
      for (const user of users.values()) for (const session of [...user.sessions]) void check(session);
    },
    error: (message, error) => warn(message, error),
  });

  // --- opening ---------------------------------------------------------------------------------

  const userOf = (userId: string): WatchedUser => {
    let user = users.get(userId);
    if (!user) {
      const ready = channel ? channel.watch(userId) : WATCHING;
      const created: WatchedUser = { userId, sessions: [], pending: null, streams: 0, ready };
      // Rejections are handled by each ticket's holder; a watch that worked need not be held per user.
      ready.then(
        () => {
          if (created.ready === ready) created.ready = WATCHING;
        },
        () => {},
      );
      user = created;
      users.set(userId, user);
    }
    return user;
  };

  const removePending = (user: WatchedUser, pending: Pending) => {
    if (!user.pending) return;
    const index = user.pending.indexOf(pending);
    if (index >= 0) user.pending.splice(index, 1);
    if (user.pending.length === 0) user.pending = null;
  };

  const retryField = () => {
    const { min, max } = push.reconnectDelayMs;
    return `retry: ${min + Math.floor(Math.random() * (max - min + 1))}\n`;
  };

  const start = (userId: string, sink: PushSink, record: SessionRecord): (() => void) => {
    if (closed) {
      sink.write(retryField() + sse(PUSH_EVENTS.closed, { reason: 'shutdown' } satisfies PushClosedEvent));
      sink.end();
      return () => {};
    }
    const owner = userOf(userId);
    let session = owner.sessions.find((candidate) => candidate.publicId === record.publicId);
    if (!session) {
      session = {
        user: owner,
        sessionId: record.sessionId,
        publicId: record.publicId,
        createdAt: record.createdAt,
        lastActivity: record.lastActivity,
        policy: policyOf(ctx, record),
        streams: [],
        due: null,
        checking: false,
        checkAgain: false,
        dropped: false,
      };
      owner.sessions.push(session);
    } else {
      session.lastActivity = Math.max(session.lastActivity, record.lastActivity);
    }
    const stream: Stream = { sink, session, closed: false };
    session.streams.push(stream);
    owner.streams += 1;
    all.add(stream);
    const now = options.now();
    const policy = policyOf(ctx, record);
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
    if (session.streams.length > push.maxStreamsPerSession) {
      const replaced = sse(PUSH_EVENTS.closed, { reason: 'replaced' } satisfies PushClosedEvent);
      for (const older of session.streams.slice(0, session.streams.length - push.maxStreamsPerSession)) closeStream(older, replaced);
    }
    if (session.due === null && !session.checking) schedule(session);
    if (heartbeat === null) heartbeat = timers.setTimeout(beat, push.heartbeatInterval * 1000);
    return releaserOf(stream);
  };

  return {
    reserve(ref) {
      if (closed) return { ok: false, code: 'closed' };
      const existing = users.get(ref.userId);
      if (existing) {
        let ofSession = existing.sessions.find((session) => session.publicId === ref.publicId)?.streams.length ?? 0;
        for (const pending of existing.pending ?? []) if (pending.publicId === ref.publicId) ofSession += 1;
        // A stream that will replace one of its own session's takes no new place.
        const replaces = ofSession >= push.maxStreamsPerSession;
        const taken = existing.streams + (existing.pending?.length ?? 0);
        if (!replaces && taken >= push.maxStreamsPerUser) return { ok: false, code: 'too_many_streams' };
      }
      const user = userOf(ref.userId);
      const pending: Pending = { publicId: ref.publicId, endedBy: null };
      (user.pending ??= []).push(pending);
      let settled = false;
      const settle = () => {
        if (settled) return false;
        settled = true;
        removePending(user, pending);
        return true;
      };
      const { userId } = ref;
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
            const release = start(userId, sink, record);
            dropUserIfIdle(user);
            return release;
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
      for (const user of [...users.values()]) for (const session of [...user.sessions]) dropSession(session);
      if (wheel) timers.clearTimeout(wheel.handle);
      wheel = null;
    },
  };
}
