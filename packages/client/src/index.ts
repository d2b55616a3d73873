/**
 * `@sessionguard/client`: the browser SDK, headless. Idle timeout across
 * tabs, the state a warning and a sign-in in place need, and HTTP helpers
 * that hold requests failing with 401 until the user signed in again. It
 * draws nothing: the built-in dialogs are `@sessionguard/client/ui`.
 *
 * @packageDocumentation
 */
export { createSessionGuard, LOGOUT_ATTRIBUTE } from './guard.js';
export type { SessionGuard } from './guard.js';
export type {
  DeviceNotice,
  Ended,
  EndReason,
  EndSessionResult,
  GuardEvents,
  GuardState,
  GuardStatus,
  LimitsAndNotices,
  LogoutResult,
  OtherSession,
  SessionLimitResult,
  SessionLimitState,
  SignInResult,
} from './guard-state.js';
export type { CsrfOptions } from './csrf.js';
export type { ResolvedOptions, SessionGuardOptions } from './options.js';
export type { GuardHttp } from './http.js';
export type { Observable, Observer, Subscription } from './observable.js';
export { systemClock } from './clock.js';
export type { Clock } from './clock.js';
export { broadcastTabChannel, storageTabChannel } from './tab-channel.js';
export type { TabChannel } from './tab-channel.js';
export type { TabMessage } from './tab-message.js';
export { storageLeader, webLocksLeader } from './leader.js';
export type { Leader } from './leader.js';
export type { SessionView } from './session-view.js';
export { isSessionGuardConfigError, isSessionGuardError, SessionGuardConfigError, SessionGuardError } from '@sessionguard/core';
