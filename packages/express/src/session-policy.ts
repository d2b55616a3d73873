/**
 * The timing policy of one session (issue 15): resolved per user at
 * sign-in when the guard's timing options are functions, stored with the
 * record, and read back from it everywhere a limit is decided (the
 * middleware, the ping answer, the push streams; the Redis scripts read the
 * stored copy themselves).
 */
import type { TimingPolicy } from '@sessionguard/core';
import type { Request } from 'express';
import type { GuardContext } from './context.js';
import { describeError } from './logger.js';
import type { SessionRecord, SessionTimingPolicy } from './registry/types.js';

/** The policy a record lives under: its own, else the guard's default. */
export function policyOf(ctx: GuardContext, record: Pick<SessionRecord, 'policy'> | null | undefined): Required<TimingPolicy> {
  return record?.policy ?? ctx.options.policy;
}

/**
 * The policy to store with a new sign-in of `userId`: `null` when no timing
 * option is a function (the guard's policy then applies, and may change
 * with the guard's configuration). A function that gives a bad policy (under
 * the 20 s WCAG minimum, a unit mistake, an unknown preset) refuses the
 * sign-in: the error is logged and thrown, and nothing is recorded.
 */
export async function resolveSessionPolicy(ctx: GuardContext, userId: string, req: Request): Promise<SessionTimingPolicy | null> {
  const { policyFor, logger } = ctx.options;
  if (!policyFor) return null;
  try {
    const { warnAfter, expireAfter, absoluteTimeout } = await policyFor(userId, req);
    return { warnAfter, expireAfter, absoluteTimeout };
  } catch (error) {
    logger.error(`sign-in refused: the timing policy for this user is not valid: ${error instanceof Error ? error.message : String(error)}`, {
      event: 'session.policy_invalid',
      userId,
      ...describeError(error),
    });
    throw error;
  }
}
