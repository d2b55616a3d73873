import { SessionGuardConfigError } from './errors.js';

/**
 * WCAG 2.2.1 (Timing Adjustable) asks for at least 20 seconds to extend a
 * session with a simple action, so the warning must come at least this many
 * seconds before expiry.
 */
export const MIN_WARNING_SECONDS = 20;

/**
 * The longest idle or absolute timeout accepted: 31 days, in seconds. A
 * larger value is almost always milliseconds given where seconds belong
 * (`expireAfter: 3600000` meaning an hour would be 41 days), so it is
 * refused with an error that says the unit.
 */
export const MAX_TIMEOUT_SECONDS = 2_678_400; // a plain literal so bundlers can drop it when unused

/** When a session warns and ends. All values are seconds. */
export interface TimingPolicy {
  /** Seconds of inactivity after which the warning shows. */
  warnAfter: number;
  /** Seconds of inactivity after which the session ends. */
  expireAfter: number;
  /**
   * Seconds after sign-in after which the session ends whatever the activity.
   * `null` or absent: no absolute lifetime.
   */
  absoluteTimeout?: number | null;
}

/**
 * Named policies from the standards. `aal2` and `aal3` follow NIST SP
 * 800-63B-4 (reauthentication after 1 h / 15 min of inactivity, 24 h / 12 h
 * overall); `pci` follows PCI DSS 4.0 requirement 8.2.8 (15 min idle).
 */
// Plain numbers rather than `55 * 60`: bundlers drop unused plain literals, not unused arithmetic.
export const TIMING_PRESETS = {
  /** Warn at 55 min, end at 1 h idle, 24 h overall. */
  aal2: { warnAfter: 3300, expireAfter: 3600, absoluteTimeout: 86_400 },
  /** Warn at 13 min, end at 15 min idle, 12 h overall. */
  aal3: { warnAfter: 780, expireAfter: 900, absoluteTimeout: 43_200 },
  /** Warn at 13 min, end at 15 min idle. */
  pci: { warnAfter: 780, expireAfter: 900, absoluteTimeout: null },
} as const satisfies Record<string, TimingPolicy>;

/** Names of {@link TIMING_PRESETS}. */
export type TimingPresetName = keyof typeof TIMING_PRESETS;

function isPositiveFinite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

/** Refuses a timeout that can only be milliseconds given as seconds. */
function checkUnit(option: string, seconds: number): void {
  if (seconds > MAX_TIMEOUT_SECONDS) {
    throw new SessionGuardConfigError(
      option,
      `is in seconds and at most ${MAX_TIMEOUT_SECONDS} (31 days); got ${seconds}. Milliseconds by mistake? ${seconds} ms is ${seconds / 1000} seconds`,
    );
  }
}

/**
 * Checks a policy and returns a normalised copy (absent `absoluteTimeout`
 * becomes `null`). Throws {@link SessionGuardConfigError} naming the option
 * when a value is not a positive number of seconds, when the warning would
 * leave less than {@link MIN_WARNING_SECONDS} to respond, when a timeout is
 * above {@link MAX_TIMEOUT_SECONDS} (milliseconds by mistake), or when the
 * absolute lifetime is shorter than the idle timeout.
 */
