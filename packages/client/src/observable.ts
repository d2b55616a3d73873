/**
 * A minimal Observable: `subscribe(next | observer)` returning a
 * subscription, and the interop method `[Symbol.observable]()` (the TC39
 * proposal's, which rxjs's `from()` and other libraries read), so
 * `from(guard.state$)` is a full rxjs Observable. rxjs's own class would add
 * its Subscriber, Subscription and `pipe` machinery to every bundle, also to
 * apps that never use rxjs (bench/weight.mjs measures both).
 */
export interface Observer<T> {
  next(value: T): void;
  error(error: unknown): void;
  complete(): void;
}

/** What {@link Observable.subscribe} returns. */
export interface Subscription {
  unsubscribe(): void;
}

/** A stream of values, compatible with rxjs and the Observable proposal. */
export interface Observable<T> {
  subscribe(observer?: Partial<Observer<T>> | ((value: T) => void) | null): Subscription;
  /** Interop: `from(observable)` in rxjs (its key is `Symbol.observable` where defined, else `'@@observable'`). */
  [Symbol.observable](): Observable<T>;
}

declare global {
  // As rxjs declares it (rxjs/dist/types/internal/types.d.ts): the two declarations merge.
  interface SymbolConstructor {
    readonly observable: symbol;
  }
}

/** The interop key, looked up the way rxjs does. */
const interop = ((typeof Symbol === 'function' && Symbol.observable) || '@@observable') as typeof Symbol.observable;

/**
 * An Observable whose every subscription runs `produce` with a guarded
 * observer (nothing is delivered after unsubscribe or complete) and runs
 * the teardown it returns when the subscription ends.
 */
export function observable<T>(produce: (observer: Pick<Observer<T>, 'next' | 'complete'>) => () => void): Observable<T> {
  const self = {
    subscribe(target: Parameters<Observable<T>['subscribe']>[0]) {
      const sink = typeof target === 'function' ? { next: target } : (target ?? {});
      let closed = false;
      let teardown: (() => void) | undefined;
      const stop = (): void => {
        if (!closed) teardown?.();
        closed = true;
      };
      teardown = produce({
        next: (value) => void (closed || sink.next?.(value)),
        complete: () => {
          if (closed) return;
          stop();
          sink.complete?.();
        },
      });
      if (closed) teardown();
      return { unsubscribe: stop };
    },
    [interop]: () => self,
  } as unknown as Observable<T>;
  return self;
}
