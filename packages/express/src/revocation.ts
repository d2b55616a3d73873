import type { Request } from 'express';
import type { SessionData } from 'express-session';
import type { GuardContext } from './context.js';
import type { RevocationReason } from './events.js';
import { describeError } from './logger.js';
import { notifyEnded } from './push-notifier.js';
import type { SessionRecord } from './registry/types.js';
import { setSessionState } from './session-state.js';

/**
 * Drops the current request's express-session data. express-session then has
 * no `req.session` to write back at the end of the request, so this request
 * cannot recreate what was just ended.
 */
export function destroyCurrentSession(ctx: GuardContext, req: Request): Promise<void> {
  const session = req.session;
  setSessionState(req, { kind: 'anonymous' });
  if (!session) return Promise.resolve();
  const sessionId = req.sessionID;
  return new Promise((resolve) => {
    session.destroy((error: unknown) => {
      if (error) ctx.options.logger.warn('could not destroy session data', describeError(error, [sessionId]));
      resolve();
    });
  });
}

/** What replaces a revoked session's data in the store; see {@link endStoredSession}. */
export interface SessionTombstone {
  cookie: { originalMaxAge: number; expires: string; httpOnly: true; path: '/' };
  sessionguard: { ended: RevocationReason };
}

/** How long a tombstone stays in the store (real time: stores expire entries by the wall clock). */
const TOMBSTONE_LIFETIME_MS = 24 * 60 * 60 * 1000;

/** The reason of a tombstone in `req.session`, or `null` when the session is not one. */
export function readTombstone(req: Request): RevocationReason | null {
  const data = req.session?.sessionguard as { ended?: unknown } | undefined;
  return typeof data?.ended === 'string' ? (data.ended as RevocationReason) : null;
}

/**
 * Ends another session's express-session data through the app's store: its
 * data is replaced by a tombstone holding only why it ended (no user id, no
 * app data), which expires on its own. The browser of that session then
 * learns at its next request that it was signed out (401 `session_revoked`)
 * rather than looking merely anonymous, and the tombstone is destroyed.
 *
 * Best effort: the registry already forgot the session, and the middleware
 * never accepts a session the registry does not hold, so a failure here only
 * leaves inert data until the store expires it.
 */
export function endStoredSession(ctx: GuardContext, record: SessionRecord, reason: RevocationReason): Promise<void> {
  const store = ctx.store();
  const { logger, storeTimeout } = ctx.options;
  if (!store) {
    logger.warn('no express-session store known yet: session data left to expire (pass the `store` option)', {
      publicId: record.publicId,
    });
    return Promise.resolve();
  }
  const tombstone: SessionTombstone = {
    cookie: { originalMaxAge: TOMBSTONE_LIFETIME_MS, expires: new Date(Date.now() + TOMBSTONE_LIFETIME_MS).toISOString(), httpOnly: true, path: '/' },
    sessionguard: { ended: reason },
  };
  return new Promise((resolve) => {
    // A store that never calls back must not hang a logout or an admin action.
    const timer = setTimeout(() => {
      logger.warn('session store did not answer in time', { publicId: record.publicId });
      resolve();
    }, storeTimeout);
    timer.unref?.();
    store.set(record.sessionId, tombstone as unknown as SessionData, (error?: unknown) => {
      clearTimeout(timer);
      if (error) logger.warn('could not end session data', { publicId: record.publicId, ...describeError(error, [record.sessionId]) });
      resolve();
    });
  });
}

/** Emits the events and log line of sessions that ended, and tells their push streams. */
export function announceEnded(ctx: GuardContext, records: ReadonlyArray<Pick<SessionRecord, 'publicId' | 'userId'>>, reason: RevocationReason): void {
  const at = ctx.options.now();
  for (const { publicId, userId } of records) {
    ctx.options.logger.info('session ended', { event: 'session.revoked', publicId, userId, reason });
    ctx.events.emit('session.revoked', { publicId, userId, at, reason });
    if (reason === 'expired_idle' || reason === 'expired_absolute') {
      ctx.events.emit('session.expired', { publicId, userId, at, reason: reason === 'expired_idle' ? 'idle' : 'absolute' });
    }
  }
  // The push streams of these sessions, in this process and (through the end channel) every other.
  notifyEnded(ctx, records, reason);
}

/**
 * After the registry removed `records`: destroys their session data (the
 * current request's through `req.session`, others through the store) and
 * announces them.
 */
export async function finishRevocation(
  ctx: GuardContext,
  records: readonly SessionRecord[],
  reason: RevocationReason,
  req?: Request,
): Promise<void> {
  await Promise.all(
    records.map((record) =>
      req && record.sessionId === req.sessionID ? destroyCurrentSession(ctx, req) : endStoredSession(ctx, record, reason),
    ),
  );
  announceEnded(ctx, records, reason);
}

/** Revokes every session of `userId` (but `exceptSessionId`) and finishes the revocation. Returns how many ended. */
export async function revokeUserSessions(
  ctx: GuardContext,
  userId: string,
  reason: RevocationReason,
  options: { exceptSessionId?: string; req?: Request } = {},
): Promise<number> {
  const removed = await ctx.registry.revokeUser(userId, options.exceptSessionId);
  await finishRevocation(ctx, removed, reason, options.req);
  return removed.length;
}
