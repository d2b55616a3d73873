import { activate, end } from './machine-ends.js';
import { clearTimers, emit, isEnded, isFinal, post, release, setTimer, type Step } from './machine-state.js';
import { isFreshFor, phaseAt, pingIntervalMs } from './session-view.js';

/** How long a non-leader waits for the leader's answer before asking the server itself. */
export const CHECK_TIMEOUT_MS = 3000;

/**
 * The heart: recompute everything from timestamps. Runs on every timer,
 * wake signal, server answer and tab message, so a late timer or a sleep
 * only delays a check, never leaves a stale dialog.
 */
export function evaluate(c: Step): void {
  const { s, now } = c;
  const view = s.view;
  clearTimers(c, 'main');
  if (!view || isFinal(s) || s.status === 'signed-out') return;
  const phase = phaseAt(view, now);
  if (phase === 'active') {
    activate(c);
    setTimer(c, 'main', view.warnAt - now);
  } else if (s.known && (isFreshFor(view, phase, s.lastActivity) || s.failures > 0)) {
    // The server's latest word (or, while it is unreachable, our own timestamps) says so.
    if (phase === 'expired') return end(c, 'expired', s.failures === 0);
    if (s.status !== 'warning') {
      // Back from an end the server did not confirm: what was held for a sign-in goes again.
      if (isEnded(s) && !s.stepUp) release(c, true);
      s.status = 'warning';
      s.reason = null;
      emit(c, 'warn');
    }
    setTimer(c, 'main', view.expiresAt - now);
  } else if (!s.failures) {
    // Another tab, window or device may have been active: ask before warning or expiring.
    // (While the server is unreachable, a tab that knows no session waits for its retry.)
    requestCheck(c);
    if (phase === 'warning') setTimer(c, 'main', view.expiresAt - now);
  }
}

/** Sends a ping, unless one is in flight. */
export function ping(c: Step): void {
  const { s, now } = c;
  if (s.pinging) return;
  clearTimers(c, 'ping', 'retry');
  s.lastPingAt = now;
  s.pinging = true;
  c.fx.push({ type: 'ping', idleFor: Math.max(0, Math.floor((now - s.lastActivity) / 1000)), sentAt: now });
}

/** Only the leader pings; the others ask it. */
export function requestCheck(c: Step): void {
  const { s } = c;
  if (isFinal(s)) return;
  if (s.leader) return ping(c);
  if (s.timers.check != null) return;
  // With this tab's latest activity (its page load counts): a view from before it would not answer the question.
  post(c, { t: 'c', at: s.lastActivity });
  // No answer from a leader (none yet, or it hangs): ask the server ourselves.
  setTimer(c, 'check', CHECK_TIMEOUT_MS);
}

/** Leader: ping when there was activity since the last ping, at most every {@link pingIntervalMs}. */
export function schedulePing(c: Step): void {
  const { s, now } = c;
  if (!s.leader || !s.view || isEnded(s) || s.pinging || s.lastActivity <= s.lastPingAt) return;
  const due = s.lastPingAt + pingIntervalMs(s.view.warnAfter);
  if (now >= due) ping(c);
  else if (s.timers.ping == null) setTimer(c, 'ping', due - now);
}

export const onActivity = (c: Step): void => (c.s.status === 'warning' ? requestCheck(c) : schedulePing(c));
