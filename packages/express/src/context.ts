import type { Request } from 'express';
import type { Store } from 'express-session';
import { createSessionGuardEvents, type SessionGuardEvents } from './events.js';
import { guardRegistry } from './guarded-registry.js';
import { bridgeRegistryClock } from './registry-clock.js';
import type { ResolvedOptions } from './options.js';
import { computePublicId } from './public-id.js';
import type { SessionRegistry, SessionTimingPolicy } from './registry/types.js';

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
   * its tombstone): the session's idle or absolute end, plus the grace the
   * registry asks for (`recordGrace`; none for the Redis registry, which
   * decides on its own clock). `policy`: the session's own, when it has one.
   */
  retainUntil(lastActivity: number, createdAt: number, policy?: SessionTimingPolicy | null): number;
  /**
   * Activity is written to the registry only once it moves last activity by
   * at least this many milliseconds: 1 s, or 1% of `expireAfter` when that is
   * shorter. The idle check stays exact to the millisecond against what is
   * stored, so a session may end up to this much before `expireAfter` has
   * passed since its very last request.
   */
  activityGranularity: number;
}

/** Coalescing of activity writes: at most this (ms), and never more than 1% of `expireAfter`. */
const ACTIVITY_GRANULARITY_MS = 1000;

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
  const activityGranularity = Math.min(ACTIVITY_GRANULARITY_MS, policy.expireAfter * 10);
  // A registry that also loads sessions for express-session (the sessionguard store) checks them while loading.
  options.registry.usePolicy?.({
    expireAfter: policy.expireAfter * 1000,
    absoluteTimeout: policy.absoluteTimeout === null ? null : policy.absoluteTimeout * 1000,
    granularity: activityGranularity,
  });
  return {
    options,
    registry: bridgeRegistryClock(guardRegistry(options.registry, options.storeTimeout), options.registry, options.storeTimeout, options.now),
    events: createSessionGuardEvents(options.logger),
    store: () => store,
    captureStore(req) {
      if (!store && req.sessionStore) store = req.sessionStore;
    },
    useStore(candidate) {
      if (!options.store) store = candidate;
    },
    publicId: (sessionId) => computePublicId(options.secrets[0], sessionId),
    retainUntil(lastActivity, createdAt, own) {
      const { expireAfter, absoluteTimeout } = own ?? policy;
      const idleEnd = lastActivity + expireAfter * 1000;
      const end = absoluteTimeout === null ? idleEnd : Math.min(idleEnd, createdAt + absoluteTimeout * 1000);
      return end + (options.registry.recordGrace ?? RECORD_GRACE_MS);
    },
    activityGranularity,
  };
}
