import type { Ended } from './guard-state.js';
import { end } from './machine-ends.js';
import { emit, go, isEnded, post, release, type Step } from './machine-state.js';
import { evaluate, ping } from './machine-timing.js';
import { viewFromPolicy } from './session-view.js';

/** How long a tab asks the server, once a second, whether the sign-out another tab announced happened. */
export const CLAIM_MS = 4000;

/** Someone says the user signed out: believe it once the server does (the sign-out may have been refused). */
export function claimSignOut(c: Step): void {
  c.s.claimUntil = c.now + CLAIM_MS;
  ping(c);
}

/** Signed in again as `username`: same user ⇒ carry on (with the app's fresh CSRF token); anyone else ⇒ reload. */
export function signedIn(c: Step, username: string | null, broadcast: boolean, csrfToken: string | null): void {
  const { s, now } = c;
  const sameUser = s.username !== null && username === s.username;
  // Tagged with the ended session: its other tabs follow (or reload, for another user).
  if (broadcast) post(c, sameUser ? { t: 'l', u: username, c: csrfToken } : { t: 'r' });
  if (!sameUser) return go(c, null);
  c.fx.push({ type: 'token', token: csrfToken });
  Object.assign(s, { lastActivity: now, failures: 0, endedAt: -Infinity, status: 'active', reason: null, confirmed: false, loggedOut: false, stepUp: false });
  // A new session, its tag not known until the next answer (the user is the same: `user` stays).
  if (s.view) s.view = viewFromPolicy(s.view.warnAfter, s.view.expireAfter, now);
  emit(c, 'login', { username, csrfToken });
  release(c, true);
  if (s.leader) ping(c);
  evaluate(c);
}

/** A request was refused: hold it for a sign-in (or a reauthentication) when there is one to wait for. */
export function hold(c: Step, kind: Ended | 'step-up'): void {
  const { s } = c;
  // A tab that knows no session lets the refusal through: the page is the app's to handle (a login form, say).
  if (s.loggedOut || !s.known) return;
  if (kind === 'step-up') {
    if (isEnded(s)) return;
    s.stepUp = true;
  } else {
    // After an expiry or revocation the server answers `unauthenticated`: keep the end that says why.
    if (!(kind === 'signed-out' && isEnded(s))) end(c, kind, true);
    // The end confirmed a sign-out another tab announced: nothing to wait for.
    if (s.loggedOut) return;
  }
  s.held++;
}
