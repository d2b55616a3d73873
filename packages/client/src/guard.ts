import { CSRF_HEADER, CSRF_HEADER_VALUE } from '@sessionguard/core';
import type { Subscriber, Subscription } from 'rxjs';
import { ky, Observable } from './deps.js';
import { activity$ } from './activity.js';
import type { DialogHandle } from './dialog-base.js';
import { createGuardHttp, type GuardHttp } from './http.js';
import { createLeader } from './leader.js';
import { createLiveRegion, type LiveRegion } from './live-region.js';
import { showNotice } from './notice.js';
import { resolveOptions, type SessionGuardOptions } from './options.js';
import { backoffMs, sendPing, type PingResult } from './ping.js';
import { restorePreserved, savePreserved } from './preserve.js';
import { isFreshFor, phaseAt, pingIntervalMs, viewFromPing, viewFromPolicy, type SessionView } from './session-view.js';
import { openSignInDialog, type SignInResult } from './sign-in-dialog.js';
import { en } from './strings.js';
import { injectStyles } from './styles.js';
import { createTabChannel } from './tab-channel.js';
import type { TabMessage } from './tab-message.js';
import { wake$ } from './wake.js';
import { openWarningDialog } from './warning-dialog.js';

/**
 * Where the session stands, as this tab shows it. `anonymous`: the server
 * knows no session and this tab never knew one (a login or public page with
 * the script tag): the guard shows nothing and asks nothing more, until a
 * tab of this browser relays a session the server confirmed.
 */
export type GuardStatus = 'active' | 'warning' | 'expired' | 'revoked' | 'signed-out' | 'anonymous';

/** Emitted by {@link SessionGuard.state$}. Times are epoch ms, `null` before the server's first answer. */
export interface GuardState {
  status: GuardStatus;
  expiresAt: number | null;
  warnAt: number | null;
}

/** Events of {@link SessionGuard.on} and what their handlers receive. */
export interface GuardEvents {
  /** The warning opened. */
  warn: GuardState;
  /** The session expired (idle or absolute), or the server no longer knows it. */
  expire: GuardState;
  /** The warning closed because the session was extended (button, Escape, activity, another tab). */
  extend: GuardState;
  /** A deliberate sign-out, in this tab or another, that the server confirmed. */
  logout: GuardState;
  /**
   * `logout()` did not sign out: the server refused (`status`, e.g. 403 for
   * a CSRF token it rejects) or could not be reached (`null`). The user is
   * still signed in, and the page says so.
   */
  'logout-failed': { status: number | null };
  /**
   * The user signed in again in place. `csrfToken`: the app's fresh CSRF
   * token (from the sign-in answer or `csrf.tokenUrl`), already written to
   * the configured `<meta>` and hidden fields; `null` when there is none.
   */
  login: { username: string | null; csrfToken: string | null };
  /** The server ended the session on purpose (sign-out elsewhere, password change, admin). */
  revoked: GuardState;
}

/** A running guard; see {@link createSessionGuard}. */
export interface SessionGuard extends GuardHttp {
  /** The state, now and on every change. */
  readonly state$: Observable<GuardState>;
  /** The current state. */
  readonly state: GuardState;
  /** Counts as activity and checks with the server at once: closes the warning in every tab. */
  extend(): void;
  /**
   * Signs out: posts to `logoutUrl` (with the app's CSRF token), then every
   * tab goes to `loginPageUrl`. If the server refuses or cannot be reached,
   * nothing changes but a `role="alert"` saying so and `logout-failed`.
   */
  logout(): Promise<void>;
  /** Removes every listener, timer, channel, lock, dialog and style the guard added. */
  destroy(): void;
  /** Calls `handler` on each `event`; returns a function that stops it. */
  on<E extends keyof GuardEvents>(event: E, handler: (detail: GuardEvents[E]) => void): () => void;
}

/** Attribute of a form whose submission is a sign-out. */
export const LOGOUT_ATTRIBUTE = 'data-sessionguard-logout';

/** Keys that operate the warning dialog: deciding in it is not activity. */
const DIALOG_KEYS = /^(Tab|Shift|Enter| |Escape)$/;

