import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { GuardContext } from './context.js';
import { isSessionStoreUnavailableError } from './errors.js';
import { loginRedirectUrl, requestPath, sendError } from './http.js';
import { warnIfSessionCookieDropped } from './insecure-cookie-warning.js';
import { describeError } from './logger.js';
import { watchGeneratedSession, watchSession } from './app-login.js';
import { resolveSession } from './resolve-session.js';
import { setRequestStart } from './session-state.js';

/**
 * The ping reports idleness; it must never count as activity itself, wherever
 * the app mounts the router. So any `POST` whose path ends in `/ping` is
 * passive (a false positive only means one request does not extend a session).
 */
function isPing(req: Request): boolean {
  return req.method === 'POST' && /\/ping\/?$/.test(requestPath(req));
}

/**
 * The guard's own state-changing endpoints (`DELETE …/sessions[/:id]`,
 * `POST …/revoke`) refuse many requests (CSRF, bad input, stale sign-in,
 * rate limit); a refused request must not extend the session. So the
 * middleware leaves them passive and their router records the activity
 * once every check has passed (see recheck.ts). A false positive on an app
 * route of the same shape only means that request does not extend a session.
 */
function isGuardStateChange(req: Request): boolean {
  const path = requestPath(req);
  return (req.method === 'DELETE' && /\/sessions(\/[^/]*)?\/?$/.test(path)) || (req.method === 'POST' && /\/revoke\/?$/.test(path));
}

/**
 * The push stream (`GET …/events`, see events-router.ts) is held open for
 * hours and must never count as activity, wherever the app mounts the router.
 */
function isEventStream(req: Request): boolean {
  return req.method === 'GET' && /\/events\/?$/.test(requestPath(req));
}

/** A request for the push stream: `GET …/events` accepting `text/event-stream` (EventSource always sends it). */
function wantsEventStream(req: Request): boolean {
  return isEventStream(req) && (req.get('accept') ?? '').includes('text/event-stream');
}

const matches = (urls: ReadonlyArray<string | RegExp>, path: string) =>
  urls.some((entry) => (typeof entry === 'string' ? entry === path : entry.test(path)));

/** True when the request must not count as activity. */
export function isPassiveRequest(ctx: GuardContext, req: Request): boolean {
  return isPing(req) || isGuardStateChange(req) || isEventStream(req) || matches(ctx.options.passiveUrls, requestPath(req));
}

/**
 * Answers a request whose session has ended: 401 JSON for API calls (and the
 * push stream, like the ping), 303 to the login page otherwise.
 */
export function respondEnded(ctx: GuardContext, req: Request, res: Response, code: 'session_expired' | 'session_revoked'): void {
  if (ctx.options.isApiRequest(req) || wantsEventStream(req)) {
    sendError(
      res,
      code,
      code === 'session_expired' ? 'Your session has expired. Please sign in again.' : 'You have been signed out. Please sign in again.',
    );
    return;
  }
  res.set('Cache-Control', 'no-store').redirect(303, loginRedirectUrl(ctx.options.loginUrl, req));
}

/**
 * Answers 503 for a session store or registry that could not be asked, with a
 * log line: JSON `session_store_unavailable` for API requests, a short text
 * page otherwise; `Retry-After` either way.
 */
export function respondStoreUnavailable(ctx: GuardContext, req: Request, res: Response, error: unknown): void {
  ctx.options.logger.error('session store unavailable', {
    method: req.method,
    path: requestPath(req),
    ...describeError(error, [req.sessionID]),
  });
  const message = 'The session store is unavailable. Please retry shortly.';
  if (ctx.options.isApiRequest(req)) {
    sendError(res, 'session_store_unavailable', message, { 'Retry-After': '5' });
    return;
  }
  res.status(503).set({ 'Cache-Control': 'no-store', 'Retry-After': '5' }).type('text/plain').send(message);
}

/**
 * The enforcement middleware: for a signed-in session, checks the registry,
 * the idle and absolute timeouts and the auth hash on every request, records
 * activity unless the request is passive, and ends the session otherwise.
 * Mount it after express-session.
 */
export function createMiddleware(ctx: GuardContext): RequestHandler {
  return function sessionGuardMiddleware(req: Request, res: Response, next: NextFunction) {
    ctx.captureStore(req);
    // Taken first: activity is recorded at the request's start, so a slow request never claims a later time.
    const startedAt = ctx.options.now();
    setRequestStart(req, startedAt);
    warnIfSessionCookieDropped(ctx, req, res); // development only: a Secure cookie on plain HTTP never reaches the browser
    if (!req.session) {
      // express-session leaves req.session unset when its store is disconnected: fail closed.
      respondStoreUnavailable(
        ctx,
        req,
        res,
        new Error('req.session is missing: mount express-session before guard.middleware (or its store is disconnected)'),
      );
      return;
    }
    // Before anything can change it: sign-ins and sign-outs made by the app's own code are followed from here.
    watchSession(ctx, req);
    resolveSession(ctx, req, { at: startedAt, recordActivityAt: isPassiveRequest(ctx, req) ? null : startedAt }).then(
      (resolution) => {
        if (resolution.kind !== 'ended') return next();
        if (!matches(ctx.options.anonymousUrls, requestPath(req))) return respondEnded(ctx, req, res, resolution.code);
        // Sign-in, sign-out: the ended session is cleaned up; the request goes on signed out, with a
        // fresh empty session (what express-session gives a request without a cookie) so login() can use it.
        if (!req.session) {
          req.sessionStore?.generate?.(req);
          watchGeneratedSession(ctx, req);
        }
        next();
      },
      (error: unknown) => {
        if (isSessionStoreUnavailableError(error)) respondStoreUnavailable(ctx, req, res, error);
        else next(error);
      },
    );
  };
}
