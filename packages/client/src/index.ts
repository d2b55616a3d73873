/**
 * `@sessionguard/client`: the browser SDK. Idle timeout across tabs, an
 * accessible warning before expiry, sign-in in place after it, and HTTP
 * helpers that hold requests failing with 401 until the user signed in again.
 *
 * @packageDocumentation
 */
export { createSessionGuard, LOGOUT_ATTRIBUTE } from './guard.js';
export type { GuardEvents, GuardState, GuardStatus, SessionGuard } from './guard.js';
export type { CsrfOptions, SessionGuardOptions } from './options.js';
export type { GuardHttp } from './http.js';
// French and German live in `@sessionguard/client/locales`, so a bundle only carries the languages it uses.
export { en } from './strings.js';
export type { SessionGuardStrings } from './strings.js';
export { PRESERVE_ATTRIBUTE } from './preserve.js';
export { systemClock } from './clock.js';
export type { Clock } from './clock.js';
export { broadcastTabChannel, storageTabChannel } from './tab-channel.js';
export type { TabChannel } from './tab-channel.js';
export type { TabMessage } from './tab-message.js';
export { storageLeader, webLocksLeader } from './leader.js';
export type { Leader } from './leader.js';
export type { SessionView } from './session-view.js';
export { isSessionGuardConfigError, isSessionGuardError, SessionGuardConfigError, SessionGuardError } from '@sessionguard/core';