export function validateTimingPolicy(policy: TimingPolicy): Required<TimingPolicy> {
  if (policy === null || typeof policy !== 'object') {
    throw new SessionGuardConfigError('policy', 'must be an object with warnAfter and expireAfter');
  }
  const { warnAfter, expireAfter } = policy;
  const absoluteTimeout = policy.absoluteTimeout ?? null;
  if (!isPositiveFinite(warnAfter)) {
    throw new SessionGuardConfigError('warnAfter', `must be a positive number of seconds, got ${String(warnAfter)}`);
  }
  if (!isPositiveFinite(expireAfter)) {
    throw new SessionGuardConfigError('expireAfter', `must be a positive number of seconds, got ${String(expireAfter)}`);
  }
  checkUnit('warnAfter', warnAfter);
  checkUnit('expireAfter', expireAfter);
  if (absoluteTimeout !== null && isPositiveFinite(absoluteTimeout)) checkUnit('absoluteTimeout', absoluteTimeout);
  if (expireAfter - warnAfter < MIN_WARNING_SECONDS) {
    throw new SessionGuardConfigError(
      'warnAfter',
      `must be at least ${MIN_WARNING_SECONDS} seconds before expireAfter (WCAG 2.2.1 gives users at least 20 seconds to respond); got warnAfter ${warnAfter} and expireAfter ${expireAfter}`,
    );
  }
  if (absoluteTimeout !== null) {
    if (!isPositiveFinite(absoluteTimeout)) {
      throw new SessionGuardConfigError(
        'absoluteTimeout',
        `must be a positive number of seconds or null, got ${String(absoluteTimeout)}`,
      );
    }
    if (absoluteTimeout < expireAfter) {
      throw new SessionGuardConfigError(
        'absoluteTimeout',
        `must not be shorter than expireAfter (${expireAfter}), got ${absoluteTimeout}`,
      );
    }
  }
  return { warnAfter, expireAfter, absoluteTimeout };
}

/** Where a session stands. */
export type SessionPhase = 'active' | 'warning' | 'expired';

/** Why a session ended, when it did. */
export type ExpiryReason = 'idle' | 'absolute';

/** A session's timing at one instant. Durations are milliseconds. */
export interface SessionTiming {
  phase: SessionPhase;
  /** Set when `phase` is `expired`. */
  reason: ExpiryReason | null;
  /** Milliseconds since the last activity (never negative). */
  idleFor: number;
  /** Milliseconds until the warning should show; 0 once it should. */
  warnIn: number;
  /** Milliseconds until the session ends, by whichever limit comes first; 0 once ended. */
  expireIn: number;
  /** Milliseconds of absolute lifetime left; `null` without an absolute lifetime. */
  absoluteRemaining: number | null;
}

/** Inputs of {@link evaluateSession}. Timestamps are epoch milliseconds. */
export interface SessionTimestamps {
  lastActivity: number;
  /** When the session was created (sign-in). Needed for the absolute lifetime. */
  createdAt: number;
  now: number;
}

/**
 * The timing of a session from its timestamps: pure, so the server and the
 * client compute the same answer from the same inputs.
 *
 * The session ends at the earlier of `lastActivity + expireAfter` and
 * `createdAt + absoluteTimeout`; the warning comes `expireAfter - warnAfter`
 * seconds before that end, so an absolute end is announced as early as an
 * idle one.
 */
export function evaluateSession(policy: Required<TimingPolicy>, at: SessionTimestamps): SessionTiming {
  const idleFor = Math.max(0, at.now - at.lastActivity);
  const idleEnd = at.lastActivity + policy.expireAfter * 1000;
  const absoluteEnd = policy.absoluteTimeout === null ? Infinity : at.createdAt + policy.absoluteTimeout * 1000;
  const end = Math.min(idleEnd, absoluteEnd);
  const warningLead = (policy.expireAfter - policy.warnAfter) * 1000;
  const expireIn = Math.max(0, end - at.now);
  const warnIn = Math.max(0, end - warningLead - at.now);
  const absoluteRemaining = absoluteEnd === Infinity ? null : Math.max(0, absoluteEnd - at.now);
  let phase: SessionPhase = 'active';
  let reason: ExpiryReason | null = null;
  if (expireIn === 0) {
    phase = 'expired';
    reason = absoluteEnd <= idleEnd ? 'absolute' : 'idle';
  } else if (warnIn === 0) {
    phase = 'warning';
  }
  return { phase, reason, idleFor, warnIn, expireIn, absoluteRemaining };
}

/**
 * The new last-activity time after a client reports `idleForSeconds` of
 * inactivity: `max(stored, now - idleFor)`. It never moves backwards (a late
 * or replayed report cannot shorten a session another tab kept alive) and
 * never into the future (a negative report is clamped to now).
 */
export function reconcileLastActivity(storedLastActivity: number, now: number, idleForSeconds: number): number {
  const reported = now - Math.max(0, idleForSeconds) * 1000;
  return Math.min(now, Math.max(storedLastActivity, reported));
}
