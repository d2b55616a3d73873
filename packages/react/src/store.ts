import {
  createSessionGuard,
  type GuardState,
  type LogoutResult,
  type SessionGuard,
  type SessionGuardOptions,
  type SignInResult,
} from '@sessionguard/client';
import type { DialogOptions } from '@sessionguard/client/ui';
import { loadDialogs } from './dialogs.js';

/**
 * Where the session stands, as {@link useSessionGuard} returns it: the
 * guard's `GuardState` (`status`, `warnAt`, `expiresAt`, `reason`, `held`,
 * `stepUp`; times in epoch ms, `null` until the server's first answer).
 */
export type SessionGuardState = GuardState;

/** What {@link useSessionGuard} returns: the state, and the actions (stable functions, safe in effect deps). */
export interface SessionGuardValue extends SessionGuardState {
  /** Stay signed in: counts as activity and checks with the server, closing the warning in every tab. */
  extend(): void;
  /** Signs out in every tab (rejects before the guard has started). */
  logout(): Promise<LogoutResult>;
  /** Signs in again in place, keeping the page (rejects before the guard has started). */
  signIn(username: string, password: string): Promise<SignInResult>;
  /** Answers a step-up (`stepUp`) with the password; the held request is retried. */
  reauthenticate(password: string): Promise<SignInResult>;
  /** Declines a step-up: the held requests get their 403. */
  cancelStepUp(): void;
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
const BEFORE_START: GuardState = { status: 'active', warnAt: null, expiresAt: null, reason: null, held: 0, stepUp: false, sessionLimit: null, notices: [] };

/** A store with no guard yet: creating it has no side effect (React may create one and throw it away). */
export function createGuardStore(): GuardStore {
  let guard: SessionGuard | null = null;
  let shown: GuardState | null = null;
  const listeners = new Set<() => void>();
  /** The running guard; throws (so the async actions reject) before it has started. */
  const running = (): SessionGuard => {
    if (!guard) throw new Error('sessionguard: the guard has not started');
    return guard;
  };
  const actions = {
    extend: (): void => guard?.extend(),
    cancelStepUp: (): void => guard?.cancelStepUp(),
    logout: async (): Promise<LogoutResult> => running().logout(),
    signIn: async (username: string, password: string): Promise<SignInResult> => running().signIn(username, password),
    reauthenticate: async (password: string): Promise<SignInResult> => running().reauthenticate(password),
  };
  const valueOf = (state: GuardState): SessionGuardValue => ({ ...state, ...actions, guard });
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
      const started = createSessionGuard(options);
      guard = started;
      const unsubscribe = started.subscribe(show);
      show(started.state);
      let detach: (() => void) | undefined;
      let live = true;
      if (dialogs !== false) {
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
