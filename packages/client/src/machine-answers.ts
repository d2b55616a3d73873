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
  if (typeof result === 'string') {
    // Once the server named the end (expired, revoked), that is its word: a later answer (`unauthenticated`, as it no
    // longer knows the session, or another end) says nothing new, so the named end stays with its dialog, unless it
    // confirms a sign-out another tab announced. An end this tab only inferred gives way to the server's word
    // (test/fuzz/client-answers.test.ts holds both).
    if (isFinal(s) && s.named && now > s.claimUntil) return;
    end(c, result === 'signed-out' && s.view && phaseAt(s.view, now) === 'expired' ? 'expired' : result, true);
    // `expired` read from `unauthenticated` past the known end is still this tab's reading, not the server's word.
    if (result === 'signed-out') s.named = false;
    return;
  }
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
