import type { Ended, EndReason, GuardEvents, GuardState, GuardStatus, LogoutResult } from './guard-state.js';
import type { PingResult } from './ping.js';
import { viewFromPolicy, type SessionView } from './session-view.js';
import type { TabMessage } from './tab-message.js';

/** The timers the session logic sets; each fires a `timer` event. */
export type TimerName = 'main' | 'ping' | 'retry' | 'check' | 'claim' | 'confirm';

/**
 * Everything the session logic of one tab knows, as one plain value. The
 * transition never mutates it: it returns the next one.
 */
export interface MachineState {
  status: GuardStatus;
  reason: EndReason | null;
  /**
   * This tab knows of a session: the page was rendered for a user
   * (`username`), or the server answered for a live one. Until then no end
   * is shown: a visitor who never signed in never sees a session dialog.
   */
  known: boolean;
  /** The end in `status` is the server's word (a 401, or a tab relaying one), not inferred while it was unreachable. */
  confirmed: boolean;
  /**
   * The server named the end (`session_expired` or `session_revoked`, by a ping, a refused request, the push
   * stream or another tab relaying one), rather than only saying it knows no session (`unauthenticated`).
   */
  named: boolean;
  /** When the session ended, as this tab learnt it (epoch ms). */
  endedAt: number;
  /** A deliberate sign-out happened, here or in another tab: nothing is held any more. */
  loggedOut: boolean;
  /** Until when a sign-out another tab announced (or this page's sign-out form) waits for the server to confirm it. */
  claimUntil: number;
  /** The server's latest word, in this device's timestamps. */
  view: SessionView | null;
  /**
   * The user this page is of: the user tag of the server's first answer that
   * has one (`undefined`: none so far; `null`: no answer yet). Kept when later
   * answers name another user: this page's fields are still its first user's.
   */
  user: string | null | undefined;
  /** The latest activity seen in any tab (epoch ms). */
  lastActivity: number;
  lastPingAt: number;
  /** A ping is in flight (one at a time). */
  pinging: boolean;
  /** Pings in a row that got no answer. */
  failures: number;
  leader: boolean;
  held: number;
  stepUp: boolean;
  /** Due times (epoch ms) of the timers that are set: the runner keeps real timers in step with them. */
  timers: Partial<Record<TimerName, number>>;
  /** The user the page was rendered for (configuration). */
  username: string | null;
  /** Where every tab goes after a deliberate sign-out (configuration). */
  loginPage: string | null;
}

/** What happened: from the page, a timer, another tab, the server, or the app. */
export type MachineEvent =
  | { type: 'start' }
  /** Local user activity at `at` (already filtered: see `countsAsActivity`). */
  | { type: 'activity'; at: number }
  | { type: 'extend' }
  /** The tab became visible, got focus, came back from the bfcache, or went online. */
  | { type: 'wake'; online: boolean }
  | { type: 'timer'; name: TimerName }
  | { type: 'leader'; isLeader: boolean }
  /** The answer to the ping sent at `sentAt`. */
  | { type: 'answer'; result: PingResult; sentAt: number }
  | { type: 'message'; message: TabMessage }
  /** A form marked `data-sessionguard-logout` was submitted. */
  | { type: 'logout-form' }
  /** `logout()`'s request was answered (`status`; `null`: unreachable). */
  | { type: 'logout'; result: LogoutResult; status: number | null }
  | { type: 'signed-in'; username: string | null; csrfToken: string | null }
  /** A request of `guard.http`/`guard.fetch` was refused because the session ended, or needs a fresh sign-in (`step-up`). */
  | { type: 'refused'; end: Ended | 'step-up' }
  /** Another answer of the server said the session ended. */
  | { type: 'ended'; end: Ended }
  /**
   * The push stream (the leader's) said the session ended: an `ended` event,
   * tagged `session` (the public id), or a refusal naming the end.
   */
  | { type: 'pushed'; end: Ended; session?: string }
  | { type: 'reauthenticated'; csrfToken: string | null }
  | { type: 'cancel-step-up' };

/** What the runner carries out: timers are not effects, they are `MachineState.timers`. */
export type Effect =
  | { type: 'ping'; idleFor: number; sentAt: number }
  | { type: 'post'; message: TabMessage }
  /** Calls the handlers of `event` with `detail`, or with the public state when there is none. */
  | { type: 'emit'; event: keyof GuardEvents; detail?: unknown }
  /** `location.assign(url)`; `null`: `location.reload()`. */
  | { type: 'go'; url: string | null }
  /** Lets every held request go: sent again (`retry`) or answered with its refusal. */
  | { type: 'release'; retry: boolean }
  /** Writes the app's fresh CSRF token to the page. */
  | { type: 'token'; token: string | null };

/** The configuration the session logic reads. Times are seconds. */
export interface MachineConfig {
  username: string | null;
  loginPageUrl: string | null;
  warnAfter: number | null;
  expireAfter: number | null;
}

/** The state of a tab that just started. */
export function initialState(config: MachineConfig, now: number, leader: boolean): MachineState {
  const { username, warnAfter, expireAfter } = config;
  return {
    status: 'active',
    reason: null,
    known: !!username,
    confirmed: false,
    named: false,
    endedAt: -Infinity,
    loggedOut: false,
    claimUntil: 0,
    view: warnAfter !== null && expireAfter !== null ? viewFromPolicy(warnAfter, expireAfter, now) : null,
    user: null,
    lastActivity: now,
    lastPingAt: -Infinity,
    pinging: false,
    failures: 0,
    leader,
    held: 0,
    stepUp: false,
    timers: {},
    username,
    loginPage: config.loginPageUrl,
  };
}

/** One transition under way: the next state (a copy, changed in place), the effects so far, and the time. */
export interface Step {
  s: MachineState;
  fx: Effect[];
  now: number;
}

/** The session is over (or there is none), confirmed or not. */
export const isEnded = (s: MachineState): boolean => s.status !== 'active' && s.status !== 'warning';
/** This tab should hold the push stream: it leads, for a session it knows and that is live. */
export const wantsStream = (s: MachineState): boolean => s.leader && s.known && !isEnded(s);
/** Over, and the server said so: only a sign-in changes that. */
export const isFinal = (s: MachineState): boolean => isEnded(s) && s.confirmed;

export const setTimer = (c: Step, name: TimerName, ms: number): void => void (c.s.timers[name] = c.now + ms);
export const clearTimers = (c: Step, ...names: TimerName[]): void => {
  for (const name of names) delete c.s.timers[name];
};
// Every message names the session it is about: this tab's, as the server last tagged it.
export const post = (c: Step, message: TabMessage): void => void c.fx.push({ type: 'post', message: { ...message, s: c.s.view?.session } });
export const emit = (c: Step, event: keyof GuardEvents, detail?: unknown): void => void c.fx.push({ type: 'emit', event, detail });
export const go = (c: Step, url: string | null): void => void c.fx.push({ type: 'go', url });
export const release = (c: Step, retry: boolean): void => {
  if (c.s.held) c.fx.push({ type: 'release', retry });
  c.s.held = 0;
};

/** What the app sees of `state`. */
export function publicState(state: MachineState): Omit<GuardState, 'sessionLimit' | 'notices'> {
  const { status, view, reason, held, stepUp } = state;
  return { status, warnAt: view?.warnAt ?? null, expiresAt: view?.expiresAt ?? null, reason, held, stepUp };
}
