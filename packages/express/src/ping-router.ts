import { evaluateSession, MAX_PING_BODY_BYTES, parsePingRequest, type PingResponse } from '@sessionguard/core';
import { Router } from 'express';
import type { GuardContext } from './context.js';
import { sendError } from './http.js';
import { readJsonBody } from './json-body.js';
import { noticeBody } from './device-notices.js';
import { computeUserTag } from './public-id.js';
import type { RateLimiter } from './rate-limit.js';
import { resolveSession } from './resolve-session.js';
import { asyncHandler, passesCsrf, requireSession, sendBodyError } from './router-support.js';
import { policyOf } from './session-policy.js';

/**
 * `POST /ping` with `{"idleFor": seconds}`: folds the client's idleness into
 * last activity (`max(stored, now - idleFor)`, so it never moves back) and
 * answers the server's view of the session. The ping is not activity in
 * itself: the middleware treats it as passive. Bad input changes nothing.
 *
 * The activity is recorded with the idle and absolute limits checked at the
 * moment it is recorded, after the body arrived, in the same registry call:
 * a ping sent before expiry whose body arrives after it cannot revive the
 * session. Pings are rate-limited per session (`pingRateLimit`): the SDK's
 * leader tab pings about once a minute, so a flood is not the SDK.
 */
export function createPingRouter(ctx: GuardContext, limiter: RateLimiter | null): Router {
  const router = Router();
  const { options } = ctx;
  router.post(
    '/ping',
    asyncHandler(async (req, res) => {
      const current = await requireSession(ctx, req, res);
      if (!current || !passesCsrf(ctx, req, res)) return;
      const verdict = limiter?.hit(current.publicId);
      if (verdict && !verdict.ok) {
        sendError(res, 'rate_limited', 'Too many pings; retry later.', { 'Retry-After': String(verdict.retryAfterSeconds) });
        return;
      }
      const body = await readJsonBody(req, MAX_PING_BODY_BYTES);
      if (!body.ok) return sendBodyError(res, body);
      const ping = parsePingRequest(body.value);
      if (!ping.ok) return sendError(res, ping.error, ping.message);

      const now = options.now();
      const resolution = await resolveSession(ctx, req, { at: now, recordActivityAt: now - ping.value.idleFor * 1000 });
      if (resolution.kind === 'ended') {
        return sendError(res, resolution.code, resolution.code === 'session_expired' ? 'Your session has expired.' : 'You have been signed out.');
      }
      if (resolution.kind === 'anonymous') return sendError(res, 'unauthenticated', 'Sign in first.');
      const { record } = resolution;
      // The session's own policy: each user's tabs warn on that user's clock.
      const policy = policyOf(ctx, record);
      const timing = evaluateSession(policy, { lastActivity: Math.min(record.lastActivity, now), createdAt: record.createdAt, now });
      // New-device notices waiting in the record: taken (a second call only when there are some), so each is answered once.
      const notices = record.notices && record.notices.length > 0 && ctx.registry.takeNotices
        ? await ctx.registry.takeNotices({ sessionId: record.sessionId, userId: record.userId })
        : [];
      const answer: PingResponse = {
        idleFor: timing.idleFor / 1000,
        warnAfter: policy.warnAfter,
        expireAfter: policy.expireAfter,
        absoluteRemaining: timing.absoluteRemaining === null ? null : timing.absoluteRemaining / 1000,
        session: record.publicId,
        user: computeUserTag(options.secrets[0], record.userId),
        ...(notices.length > 0 ? { notices: notices.map((notice) => noticeBody(notice, now)) } : {}),
      };
      res.set('Cache-Control', 'no-store').json(answer);
    }),
  );
  return router;
}
