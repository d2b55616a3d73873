import type { GuardContext } from './context.js';
import type { RevocationReason } from './events.js';
import type { SessionRecord } from './registry/types.js';

/** What hears of every session end of one guard (its push hub). */
export type EndListener = (records: ReadonlyArray<Pick<SessionRecord, 'publicId' | 'userId'>>, reason: RevocationReason) => void;

/** One listener per guard context; a WeakMap so a dropped guard takes its hub with it. */
const listeners = new WeakMap<GuardContext, EndListener>();

/** Makes `listener` hear every end announced through `ctx` (see {@link notifyEnded}). */
export function setEndListener(ctx: GuardContext, listener: EndListener | null): void {
  if (listener) listeners.set(ctx, listener);
  else listeners.delete(ctx);
}

/**
 * Tells the push streams that sessions ended. Called by `announceEnded`,
 * the one place every end is announced (sign-out, revocations, policies,
 * timeouts), so no end can miss the streams. Never throws into the caller.
 */
export function notifyEnded(ctx: GuardContext, records: ReadonlyArray<Pick<SessionRecord, 'publicId' | 'userId'>>, reason: RevocationReason): void {
  const listener = listeners.get(ctx);
  if (!listener || records.length === 0) return;
  try {
    listener(records, reason);
  } catch (error) {
    ctx.options.logger.error('push: delivering a session end failed', { reason, error: String(error) });
  }
}
