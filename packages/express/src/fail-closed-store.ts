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

/**
 * The methods wrapped, each with how many arguments come before its callback
 * in express-session's Store signatures. A fixed position, not "the last
 * argument if it is a function", so `store.get(id, undefined)` is a promise
 * call like `store.get(id)` and the store still gets its callback in place.
 */
const WRAPPED_METHODS = { get: 1, set: 2, touch: 2, destroy: 1 } as const;
type WrappedMethod = keyof typeof WRAPPED_METHODS;
const wrappedStores = new WeakSet<Store>();

type StoreCallback = (error?: unknown, ...results: unknown[]) => void;

/**
 * Whether express-session reads this error as an answer rather than a failure:
 * its session middleware treats a `get` error with code `ENOENT` as "no
 * session" (file stores report a missing session file that way, e.g. after
 * sign-out), so it must reach it unchanged, not as a 503.
 */
function meansNoSession(method: WrappedMethod, error: unknown): boolean {
  return method === 'get' && typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';
}

/**
 * Makes an express-session store fail closed and fast. When the store (e.g.
 * connect-redis) is down, express-session hands its raw error to the app's
 * error handler, which usually answers 500; when the store is slow, requests
 * hang. Wrapped, every failed call and every call slower than `timeout` ends
 * with a {@link SessionStoreUnavailableError} (the store's error on `cause`),
 * which `guard.errorHandler` answers with 503 `session_store_unavailable` and
 * `Retry-After`; a late answer is ignored. The registry has the same limit
 * (`storeTimeout`), so a request never waits longer than that on either.
 *
 * Everything else about the store's contract stays as express-session and
 * connect-redis define it:
 * - a `get` error with code `ENOENT` is passed on unchanged, since
 *   express-session reads it as "no session" (file stores);
 * - `get`, `set`, `touch` and `destroy` called without a callback return a
 *   promise of the store's answer (the session, for `get`) that rejects with
 *   the same errors the callback would get, timeout included;
 * - a store method that throws is answered like one that failed; if it had
 *   already called back, the throw reaches the caller as it would unwrapped.
 *
 * The store's answer is what it calls back with: a promise it returns only
 * counts when it rejects, since stores written as `async` functions may resolve
 * before calling back.
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
  for (const [name, arity] of Object.entries(WRAPPED_METHODS) as Array<[WrappedMethod, number]>) {
    const original = methods[name];
    if (typeof original !== 'function') continue;
    methods[name] = function failClosed(this: unknown, ...args: unknown[]) {
      const leading = Array.from({ length: arity }, (_, index) => args[index]);
      const given = args[arity];
      const callback = typeof given === 'function' ? (given as StoreCallback) : undefined;
      let deliver: StoreCallback;
      const promise = callback
        ? undefined
        : new Promise<unknown>((resolve, reject) => {
            deliver = (error, ...results) => (error ? reject(error) : resolve(results[0]));
          });
      if (callback) deliver = callback;

      let settled = false;
      const answer = (failure: { error: unknown } | null, results: unknown[] = []) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!failure) return deliver(null, ...results);
        if (meansNoSession(name, failure.error)) return deliver(failure.error);
        // The cause keeps the store's message for logs; callers only see the code.
        deliver(new SessionStoreUnavailableError(`the session store failed in ${name}()`, { cause: failure.error }));
      };
      const timer = setTimeout(() => answer({ error: new Error(`no answer within ${timeout} ms`) }), timeout);

      let result: unknown;
      try {
        result = original.call(this, ...leading, (error?: unknown, ...results: unknown[]) =>
          error ? answer({ error }) : answer(null, results),
        );
      } catch (error) {
        // Already called back: the throw is the store's (or the caller's own callback's) after answering.
        // A callback caller sees it as it would unwrapped; a promise caller already has its answer.
        if (settled) {
          if (callback) throw error;
          return promise;
        }
        // On a later turn, as a failing store answers, so code after the call never runs after its callback.
        queueMicrotask(() => answer({ error }));
        return promise;
      }
      // Stores that return a promise as well as calling back: a rejection is a failure too, whatever its reason.
      if (result && typeof (result as Promise<unknown>).then === 'function') {
        (result as Promise<unknown>).then(undefined, (error: unknown) => answer({ error }));
      }
      return callback ? result : promise;
    };
  }
  return store;
}
