import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import type { GuardContext } from './context.js';
import { csrfFailure } from './csrf.js';
import { isSessionEndedError, isSessionLimitError, isSessionStoreUnavailableError } from './errors.js';
import { isSessionLimitTokenError } from './session-limit.js';
import { requestPath, sendError, sendInternalError } from './http.js';
import type { JsonBody } from './json-body.js';
import { describeError } from './logger.js';
import { respondStoreUnavailable } from './middleware.js';
import type { SessionRecord } from './registry/types.js';
import { resolveSession } from './resolve-session.js';
import { getSessionState } from './session-state.js';

/** Runs an async handler, passing a rejection to the router's error handler. */
export function asyncHandler(handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req, res, next) => {
    handler(req, res).catch(next);
  };
}

/**
 * The live session's record, or `null` after answering 401. Uses what the
 * middleware found for this request; resolves it (without recording
 * activity) when the middleware did not run.
 */
export async function requireSession(ctx: GuardContext, req: Request, res: Response): Promise<SessionRecord | null> {
  let state = getSessionState(req);
  if (!state) {
    ctx.captureStore(req);
    const resolution = await resolveSession(ctx, req, { at: ctx.options.now(), recordActivityAt: null });
    if (resolution.kind === 'ended') {
      sendError(res, resolution.code, resolution.code === 'session_expired' ? 'Your session has expired.' : 'You have been signed out.');
      return null;
    }
    state = getSessionState(req);
  }
  if (state?.kind !== 'active') {
    sendError(res, 'unauthenticated', 'Sign in first.');
    return null;
  }
  return state.record;
}

/** Answers 403 `csrf_failed` and returns false when the request fails the CSRF check. */
export function passesCsrf(ctx: GuardContext, req: Request, res: Response): boolean {
  const failure = csrfFailure(req, ctx.options.trustedOrigins);
  if (failure === null) return true;
  ctx.options.logger.warn('CSRF check failed', { method: req.method, path: requestPath(req), origin: req.get('origin') ?? null });
  sendError(res, 'csrf_failed', failure);
  return false;
}

/**
 * Answers a {@link SessionLimitError} (409 with its body) or a
 * {@link SessionLimitTokenError} (its code); false for any other error.
 */
export function answerSessionLimit(error: unknown, res: Response): boolean {
  if (isSessionLimitError(error)) {
    res.status(409).set('Cache-Control', 'no-store').json(error.body);
    return true;
  }
  if (isSessionLimitTokenError(error)) {
    sendError(res, error.code, error.message);
    return true;
  }
  return false;
}

/** Answers a failed body read; `Connection: close` after an oversized body so it is not drained. */
export function sendBodyError(res: Response, body: Extract<JsonBody, { ok: false }>): void {
  sendError(res, body.code, body.message, body.code === 'payload_too_large' ? { Connection: 'close' } : {});
}

/**
 * The routers' last handler: whatever went wrong comes out as a JSON code,
 * never Express's HTML page. Client mistakes (including those reported by an
 * app-wide body parser) are 4xx; a registry failure is 503; anything else is
 * logged and answered 500 `internal_error`.
 */
export function createJsonErrorHandler(ctx: GuardContext): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    if (isSessionStoreUnavailableError(error)) {
      respondStoreUnavailable(ctx, req, res, error);
      return;
    }
    if (isSessionEndedError(error)) {
      sendError(res, error.code, error.code === 'session_expired' ? 'Your session has expired.' : 'You have been signed out.');
      return;
    }
    if (answerSessionLimit(error, res)) return;
    // Express reports a path parameter with malformed percent-encoding as a URIError with status 400.
    if (error instanceof URIError) {
      sendError(res, 'invalid_parameter', 'The path is not validly encoded.');
      return;
    }
    const { status, type } = (error ?? {}) as { status?: unknown; type?: unknown };
    if (type === 'entity.too.large' || status === 413) {
      sendError(res, 'payload_too_large', 'The body is too large.', { Connection: 'close' });
      return;
    }
    if (status === 415) {
      sendError(res, 'unsupported_media_type', 'The body must be application/json.');
      return;
    }
    if (typeof status === 'number' && status >= 400 && status < 500) {
      sendError(res, 'invalid_body', 'The body could not be read.');
      return;
    }
    ctx.options.logger.error('sessionguard route failed', { path: requestPath(req), ...describeError(error, [req.sessionID]) });
    sendInternalError(res);
  };
}
