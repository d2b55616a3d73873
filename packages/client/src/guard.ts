import { createAccount, type Account } from './account.js';
import { activity$, countsDuringWarning } from './activity.js';
import { createApi } from './api.js';
import { createAppCsrf } from './csrf.js';
import type { Ended, GuardEvents, GuardState, LimitsAndNotices } from './guard-state.js';
import { createGuardHttp, type GuardHttp } from './http.js';
import { createLeader } from './leader.js';
import { createNoticeBoard, endNoticeSession, pingNotices } from './notice-board.js';
import { initialState, isEnded, publicState, transition, wantsStream, type Effect, type MachineEvent } from './machine.js';
import type { Observable } from './observable.js';
import { resolveOptions, type ResolvedOptions, type SessionGuardOptions } from './options.js';
import { sendPing } from './ping.js';
import { lazyPushStream } from './push-loader.js';
import { createSessionLimit } from './session-limit.js';
import { safely } from './safely.js';
import { createStateStore } from './state-store.js';
import { createTabChannel } from './tab-channel.js';
import type { TabMessage } from './tab-message.js';
import { createTimerRunner } from './timer-runner.js';
import { wake$ } from './wake.js';

/**
 * A running guard; see {@link createSessionGuard}. Headless: it draws
 * nothing; `attachDialogs` (`@sessionguard/client/ui`) or the app's own UI
 * shows what `state` says.
 */
export interface SessionGuard extends GuardHttp, Account, LimitsAndNotices {
  /** The state now, then on every change (rxjs: `from(guard.state$)`); completes on `destroy()`. */
  readonly state$: Observable<GuardState>;
  /** The current state (the same object until something changes). */
  readonly state: GuardState;
  /** Calls `listener` on each change (not with the current state): `useSyncExternalStore(guard.subscribe, () => guard.state)`. */
  subscribe(listener: (state: GuardState) => void): () => void;
  /** The options, with their defaults applied: what a UI layer reads (the window, the clock, the URLs). */
  readonly options: Readonly<ResolvedOptions>;
  /** The server's tag of the user this page is of: `null` before its first answer, `undefined` from a server that sends none. */
  readonly user: string | null | undefined;
  /** Counts as activity and checks with the server at once: closes the warning in every tab. */
  extend(): void;
  /** Answers the requests held for a step-up with their 403 (the user would not reauthenticate). */
  cancelStepUp(): void;
  /** Calls `handler` on each `event`; returns a function that stops it. */
  on<E extends keyof GuardEvents>(event: E, handler: (detail: GuardEvents[E]) => void): () => void;
  /** Removes every listener, timer, channel and lock the guard added; `state$` completes (and an attached UI with it). */
  destroy(): void;
}

/** Attribute of a form whose submission is a sign-out. */
export const LOGOUT_ATTRIBUTE = 'data-sessionguard-logout';

/**
 * Starts guarding the session of this page: watches activity, shares it with
 * the other tabs, lets one tab ping the server, and says in `state` when to
 * warn, when the session ended and why. Throws {@link SessionGuardConfigError}
 * naming the option when an option is invalid.
 *
 * @example
 * ```ts
 * const guard = createSessionGuard({ baseUrl: '/session', signInUrl: '/login', logoutUrl: '/logout', loginPageUrl: '/login', username: 'alice' });
 * guard.subscribe(({ status, expiresAt }) => render(status, expiresAt));
 * ```
 */
