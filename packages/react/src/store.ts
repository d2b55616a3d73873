import { createSessionGuard, type GuardState, type SessionGuard, type SessionGuardOptions } from '@sessionguard/client';
import {
  drawsNoDialogs,
  STATE_DEFAULTS,
  subscribeTo,
  type DialogOptions,
  type EndReason,
  type HeadlessParts,
  type LogoutResult,
  type SignInResult,
} from './compat.js';
import { loadDialogs } from './dialogs.js';

/** Where the session stands, as {@link useSessionGuard} returns it. Times are epoch ms. */
export interface SessionGuardState {
  /** `active`, `warning`, `expired`, `revoked`, `signed-out` or `anonymous` (no session on this page). */
  status: GuardState['status'];
  /** When the warning shows; `null` until the server's first answer (and on the server). */
  warnAt: number | null;
  /** When the session expires; `null` until the server's first answer (and on the server). */
  expiresAt: number | null;
  /** Why the session ended, while it is over; `null` otherwise. */
  reason: EndReason | null;
  /** Requests held until the user signs in again (`guard.http`, `guard.fetch`). */
  held: number;
  /** The server asked for the password again (403 `reauthentication_required`): call `reauthenticate`. */
  stepUp: boolean;
}

/** What {@link useSessionGuard} returns: the state, and the actions (stable functions, safe in effect deps). */
export interface SessionGuardValue extends SessionGuardState {
  /** Stay signed in: counts as activity and checks with the server, closing the warning in every tab. */
  extend(): void;
  /** Signs out in every tab (rejects before the guard has started). */
  logout(): Promise<LogoutResult>;
  /** Signs in again in place, keeping the page (rejects before the guard has started, or on a client without it). */
  signIn(username: string, password: string): Promise<SignInResult>;
  /** Answers a step-up (`stepUp`) with the password; the held request is retried. */
  reauthenticate(password: string): Promise<SignInResult>;
  /** The running guard (`http`, `fetch`, `on`); `null` on the server and until the provider's effect has run. */
  guard: SessionGuard | null;
}

/** One provider's guard, seen by React: an external store for `useSyncExternalStore`. */
export interface GuardStore {
  subscribe(listener: () => void): () => void;
  /** The current value: the same object until the guard's state changes. */
  get(): SessionGuardValue;
  /** The value before any guard runs: the server snapshot, and what hydration starts from. */
  readonly initial: SessionGuardValue;
  /** Creates the guard (and the built-in dialogs, unless `dialogs` is false); returns what destroys both. */
  start(options: SessionGuardOptions | undefined, dialogs: boolean | DialogOptions): () => void;
}

/** The state before the guard runs: what the guard itself reports before the server's first answer. */
const BEFORE_START: SessionGuardState = { status: 'active', warnAt: null, expiresAt: null, ...STATE_DEFAULTS };

/** A store with no guard yet: creating it has no side effect (React may create one and throw it away). */
export function createGuardStore(): GuardStore {
  let guard: (SessionGuard & HeadlessParts) | null = null;
  let shown: GuardState | null = null;
  const listeners = new Set<() => void>();
  /** An action of the running guard; rejects, rather than throws, before it has started or when the client lacks it. */
  const method =
    (name: 'logout' | 'signIn' | 'reauthenticate') =>
    async (...args: string[]): Promise<unknown> => {
      if (!guard) throw new Error('sessionguard: the guard has not started');
      const run = guard[name] as ((...args: string[]) => Promise<unknown>) | undefined;
      if (!run) throw new Error(`sessionguard: this @sessionguard/client has no ${name}()`);
      return run.apply(guard, args);
    };
  const actions = {
    extend: (): void => guard?.extend(),
    logout: method('logout') as SessionGuardValue['logout'],
    signIn: method('signIn') as SessionGuardValue['signIn'],
    reauthenticate: method('reauthenticate') as SessionGuardValue['reauthenticate'],
  };
  const valueOf = (state: GuardState | SessionGuardState): SessionGuardValue => ({ ...STATE_DEFAULTS, ...state, ...actions, guard });
  const initial = valueOf(BEFORE_START);
  let value = initial;
  const show = (state: GuardState | null): void => {
    if (state === shown) return;
    shown = state;
    value = state ? valueOf(state) : initial;
    for (const listener of listeners) listener();
  };
  return {
    initial,
    get: () => value,
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    start(options, dialogs) {
      const started: SessionGuard & HeadlessParts = createSessionGuard(options);
      guard = started;
      const unsubscribe = subscribeTo(started, show);
      show(started.state);
      let detach: (() => void) | undefined;
      let live = true;
      if (dialogs !== false && drawsNoDialogs(started)) {
        void loadDialogs().then((attach) => {
          if (live) detach = attach(started, dialogs === true ? undefined : dialogs);
        });
      }
      return () => {
        live = false;
        detach?.();
        unsubscribe();
        guard = null;
        started.destroy();
        show(null);
      };
    },
  };
}
