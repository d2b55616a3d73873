import {
  evaluateSession,
  MAX_PING_BODY_BYTES,
  parsePingRequest,
  reconcileLastActivity,
  type PingResponse,
} from '@sessionguard/core';
import { Router } from 'express';
import type { GuardContext } from './context.js';
import { sendError } from './http.js';
import { readJsonBody } from './json-body.js';
import { computeUserTag } from './public-id.js';
import { destroyCurrentSession, finishRevocation } from './revocation.js';
import { asyncHandler, passesCsrf, requireSession, sendBodyError } from './router-support.js';

/**
 * `POST /ping` with `{"idleFor": seconds}`: folds the client's idleness into
 * last activity (`max(stored, now - idleFor)`, so it never moves back) and
 * answers the server's view of the session. The ping is not activity in
 * itself: the middleware treats it as passive. Bad input changes nothing.
 */
export function createPingRouter(ctx: GuardContext): Router {
  const router = Router();
  const { registry, options } = ctx;
  router.post(
    '/ping',
    asyncHandler(async (req, res) => {
      const record = await requireSession(ctx, req, res);
      if (!record || !passesCsrf(ctx, req, res)) return;
      const body = await readJsonBody(req, MAX_PING_BODY_BYTES);
      if (!body.ok) return sendBodyError(res, body);
      const ping = parsePingRequest(body.value);
      if (!ping.ok) return sendError(res, ping.error, ping.message);

      const now = options.now();
      const lastActivity = reconcileLastActivity(record.lastActivity, now, ping.value.idleFor);
      const ref = { sessionId: record.sessionId, userId: record.userId };
      const touched = await registry.touch(ref, lastActivity, ctx.retainUntil(lastActivity, record.createdAt));
      if (!touched) {
        await destroyCurrentSession(ctx, req);
        return sendError(res, 'session_revoked', 'You have been signed out.');
      }
      const timing = evaluateSession(options.policy, { lastActivity: touched.lastActivity, createdAt: touched.createdAt, now });
      if (timing.phase === 'expired') {
        const removed = await registry.revoke(ref);
        await destroyCurrentSession(ctx, req);
        await finishRevocation(ctx, removed ? [removed] : [], timing.reason === 'absolute' ? 'expired_absolute' : 'expired_idle', req);
        return sendError(res, 'session_expired', 'Your session has expired.');
      }
      const answer: PingResponse = {
        idleFor: timing.idleFor / 1000,
        warnAfter: options.policy.warnAfter,
        expireAfter: options.policy.expireAfter,
        absoluteRemaining: timing.absoluteRemaining === null ? null : timing.absoluteRemaining / 1000,
        session: touched.publicId,
        user: computeUserTag(options.secrets[0], touched.userId),
      };
      res.set('Cache-Control', 'no-store').json(answer);
    }),
  );
  return router;
}