/**
 * While the warning shows, what still counts as activity (and so extends the
 * session, closing the warning in every tab): a key that does not operate the
 * dialog, or a press, touch or wheel outside the dialog box. Not mouse
 * movement: the pointer crosses the backdrop on its way to `Sign out`, and
 * that must not extend the session under the user's hand.
 */
function countsDuringWarning(event: Event, dialog: HTMLElement | undefined): boolean {
  if (event.type === 'keydown') return !DIALOG_KEYS.test((event as KeyboardEvent).key);
  if (event.type === 'mousemove' || event.type === 'scroll') return false;
  return !dialog?.contains(event.target as Node);
}

/** How long a non-leader waits for the leader's answer before asking the server itself. */
const CHECK_TIMEOUT_MS = 3000;
/** A leader answers a check from its last view when that is this recent. */
const REUSE_VIEW_MS = 2000;
/** How long a tab asks the server, once a second, whether the sign-out another tab announced happened. */
const CLAIM_MS = 4000;

type Ended = 'expired' | 'revoked' | 'signed-out';

/**
 * Starts guarding the session of this page: watches activity, shares it with
 * the other tabs, lets one tab ping the server, warns before expiry and offers
 * sign-in in place after it. Throws {@link SessionGuardConfigError} naming the
 * option when an option is invalid.
 *
 * @example
 * ```ts
 * const guard = createSessionGuard({ baseUrl: '/session', signInUrl: '/login', logoutUrl: '/logout', loginPageUrl: '/login', username: 'alice' });
 * guard.on('expire', () => console.log('signed out for inactivity'));
 * ```
 */
