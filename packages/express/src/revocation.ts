import type { Request } from 'express';
import type { GuardContext } from './context.js';
import type { RevocationReason } from './events.js';
import { describeError } from './logger.js';
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

/**
 * Destroys another session's express-session data through the app's store.
 * Best effort: the registry already forgot the session, and the middleware
 * never accepts a session the registry does not hold, so a failure here only
 * leaves data until the store expires it.
 */
export function destroyStoredSession(ctx: GuardContext, record: SessionRecord): Promise<void> {
  const store = ctx.store();
  const { logger, storeTimeout } = ctx.options;
  if (!store) {
    logger.warn('no express-session store known yet: session data left to expire (pass the `store` option)', {
      publicId: record.publicId,
    });
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    // A store that never calls back must not hang a logout or an admin action.
    const timer = setTimeout(() => {
      logger.warn('session store did not answer destroy() in time', { publicId: record.publicId });
      resolve();
    }, storeTimeout);
    timer.unref?.();
    store.destroy(record.sessionId, (error?: unknown) => {
      clearTimeout(timer);
      if (error) logger.warn('could not destroy session data', { publicId: record.publicId, ...describeError(error, [record.sessionId]) });
      resolve();
    });
  });
}

/** Emits the events and log line of sessions that ended. */
export function announceEnded(ctx: GuardContext, records: readonly SessionRecord[], reason: RevocationReason): void {
  const at = ctx.options.now();
  for (const { publicId, userId } of records) {
    ctx.options.logger.info('session ended', { event: 'session.revoked', publicId, userId, reason });
    ctx.events.emit('session.revoked', { publicId, userId, at, reason });
    if (reason === 'expired_idle' || reason === 'expired_absolute') {
      ctx.events.emit('session.expired', { publicId, userId, at, reason: reason === 'expired_idle' ? 'idle' : 'absolute' });
    }
  }
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
      req && record.sessionId === req.sessionID ? destroyCurrentSession(ctx, req) : destroyStoredSession(ctx, record),
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
