import type { Request } from 'express';
import { generatedInRequest } from './app-login.js';
import type { GuardContext } from './context.js';
import { isSessionLimitError, SessionEndedError } from './errors.js';
import { askUser, claimKeyOf, matchPending, readCompletion, refusedSessions, SessionLimitTokenError } from './session-limit.js';
import {
  applies,
  applySingleSession,
  callback,
  createdInRequest,
  establishSession,
  requireSessionObject,
  signedAuthHash,
  type EstablishBase,
  type EstablishedBy,
} from './establish.js';
import type { RevocationReason } from './events.js';
import type { SessionRecord } from './registry/types.js';
import { announceEnded, destroyCurrentSession, finishRevocation, revokeUserSessions } from './revocation.js';
import { readSessionData } from './session-data.js';
import { getSessionState, setSessionState } from './session-state.js';

/** Options of `revokeUser`. */
export interface RevokeUserOptions {
  /** Reported in `session.revoked`. @default 'revoked_by_admin' */
  reason?: RevocationReason;
}

/** Options of `login`. */
export interface LoginOptions {
  /**
   * The session auth hash of the credential the app just checked: what
   * `getSessionAuthHash(userId)` returned when the password was verified,
   * computed from the same credential record. The session is bound to it.
   * Without it, `login` asks `getSessionAuthHash` again, and a password
   * change landing between the app's check and that call would bind a
   * sign-in made with the old password to the new hash, so the session would
   * survive the change. With it, such a session ends at its next request.
   * @default what `getSessionAuthHash(userId)` returns now
   */
  sessionAuthHash?: string | null;
}

/** Signing in and out, and the account events that end sessions. */
export interface AccountActions {
  /**
   * Signs `userId` in on this request's session, after the app checked the
   * credentials. Regenerates the session id (no fixation; the old session's
   * data is not carried over), records the session in the registry and saves
   * it, then applies `singleSession`. Pass `sessionAuthHash` (the hash of the
   * credential that was checked) when the app uses `getSessionAuthHash`.
   * Over `maxSessions` with `sessionLimit: 'deny'` or `'ask'` nothing is
   * signed in and it throws `SessionLimitError` (`isSessionLimitError`;
   * `guard.errorHandler` answers it 409 with `error.body`; with `'ask'` the
   * body lists the sessions and carries the token for {@link completeSignIn}).
   *
   * @example
   * const { user, sessionAuthHash } = await users.verify(username, password);
   * await guard.login(req, user.id, { sessionAuthHash });
   */
  login(req: Request, userId: string, options?: LoginOptions): Promise<void>;
  /**
   * Completes a sign-in that `sessionLimit: 'ask'` held back: `input` is
   * `{ token, end: [publicId, ...] }`, the token of the 409 `session_limit`
   * answer and the user's sessions to end. Ends them (reason
   * `session_limit`) and signs the user in on a new session id, without the
   * password, bound to the credential checked at the held-back sign-in.
   * `POST <mount>/sessions/limit` calls it; call it from your own route
   * (e.g. a form post) the same way. The token works once, for
   * `sessionLimitTokenTtl` seconds, in the browser that got it. Throws
   * {@link SessionLimitTokenError} (`session_limit_token_invalid`,
   * `invalid_parameter`, `not_found`) having changed nothing, or
   * `SessionLimitError` again (with a new token) when other sign-ins filled
   * the room meanwhile. `guard.errorHandler` answers both.
   */
  completeSignIn(req: Request, input: { token: unknown; end: unknown }): Promise<{ publicId: string; ended: number }>;
  /** Ends the current session (all of the user's with `logoutEverywhere`) and destroys its data. */
  logout(req: Request): Promise<void>;
  /**
   * After `userId`'s password changed: ends every other session of the user
   * (reason `password_changed`). When this request is signed in as that user,
   * its session stays signed in under a new session id (its data is kept) with
   * a fresh auth hash; otherwise (an admin resetting someone's password) every
   * session of the user ends. Call it after the new password is stored, so
   * `getSessionAuthHash` already returns the new hash. When this request's
   * own session was ended meanwhile (an admin's "sign out everywhere", a
   * revocation from another device), nothing is created: it throws
   * {@link SessionEndedError} (`session_revoked`), which `guard.errorHandler`
   * answers with 401 or a redirect to sign in. `options.sessionAuthHash`:
   * the hash of the new credential, as for `login` (default: asked now).
   */
  passwordChanged(req: Request, userId: string, options?: LoginOptions): Promise<void>;
  /**
   * Ends every session of `userId` from code (admin force-logout), destroying
   * their data through the `store` option or, without it, the store of the
   * first request the guard saw. Returns how many sessions ended.
   */
  revokeUser(userId: string, options?: RevokeUserOptions): Promise<number>;
  /** The signed-in user's id for this request, as established by the middleware (or `login`); `null` otherwise. */
  userId(req: Request): string | null;
  /**
   * Marks the current session as freshly authenticated (after the app checked
   * the password again), for actions that need a recent sign-in. The session
   * gets a new id (OWASP ASVS 5.0 7.2.4) and keeps its data and its absolute
   * lifetime. Throws {@link SessionEndedError} and creates nothing when the
   * session was ended during the request.
   */
  reauthenticated(req: Request): Promise<void>;
}

