import type { Clock } from './clock.js';

/**
 * Which tab talks to the server. Exactly one tab of an origin is the leader
 * (most of the time: the fallback may briefly have two), so N tabs cost the
 * server one tab's pings. When the leader tab closes, another takes over.
 */
export interface Leader {
  /** True while this tab is the leader. */
  readonly isLeader: boolean;
  /** Calls `listener` each time leadership changes; returns an unsubscribe function. */
  subscribe(listener: (isLeader: boolean) => void): () => void;
  /** Gives up leadership (or the wait for it). */
  close(): void;
}

function leaderState() {
  const listeners = new Set<(isLeader: boolean) => void>();
  const state = {
    isLeader: false,
    set(value: boolean) {
      if (state.isLeader === value) return;
      state.isLeader = value;
      for (const listener of listeners) listener(value);
    },
    subscribe(listener: (isLeader: boolean) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    clear: () => listeners.clear(),
  };
  return state;
}

/**
 * Leadership through the Web Locks API: the leader holds a lock with a promise
 * that never settles; the browser hands the lock to the next waiting tab when
 * the leader tab closes or crashes.
 */
export function webLocksLeader(locks: LockManager, name: string): Leader {
  const state = leaderState();
  const abort = new AbortController();
  let release: (() => void) | undefined;
  locks
    .request(`${name}:leader`, { signal: abort.signal }, () => {
      if (abort.signal.aborted) return undefined;
      state.set(true);
      return new Promise<void>((resolve) => (release = resolve));
    })
    .catch(() => {
      // Aborted by close() before the lock was granted.
    });
  return {
    get isLeader() {
      return state.isLeader;
    },
    subscribe: state.subscribe,
    close() {
      abort.abort();
      release?.();
      state.set(false);
      state.clear();
    },
  };
}

const HEARTBEAT_MS = 2000;
const LEASE_MS = 6000;

/**
 * Leadership through a lease in localStorage, for browsers without Web Locks:
 * the leader renews `{id, until}` every 2 s; another tab claims it when the
 * lease runs out or the leader releases it on `pagehide`.
 */
export function storageLeader(win: Window, clock: Clock, name: string): Leader {
  const state = leaderState();
  const key = `${name}:leader`;
  const id = Math.random().toString(36).slice(2);
  let cancel: () => void = () => {};
  const read = (): { id: string; until: number } | null => {
    try {
      return JSON.parse(win.localStorage.getItem(key) ?? 'null') as { id: string; until: number } | null;
    } catch {
      return null;
    }
  };
  const tick = (): void => {
    cancel();
    const lease = read();
    const now = clock.now();
    if (!lease || lease.id === id || lease.until < now) {
      try {
        win.localStorage.setItem(key, JSON.stringify({ id, until: now + LEASE_MS }));
      } catch {
        // No storage: every tab leads; still correct, only costlier.
      }
    }
    state.set(read()?.id === id || read() === null);
    cancel = clock.setTimeout(tick, HEARTBEAT_MS);
  };
  const release = (): void => {
    if (read()?.id === id) win.localStorage.removeItem(key);
  };
  const onStorage = (event: StorageEvent): void => {
    if (event.key === key && !event.newValue) tick();
  };
  win.addEventListener('storage', onStorage);
  win.addEventListener('pagehide', release);
  tick();
  return {
    get isLeader() {
      return state.isLeader;
    },
    subscribe: state.subscribe,
    close() {
      cancel();
      win.removeEventListener('storage', onStorage);
      win.removeEventListener('pagehide', release);
      release();
      state.set(false);
      state.clear();
    },
  };
}

/** Web Locks where available, else the localStorage lease. */
export function createLeader(win: Window, clock: Clock, name: string): Leader {
  const locks = win.navigator.locks as LockManager | undefined;
  return locks && typeof locks.request === 'function' ? webLocksLeader(locks, name) : storageLeader(win, clock, name);
}
