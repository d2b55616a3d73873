/**
 * COMPAT(headless client): everything in this file bridges today's
 * `@sessionguard/client` (a guard with `state$`, `state`, `extend`, `logout`,
 * `on`, `destroy`, that draws its own dialogs) and the headless client of
 * issue 12 (`subscribe`, `signIn`, `reauthenticate`, `reason`, `held`,
 * `stepUp`, and the dialogs as `attachDialogs` in `@sessionguard/client/ui`).
 * The rest of the package is written against the headless contract only.
 *
 * Once the headless client has landed, and before the next release:
 * - {@link subscribeTo} becomes `guard.subscribe(listener)`;
 * - {@link STATE_DEFAULTS} goes (every field is in the client's state);
 * - the types below become re-exports of the client's own
 *   (`EndReason`, `SignInResult`, `LogoutResult`; `DialogOptions` from `/ui`);
 * - {@link drawsNoDialogs} goes (always true), and the `@ts-ignore` in
 *   dialogs.ts with it.
 * Nothing else changes: with the headless client, every branch here already
 * takes the headless path.
 */
import type { GuardState, SessionGuard, SessionGuardOptions } from '@sessionguard/client';

/** What the headless client adds to today's guard, each member optional until it lands. */
export type HeadlessParts = Partial<{
  subscribe(listener: (state: GuardState) => void): () => void;
  signIn(username: string, password: string): Promise<SignInResult>;
  reauthenticate(password: string): Promise<SignInResult>;
}>;

/** Why the session ended: the client's `EndReason` once its state has `reason`, any string until then. */
export type EndReason = GuardState extends { reason: infer R } ? Exclude<R, null> : string;

/** What `signIn()` and `reauthenticate()` resolve to: the client's `SignInResult` once it has `signIn`. */
export type SignInResult = SessionGuard extends { signIn(...args: never[]): Promise<infer R> } ? R : 'ok' | 'invalid' | 'unreachable' | 'failed';

/** What `logout()` resolves to: the client's `LogoutResult` (today's client resolves with nothing). */
export type LogoutResult = Awaited<ReturnType<SessionGuard['logout']>>;

/**
 * Options of the built-in dialogs (`attachDialogs` of `@sessionguard/client/ui`):
 * texts, the locale of the times, the CSP nonce of their `<style>`. Until the
 * headless client lands the client draws its dialogs itself from its own
 * options: pass `strings`, `locale` and `nonce` in `options` then.
 */
export type DialogOptions = Pick<SessionGuardOptions, 'strings' | 'locale' | 'nonce'> & { [option: string]: unknown };

/** The state fields today's client does not report yet, at their meaning-preserving values. */
export const STATE_DEFAULTS = { reason: null, held: 0, stepUp: false } as const;

/** Calls `listener` on every state change; returns the unsubscribe. Today's client has only `state$`. */
export const subscribeTo = (guard: SessionGuard & HeadlessParts, listener: (state: GuardState) => void): (() => void) => {
  if (guard.subscribe) return guard.subscribe(listener);
  const subscription = guard.state$.subscribe(listener);
  return () => subscription.unsubscribe();
};

/**
 * Today's client has no `subscribe` and draws its dialogs itself (they cannot
 * be turned off there): the provider loads the built-in dialogs only for a
 * headless client.
 */
export const drawsNoDialogs = (guard: SessionGuard & HeadlessParts): boolean => !!guard.subscribe;
