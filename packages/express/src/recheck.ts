import type { Request, RequestHandler, Response } from 'express';
import type { GuardContext } from './context.js';
import { isSessionStoreUnavailableError } from './errors.js';
import { sendError } from './http.js';
import { respondEnded, respondStoreUnavailable } from './middleware.js';
import type { SessionRecord } from './registry/types.js';
import { resolveSession } from './resolve-session.js';
import { getRequestStart } from './session-state.js';

/**
 * Why a second look: the middleware checks the session when the request
 * starts, but a request whose body arrives slowly (a trickled upload, a held
 * connection) reaches its handler later, possibly after the session was
 * revoked or expired. Acting then would let an ended session change state
 * (an admin revoke, a saved form). So a state change asks the registry once
 * more, after the body is read and before anything changes.
 */

/**
 * For the guard's own routers, once every other check passed: the session's
 * fresh record when it is still live now, or `null` after answering 401
 * (`session_revoked`, `session_expired`, or `unauthenticated`). Records the
 * request as activity (at its start) in the same registry call: the
 * middleware left these endpoints passive so that a refused request does
 * not extend the session.
 */
export async function recheckBeforeChange(ctx: GuardContext, req: Request, res: Response): Promise<SessionRecord | null> {
  const now = ctx.options.now();
  const resolution = await resolveSession(ctx, req, { at: now, recordActivityAt: getRequestStart(req) ?? now });
  if (resolution.kind === 'active') return resolution.record;
  if (resolution.kind === 'ended') {
    sendError(res, resolution.code, resolution.code === 'session_expired' ? 'Your session has expired.' : 'You have been signed out.');
  } else {
    sendError(res, 'unauthenticated', 'Sign in first.');
  }
  return null;
}

/**
 * `guard.recheckSession`: the same second look for the app's own
 * state-changing routes. Mount it after the body parser; a session that
 * ended since the request started is ended here too and answered like the
 * middleware answers it (401 JSON for API requests, 303 to the login page
 * otherwise). Anonymous requests pass through untouched: who may do what is
 * the app's own check.
 */
export function createRecheckSession(ctx: GuardContext): RequestHandler {
  // Records no activity: for the app's routes the middleware already did, at the request's start.
  return function recheckSession(req, res, next) {
    if (!req.session) return next();
    resolveSession(ctx, req, { at: ctx.options.now(), recordActivityAt: null }).then(
      (resolution) => {
        if (resolution.kind === 'ended') respondEnded(ctx, req, res, resolution.code);
        else next();
      },
      (error: unknown) => {
        if (isSessionStoreUnavailableError(error)) respondStoreUnavailable(ctx, req, res, error);
        else next(error);
      },
    );
  };
}
