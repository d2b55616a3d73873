import type { Request } from 'express';
import type { GuardContext } from './context.js';
import type { CheckRequest, CheckResult, SessionRef } from './registry/types.js';

/**
 * Asks the registry about the request's session with {@link SessionRegistry.check}:
 * the limits as durations and the activity as its age, so the registry
 * decides on its own clock. When the registry is also the express-session
 * store and already checked the session while loading it (the sessionguard
 * Redis store), its answer is used and nothing more is sent: one round trip
 * per request.
 *
 * Throws SessionStoreUnavailableError when the registry cannot answer.
 */
export async function checkSession(ctx: GuardContext, req: Request, ref: SessionRef, recordActivityAt: number | null): Promise<CheckResult | null> {
  const { policy, now } = ctx.options;
  const request: CheckRequest = {
    expireAfter: policy.expireAfter * 1000,
    absoluteTimeout: policy.absoluteTimeout === null ? null : policy.absoluteTimeout * 1000,
    activityAge: recordActivityAt === null ? null : Math.max(0, now() - recordActivityAt),
    granularity: ctx.activityGranularity,
    clockHint: null,
  };
  const handed = ctx.registry.takeRequestCheck?.(req, ref, request);
  if (handed !== undefined) return handed;
  return ctx.registry.check!(ref, request);
}