export function createSessionGuard(options: SessionGuardOptions = {}): SessionGuard {
  const o = resolveOptions(options);
  const { clock, window: win, location: nav } = o;
  const doc = win.document;
  const strings = { ...en, ...o.strings };
  const channel = o.channel ?? createTabChannel<TabMessage>(o.name, win);
  const leader = o.leader ?? createLeader(win, clock, o.name);
  const baseFetch: typeof fetch = (input, init) => (o.fetch ?? globalThis.fetch)(input, init);
  const api = ky.create({
    fetch: baseFetch,
    headers: { [CSRF_HEADER]: CSRF_HEADER_VALUE, accept: 'application/json' },
    retry: 0,
    timeout: 15_000,
    throwHttpErrors: false,
  });
  // Absolute URLs: a Request outside a page (tests, workers) cannot resolve relative ones.
  const absolute = (url: string): string => new URL(url, win.location.href).href;
  const pingUrl = absolute(`${o.baseUrl.replace(/\/$/, '')}/ping`);
  const preserveKey = `${o.name}:preserve:${win.location.pathname}`;

  let status: GuardStatus = 'active';
  /**
   * This tab knows of a session: the page was rendered for a user
   * (`username`), or the server answered for a live one. Until then no end
   * is shown: a visitor who never signed in never sees a session dialog.
   */
  let known = !!o.username;
  /** Until when a sign-out another tab announced (or this page's sign-out form) waits for the server to confirm it. */
  let claimUntil = 0;
  let removeNotice: (() => void) | null = null;
  /** An end the server confirmed (a 401), rather than one inferred while it was unreachable. */
  let confirmedEnd = false;
  let endedAt = -Infinity;
  let view: SessionView | null =
    o.warnAfter !== null && o.expireAfter !== null ? viewFromPolicy(o.warnAfter, o.expireAfter, clock.now()) : null;
  /**
   * The user this page is of: the user tag of the server's first answer that
   * has one (`undefined`: none so far; `null`: no answer yet). Kept when later
   * answers name another user (someone else signed in in this browser, on the
   * login page say): this page's fields are still its first user's.
   */
  let userTag: string | undefined | null = null;
  /** Fields saved for another page load wait for the user tag of the first answer. */
  let restoring = false;
  let lastActivity = clock.now();
  let lastPingAt = -Infinity;
  let inFlight: Promise<void> | null = null;
  let failures = 0;
  let destroyed = false;
  /** A deliberate sign-out (here or in another tab): nothing is held any more. */
  let loggedOut = false;
  let dialog: DialogHandle | null = null;
  let dialogKind: 'warning' | 'expired' | 'revoked' | null = null;
  let live: LiveRegion | null = null;
  let removeStyles: (() => void) | null = null;
  const timers: Partial<Record<'main' | 'ping' | 'retry' | 'check' | 'claim', () => void>> = {};
  const handlers: { [E in keyof GuardEvents]?: Set<(detail: GuardEvents[E]) => void> } = {};
  const waiters = new Set<(retry: boolean) => void>();
  const subscriptions: Subscription[] = [];
  const snapshot = (): GuardState => ({ status, expiresAt: view?.expiresAt ?? null, warnAt: view?.warnAt ?? null });
  let current = snapshot();
  const observers = new Set<Subscriber<GuardState>>();
  // A hand-rolled BehaviorSubject: rxjs's Subject classes would add ~0.7 kB to the script-tag build.
  const state$ = new Observable<GuardState>((subscriber) => {
    subscriber.next(current);
    observers.add(subscriber);
    return () => observers.delete(subscriber);
  });

  /** Runs `run`, reporting instead of throwing: a handler must never throw into the page. */
  const safely = (run: () => void): void => {
    try {
      run();
    } catch (error) {
      console.error('sessionguard:', error);
    }
  };
  const setTimer = (name: keyof typeof timers, ms: number, run: () => void): void => {
    timers[name]?.();
    timers[name] = clock.setTimeout(() => {
      delete timers[name];
      if (!destroyed) safely(run);
    }, ms);
  };
  const clearTimer = (name: keyof typeof timers): void => {
    timers[name]?.();
    delete timers[name];
  };
  // Every message names the session it is about: this tab's, as the server last tagged it.
  const post = (message: TabMessage): void => {
    if (!destroyed) safely(() => channel.post({ ...message, s: view?.session }));
  };
  const emit = <E extends keyof GuardEvents>(event: E, detail: GuardEvents[E]): void => {
    for (const handler of handlers[event] ?? []) safely(() => handler(detail));
  };
  const publish = (): void => {
    const next = snapshot();
    if (next.status !== current.status || next.expiresAt !== current.expiresAt || next.warnAt !== current.warnAt) {
      current = next;
      for (const observer of observers) observer.next(next);
    }
  };
  const isEnded = (): boolean => status === 'expired' || status === 'revoked' || status === 'signed-out' || status === 'anonymous';
  const releaseWaiters = (retry: boolean): void => {
    for (const waiter of waiters) waiter(retry);
    waiters.clear();
  };

  // The app's CSRF token, for the app's own endpoints (sign-in, sign-out).
  const { csrf } = o;
  /** Tokens of ended sessions this page replaced after signing in in place. */
  const staleTokens = new Set<string>();
  const metas = (): HTMLMetaElement[] => [...doc.getElementsByTagName('meta')].filter((meta) => meta.name === csrf?.meta);
  const readToken = (): string | null => {
    let token: string | null | undefined = null;
    safely(() => (token = csrf && (csrf.token ? csrf.token() : metas()[0]?.content)));
    return token || null;
  };
  const tokenHeaders = (token: string | null): Record<string, string> => (csrf && token ? { [csrf.header]: token } : {});
  const tokenOf = (body: unknown): string | null => {
    const token = (body as { csrfToken?: unknown } | null)?.csrfToken;
    return typeof token === 'string' && token ? token : null;
  };
  /** The token of the browser's current session from `csrf.tokenUrl` (null without one); throws when unreachable. */
  const fetchToken = async (): Promise<string | null> => {
    if (!csrf?.tokenUrl) return null;
    const response = await api.get(absolute(csrf.tokenUrl));
    return response.ok ? tokenOf(await response.json().catch(() => null)) : null;
  };
  /** Puts a fresh token where the page keeps it: the `<meta>` and every hidden field of the configured name. */
  const writeToken = (token: string | null): void => {
    if (!csrf || !token) return;
    const old = readToken();
    if (old && old !== token) staleTokens.add(old);
    for (const meta of metas()) meta.content = token;
    for (const field of csrf.field ? doc.getElementsByName(csrf.field) : []) {
      if (field.tagName === 'INPUT' && (field as HTMLInputElement).type === 'hidden') (field as HTMLInputElement).value = token;
    }
  };

  const closeDialog = (): void => {
    dialog?.close();
    dialog = null;
    dialogKind = null;
  };
  const closeNotice = (): void => {
    removeNotice?.();
    removeNotice = null;
  };
  const show = (kind: 'warning' | 'expired' | 'revoked'): void => {
    if (dialogKind === kind) return;
    closeDialog();
    closeNotice();
    removeStyles = injectStyles(doc, o.nonce);
    if (kind === 'warning') {
      live ??= createLiveRegion(doc);
      dialog = openWarningDialog(
        doc,
        strings,
        o.locale,
        clock,
        live,
        () => view?.expiresAt ?? clock.now(),
        extend,
        () => void logout(),
      );
    } else {
      dialog = openSignInDialog(doc, strings, kind === 'expired', o.username, o.signInUrl ? signIn : null, goToLoginPage);
    }
    dialogKind = kind;
  };

  /** Back to active (warning closed, or an unconfirmed end disproved by the server). */
  const activate = (): void => {
    if (status === 'active') return;
    const wasWarning = status === 'warning';
    status = 'active';
    confirmedEnd = false;
    closeDialog();
    if (wasWarning) emit('extend', snapshot());
  };

  /**
   * The session ended. `confirmed`: the server said so. `broadcast`: we heard
   * it from the server, not from another tab, so tell the others.
   */
  const end = (kind: Ended, confirmed: boolean, broadcast = confirmed): void => {
    // Nothing this tab knew of ended: stay out of the way of the login form.
    if (!known) return inert();
    if (confirmed && clock.now() <= claimUntil) return signedOutElsewhere();
    clearTimer('main');
    clearTimer('ping');
    clearTimer('check');
    if (confirmed) clearTimer('retry');
    if (broadcast) post({ t: 'e', k: kind });
    if (status === kind && (confirmedEnd || !confirmed)) return;
    const first = !isEnded();
    status = kind;
    confirmedEnd = confirmed;
    endedAt = clock.now();
    show(kind === 'expired' ? 'expired' : 'revoked');
    if (first || kind !== 'expired') emit(kind === 'expired' ? 'expire' : 'revoked', snapshot());
    publish();
  };

  /** No session, and this tab never knew one: show nothing, ask nothing more. */
  const inert = (): void => {
    for (const name of Object.keys(timers) as (keyof typeof timers)[]) clearTimer(name);
    status = 'anonymous';
    confirmedEnd = true;
    endedAt = clock.now();
    publish();
  };

  /**
   * The heart: recompute everything from timestamps. Runs on every timer,
   * wake signal, server answer and tab message, so a late timer or a sleep
   * only delays a check, never leaves a stale dialog.
   */
  const evaluate = (): void => {
    clearTimer('main');
    if (destroyed || !view || (isEnded() && confirmedEnd) || status === 'signed-out') return publish();
    const now = clock.now();
    const phase = phaseAt(view, now);
    if (phase === 'active') {
      activate();
      setTimer('main', view.warnAt - now, evaluate);
    } else if (known && (isFreshFor(view, phase, lastActivity) || failures > 0)) {
      // The server's latest word (or, while it is unreachable, our own timestamps) says so.
      if (phase === 'warning') {
        if (status !== 'warning') {
          status = 'warning';
          show('warning');
          emit('warn', snapshot());
        }
        setTimer('main', view.expiresAt - now, evaluate);
      } else {
        end('expired', failures === 0);
      }
    } else if (!failures) {
      // Another tab, window or device may have been active: ask before warning or expiring.
      // (While the server is unreachable, a tab that knows no session waits for its retry.)
      requestCheck();
      if (phase === 'warning') setTimer('main', view.expiresAt - now, evaluate);
    }
    publish();
  };

  const restore = (): void => {
    restoring = !restorePreserved(doc, win.sessionStorage, preserveKey, userTag);
  };

  /**
   * Takes `next`, the server's word (from this tab's ping, or relayed by a tab
   * of its session), as this tab's view; false when it speaks for another
   * user (someone else signed in in this browser): the page is reloaded, so
   * one user never sees another's page.
   */
  const adopt = (next: SessionView): boolean => {
    if (userTag && next.user && next.user !== userTag) return void nav.reload(), false;
    view = next;
    known = true;
    userTag ??= next.user;
    // Not before the page's own restore (at DOMContentLoaded): that one uses the tag known then.
    if (restoring) restore();
    return true;
  };

  const onAnswer = (result: PingResult, sentAt: number): void => {
    clearTimer('check');
    if (!result) {
      failures++;
      setTimer('retry', backoffMs(failures), requestCheck);
      return evaluate();
    }
    failures = 0;
    clearTimer('retry');
    // `unauthenticated` only says the server no longer knows the session: past the end this tab knew of, it expired.
    if (typeof result === 'string') return end(result === 'signed-out' && view && phaseAt(view, clock.now()) === 'expired' ? 'expired' : result, true);
    // An answer to a ping sent before the session ended cannot revive it.
    if (isEnded() && confirmedEnd && sentAt < endedAt) return;
    const next = viewFromPing(result, sentAt);
    if (view && next.at < view.at) return;
    if (!adopt(next)) return;
    if (confirmedEnd) activate();
    post({ t: 's', v: next });
    // A sign-out another tab announced has not happened (yet): ask again shortly.
    if (clock.now() < claimUntil) setTimer('claim', 1000, () => void ping());
    evaluate();
    schedulePing();
  };

  const ping = (): Promise<void> => {
    if (inFlight) return inFlight;
    clearTimer('ping');
    clearTimer('retry');
    const sentAt = clock.now();
    lastPingAt = sentAt;
    const idleFor = Math.max(0, Math.floor((sentAt - lastActivity) / 1000));
    inFlight = sendPing(api, pingUrl, idleFor).then((result) => {
      inFlight = null;
      if (!destroyed) safely(() => onAnswer(result, sentAt));
    });
    return inFlight;
  };

  /** Only the leader pings; the others ask it. */
  function requestCheck(): void {
    if (destroyed || (isEnded() && confirmedEnd)) return;
    if (leader.isLeader) return void ping();
    if (timers.check) return;
    post({ t: 'c' });
    // No answer from a leader (none yet, or it hangs): ask the server ourselves.
    setTimer('check', CHECK_TIMEOUT_MS, () => void ping());
  }

  /** Leader: ping when there was activity since the last ping, at most every {@link pingIntervalMs}. */
  const schedulePing = (): void => {
    if (!leader.isLeader || !view || isEnded() || inFlight || lastActivity <= lastPingAt) return;
    const due = lastPingAt + pingIntervalMs(view.warnAfter);
    const now = clock.now();
    if (now >= due) void ping();
    else if (!timers.ping) setTimer('ping', due - now, schedulePing);
  };

  const onActivity = (): void => {
    if (status === 'warning') requestCheck();
    else schedulePing();
  };

  function extend(): void {
    if (destroyed || isEnded()) return;
    lastActivity = Math.max(lastActivity, clock.now());
    post({ t: 'a', at: lastActivity });
    requestCheck();
  }

  const signedOut = (): void => {
    clearTimer('main');
    clearTimer('ping');
    clearTimer('retry');
    clearTimer('check');
    closeDialog();
    const was = status;
    loggedOut = true;
    status = 'signed-out';
    confirmedEnd = true;
    releaseWaiters(false);
    publish();
    if (was !== 'signed-out') emit('logout', snapshot());
  };

  /** Another tab (or this page's sign-out form) signed out, and the server confirmed: a deliberate sign-out. */
  const signedOutElsewhere = (): void => {
    claimUntil = 0;
    signedOut();
    if (o.loginPageUrl) nav.assign(o.loginPageUrl);
    else show('revoked');
  };
  /** Someone says the user signed out: believe it once the server does (the sign-out may have been refused). */
  const claimSignOut = (): void => {
    claimUntil = clock.now() + CLAIM_MS;
    void ping();
  };

  async function logout(): Promise<void> {
    if (destroyed) return;
    closeNotice();
    if (o.logoutUrl) {
      let status: number | null = null;
      try {
        status = (await api.post(absolute(o.logoutUrl), { headers: tokenHeaders(readToken()) })).status;
      } catch {
        // Unreachable: `null`.
      }
      if (destroyed) return;
      // 2xx signed out; 401: the server knows no session any more. Anything else: still signed in, and told so.
      if (status !== 401 && !(status !== null && status >= 200 && status < 300)) {
        emit('logout-failed', { status });
        removeStyles = injectStyles(doc, o.nonce);
        removeNotice = showNotice(doc, strings.signOutFailed, strings.dismiss, dialog?.element);
        return;
      }
    }
    signedOut();
    post({ t: 'o' });
    if (o.loginPageUrl) nav.assign(o.loginPageUrl);
  }

  /** Signed in again as `username`: same user ⇒ carry on (with the app's fresh CSRF token); anyone else ⇒ reload. */
  const signedIn = (username: string | null, broadcast: boolean, csrfToken: string | null): void => {
    const sameUser = o.username !== null && username === o.username;
    if (broadcast) post(sameUser ? { t: 'l', u: username, c: csrfToken } : { t: 'r' });
    if (!sameUser) return nav.reload();
    writeToken(csrfToken);
    const now = clock.now();
    lastActivity = now;
    failures = 0;
    endedAt = -Infinity;
    closeDialog();
    status = 'active';
    confirmedEnd = false;
    loggedOut = false;
    // A new session, its tag not known until the next answer (the user is the same: `userTag` stays).
    if (view) view = viewFromPolicy(view.warnAfter, view.expireAfter, now);
    emit('login', { username, csrfToken });
    releaseWaiters(true);
    if (leader.isLeader) void ping();
    evaluate();
  };

  async function signIn(username: string, password: string): Promise<SignInResult> {
    let response: Response;
    try {
      // A session-bound token (csrf-sync) ended with the session: the fresh anonymous session's comes from tokenUrl.
      const token = (await fetchToken()) ?? readToken();
      response = await api.post(absolute(o.signInUrl!), { json: { username, password }, headers: tokenHeaders(token) });
    } catch {
      return 'unreachable';
    }
    if (response.status === 401) return 'invalid';
    if (!response.ok) return response.status >= 500 ? 'unreachable' : 'failed';
    const body = (await response.json().catch(() => null)) as { username?: unknown } | null;
    // The signed-in session's token: in the answer, else from tokenUrl.
    const token = tokenOf(body) ?? (await fetchToken().catch(() => null));
    if (!destroyed) signedIn(typeof body?.username === 'string' ? body.username : username, true, token);
    return 'ok';
  }

  function goToLoginPage(): void {
    savePreserved(doc, win.sessionStorage, preserveKey, userTag);
    const here = win.location.pathname + win.location.search;
    if (o.loginPageUrl) nav.assign(`${o.loginPageUrl}${o.loginPageUrl.includes('?') ? '&' : '?'}next=${encodeURIComponent(here)}`);
    else nav.reload();
  }

  const onMessage = (message: TabMessage): void => {
    if (destroyed || !message || typeof message !== 'object') return;
    const mine = view?.session;
    if (message.s !== mine) {
      // About another session (a stale tab of a revoked one, say): nothing to do with this tab's.
      if (message.s && mine) return;
      // One side does not know its session: an end is for the server to confirm, not for another tab to say.
      if (message.t === 'e') {
        if (!(isEnded() && confirmedEnd)) void ping();
        return;
      }
    }
    switch (message.t) {
      case 'a':
        if (isEnded() || !(message.at > lastActivity)) return;
        lastActivity = Math.min(message.at, clock.now());
        return onActivity();
      case 's': {
        clearTimer('check');
        const next = message.v;
        if (!next || !(next.at >= (view?.at ?? -Infinity)) || !(next.expiresAt > next.warnAt)) return;
        if (isEnded() && confirmedEnd && next.at < endedAt) return;
        if (!adopt(next)) return;
        failures = 0;
        if (confirmedEnd && status !== 'signed-out') activate();
        return evaluate();
      }
      case 'c':
        if (!leader.isLeader) return;
        // No session here: the server may know one for the tab asking (signed in since).
        if (status === 'anonymous') return void ping();
        if (isEnded() && confirmedEnd) return post({ t: 'e', k: status as Ended });
        if (inFlight) return;
        if (view && clock.now() - view.at < REUSE_VIEW_MS && lastActivity <= view.at) return post({ t: 's', v: view });
        return void ping();
      case 'e':
        clearTimer('check');
        // Not knowing a session, this tab asks the server rather than take another tab's word for an end.
        if (!known) return void (isEnded() || ping());
        if (message.k === 'expired' || message.k === 'revoked' || message.k === 'signed-out') end(message.k, true, false);
        return;
    }
    // Sign-ins, reloads and sign-outs are about a session this tab must know of.
    if (!known) return;
    switch (message.t) {
      case 'l':
        return signedIn(message.u, false, typeof message.c === 'string' ? message.c : null);
      case 'r':
        return nav.reload();
      case 'o':
        return claimSignOut();
    }
  };

  const onSubmit = (event: Event): void => {
    const form = event.target as Element | null;
    // The form's own request signs out, or not (a refused CSRF token): every tab believes it once the server does.
    if (known && form?.hasAttribute?.(LOGOUT_ATTRIBUTE)) {
      post({ t: 'o' });
      claimSignOut();
    }
  };

  const hold = (kind: Ended): Promise<boolean> => {
    // A tab that knows no session lets the 401 through: the page is the app's to handle (a login form, say).
    if (destroyed || loggedOut || !known) return Promise.resolve(false);
    // After an expiry or revocation the server answers `unauthenticated`: keep the dialog that says why.
    if (!(kind === 'signed-out' && isEnded())) end(kind, true);
    // The end confirmed a sign-out another tab announced: nothing to wait for.
    if (loggedOut) return Promise.resolve(false);
    return new Promise((resolve) => waiters.add(resolve));
  };
  // A request held over a sign-in in place is sent again as it was: with the ended session's CSRF token, if it
  // carried one. Each token this page replaced is swapped for the current one on the way out.
  const httpFetch: typeof fetch = (input, init) => {
    const header = csrf?.header;
    if (header && input instanceof Request && staleTokens.has(input.headers.get(header)!)) input.headers.set(header, readToken()!);
    return baseFetch(input, init);
  };
  const { http, fetch: guardFetch } = createGuardHttp(httpFetch, hold, win.location.href);

  // Wire up.
  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', restore, { once: true });
  else restore();
  subscriptions.push(
    activity$(doc, () => clock.now(), (event) => status !== 'warning' || countsDuringWarning(event, dialog?.element)).subscribe((at) =>
      safely(() => {
        if (destroyed || isEnded()) return;
        lastActivity = Math.max(lastActivity, at);
        post({ t: 'a', at: lastActivity });
        onActivity();
      }),
    ),
    wake$(win).subscribe((type) =>
      safely(() => {
        if (type === 'online' && failures > 0) requestCheck();
        evaluate();
      }),
    ),
  );
  const unsubscribeChannel = channel.subscribe((message) => safely(() => onMessage(message)));
  const unsubscribeLeader = leader.subscribe((isLeader) =>
    safely(() => {
      if (!isLeader || isEnded()) return;
      if (!view) void ping();
      else schedulePing();
    }),
  );
  doc.addEventListener('submit', onSubmit, true);
  if (leader.isLeader) void ping();
  else requestCheck();
  evaluate();

  return {
    state$,
    get state() {
      return current;
    },
    extend,
    logout,
    http,
    fetch: guardFetch,
    on(event, handler) {
      const set = ((handlers as Record<string, Set<(detail: never) => void>>)[event] ??= new Set());
      set.add(handler);
      return () => void set.delete(handler);
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      for (const subscription of subscriptions) subscription.unsubscribe();
      unsubscribeChannel();
      unsubscribeLeader();
      channel.close();
      leader.close();
      for (const name of Object.keys(timers) as (keyof typeof timers)[]) clearTimer(name);
      doc.removeEventListener('submit', onSubmit, true);
      doc.removeEventListener('DOMContentLoaded', restore);
      closeDialog();
      closeNotice();
      live?.remove();
      removeStyles?.();
      releaseWaiters(false);
      for (const key of Object.keys(handlers) as (keyof GuardEvents)[]) handlers[key]?.clear();
      for (const observer of observers) observer.complete();
    },
  };
}
