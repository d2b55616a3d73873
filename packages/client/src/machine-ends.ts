import type { Ended } from './guard-state.js';
import { clearTimers, emit, go, isEnded, post, release, type Step } from './machine-state.js';

/** Back to active (warning closed, or an end the server disproved). */
export function activate(c: Step): void {
  const { s } = c;
  if (s.status === 'active') return;
  const wasWarning = s.status === 'warning';
  s.status = 'active';
  s.reason = null;
  s.confirmed = false;
  // Requests held while it was over go again: the session is back (signed in elsewhere, or the end was not the server's).
  if (!s.stepUp) release(c, true);
  if (wasWarning) emit(c, 'extend');
}

/**
 * The session ended. `confirmed`: the server said so. `broadcast`: we heard
 * it from the server, not from another tab, so tell the others.
 */
export function end(c: Step, kind: Ended, confirmed: boolean, broadcast = confirmed): void {
  const { s } = c;
  // Nothing this tab knew of ended: stay out of the way of the login form.
  if (!s.known) return inert(c);
  if (confirmed && c.now <= s.claimUntil) return signedOutElsewhere(c);
  clearTimers(c, 'main', 'ping', 'check');
  if (confirmed) clearTimers(c, 'retry');
  if (broadcast) post(c, { t: 'e', k: kind });
  if (s.status === kind && (s.confirmed || !confirmed)) return;
  const first = !isEnded(s);
  s.status = kind;
  s.confirmed = confirmed;
  s.named = confirmed && kind !== 'signed-out';
  s.endedAt = c.now;
  // The server's end replaces a pending step-up by a sign-in (its requests stay held for after it);
  // an end inferred while it is unreachable may yet be disproved, and the step-up with it comes back.
  if (confirmed) s.stepUp = false;
  s.reason = kind === 'expired' ? (s.view?.absolute ? 'absolute' : 'idle') : kind === 'revoked' ? 'revoked' : 'unauthenticated';
  if (first || kind !== 'expired') emit(c, kind === 'expired' ? 'expire' : 'revoked');
}

/** No session, and this tab never knew one: show nothing, ask nothing more. */
export function inert(c: Step): void {
  Object.assign(c.s, { timers: {}, status: 'anonymous', reason: null, confirmed: true, endedAt: c.now });
}

/** Signed out on purpose, and the server confirmed: nothing is held any more. */
export function signedOut(c: Step, reason: 'signed-out' | 'signed-out-elsewhere'): void {
  const { s } = c;
  const was = s.status;
  clearTimers(c, 'main', 'ping', 'retry', 'check');
  Object.assign(s, { loggedOut: true, status: 'signed-out', reason, confirmed: true, stepUp: false });
  release(c, false);
  if (was !== 'signed-out') emit(c, 'logout');
}

/** Another tab (or this page's sign-out form) signed out, and the server confirmed: a deliberate sign-out. */
export function signedOutElsewhere(c: Step): void {
  c.s.claimUntil = 0;
  signedOut(c, 'signed-out-elsewhere');
  if (c.s.loginPage) go(c, c.s.loginPage);
}
