import type { RequestHandler } from 'express';
import type { GuardContext } from './context.js';
import { sendError } from './http.js';
import { requireSession } from './router-support.js';
import type { SessionRecord } from './registry/types.js';

/** True when the session's last sign-in is at most `withinSeconds` old (OWASP ASVS 3.3.4). */
export function isFreshlyAuthenticated(record: SessionRecord, now: number, withinSeconds: number): boolean {
  return now - record.authenticatedAt <= withinSeconds * 1000;
}

/**
 * Middleware for the app's sensitive routes (OWASP ASVS 4.0 3.7.1, 5.0 7.5.3):
 * lets the request through only for a signed-in session whose last sign-in
 * is at most `withinSeconds` old; otherwise 401 (no session) or 403
 * `reauthentication_required`, after which the app asks for the password again
 * and calls `guard.reauthenticated(req)`.
 */
export function createRequireRecentSignIn(ctx: GuardContext, withinSeconds: number): RequestHandler {
  return (req, res, next) => {
    requireSession(ctx, req, res).then((record) => {
      if (!record) return;
      if (isFreshlyAuthenticated(record, ctx.options.now(), withinSeconds)) next();
      else sendError(res, 'reauthentication_required', 'Sign in again to continue.');
    }, next);
  };
}
