import { evaluateSession } from '@sessionguard/core';
import type { Request } from 'express';
import { reconcileAtRequestStart } from './app-login.js';
import { verifyAuthHash } from './auth-hash.js';
import type { GuardContext } from './context.js';
import { guardSessionSave } from './no-resurrection.js';
import type { SessionRecord, SessionRef } from './registry/types.js';
import { announceEnded, destroyCurrentSession, finishRevocation, readTombstone } from './revocation.js';
import { checkSession } from './session-check.js';
import { readSessionData } from './session-data.js';
import { policyOf } from './session-policy.js';
import { setSessionState } from './session-state.js';

/** Outcome of {@link resolveSession}. */
export type Resolution =
  | { kind: 'anonymous' }
  | { kind: 'active'; record: SessionRecord }
  | { kind: 'ended'; code: 'session_expired' | 'session_revoked' };


/**
 * Ends a session the registry no longer holds. A tombstone means its record
 * ran out (idle or absolute expiry nobody noticed): it is told
 * `session_expired` and announced now; otherwise it was revoked.
 */
async function endMissing(ctx: GuardContext, req: Request, ref: SessionRef, createdAt: number | null): Promise<Resolution> {
  const { registry, options } = ctx;
  const endedAt = registry.endedAt ? await registry.endedAt(ref) : null;
  await destroyCurrentSession(ctx, req);
  if (endedAt === null) {
    options.logger.info('session not in the registry: treated as ended', { userId: ref.userId });
    return { kind: 'ended', code: 'session_revoked' };
  }
  const { absoluteTimeout } = options.policy;
  const absolute = absoluteTimeout !== null && createdAt !== null && createdAt + absoluteTimeout * 1000 <= endedAt;
  // Drops the tombstone: this session has now been told, and is announced once.
  await registry.revoke(ref);
  announceEnded(ctx, [{ publicId: ctx.publicId(ref.sessionId), userId: ref.userId }], absolute ? 'expired_absolute' : 'expired_idle');
  return { kind: 'ended', code: 'session_expired' };
}

/** When {@link resolveSession} decides, and what activity it records. */
export interface ResolveAt {
  /** The instant the timeouts are checked at (epoch ms). */
  at: number;
  /**
   * The activity to record (epoch ms; the registry only moves last activity
   * forward), checked against the timeouts in the same registry call; `null`
   * records nothing (a passive request, a re-check).
   */
  recordActivityAt: number | null;
}

/**
 * Decides whether the request's session is live, from the registry (the
 * truth) rather than from `req.session`: a session the registry does not
 * hold is ended, whatever its data says. Ends expired sessions and sessions
 * whose auth hash no longer matches. Records activity at `recordActivityAt`
 * only if the session is within its limits at `at`: in the same call as the
 * timeout check when the registry supports touch limits, so activity can
 * never be recorded on a session that has already expired (a ping held open
 * across expiry, a request that re-checks after its body arrived).
 *
 * Throws SessionStoreUnavailableError when the registry cannot answer.
 */
export async function resolveSession(ctx: GuardContext, req: Request, { at, recordActivityAt }: ResolveAt): Promise<Resolution> {
  const { options } = ctx;
  const tombstone = readTombstone(req);
  if (tombstone) {
    // Ended from elsewhere (another device, an admin): tell this browser, then forget the tombstone.
    await destroyCurrentSession(ctx, req);
    return { kind: 'ended', code: tombstone === 'expired_idle' || tombstone === 'expired_absolute' ? 'session_expired' : 'session_revoked' };
  }
  if (options.getUserId) {
    // The app's own login decides who is signed in; a session it changed where the guard was not watching is settled first.
    const settled = await reconcileAtRequestStart(ctx, req, at);
    if (settled) return settled;
  }
  const data = readSessionData(req);
  if (!data) {
    setSessionState(req, { kind: 'anonymous' });
    return { kind: 'anonymous' };
  }
  const ref: SessionRef = { sessionId: req.sessionID, userId: data.userId };
  const { registry } = ctx;
  const { expireAfter, absoluteTimeout } = options.policy;
  const touch = recordActivityAt !== null;
  // A registry with `check` decides the limits and records activity on its own clock, in one call
  // (one Redis round trip; none more when the store already checked while loading the session).
  const checked = registry.check ? await checkSession(ctx, req, ref, recordActivityAt) : undefined;
  // Otherwise, where the registry can check the timeouts itself, one call checks and records activity;
  // a session past its limits comes back untouched and ends below.
  // With policies per user the limits are the record's own: read it first (the memory registry; calls cost nothing).
  const touchedFirst = checked === undefined && touch && registry.touchLimits === true && !options.policyFor;
  let record =
    checked !== undefined
      ? (checked?.record ?? null)
      : touchedFirst
        ? await registry.touch(ref, recordActivityAt, ctx.retainUntil(recordActivityAt, typeof data.createdAt === 'number' ? data.createdAt : at), {
            activeAfter: at - expireAfter * 1000,
            createdAfter: absoluteTimeout === null ? null : at - absoluteTimeout * 1000,
          })
        : await registry.get(ref);
  if (!record) return endMissing(ctx, req, ref, typeof data.createdAt === 'number' ? data.createdAt : null);

  const expired =
    checked !== undefined
      ? checked?.state === 'expired'
        ? checked.reason
        : null
      : evaluateSession(policyOf(ctx, record), { lastActivity: record.lastActivity, createdAt: record.createdAt, now: at }).reason;
  if (expired) {
    const removed = await registry.revoke(ref);
    await destroyCurrentSession(ctx, req);
    await finishRevocation(ctx, removed ? [removed] : [], expired === 'absolute' ? 'expired_absolute' : 'expired_idle', req);
    return { kind: 'ended', code: 'session_expired' };
  }

  if (options.getSessionAuthHash) {
    const appHash = (await options.getSessionAuthHash(data.userId)) ?? null;
    const check = verifyAuthHash(options.secrets, data.userId, appHash, record.authHash);
    if (!check.ok) {
      const removed = await registry.revoke(ref);
      await destroyCurrentSession(ctx, req);
      await finishRevocation(ctx, removed ? [removed] : [], 'auth_hash_mismatch', req);
      return { kind: 'ended', code: 'session_revoked' };
    }
    if (check.rotated) {
      // Verified under an older secret: move it to the current one so that secret can be retired.
      const updated = await registry.update(ref, { authHash: check.current });
      if (updated) record = updated;
      if (req.session?.sessionguard) req.session.sessionguard.authHash = check.current;
    }
  }

  if (touch && !touchedFirst && checked === undefined) {
    const own = policyOf(ctx, record);
    const touched = await registry.touch(ref, recordActivityAt, ctx.retainUntil(recordActivityAt, record.createdAt, record.policy), {
      activeAfter: at - own.expireAfter * 1000,
      createdAfter: own.absoluteTimeout === null ? null : at - own.absoluteTimeout * 1000,
    });
    if (!touched) {
      // Revoked between our get and our touch.
      await destroyCurrentSession(ctx, req);
      return { kind: 'ended', code: 'session_revoked' };
    }
    record = touched;
  }

  guardSessionSave(ctx, req);
  setSessionState(req, { kind: 'active', record });
  return { kind: 'active', record };
}
