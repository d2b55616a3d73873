import { claimSignOut, hold, signedIn } from './machine-account.js';
import { onAnswer } from './machine-answers.js';
import { end, signedOut } from './machine-ends.js';
import { onMessage } from './machine-messages.js';
import { emit, go, isEnded, post, release, setTimer, type Effect, type MachineEvent, type MachineState, type Step } from './machine-state.js';
import { evaluate, onActivity, ping, requestCheck, schedulePing } from './machine-timing.js';
import { phaseAt } from './session-view.js';

/** How long after a pushed end the leader asks the server whether this page's cookie names a newer session. */
export const CONFIRM_MS = 100;

export { initialState, isEnded, publicState, wantsStream } from './machine-state.js';
export type { Effect, MachineConfig, MachineEvent, MachineState, TimerName } from './machine-state.js';

/**
 * The session logic: the next state and the effects to run, from the state,
 * what happened and the time. Pure: the DOM, the timers, the tab channel and
 * HTTP only carry out the effects and feed events back.
 */
export function transition(state: MachineState, event: MachineEvent, now: number): { state: MachineState; effects: Effect[] } {
  const c: Step = { s: { ...state, timers: { ...state.timers } }, fx: [], now };
  const { s } = c;
  switch (event.type) {
    case 'start':
      if (s.leader) ping(c);
      else requestCheck(c);
      evaluate(c);
      break;
    case 'activity':
    case 'extend':
      if (isEnded(s)) break;
      s.lastActivity = Math.max(s.lastActivity, event.type === 'extend' ? now : event.at);
      post(c, { t: 'a', at: s.lastActivity });
      // Extending checks with the server at once (closing the warning in every tab).
      if (event.type === 'extend') requestCheck(c);
      else onActivity(c);
      break;
    case 'wake':
      if (event.online && s.failures > 0) requestCheck(c);
      evaluate(c);
      break;
    case 'timer':
      delete s.timers[event.name];
      if (event.name === 'main') evaluate(c);
      else if (event.name === 'ping') schedulePing(c);
      else if (event.name === 'retry') requestCheck(c);
      // `check`: no leader answered; `claim`: ask again whether the announced sign-out happened; `confirm`: after a pushed end.
      else ping(c);
      break;
    case 'leader':
      s.leader = event.isLeader;
      if (!event.isLeader || isEnded(s)) break;
      if (!s.view) ping(c);
      else schedulePing(c);
      break;
    case 'answer':
      onAnswer(c, event.result, event.sentAt);
      break;
    case 'message':
      onMessage(c, event.message);
      break;
    case 'logout-form':
      // The form's own request signs out, or not (a refused CSRF token): every tab believes it once the server does.
      if (!s.known) break;
      post(c, { t: 'o' });
      claimSignOut(c);
      break;
    case 'logout':
      if (event.result !== 'ok') {
        emit(c, 'logout-failed', { status: event.status });
        break;
      }
      signedOut(c, 'signed-out');
      post(c, { t: 'o' });
      if (s.loginPage) go(c, s.loginPage);
      break;
    case 'signed-in':
      signedIn(c, event.username, true, event.csrfToken);
      break;
    case 'refused':
      hold(c, event.end);
      break;
    case 'ended':
      if (s.known && !(event.end === 'signed-out' && isEnded(s))) end(c, event.end, true);
      break;
    case 'pushed': {
      // The end of another session, or of one this tab cannot tell is its own (no answer yet): the server says which is live.
      if (event.session && event.session !== s.view?.session) ping(c);
      else if (s.known && !(event.end === 'signed-out' && isEnded(s))) {
        // As a ping's 401: `unauthenticated` past the end this tab knew of is its expiry.
        end(c, event.end === 'signed-out' && s.view && phaseAt(s.view, now) === 'expired' ? 'expired' : event.end, true);
        // The stream's session ended; the cookie may name a newer one (signed in since on a login page): a ping sent after the end says.
        if (event.session) setTimer(c, 'confirm', CONFIRM_MS);
      }
      break;
    }
    case 'reauthenticated':
      c.fx.push({ type: 'token', token: event.csrfToken });
      if (!s.stepUp) break;
      s.stepUp = false;
      release(c, true);
      break;
    case 'cancel-step-up':
      if (!s.stepUp) break;
      s.stepUp = false;
      release(c, false);
      break;
  }
  return { state: s, effects: c.fx };
}

