import { MIN_WARNING_SECONDS, type PingResponse } from '@sessionguard/core';

/**
 * The server's latest word on the session, turned into this device's
 * timestamps (epoch ms). Tabs of one browser share a clock, so a view can be
 * passed between them as is.
 */
export interface SessionView {
  /** When the ping that produced this view was sent: the view is true as of then. */
  at: number;
  /** When the warning should show. */
  warnAt: number;
  /** When the session ends. */
  expiresAt: number;
  /** The server's policy, seconds. */
  warnAfter: number;
  expireAfter: number;
  /** The server's opaque tag of the session this view is of; absent from servers that send none. */
  session?: string;
  /** The server's opaque tag of the signed-in user; absent from servers that send none. */
  user?: string;
  /** `true` when the absolute lifetime, not inactivity, ends the session at `expiresAt`. */
  absolute?: boolean;
}

/** Where a view puts `now`. */
export type ViewPhase = 'active' | 'warning' | 'expired';

/**
 * A {@link SessionView} from a ping answer. `sentAt` (not the arrival time)
 * anchors it: the server measured `idleFor` after we sent, so anchoring at
 * the send time errs towards warning early, never late. The warning comes at
 * least {@link MIN_WARNING_SECONDS} before the end, even if the server's
 * policy (or its absolute lifetime) leaves less.
 */
export function viewFromPing(answer: PingResponse, sentAt: number): SessionView {
  const idleEnd = sentAt + (answer.expireAfter - answer.idleFor) * 1000;
  const absoluteEnd = answer.absoluteRemaining === null ? Infinity : sentAt + answer.absoluteRemaining * 1000;
  const expiresAt = Math.min(idleEnd, absoluteEnd);
  const lead = Math.max(MIN_WARNING_SECONDS, answer.expireAfter - answer.warnAfter) * 1000;
  // The policy and the tags as they are; the relative times are what the timestamps replace.
  // Notices are not the session's: the guard shows them apart (and tabs would otherwise pass them on with every view).
  const { idleFor, absoluteRemaining, notices, ...kept } = answer;
  return { ...kept, at: sentAt, warnAt: expiresAt - lead, expiresAt, ...(absoluteEnd <= idleEnd && { absolute: true }) };
}

/** A provisional view from the configured policy, assuming activity at `now`. */
export function viewFromPolicy(warnAfter: number, expireAfter: number, now: number): SessionView {
  return viewFromPing({ idleFor: 0, warnAfter, expireAfter, absoluteRemaining: null }, now);
}

/** The phase of `view` at `now`. */
export function phaseAt(view: SessionView, now: number): ViewPhase {
  return now >= view.expiresAt ? 'expired' : now >= view.warnAt ? 'warning' : 'active';
}

/**
 * Whether `view` may be acted on for `phase` without asking the server again:
 * for the warning, it was fetched no earlier than {@link FRESH_MS} before the
 * warning time; for expiry, at or after the end (the server itself said it is
 * over); and no activity happened since. Otherwise another tab, window or device may
 * have kept the session alive.
 */
export function isFreshFor(view: SessionView, phase: ViewPhase, lastActivity: number): boolean {
  // Expiry needs the server's own word that it is over: an answer sent at or after the end.
  const moment = phase === 'expired' ? view.expiresAt : view.warnAt - FRESH_MS;
  return view.at >= moment && lastActivity <= view.at;
}

/**
 * Slack for {@link isFreshFor}: the server rounds `idleFor`, so an answer
 * fetched exactly at the warning time may place it a moment later.
 */
export const FRESH_MS = 5000;

/**
 * Seconds between activity pings: half the warning delay, at most 60 s, at
 * least 5 s. Half of `warnAfter` means activity reaches the server well before
 * it would consider the session idle enough to warn, so other windows and
 * devices see it in time; 60 s caps the cost of long policies at one request a
 * minute per browser (not per tab). The pre-warning ping covers the rest.
 */
export function pingIntervalMs(warnAfter: number): number {
  return Math.min(60, Math.max(5, warnAfter / 2)) * 1000;
}
