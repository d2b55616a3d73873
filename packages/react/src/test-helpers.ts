import type { GuardState, SessionGuard } from '@sessionguard/client';
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import type { ReactNode } from 'react';
import { Observable } from 'rxjs';
import { vi } from 'vitest';

/**
 * A guard the test drives: `set()` changes its state and tells its
 * subscribers (`subscribe`, which does not replay the current state, and
 * `state$`, which does).
 */
export function fakeGuard() {
  let state: GuardState = { status: 'active', warnAt: null, expiresAt: null, reason: null, held: 0, stepUp: false, sessionLimit: null, notices: [] };
  const listeners = new Set<(state: GuardState) => void>();
  const listen = (listener: (state: GuardState) => void) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };
  let destroyed = false;
  const guard = {
    get state() {
      return state;
    },
    state$: new Observable<GuardState>((subscriber) => {
      subscriber.next(state);
      return listen((next) => subscriber.next(next));
    }),
    extend: vi.fn(),
    logout: vi.fn(async () => 'ok' as const),
    signIn: vi.fn(async (_username: string, _password: string) => 'ok' as const),
    reauthenticate: vi.fn(async (_password: string) => 'ok' as const),
    cancelStepUp: vi.fn(),
    subscribe: vi.fn(listen),
    on: vi.fn(() => () => {}),
    destroy: vi.fn(() => {
      destroyed = true;
      listeners.clear();
    }),
    /** Test side: the guard's next state. */
    set(next: Partial<GuardState>) {
      state = { ...state, ...next };
      for (const listener of listeners) listener(state);
    },
    /** Test side: the same state object again, as a BehaviorSubject replays it. */
    replay() {
      for (const listener of listeners) listener(state);
    },
    get listeners() {
      return listeners.size;
    },
    get destroyed() {
      return destroyed;
    },
  };
  return guard as typeof guard & SessionGuard;
}

export type FakeGuard = ReturnType<typeof fakeGuard>;

/** A React 19 root in a fresh container, rendered inside `act`. */
export async function mount(tree: ReactNode): Promise<{ container: HTMLElement; root: Root; unmount(): Promise<void> }> {
  const container = document.createElement('div');
  document.body.append(container);
  const root = createRoot(container);
  await act(async () => root.render(tree));
  return {
    container,
    root,
    async unmount() {
      await act(async () => root.unmount());
      container.remove();
    },
  };
}
