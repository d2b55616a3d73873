import type { Ended } from './guard-state.js';
import { claimSignOut, signedIn } from './machine-account.js';
import { adopt } from './machine-answers.js';
import { activate, end } from './machine-ends.js';
import { clearTimers, go, isEnded, isFinal, post, type Step } from './machine-state.js';
import { evaluate, onActivity, ping } from './machine-timing.js';
import { isFreshFor, phaseAt } from './session-view.js';
import type { TabMessage } from './tab-message.js';

/** A leader answers a check from its last view when that is this recent. */
export const REUSE_VIEW_MS = 2000;

/**
 * What a message from another tab changes. Messages of another session (a
 * stale tab of a revoked one) are ignored; when only one side knows its
 * session, an end is for the server to confirm, not for a tab to say.
 */
export function onMessage(c: Step, message: TabMessage): void {
  const { s, now } = c;
  if (!message || typeof message !== 'object') return;
  const mine = s.view?.session;
  if (message.s !== mine) {
    // About another session: nothing to do with this tab's.
    if (message.s && mine) return;
    if (message.t === 'e') {
      if (!isFinal(s)) ping(c);
      return;
    }
  }
  switch (message.t) {
    case 'a':
      if (isEnded(s) || !(message.at > s.lastActivity)) return;
      s.lastActivity = Math.min(message.at, now);
      return onActivity(c);
    case 's': {
      clearTimers(c, 'check');
      const next = message.v;
      if (!next || !(next.at >= (s.view?.at ?? -Infinity)) || !(next.expiresAt > next.warnAt)) return;
      // A view from before the end (or the same millisecond) cannot revive the session.
      if ((isFinal(s) && next.at <= s.endedAt) || !adopt(c, next)) return;
      s.failures = 0;
      if (s.confirmed && s.status !== 'signed-out') activate(c);
      return evaluate(c);
    }
    case 'c':
      if (!s.leader) return;
      if (message.at! > s.lastActivity) s.lastActivity = Math.min(message.at!, now);
      // No session here: the server may know one for the tab asking (signed in since).
      if (s.status === 'anonymous') return ping(c);
      if (isFinal(s)) return post(c, { t: 'e', k: s.status as Ended });
      if (s.pinging) return;
      // A recent view, if it is one this tab would act on itself (at expiry only the server's word after the end will do):
      // passing on one the asker cannot use would only bring the question back.
      if (s.view && now - s.view.at < REUSE_VIEW_MS && (phaseAt(s.view, now) === 'active' || isFreshFor(s.view, phaseAt(s.view, now), s.lastActivity))) {
        return post(c, { t: 's', v: s.view });
      }
      return ping(c);
    case 'e':
      clearTimers(c, 'check');
      // Not knowing a session, this tab asks the server rather than take another tab's word for an end.
      if (!s.known) return void (isEnded(s) || ping(c));
      if (message.k === 'expired' || message.k === 'revoked' || message.k === 'signed-out') end(c, message.k, true, false);
      return;
  }
  // Sign-ins, reloads and sign-outs are about a session this tab must know of.
  if (!s.known) return;
  if (message.t === 'l') signedIn(c, message.u, false, typeof message.c === 'string' ? message.c : null);
  else if (message.t === 'r') go(c, null);
  else if (message.t === 'o') claimSignOut(c);
}
