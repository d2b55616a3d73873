import { SessionGuardConfigError } from '@sessionguard/core';
import type { Request } from 'express';
import type { Session, SessionData } from 'express-session';
import { signAuthHash } from './auth-hash.js';
import type { GuardContext } from './context.js';
import { guardSessionSave } from './no-resurrection.js';
import type { UserPolicy } from './options.js';
import type { SessionRecord, SessionTimingPolicy } from './registry/types.js';
import { finishRevocation, revokeUserSessions } from './revocation.js';
import { limitRefusal, sessionLimitFor } from './session-limit.js';
import { noticeNewDevice } from './device-notices.js';
import { resolveSessionPolicy } from './session-policy.js';
import { setSessionState } from './session-state.js';
import { boundUserAgent } from './user-agent.js';

/** How a session came to be recorded; reported in `session.created`. */
export type EstablishedBy =
  /** `guard.login`, or a sign-in the guard saw through `getUserId` in this request. */
  | 'sign-in'
  /** A signed-in session the guard had not seen before (`getUserId`): not a fresh sign-in. */
  | 'adopted'
  /** The same session under a new id (`passwordChanged`, `reauthenticated`, a regenerate after sign-in). */
  | 'renewed';

/** The timestamps and hash a new record starts from. */
export interface EstablishBase {
  createdAt: number;
  /** 0 for an adopted session: it has not proved who it is to the guard, so it is never "recent". */
  authenticatedAt: number;
  authHash: string | null;
  /** The timing policy a renewed session keeps (its record's); left out, it is resolved for the user (a fresh sign-in, an adoption). */
  policy?: SessionTimingPolicy | null;
}

/** Request-local: ids of the records this request created (a sign-in just made may be re-keyed). */
const createdHere = new WeakMap<Request, Set<string>>();

/** True when this request created the registry record of `sessionId`. */
export function createdInRequest(req: Request, sessionId: string): boolean {
  return createdHere.get(req)?.has(sessionId) ?? false;
}

/** The request's express-session object; a clear error when express-session is not mounted. */
export function requireSessionObject(req: Request, method: string): Session & Partial<SessionData> {
  if (!req.session) {
    throw new SessionGuardConfigError('middleware', `${method}() needs express-session mounted before the route (req.session is missing)`);
  }
  return req.session;
}

/** Resolves when `run`'s Node-style callback is called; rejects with its error. */
export const callback = (run: (done: (error?: unknown) => void) => void) =>
  new Promise<void>((resolve, reject) => run((error) => (error ? reject(error) : resolve())));

/**
 * Records the request's session in the registry as `userId`'s and writes
 * the guard's data into it; evicted sessions (beyond `maxSessions` with
 * `'evict-oldest'`, or the registry's `maxSessionsPerUser`) are ended. A fresh
 * sign-in over `maxSessions` with `'deny'` or `'ask'` writes nothing and
 * throws a `SessionLimitError` (see {@link limitRefusal}). `save: true` saves the session at once (so it exists as soon as
 * the caller resolves); `false` when called from inside a save.
 */
export async function establishSession(
  ctx: GuardContext,
  req: Request,
  userId: string,
  base: EstablishBase,
  how: { by: EstablishedBy; save: boolean },
): Promise<SessionRecord> {
  const { registry, options } = ctx;
  const now = options.now();
  // Fixed at sign-in (per user, when the timing options are functions); a bad one throws here, before anything is written.
  const policy = base.policy !== undefined ? base.policy : await resolveSessionPolicy(ctx, userId, req);
  const record: SessionRecord = {
    sessionId: req.sessionID,
    userId,
    publicId: ctx.publicId(req.sessionID),
    createdAt: base.createdAt,
    lastActivity: now,
    authenticatedAt: base.authenticatedAt,
    ip: req.ip ?? null,
    // Bounded (512 bytes): one account must not be able to store unbounded data per sign-in.
    userAgent: boundUserAgent(req.get('user-agent')),
    authHash: base.authHash,
    retainUntil: ctx.retainUntil(now, base.createdAt, policy),
    ...(policy ? { policy } : {}),
  };
  // The limit holds for fresh sign-ins only: a renewal replaces a live session, an adopted one exists already.
  const limit = how.by === 'sign-in' ? await sessionLimitFor(ctx, userId, req) : null;
  let evicted: SessionRecord[];
  if (limit === null) {
    evicted = (await registry.create(record)) ?? [];
  } else {
    const result = await registry.createLimited!(record, { maxSessions: limit, atLimit: options.sessionLimit === 'evict-oldest' ? 'evict' : 'refuse' });
    if (!result.created) {
      options.logger.info('sign-in refused: session limit', { event: 'session.limit', userId, limit, behavior: options.sessionLimit });
      throw limitRefusal(result.live);
    }
    evicted = result.evicted;
  }
  const mine = createdHere.get(req) ?? new Set<string>();
  mine.add(record.sessionId);
  createdHere.set(req, mine);
  const session = requireSessionObject(req, 'login');
  session.sessionguard = { userId, createdAt: record.createdAt, ...(record.authHash ? { authHash: record.authHash } : {}) };
  guardSessionSave(ctx, req);
  setSessionState(req, { kind: 'active', record });
  if (how.save) await callback((done) => session.save(done));
  // Only a fresh sign-in comes from a device: a renewal or an adoption is a session that was there already.
  const newDevice = how.by === 'sign-in' ? await noticeNewDevice(ctx, req, record) : null;
  options.logger.info(how.by === 'adopted' ? 'session adopted' : 'session created', {
    event: 'session.created',
    publicId: record.publicId,
    userId,
    by: how.by,
    ...(newDevice === null ? {} : { newDevice }),
  });
  ctx.events.emit('session.created', { publicId: record.publicId, userId, at: now, by: how.by, ...(newDevice === null ? {} : { newDevice }) });
  if (evicted.length > 0) await finishRevocation(ctx, evicted, 'session_limit');
  return record;
}

/**
 * The signed auth hash to bind a session to: of `verified` (the app hash of
 * the credential the app just checked) when given, else of what
 * `getSessionAuthHash` returns now; `null` without auth hashes.
 */
export async function signedAuthHash(ctx: GuardContext, userId: string, verified: string | null | undefined): Promise<string | null> {
  const { options } = ctx;
  let appHash = verified;
  if (appHash === undefined) {
    if (!options.getSessionAuthHash) return null;
    appHash = (await options.getSessionAuthHash(userId)) ?? null;
  }
  if (appHash !== null && typeof appHash !== 'string') {
    throw new TypeError('sessionguard: login(req, userId, { sessionAuthHash }) needs a string or null');
  }
  return appHash === null ? null : signAuthHash(options.secrets[0], userId, appHash);
}

/** Whether a per-user policy (`singleSession`, `logoutEverywhere`) applies to `userId`. */
export async function applies(policy: UserPolicy, userId: string, req: Request): Promise<boolean> {
  return typeof policy === 'function' ? Boolean(await policy(userId, req)) : policy;
}

/** After a fresh sign-in: with `singleSession`, ends the user's other sessions. */
export async function applySingleSession(ctx: GuardContext, req: Request, record: SessionRecord): Promise<void> {
  if (await applies(ctx.options.singleSession, record.userId, req)) {
    await revokeUserSessions(ctx, record.userId, 'single_session', { exceptSessionId: record.sessionId, req });
  }
}
