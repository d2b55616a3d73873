import type { SessionGuardOptions } from '@sessionguard/client';
import type { DialogOptions } from '@sessionguard/client/ui';
import { createContext, createElement, useContext, useEffect, useState, useSyncExternalStore, type ReactElement, type ReactNode } from 'react';
import { createGuardStore, type GuardStore, type SessionGuardValue } from './store.js';

const GuardContext = createContext<GuardStore | null>(null);

/** Props of {@link SessionGuardProvider}. */
export interface SessionGuardProviderProps {
  /**
   * Options of `createSessionGuard` (`baseUrl`, `signInUrl`, `logoutUrl`,
   * `loginPageUrl`, `username`, ...). Read when the provider mounts: to start
   * over with other options, give the provider another `key`.
   * @default {} (the client's defaults)
   */
  options?: SessionGuardOptions;
  /**
   * The built-in dialogs (warning, sign-in in place): `true`, their options,
   * or `false` to draw your own from {@link useSessionGuard}. Loaded on
   * demand, so an app with `false` never downloads them. Read when the
   * provider mounts.
   * @default true
   */
  dialogs?: boolean | DialogOptions;
  children?: ReactNode;
}

/**
 * Runs one session guard for the tree below. The guard is created in an
 * effect, so rendering needs no `window` (server rendering sees the state
 * before start), and destroyed in its cleanup: under StrictMode's double
 * mount the first guard is gone before the second starts.
 *
 * @example
 * ```tsx
 * <SessionGuardProvider options={{ signInUrl: '/login', logoutUrl: '/logout', loginPageUrl: '/login', username }}>
 *   <App />
 * </SessionGuardProvider>
 * ```
 */
export function SessionGuardProvider({ options, dialogs = true, children }: SessionGuardProviderProps): ReactElement {
  const [store] = useState(createGuardStore);
  // Options and dialogs are read at mount (see their TSDoc); `store` never changes.
  useEffect(() => store.start(options, dialogs), [store]);
  return createElement(GuardContext.Provider, { value: store }, children);
}

/**
 * The session's state and actions; the component re-renders when the state
 * changes. Call it inside a {@link SessionGuardProvider}.
 *
 * @example
 * ```tsx
 * const { status, expiresAt, extend } = useSessionGuard();
 * if (status === 'warning') return <button onClick={extend}>Stay signed in</button>;
 * ```
 */
export function useSessionGuard(): SessionGuardValue {
  const store = useContext(GuardContext);
  if (!store) throw new Error('sessionguard: useSessionGuard() needs a <SessionGuardProvider> above it');
  return useSyncExternalStore(store.subscribe, store.get, () => store.initial);
}
