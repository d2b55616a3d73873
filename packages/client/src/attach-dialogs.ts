import { SessionGuardConfigError } from '@sessionguard/core';
import type { DialogHandle } from './dialog-base.js';
import { createDeviceNoticesView } from './device-notices-view.js';
import type { GuardState } from './guard-state.js';
import type { SessionGuard } from './guard.js';
import { createLiveRegion, type LiveRegion } from './live-region.js';
import { showNotice } from './notice.js';
import { preserveFields } from './preserve-fields.js';
import { openSessionLimitDialog } from './session-limit-dialog.js';
import { openSignInDialog } from './sign-in-dialog.js';
import { openStepUpDialog } from './step-up-dialog.js';
import { en, type SessionGuardStrings } from './strings.js';
import { injectStyles } from './styles.js';
import { openWarningDialog } from './warning-dialog.js';

/** Options of {@link attachDialogs}. */
export interface DialogOptions {
  /**
   * The dialogs' texts, over English: a shipped translation (`fr`, `de` from
   * `@sessionguard/client/locales`) or any subset of your own.
   * @default {} (English)
   */
  strings?: Partial<SessionGuardStrings>;
  /**
   * Locale of the times written in the dialogs (Intl); pass the matching `strings` with it.
   * @default the page's `<html lang>`, else `navigator.language`, else `'en'`
   */
  locale?: string;
  /**
   * CSP nonce for the one `<style>` element the dialogs need.
   * @default null
   */
  nonce?: string | null;
  /**
   * Prefills the sign-in form.
   * @default the guard's `username`
   */
  username?: string | null;
  /**
   * Where the expiry dialog's `Sign in` button goes when the guard has no `signInUrl` (with `?next=` this page).
   * @default the guard's `loginPageUrl` (without one, the page reloads)
   */
  loginPageUrl?: string | null;
  /**
   * Keep fields marked `data-sessionguard-preserve` across that trip (see `preserveFields`).
   * @default true
   */
  preserve?: boolean;
}

/** Which dialog a state shows, if any. */
export type DialogKind = 'warning' | 'expired' | 'revoked' | 'step-up' | 'session-limit';

/**
 * The built-in dialog for `state`: the warning, the expiry or signed-out
 * dialog with sign-in in place, or the step-up dialog. None while active, for
 * `anonymous`, and after a deliberate sign-out (the tab goes to the login
 * page; without `loginPageUrl`, the other tabs show the signed-out dialog).
 * In the sign-in dialog's place, after a sign-in over the server's session
 * limit, the session-limit dialog.
 */
export function dialogFor({ status, reason, stepUp, sessionLimit }: GuardState, loginPageUrl: string | null): DialogKind | null {
  if (status === 'warning') return status;
  if (status === 'expired' || status === 'revoked') return sessionLimit ? 'session-limit' : status;
  if (status === 'signed-out') {
    return reason === 'unauthenticated' || (reason === 'signed-out-elsewhere' && !loginPageUrl) ? (sessionLimit ? 'session-limit' : 'revoked') : null;
  }
  return stepUp && status === 'active' ? 'step-up' : null;
}

/** English with `overrides`, each checked: throws {@link SessionGuardConfigError} naming a bad one. */
function resolveStrings(overrides: Partial<SessionGuardStrings> = {}): SessionGuardStrings {
  if (typeof overrides !== 'object' || overrides === null) throw new SessionGuardConfigError('strings', 'must be an object of strings');
  for (const [key, value] of Object.entries(overrides)) if (typeof value !== 'string') throw new SessionGuardConfigError(`strings.${key}`, 'must be a string');
  return { ...en, ...overrides };
}

/**
 * Draws the guard's state with the built-in accessible dialogs (WCAG 2.2:
 * modal `alertdialog`s, the rest of the page `inert`, focus moved in and
 * back, Escape, a polite live region, at least 20 s to respond), the
 * "could not sign out" notice and one `<style>` (with `nonce`). Returns a
 * function that removes all of it; it also goes when the guard is destroyed.
 *
 * @example
 * ```ts
 * const guard = createSessionGuard({ signInUrl: '/login', logoutUrl: '/logout', loginPageUrl: '/login', username: 'alice' });
 * attachDialogs(guard, { locale: 'fr', strings: fr });
 * ```
 */
