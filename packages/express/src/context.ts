import type { Request } from 'express';
import type { Store } from 'express-session';
import { createSessionGuardEvents, type SessionGuardEvents } from './events.js';
import { guardRegistry } from './guarded-registry.js';
import type { ResolvedOptions } from './options.js';
import { computePublicId } from './public-id.js';
import type { SessionRegistry } from './registry/types.js';

/** Everything the middleware, routers and account actions share. Internal. */
export interface GuardContext {
  options: ResolvedOptions;
  /** The registry behind a timeout; every failure is a SessionStoreUnavailableError. */
  registry: SessionRegistry;
  events: SessionGuardEvents;
  /** The express-session store: the `store` option, else the first request's. */
  store(): Store | null;
  /** Remembers `req.sessionStore` when no store was configured. */
  captureStore(req: Request): void;
  /** Uses `store` unless the `store` option named one. */
  useStore(store: Store): void;
  publicId(sessionId: string): string;
  /**
   * When the registry may drop a record with these timestamps (keeping only
   * its tombstone): the session's idle or absolute end, plus a short grace
   * for clocks that disagree.
   */
  retainUntil(lastActivity: number, createdAt: number): number;
}

/**
 * How long past its end a session's whole record is kept. Short: after it
 * only a tombstone remains (issue 10: bounded cost per account); the margin
 * absorbs small clock differences between app servers and Redis.
 */
const RECORD_GRACE_MS = 60_000;

/** Builds the shared context from resolved options. */
export function createContext(options: ResolvedOptions): GuardContext {
  let store = options.store;
  const { policy } = options;
  return {
    options,
    registry: guardRegistry(options.registry, options.storeTimeout),
    events: createSessionGuardEvents(options.logger),
    store: () => store,
    captureStore(req) {
      if (!store && req.sessionStore) store = req.sessionStore;
    },
    useStore(candidate) {
      if (!options.store) store = candidate;
    },
    publicId: (sessionId) => computePublicId(options.secrets[0], sessionId),
    retainUntil(lastActivity, createdAt) {
      const idleEnd = lastActivity + policy.expireAfter * 1000;
      const end = policy.absoluteTimeout === null ? idleEnd : Math.min(idleEnd, createdAt + policy.absoluteTimeout * 1000);
      return end + RECORD_GRACE_MS;
    },
  };
}
