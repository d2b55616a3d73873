import type { Store } from 'express-session';
import { SessionStoreUnavailableError } from './errors.js';

/** Options of {@link failClosedStore}. */
export interface FailClosedStoreOptions {
  /**
   * Milliseconds a store call may take before it fails.
   * @default 2000
   */
  timeout?: number;
}

const WRAPPED_METHODS = ['get', 'set', 'touch', 'destroy'] as const;
const wrappedStores = new WeakSet<Store>();

type StoreCallback = (error?: unknown, ...results: unknown[]) => void;

/**
 * Makes an express-session store fail closed and fast. When the store (e.g.
 * connect-redis) is down, express-session hands its raw error to the app's
 * error handler, which usually answers 500; when the store is slow, requests
 * hang. Wrapped, every failed call and every call slower than `timeout` ends
 * with a {@link SessionStoreUnavailableError}, which `guard.errorHandler`
 * answers with 503 `session_store_unavailable` and `Retry-After`; a late answer
 * is ignored. The registry has the same limit (`storeTimeout`), so a request
 * never waits longer than that on either.
 *
 * Wraps the instance in place (its prototype methods, `regenerate`, `load`,
 * `createSession`, call the wrapped ones) and returns it; wrapping twice is a
 * no-op.
 *
 * @example
 * app.use(session({ store: failClosedStore(new RedisStore({ client }), { timeout: 1000 }), ... }));
 * // ...routes...
 * app.use(guard.errorHandler);
 */
export function failClosedStore<S extends Store>(store: S, options: FailClosedStoreOptions = {}): S {
  const timeout = options.timeout ?? 2000;
  if (!(typeof timeout === 'number' && Number.isFinite(timeout) && timeout > 0)) {
    throw new TypeError(`sessionguard: option \`timeout\` of failClosedStore must be a positive number of milliseconds, got ${String(timeout)}`);
  }
  if (wrappedStores.has(store)) return store;
  wrappedStores.add(store);
  const methods = store as unknown as Record<string, ((...args: unknown[]) => unknown) | undefined>;
  for (const name of WRAPPED_METHODS) {
    const original = methods[name];
    if (typeof original !== 'function') continue;
    methods[name] = function failClosed(this: unknown, ...args: unknown[]) {
      const callback = typeof args[args.length - 1] === 'function' ? (args.pop() as StoreCallback) : undefined;
      let settled = false;
      const finish: StoreCallback = (error, ...results) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) {
          // The cause keeps the store's message for logs; callers only see the code.
          callback?.(new SessionStoreUnavailableError(`the session store failed in ${name}()`, { cause: error }));
        } else {
          callback?.(null, ...results);
        }
      };
      const timer = setTimeout(() => finish(new Error(`no answer within ${timeout} ms`)), timeout);
      try {
        const result = original.call(this, ...args, finish);
        // Stores that return a promise as well as calling back: a rejection is a failure too.
        if (result && typeof (result as Promise<unknown>).then === 'function') {
          (result as Promise<unknown>).then(undefined, (error: unknown) => finish(error));
        }
        return result;
      } catch (error) {
        finish(error);
        return undefined;
      }
    };
  }
  return store;
}
