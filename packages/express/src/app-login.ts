/**
 * Following the app's own login. An app that signs users in by itself
 * (Passport's `req.login`, an OAuth callback, a signup route) tells the
 * guard who is signed in through `getUserId(req)`; the guard then records,
 * re-keys and ends registry records as the session changes, without a
 * `guard.login` call.
 *
 * It watches the three places where a session's sign-in can change inside a
 * request: `req.session.save()` (Passport saves right after setting its
 * user, and express-session saves a modified session when the response
 * ends), `req.session.regenerate()` (Passport's login and logout; a new id
 * ends the old session) and `req.session.destroy()`. At the start of the
 * next request, {@link reconcileAtRequestStart} catches whatever happened
 * where the guard was not watching (a route mounted before the middleware, a
 * session signed in before the guard was deployed).
 */
import type { Request } from 'express';
import type { Session, SessionData } from 'express-session';
import type { GuardContext } from './context.js';
import { applySingleSession, createdInRequest, establishSession, signedAuthHash } from './establish.js';
import { describeError } from './logger.js';
import type { SessionRecord } from './registry/types.js';
import type { Resolution } from './resolve-session.js';
import { readSessionData } from './session-data.js';
import { announceEnded } from './revocation.js';
import { getSessionState, setSessionState } from './session-state.js';

type GuardedSession = Session & Partial<SessionData>;
type Done = (error?: unknown) => void;

/** Session objects whose methods are watched already. */
const watched = new WeakSet<object>();

/** Session ids generated during the request (never sent to a browser yet: safe to sign in on without a new id). */
const generatedHere = new WeakMap<Request, Set<string>>();

/**
 * A record this request created and a regenerate then ended (`guard.login`,
 * then Passport's `req.login`, which regenerates again): the same sign-in,
 * which continues on the new id when the new session is saved signed in.
 */
const carried = new WeakMap<Request, SessionRecord>();

/** True when `sessionId` was generated during this request (by a regenerate the guard saw). */
export function generatedInRequest(req: Request, sessionId: string): boolean {
  return generatedHere.get(req)?.has(sessionId) ?? false;
}

/**
 * The signed-in user by the app's own account (`getUserId`), as a string;
 * `null` when nobody is, or when `getUserId` is not configured. A numeric id
 * (Passport often serializes one) becomes its decimal string.
 */
export function readAppUserId(ctx: GuardContext, req: Request): string | null {
  const getUserId = ctx.options.getUserId;
  if (!getUserId || !req.session) return null;
  const value: unknown = getUserId(req);
  if (value === null || value === undefined || value === '' || value === false) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new TypeError(`sessionguard: getUserId(req) must return a string or number user id, or null/undefined; it returned ${typeof value}`);
}

function knownRecord(req: Request, sessionId: string): SessionRecord | null {
  const state = getSessionState(req);
  return state?.kind === 'active' && state.record.sessionId === sessionId ? state.record : null;
}

/** Ends the registry record of a session the app signed out; announced as `logout`. */
async function endRecord(ctx: GuardContext, req: Request, ref: { sessionId: string; userId: string }): Promise<SessionRecord | null> {
  const removed = await ctx.registry.revoke(ref);
  setSessionState(req, { kind: 'anonymous' });
  if (removed) announceEnded(ctx, [removed], 'logout');
  return removed;
}

/** Signs `userId` in on the request's session, as a fresh sign-in (or as the carried one, re-keyed). */
async function recordSignIn(ctx: GuardContext, req: Request, userId: string): Promise<void> {
  const carry = carried.get(req);
  carried.delete(req);
  if (carry && carry.userId === userId) {
    const base = { createdAt: carry.createdAt, authenticatedAt: carry.authenticatedAt, authHash: carry.authHash, policy: carry.policy ?? null };
    await establishSession(ctx, req, userId, base, { by: 'renewed', save: false });
    return;
  }
  const now = ctx.options.now();
  const authHash = await signedAuthHash(ctx, userId, undefined);
  const record = await establishSession(ctx, req, userId, { createdAt: now, authenticatedAt: now, authHash }, { by: 'sign-in', save: false });
  await applySingleSession(ctx, req, record);
}

/** Before a save of the request's current session: brings the registry in line with who the app says is signed in. */
async function beforeSave(ctx: GuardContext, req: Request, session: GuardedSession): Promise<void> {
  // An older session object (saved after a regenerate) is no longer the request's session.
  if (session !== req.session) return;
  const known = knownRecord(req, session.id);
  if (!ctx.options.getUserId) {
    // Without getUserId the guard's own data says who is signed in: a sign-in re-keyed by a regenerate continues.
    const carry = carried.get(req);
    if (!known && carry) await recordSignIn(ctx, req, carry.userId);
    return;
  }
  const appUser = readAppUserId(ctx, req);
  if (known) {
    if (appUser === known.userId) return;
    // `guard.login` in this request, before the app's own login sets its user (Passport's req.login after it).
    if (appUser === null && createdInRequest(req, known.sessionId)) return;
    await endRecord(ctx, req, known);
    delete session.sessionguard;
  } else if (session.sessionguard && readSessionData(req)?.userId !== appUser) {
    // Carried over from the previous session by the app (Passport's keepSessionInfo): not this session's.
    delete session.sessionguard;
  }
  if (appUser !== null && !knownRecord(req, session.id)) await recordSignIn(ctx, req, appUser);
}