export function createSessionGuard(options: SessionGuardOptions = {}): SessionGuard {
  const o = resolveOptions(options);
  const { clock, window: win, location: nav } = o;
  const doc = win.document;
  const channel = o.channel ?? createTabChannel<TabMessage>(o.name, win);
  const leader = o.leader ?? createLeader(win, clock, o.name);
  const baseFetch: typeof fetch = (input, init) => (o.fetch ?? globalThis.fetch)(input, init);
  const api = createApi(baseFetch);
  // Absolute URLs: a Request outside a page (tests, workers) cannot resolve relative ones.
  const absolute = (url: string): string => new URL(url, win.location.href).href;
  const endpoint = (path: string): string => absolute(`${o.baseUrl.replace(/\/$/, '')}${path}`);
  // The leader tab's stream of session ends (its reader loaded when first wanted); the machine says when this tab should hold it.
  const push = o.push
    ? lazyPushStream({ url: endpoint('/events'), fetch: baseFetch, clock, win, onEnded: (end, session) => dispatch({ type: 'pushed', end, session }), onNotice: (n) => board.add([n], clock.now()) })
    : null;
  const csrf = createAppCsrf(o, api, absolute, baseFetch);

  let state = initialState(o, clock.now(), leader.isLeader);
  // Notices and the session limit are no part of the session's logic: published beside it (never after destroy()).
  const publish = (): void => {
    if (!destroyed && !isEnded(state)) limit.clear();
    if (!destroyed) store.set({ ...publicState(state), sessionLimit: isEnded(state) ? limit.state : null, notices: board.notices });
  };
  const board = createNoticeBoard((message) => channel.post(message), publish);
  const store = createStateStore({ ...publicState(state), sessionLimit: null, notices: [] });
  const timers = createTimerRunner(clock, (name) => dispatch({ type: 'timer', name }));
  const handlers: { [E in keyof GuardEvents]?: Set<(detail: GuardEvents[E]) => void> } = {};
  const waiters: ((retry: boolean) => void)[] = [];
  let queue: MachineEvent[] | null = null;
  let destroyed = false;

  const run = (effect: Effect): void => {
    if (effect.type === 'ping') {
      void sendPing(api, endpoint('/ping'), effect.idleFor).then((result) => {
        board.add(pingNotices(result, state.user), clock.now());
        dispatch({ type: 'answer', result, sentAt: effect.sentAt });
      });
    } else if (effect.type === 'post') channel.post(effect.message);
    else if (effect.type === 'emit') {
      for (const handler of handlers[effect.event] ?? []) safely(() => handler((effect.detail ?? store.get()) as never));
    } else if (effect.type === 'go') effect.url ? nav.assign(effect.url) : nav.reload();
    else if (effect.type === 'release') for (const waiter of waiters.splice(0)) waiter(effect.retry);
    else csrf.write(effect.token);
  };
  /**
   * Feeds `event` to the machine, then publishes the state (so handlers of
   * its events see the state they are about) and runs the effects. An event
   * raised meanwhile (a handler calling `extend()`) waits its turn.
   */
  function dispatch(event: MachineEvent): void {
    if (destroyed) return;
    if (queue) return void queue.push(event);
    queue = [event];
    try {
      for (let next; (next = queue.shift()) && !destroyed; ) {
        const step = transition(state, next, clock.now());
        state = step.state;
        timers.sync(state.timers);
        push?.want(wantsStream(state));
        publish();
        for (const effect of step.effects) if (!destroyed) safely(() => run(effect));
      }
    } finally {
      queue = null;
    }
  }

  /** Holds a refused request until the machine lets it go; `false` at once when nothing waits for the user. */
  const hold = (end: Ended | 'step-up'): Promise<boolean> => {
    if (end === 'step-up' && !o.reauthenticateUrl) return Promise.resolve(false);
    const before = state.held;
    dispatch({ type: 'refused', end });
    return state.held > before ? new Promise((resolve) => waiters.push(resolve)) : Promise.resolve(false);
  };
  const guardHttp = createGuardHttp(csrf.fetch, hold, win.location.href);
  const { signedIn, ...account } = createAccount(o, api, absolute, csrf, dispatch, () => limit);
  const limit = createSessionLimit(api, endpoint('/sessions/limit'), csrf, signedIn, publish);

  const onSubmit = (event: Event): void => {
    if ((event.target as Element | null)?.hasAttribute?.(LOGOUT_ATTRIBUTE)) dispatch({ type: 'logout-form' });
  };
  const stops = [
    activity$(doc, () => clock.now(), (event) => state.status !== 'warning' || countsDuringWarning(event)).subscribe((at) =>
      dispatch({ type: 'activity', at }),
    ).unsubscribe,
    wake$(win).subscribe((type) => dispatch({ type: 'wake', online: type === 'online' })).unsubscribe,
    channel.subscribe((message) => (board.receive(message), dispatch({ type: 'message', message }))),
    leader.subscribe((isLeader) => dispatch({ type: 'leader', isLeader })),
    () => doc.removeEventListener('submit', onSubmit, true),
  ];
  doc.addEventListener('submit', onSubmit, true);
  dispatch({ type: 'start' });

  return {
    state$: store.state$,
    get state() {
      return store.get();
    },
    subscribe(listener) {
      let first = true;
      const subscription = store.state$.subscribe((value) => (first ? (first = false) : listener(value)));
      return subscription.unsubscribe;
    },
    options: o,
    get user() {
      return state.user;
    },
    extend: () => dispatch({ type: 'extend' }),
    cancelStepUp: () => dispatch({ type: 'cancel-step-up' }),
    ...account,
    endSessionsAndSignIn: (publicIds) => limit.endAndSignIn(publicIds),
    cancelSessionLimit: () => limit.clear(),
    dismissNotice: (publicId) => board.dismiss(publicId),
    endNoticeSession: (publicId) => endNoticeSession(board, guardHttp.fetch, endpoint('/sessions'), publicId),
    // A getter: the ky instance is built on first use, and a script tag (which carries no ky) only fails if it is used.
    get http() {
      return guardHttp.http;
    },
    fetch: guardHttp.fetch,
    on(event, handler) {
      const set = ((handlers as Record<string, Set<(detail: never) => void>>)[event] ??= new Set());
      set.add(handler);
      return () => void set.delete(handler);
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      for (const stop of stops) safely(stop);
      channel.close();
      leader.close();
      push?.close();
      timers.close();
      for (const waiter of waiters.splice(0)) waiter(false);
      for (const set of Object.values(handlers)) set.clear();
      store.complete();
    },
  };
}
