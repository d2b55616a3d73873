import { Router } from 'express';
import type { GuardContext } from './context.js';
import { sendError } from './http.js';
import { readJsonBody } from './json-body.js';
import type { RateLimiter } from './rate-limit.js';
import { isFreshlyAuthenticated } from './freshness.js';
import { recheckBeforeChange } from './recheck.js';
import { revokeUserSessions } from './revocation.js';
import { asyncHandler, sendBodyError } from './router-support.js';
import { guardStateChange } from './sessions-router.js';

/** Most users one admin request may sign out. */
export const MAX_ADMIN_TARGETS = 100;
const MAX_ADMIN_BODY_BYTES = 64 * 1024;

/** Body of `POST /revoke`: sessions ended, per user id. */
export interface AdminRevokeResult {
  revoked: Record<string, number>;
}

function parseUserIds(body: unknown): string[] | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const keys = Object.keys(body);
  if (keys.length !== 1 || keys[0] !== 'userIds') return null;
  const { userIds } = body as { userIds: unknown };
  if (!Array.isArray(userIds) || userIds.length < 1 || userIds.length > MAX_ADMIN_TARGETS) return null;
  if (!userIds.every((id): id is string => typeof id === 'string' && id !== '' && id.length <= 1024)) return null;
  return [...new Set(userIds)];
}

/**
 * The admin router: `POST /revoke` with `{"userIds": [...]}` signs those
 * users out everywhere. The acting admin needs a sign-in at most
 * `adminReauthenticateWithin` seconds old (403 `reauthentication_required`),
 * and must still be signed in once the body has arrived. Every target is checked with `canRevoke(actor,
 * target, req)` before anything is revoked: one forbidden target makes the
 * whole request 403 `forbidden` and changes nothing.
 */
export function createAdminRouter(ctx: GuardContext, limiter: RateLimiter | null): Router {
  const router = Router();
  router.post(
    '/revoke',
    asyncHandler(async (req, res) => {
      const actor = await guardStateChange(ctx, limiter, req, res);
      if (!actor) return;
      const { adminReauthenticateWithin } = ctx.options;
      if (adminReauthenticateWithin !== false && !isFreshlyAuthenticated(actor, ctx.options.now(), adminReauthenticateWithin)) {
        return sendError(res, 'reauthentication_required', 'Sign in again to sign other users out.');
      }
      const body = await readJsonBody(req, MAX_ADMIN_BODY_BYTES);
      if (!body.ok) return sendBodyError(res, body);
      const userIds = parseUserIds(body.value);
      if (!userIds) {
        return sendError(res, 'invalid_body', `The body must be {"userIds": [...]} with 1 to ${MAX_ADMIN_TARGETS} non-empty strings.`);
      }
      const verdicts = await Promise.all(userIds.map(async (target) => Boolean(await ctx.options.canRevoke(actor.userId, target, req))));
      if (verdicts.some((allowed) => !allowed)) {
        ctx.options.logger.warn('admin revoke forbidden', { actor: actor.userId, publicId: actor.publicId, targets: userIds.length });
        return sendError(res, 'forbidden', 'You may not sign out at least one of these users; nobody was signed out.');
      }
      // The body may have arrived long after the request started: act only if the admin is still signed in now.
      if (!(await recheckBeforeChange(ctx, req, res))) return;
      // No prototype: user ids such as "__proto__" stay plain keys.
      const revoked = Object.create(null) as Record<string, number>;
      for (const target of userIds) {
        revoked[target] = await revokeUserSessions(ctx, target, 'revoked_by_admin', { req });
      }
      ctx.options.logger.info('admin revoked sessions', { actor: actor.userId, publicId: actor.publicId, revoked });
      const result: AdminRevokeResult = { revoked };
      res.set('Cache-Control', 'no-store').json(result);
    }),
  );
  return router;
}