/** Before a regenerate: the old id's session ends (a sign-in made in this request is carried to the new id). */
async function beforeRegenerate(ctx: GuardContext, req: Request, session: GuardedSession): Promise<void> {
  const known = knownRecord(req, session.id);
  setSessionState(req, { kind: 'anonymous' });
  if (!known) return;
  const removed = await ctx.registry.revoke({ sessionId: known.sessionId, userId: known.userId });
  if (!removed) return;
  if (createdInRequest(req, known.sessionId)) carried.set(req, removed);
  else announceEnded(ctx, [removed], 'logout');
}

function wrap<K extends 'save' | 'regenerate' | 'destroy' | 'reload'>(
  session: GuardedSession,
  name: K,
  method: (original: (this: GuardedSession, done?: Done) => unknown, self: GuardedSession, done: Done | undefined) => void,
): void {
  const original = session[name] as (this: GuardedSession, done?: Done) => unknown;
  Object.defineProperty(session, name, {
    configurable: true,
    // Not enumerable: stores serialize the session's own enumerable properties.
    enumerable: false,
    writable: true,
    value: function watched(this: GuardedSession, done?: Done) {
      method(original, this, done);
      return this;
    },
  });
}

/**
 * Watches the request's current session object (its `save`, `regenerate`,
 * `destroy` and `reload`), and every session that replaces it through them.
 * Idempotent. Called by the middleware at the start of every request.
 */
export function watchSession(ctx: GuardContext, req: Request): void {
  const session = req.session as GuardedSession | undefined;
  if (!session || watched.has(session)) return;
  watched.add(session);
  const rewatch = (done: Done | undefined) => (error?: unknown) => {
    if (req.session) watchGeneratedSession(ctx, req);
    done?.(error);
  };
  wrap(session, 'save', (original, self, done) => {
    beforeSave(ctx, req, self).then(
      () => original.call(self, done),
      (error: unknown) => done?.(error),
    );
  });
  wrap(session, 'regenerate', (original, self, done) => {
    beforeRegenerate(ctx, req, self).then(
      () => original.call(self, rewatch(done)),
      // Failing closed: without the old record ended, no new sign-in may start on this request.
      (error: unknown) => done?.(error),
    );
  });
  wrap(session, 'reload', (original, self, done) => original.call(self, rewatch(done)));
  wrap(session, 'destroy', (original, self, done) => {
    const known = knownRecord(req, self.id);
    const ended = known ? endRecord(ctx, req, known) : Promise.resolve(null);
    ended.then(
      () => original.call(self, done),
      (error: unknown) => {
        // The data goes anyway: a record without session data can never be used again.
        ctx.options.logger.warn('could not end the registry record of a destroyed session', describeError(error, [self.id]));
        original.call(self, done);
      },
    );
  });
}

/** {@link watchSession} for a session generated during this request, which is noted as such. */
export function watchGeneratedSession(ctx: GuardContext, req: Request): void {
  const ids = generatedHere.get(req) ?? new Set<string>();
  ids.add(req.sessionID);
  generatedHere.set(req, ids);
  watchSession(ctx, req);
}

/**
 * At the start of a request, with `getUserId`: compares who the app says is
 * signed in with the guard's data in the session. Returns `null` when they
 * agree (the registry decides, as without `getUserId`); otherwise what the
 * request is: a session the app signed out (its record ends) is anonymous,
 * and a signed-in session the guard never saw (signed in before the guard
 * was deployed, or by a route the middleware does not cover) is adopted:
 * recorded now, its absolute lifetime counting from now, and not a fresh
 * sign-in (`requireRecentSignIn` asks for the password).
 */
export async function reconcileAtRequestStart(ctx: GuardContext, req: Request, at: number): Promise<Resolution | null> {
  const appUser = readAppUserId(ctx, req);
  const data = readSessionData(req);
  if (appUser !== null && data?.userId === appUser) return null;
  if (data) {
    ctx.options.logger.info(appUser === null ? 'session signed out by the app' : 'session signed in as another user by the app', {
      userId: data.userId,
    });
    await endRecord(ctx, req, { sessionId: req.sessionID, userId: data.userId });
    if (req.session) delete req.session.sessionguard;
  }
  if (appUser === null) {
    setSessionState(req, { kind: 'anonymous' });
    return { kind: 'anonymous' };
  }
  const authHash = await signedAuthHash(ctx, appUser, undefined);
  const record = await establishSession(ctx, req, appUser, { createdAt: at, authenticatedAt: 0, authHash }, { by: 'adopted', save: false });
  return { kind: 'active', record };
}
