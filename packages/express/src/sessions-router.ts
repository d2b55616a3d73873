import { Router, type Request, type Response } from 'express';
import type { GuardContext } from './context.js';
import { isFreshlyAuthenticated } from './freshness.js';
import { requestPath, sendError } from './http.js';
import { isPublicId } from './public-id.js';
import type { RateLimiter } from './rate-limit.js';
import type { SessionRecord } from './registry/types.js';
import { finishRevocation } from './revocation.js';
import { recheckBeforeChange } from './recheck.js';
import { readJsonBody } from './json-body.js';
import type { AccountActions } from './login.js';
import { asyncHandler, passesCsrf, requireSession, sendBodyError } from './router-support.js';

/** Largest body of `POST /sessions/limit`: a token and up to 100 public ids. */
const MAX_LIMIT_BODY_BYTES = 8192;
import { describeUserAgent, type DeviceDescription } from './user-agent.js';

/** One entry of `GET /sessions`. Times are ISO 8601 strings. */
export interface SessionSummary extends DeviceDescription {
  publicId: string;
  /** True for the session making the request. */
  current: boolean;
  createdAt: string;
  lastActivity: string;
  ip: string | null;
}

/** Body of `GET /sessions`: the current session first, then the most recently active. */
export interface SessionList {
  sessions: SessionSummary[];
}

/** Body of the revoking endpoints. */
export interface RevokedCount {
  revoked: number;
}

function summarize(record: SessionRecord, currentSessionId: string): SessionSummary {
  return {
    publicId: record.publicId,
    current: record.sessionId === currentSessionId,
    createdAt: new Date(record.createdAt).toISOString(),
    lastActivity: new Date(record.lastActivity).toISOString(),
    ip: record.ip,
    ...describeUserAgent(record.userAgent),
  };
}

/**
 * The guard on every state-changing endpoint: signed in, CSRF, rate limit.
 * Returns the current record, or `null` after answering.
 */
export async function guardStateChange(
  ctx: GuardContext,
  limiter: RateLimiter | null,
  req: Request,
  res: Response,
): Promise<SessionRecord | null> {
  const record = await requireSession(ctx, req, res);
  if (!record || !passesCsrf(ctx, req, res)) return null;
  if (limiter) {
    // Keyed by user and IP: one user cannot lock another out, and one stolen cookie cannot spray from everywhere unnoticed.
    const verdict = limiter.hit(`${record.userId}\u0000${req.ip ?? ''}`);
    if (!verdict.ok) {
      ctx.options.logger.warn('rate limited', { publicId: record.publicId, userId: record.userId, path: requestPath(req) });
      sendError(res, 'rate_limited', 'Too many requests; retry later.', { 'Retry-After': String(verdict.retryAfterSeconds) });
      return null;
    }
  }
  return record;
}

/**
 * "My sessions": `GET /sessions`, `DELETE /sessions/:publicId` (one other
 * session) and `DELETE /sessions` (all others). Revoking needs a sign-in no
 * older than `reauthenticateWithin` (403 `reauthentication_required`). The
 * current session cannot be revoked here (400 `invalid_parameter`): that is
 * `logout`, which also clears this browser's cookie session.
 */
export function createSessionsRouter(ctx: GuardContext, limiter: RateLimiter | null, completeSignIn?: AccountActions['completeSignIn']): Router {
  const router = Router();
  const { registry, options } = ctx;

  // `sessionLimit: 'ask'`: ends the sessions the user chose and completes the held-back sign-in.
  // Anonymous (nobody is signed in yet): CSRF-checked, rate limited per IP, bound to this browser's pending sign-in.
  router.post(
    '/sessions/limit',
    asyncHandler(async (req, res) => {
      if (!completeSignIn) return sendError(res, 'not_found', 'No such endpoint.');
      if (!passesCsrf(ctx, req, res)) return;
      if (limiter) {
        const verdict = limiter.hit(`\u0000limit\u0000${req.ip ?? ''}`);
        if (!verdict.ok) return sendError(res, 'rate_limited', 'Too many requests; retry later.', { 'Retry-After': String(verdict.retryAfterSeconds) });
      }
      const body = await readJsonBody(req, MAX_LIMIT_BODY_BYTES);
      if (!body.ok) return sendBodyError(res, body);
      const done = await completeSignIn(req, body.value as { token: unknown; end: unknown });
      res.set('Cache-Control', 'no-store').json({ signedIn: true, ...done });
    }),
  );

  const requireFresh = (record: SessionRecord, res: Response): boolean => {
    if (isFreshlyAuthenticated(record, options.now(), options.reauthenticateWithin)) return true;
    sendError(res, 'reauthentication_required', 'Sign in again to manage your sessions.');
    return false;
  };

  router.get(
    '/sessions',
    asyncHandler(async (req, res) => {
      const record = await requireSession(ctx, req, res);
      if (!record) return;
      const sessions = (await registry.list(record.userId))
        .map((entry) => summarize(entry, record.sessionId))
        .sort((a, b) => Number(b.current) - Number(a.current) || b.lastActivity.localeCompare(a.lastActivity));
      const body: SessionList = { sessions };
      res.set('Cache-Control', 'no-store').json(body);
    }),
  );

  router.delete(
    '/sessions/:publicId',
    asyncHandler(async (req, res) => {
      const record = await guardStateChange(ctx, limiter, req, res);
      if (!record) return;
      const { publicId } = req.params;
      if (!isPublicId(publicId)) return sendError(res, 'invalid_parameter', 'Not a session id.');
      if (!requireFresh(record, res)) return;
      if (publicId === record.publicId) {
        return sendError(res, 'invalid_parameter', 'This is the current session: sign out instead.');
      }
      // Looked up among this user's sessions only: another user's public id is simply not found. Before the
      // re-check, which records the request as activity: a refused request (404 included) must not.
      const target = (await registry.list(record.userId)).find((entry) => entry.publicId === publicId);
      if (!target) return sendError(res, 'not_found', 'No such session.');
      if (!(await recheckBeforeChange(ctx, req, res))) return;
      const removed = await registry.revoke({ sessionId: target.sessionId, userId: record.userId });
      if (!removed) return sendError(res, 'not_found', 'No such session.');
      await finishRevocation(ctx, [removed], 'revoked_by_user');
      const body: RevokedCount = { revoked: 1 };
      res.set('Cache-Control', 'no-store').json(body);
    }),
  );

  router.delete(
    '/sessions',
    asyncHandler(async (req, res) => {
      // `DELETE /sessions/` is a revoke of one session whose id is missing, never "all others".
      if (requestPath(req).endsWith('/')) return sendError(res, 'invalid_parameter', 'Not a session id.');
      const record = await guardStateChange(ctx, limiter, req, res);
      if (!record || !requireFresh(record, res)) return;
      if (!(await recheckBeforeChange(ctx, req, res))) return;
      const removed = await registry.revokeUser(record.userId, record.sessionId);
      await finishRevocation(ctx, removed, 'revoked_by_user');
      const body: RevokedCount = { revoked: removed.length };
      res.set('Cache-Control', 'no-store').json(body);
    }),
  );

  return router;
}
