import type { GuardState } from './guard-state.js';
import { observable, type Observable, type Observer } from './observable.js';
import { safely } from './safely.js';

/** The published state: the current value, `state$` and change listeners. */
export interface StateStore {
  /** The current value, then every change, until {@link StateStore.complete}. */
  readonly state$: Observable<GuardState>;
  get(): GuardState;
  /** Publishes `next`, unless every field equals the current one's (the identity stays). */
  set(next: GuardState): void;
  complete(): void;
}

/** A store of {@link GuardState} that keeps one object while nothing changes. */
export function createStateStore(initial: GuardState): StateStore {
  let current = initial;
  const observers = new Set<Pick<Observer<GuardState>, 'next' | 'complete'>>();
  return {
    state$: observable((observer) => {
      observer.next(current);
      observers.add(observer);
      return () => observers.delete(observer);
    }),
    get: () => current,
    set(next) {
      if (!(Object.keys(next) as (keyof GuardState)[]).some((key) => next[key] !== current[key])) return;
      current = next;
      for (const observer of observers) safely(() => observer.next(next));
    },
    complete() {
      for (const observer of observers) safely(() => observer.complete());
    },
  };
}