export function attachDialogs(guard: SessionGuard, options: DialogOptions = {}): () => void {
  const g = guard.options;
  const { window: win, clock } = g;
  const doc = win.document;
  const strings = resolveStrings(options.strings ?? g.strings);
  const locale = options.locale ?? g.locale ?? (doc.documentElement.lang || win.navigator.language || 'en');
  const nonce = options.nonce ?? g.nonce ?? null;
  const username = options.username === undefined ? g.username : options.username;
  const loginPageUrl = options.loginPageUrl === undefined ? g.loginPageUrl : options.loginPageUrl;
  const preserved = options.preserve === false ? null : preserveFields(guard);
  let kind: DialogKind | null = null;
  let limitShown: GuardState['sessionLimit'] = null;
  let dialog: DialogHandle | null = null;
  let live: LiveRegion | null = null;
  let removeStyles: (() => void) | null = null;
  let removeNotice: (() => void) | null = null;
  const closeNotice = (): void => {
    removeNotice?.();
    removeNotice = null;
  };
  const goToLoginPage = (): void => {
    preserved?.save();
    const here = win.location.pathname + win.location.search;
    if (loginPageUrl) g.location.assign(`${loginPageUrl}${loginPageUrl.includes('?') ? '&' : '?'}next=${encodeURIComponent(here)}`);
    else g.location.reload();
  };
  /** Says `text` in the live region; a region just added waits a moment, so screen readers notice the change. */
  const say = (text: string): void => {
    if (live) return live.say(text);
    const region = (live = createLiveRegion(doc));
    clock.setTimeout(() => region.say(text), 100);
  };
  const notices = createDeviceNoticesView(doc, strings, locale, say, guard.endNoticeSession, guard.dismissNotice);
  const open = (next: DialogKind, state: GuardState): DialogHandle => {
    removeStyles = injectStyles(doc, nonce);
    if (next === 'session-limit') {
      return openSessionLimitDialog(doc, strings, locale, (limitShown = state.sessionLimit)!, guard.endSessionsAndSignIn, guard.cancelSessionLimit);
    }
    if (next === 'step-up') return openStepUpDialog(doc, strings, guard.reauthenticate, guard.cancelStepUp);
    if (next !== 'warning') return openSignInDialog(doc, strings, next === 'expired', username, g.signInUrl ? guard.signIn : null, goToLoginPage);
    live ??= createLiveRegion(doc);
    return openWarningDialog(doc, strings, locale, clock, live, () => guard.state.expiresAt ?? clock.now(), guard.extend, () => void guard.logout());
  };
  const render = (state: GuardState): void => {
    const next = dialogFor(state, g.loginPageUrl);
    // Signed out after all: a "could not sign out" from before is no longer true.
    if (state.status === 'signed-out') closeNotice();
    if (state.notices.length) removeStyles = injectStyles(doc, nonce);
    notices.show(state.notices);
    // A new list (the places were taken meanwhile) redraws the session-limit dialog.
    if (next === kind && (next !== 'session-limit' || state.sessionLimit === limitShown)) return;
    dialog?.close();
    dialog = null;
    kind = next;
    if (!next) return;
    closeNotice();
    dialog = open(next, state);
  };
  const stopNotice = guard.on('logout-failed', () => {
    closeNotice();
    removeStyles = injectStyles(doc, nonce);
    removeNotice = showNotice(doc, strings.signOutFailed, strings.dismiss, dialog?.element);
  });
  let subscription: { unsubscribe(): void } | undefined;
  const detach = (): void => {
    subscription?.unsubscribe();
    stopNotice();
    preserved?.stop();
    dialog?.close();
    dialog = null;
    closeNotice();
    notices.remove();
    live?.remove();
    live = null;
    removeStyles?.();
    removeStyles = null;
  };
  subscription = guard.state$.subscribe({ next: render, complete: detach });
  return detach;
}
