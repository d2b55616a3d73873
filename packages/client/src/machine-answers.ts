import { activate, end } from './machine-ends.js';
import { clearTimers, emit, go, isFinal, post, setTimer, type Step } from './machine-state.js';
import { evaluate, schedulePing } from './machine-timing.js';
import { backoffMs, type PingResult } from './ping.js';
import { phaseAt, viewFromPing, type SessionView } from './session-view.js';

/**
 * Takes `next`, the server's word (from this tab's ping, or relayed by a tab
 * of its session), as this tab's view; false when it speaks for another
 * user (someone else signed in in this browser): the page is reloaded, so
 * one user never sees another's page.
 */
export function adopt(c: Step, next: SessionView): boolean {
  const { s } = c;
  if (s.user && next.user && next.user !== s.user) return go(c, null), false;
  s.view = next;
  s.known = true;
  if (s.user === null) emit(c, 'user', { user: next.user });
  s.user ??= next.user;
  return true;
}

/** The answer to this tab's ping sent at `sentAt`. */
export function onAnswer(c: Step, result: PingResult, sentAt: number): void {
  const { s, now } = c;
  s.pinging = false;
  clearTimers(c, 'check');
  if (!result) {
    s.failures++;
    setTimer(c, 'retry', backoffMs(s.failures));
    return evaluate(c);
  }
  s.failures = 0;
  clearTimers(c, 'retry');
  // `unauthenticated` only says the server no longer knows the session: past the end this tab knew of, it expired.
  // The server's latest word decides, as the fuzz test of the client's answers holds it (test/fuzz/client-answers.test.ts):
  // a revocation (by push or a ping) that a later ping finds `unauthenticated` becomes a sign-out, with the same dialog.
  if (typeof result === 'string') return end(c, result === 'signed-out' && s.view && phaseAt(s.view, now) === 'expired' ? 'expired' : result, true);
  // An answer to a ping sent before the session ended (or in the same millisecond: which came first is unknown) cannot revive it.
  if (isFinal(s) && sentAt <= s.endedAt) return;
  const next = viewFromPing(result, sentAt);
  if ((s.view && next.at < s.view.at) || !adopt(c, next)) return;
  if (s.confirmed) activate(c);
  post(c, { t: 's', v: next });
  // A sign-out another tab announced has not happened (yet): ask again shortly.
  if (now < s.claimUntil) setTimer(c, 'claim', 1000);
  evaluate(c);
  schedulePing(c);
}
