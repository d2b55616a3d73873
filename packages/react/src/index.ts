/**
 * `@sessionguard/react`: sessionguard for React. `<SessionGuardProvider>`
 * runs the browser SDK's guard for a tree; `useSessionGuard()` gives its state
 * (`status`, `warnAt`, `expiresAt`, ...) and actions (`extend`, `logout`,
 * `signIn`, ...) to any component, for the built-in dialogs or your own UI.
 *
 * @packageDocumentation
 */
export { SessionGuardProvider, useSessionGuard } from './provider.js';
export type { SessionGuardProviderProps } from './provider.js';
export type { SessionGuardState, SessionGuardValue } from './store.js';
export type { EndReason, LogoutResult, SignInResult } from '@sessionguard/client';
export type { DialogOptions } from '@sessionguard/client/ui';