function checkUserId(userId: unknown, method: string): asserts userId is string {
  if (typeof userId !== 'string' || userId === '') {
    throw new TypeError(`sessionguard: ${method}(req, userId) needs a non-empty string user id`);
  }
}

/** Creates the account actions over the shared context. */
export function createAccountActions(ctx: GuardContext): AccountActions {
  const { registry, options } = ctx;

  const establish = (req: Request, userId: string, base: EstablishBase, by: EstablishedBy) =>
    establishSession(ctx, req, userId, base, { by, save: true });

  const currentRecord = (req: Request): SessionRecord | null => {
    const state = getSessionState(req);
    return state?.kind === 'active' && state.record.sessionId === req.sessionID ? state.record : null;
  };

  /** The current session's registry record, asking the registry when the middleware did not run. */
  const findCurrent = async (req: Request): Promise<SessionRecord | null> => {
    const known = currentRecord(req);
    if (known) return known;
    const data = readSessionData(req);
    return data ? registry.get({ sessionId: req.sessionID, userId: data.userId }) : null;
  };

  /**
   * Gives the current session a new id (and a fresh sign-in time) while it
   * lives on: same user, same creation time (the absolute lifetime still
   * counts from the first sign-in), same app data.
   *
   * The old record is removed first, atomically, and its removal decides: if
   * it was already gone (revoked or expired since the request started), the
   * session is not renewed but ended, and nothing is created. Creating first
   * and removing after would let a revocation landing in between be undone
   * by the renewal.
   */
  const renewCurrent = async (req: Request, current: SessionRecord, method: string, authHash: string | null): Promise<void> => {
    const session = requireSessionObject(req, method);
    // No announcement: the session lives on under its new id.
    const removed = await registry.revoke({ sessionId: current.sessionId, userId: current.userId });
    if (!removed) {
      await destroyCurrentSession(ctx, req);
      options.logger.info(`${method}: the session ended during the request; not renewed`, { publicId: current.publicId, userId: current.userId });
      throw new SessionEndedError('session_revoked');
    }
    // Keep the app's data across the new id; only the cookie and the guard's own data are rebuilt.
    const { cookie: _cookie, sessionguard: _guard, ...appData } = session as unknown as Record<string, unknown>;
    await callback((done) => session.regenerate(done));
    Object.assign(req.session as object, appData);
    await establish(req, current.userId, { createdAt: removed.createdAt, authenticatedAt: options.now(), authHash, policy: removed.policy ?? null }, 'renewed');
  };

  return {
    async login(req, userId, loginOptions = {}) {
      checkUserId(userId, 'login');
      const session = requireSessionObject(req, 'login');
      ctx.captureStore(req);
      const authHash = await signedAuthHash(ctx, userId, loginOptions.sessionAuthHash);
      const previous = await findCurrent(req);
      if (previous && createdInRequest(req, previous.sessionId) && previous.userId === userId) {
        // Signed in already in this request (Passport's req.login, then guard.login): the same sign-in.
        // Only the auth hash of the credential the app checked is bound, when given.
        if (loginOptions.sessionAuthHash !== undefined) {
          const updated = await registry.update({ sessionId: previous.sessionId, userId }, { authHash });
          if (!updated) throw new SessionEndedError('session_revoked');
          setSessionState(req, { kind: 'active', record: updated });
          session.sessionguard = { userId, createdAt: updated.createdAt, ...(authHash ? { authHash } : {}) };
        }
        return;
      }
      if (previous) {
        // Signing in over a live session ends it: its id is about to be thrown away. Whether it ended
        // here is the atomic removal's answer, not what the request saw at its start: a session revoked
        // meanwhile was announced by whoever revoked it. A sign-in made earlier in this request is
        // simply replaced.
        const removed = await registry.revoke({ sessionId: previous.sessionId, userId: previous.userId });
        if (removed && !createdInRequest(req, previous.sessionId)) announceEnded(ctx, [removed], 'logout');
        setSessionState(req, { kind: 'anonymous' });
      }
      // A new id against session fixation, unless the id was generated in this request (by the app's own
      // login, e.g. Passport's req.login): no browser has seen it, and the app's data in it is kept.
      if (!generatedInRequest(req, req.sessionID)) await callback((done) => session.regenerate(done));
      const now = options.now();
      let record: SessionRecord;
      try {
        record = await establish(req, userId, { createdAt: now, authenticatedAt: now, authHash }, 'sign-in');
      } catch (error) {
        if (isSessionLimitError(error) && options.sessionLimit === 'ask') {
          throw await askUser(ctx, req, { userId, authenticatedAt: now, authHash }, refusedSessions(error));
        }
        throw error;
      }
      await applySingleSession(ctx, req, record);
    },

    async completeSignIn(req, input) {
      const session = requireSessionObject(req, 'completeSignIn');
      ctx.captureStore(req);
      const { token, end } = readCompletion(input);
      const pending = matchPending(ctx, req, token);
      const { userId } = pending;
      // Only the pending user's own sessions: another user's public id is simply not found, and nothing changes.
      const live = await registry.list(userId);
      const targets = end.map((publicId) => live.find((record) => record.publicId === publicId));
      const ttl = Math.max(1, pending.expiresAt - options.now());
      // Claimed before anything is ended, and also when a named session is missing: the same completion that won
      // meanwhile (another process) may be what ended it, and then this one must hear that the token was used.
      if (!(await registry.claimOnce!(userId, claimKeyOf(pending), ttl))) {
        delete session.sessionguardPending;
        throw new SessionLimitTokenError('session_limit_token_invalid', 'This sign-in link was used already: sign in again.');
      }
      if (targets.some((target) => target === undefined)) {
        // Nothing ended: the token stays this browser's, under the next claim key.
        session.sessionguardPending = { ...pending, misses: (pending.misses ?? 0) + 1 };
        throw new SessionLimitTokenError('not_found', 'No such session.');
      }
      delete session.sessionguardPending;
      const ended: SessionRecord[] = [];
      for (const target of targets as SessionRecord[]) {
        const removed = await registry.revoke({ sessionId: target.sessionId, userId });
        if (removed) ended.push(removed);
      }
      await finishRevocation(ctx, ended, 'session_limit', req);
      await callback((done) => session.regenerate(done));
      let record: SessionRecord;
      try {
        record = await establish(req, userId, { createdAt: options.now(), authenticatedAt: pending.authenticatedAt, authHash: pending.authHash }, 'sign-in');
      } catch (error) {
        // Filled again meanwhile (another sign-in took the room): ask again, with a new token.
        if (isSessionLimitError(error)) throw await askUser(ctx, req, pending, refusedSessions(error));
        throw error;
      }
      await applySingleSession(ctx, req, record);
      return { publicId: record.publicId, ended: ended.length };
    },

    async logout(req) {
      ctx.captureStore(req);
      let failure: unknown = null;
      try {
        const current = await findCurrent(req);
        if (current) {
          if (await applies(options.logoutEverywhere, current.userId, req)) {
            await revokeUserSessions(ctx, current.userId, 'logout', { req });
          } else {
            const removed = await registry.revoke({ sessionId: current.sessionId, userId: current.userId });
            await finishRevocation(ctx, removed ? [removed] : [], 'logout', req);
          }
        }
      } catch (error) {
        failure = error;
      }
      // Whatever the registry said, this browser's session ends here.
      await destroyCurrentSession(ctx, req);
      if (failure) throw failure;
    },

    async passwordChanged(req, userId, changeOptions = {}) {
      checkUserId(userId, 'passwordChanged');
      ctx.captureStore(req);
      const current = await findCurrent(req);
      if (!current || current.userId !== userId) {
        await revokeUserSessions(ctx, userId, 'password_changed', { req });
        return;
      }
      await revokeUserSessions(ctx, userId, 'password_changed', { exceptSessionId: current.sessionId, req });
      await renewCurrent(req, current, 'passwordChanged', await signedAuthHash(ctx, userId, changeOptions.sessionAuthHash));
    },

    async revokeUser(userId, revokeOptions = {}) {
      checkUserId(userId, 'revokeUser');
      return revokeUserSessions(ctx, userId, revokeOptions.reason ?? 'revoked_by_admin');
    },

    userId(req) {
      const state = getSessionState(req);
      return state?.kind === 'active' ? state.record.userId : null;
    },

    async reauthenticated(req) {
      const current = currentRecord(req);
      if (!current) throw new TypeError('sessionguard: reauthenticated(req) needs a signed-in session');
      // A new id on re-authentication too (OWASP ASVS 5.0 7.2.4): a token seen before the proof is worth nothing after it.
      await renewCurrent(req, current, 'reauthenticated', current.authHash);
    },
  };
}
