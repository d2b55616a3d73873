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

/**
 * A {@link Leader} whose `close` runs `stop`, then steps down; and the function
 * that sets whether this tab leads (telling the listeners of each change).
 */
function leaderState(stop: () => void): [Leader, (value: boolean) => void] {
  const listeners = new Set<(isLeader: boolean) => void>();
  let isLeader = false;
  const set = (value: boolean): void => {
    if (isLeader === value) return;
    isLeader = value;
    for (const listener of listeners) listener(value);
  };
  return [
    {
      get isLeader() {
        return isLeader;
      },
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      close() {
        stop();
        set(false);
        listeners.clear();
      },
    },
    set,
  ];
}

/**
 * Leadership through the Web Locks API: the leader holds a lock with a promise
 * that never settles; the browser hands the lock to the next waiting tab when
 * the leader tab closes or crashes.
 */
export function webLocksLeader(locks: LockManager, name: string): Leader {
  const abort = new AbortController();
  let release: (() => void) | undefined;
  const [leader, set] = leaderState(() => {
    abort.abort();
    release?.();
  });
  locks
    .request(`${name}:leader`, { signal: abort.signal }, () => {
      if (abort.signal.aborted) return undefined;
      set(true);
      return new Promise<void>((resolve) => (release = resolve));
    })
    .catch(() => {
      // Aborted by close() before the lock was granted.
    });
  return leader;
}

const HEARTBEAT_MS = 2000;
const LEASE_MS = 6000;

/**
 * Leadership through a lease in localStorage, for browsers without Web Locks:
 * the leader renews `{id, until}` every 2 s; another tab claims it when the
 * lease runs out or the leader releases it on `pagehide`.
 */
export function storageLeader(win: Window, clock: Clock, name: string): Leader {
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
  const release = (): void => {
    if (read()?.id === id) win.localStorage.removeItem(key);
  };
  const onStorage = (event: StorageEvent): void => {
    if (event.key === key && !event.newValue) tick();
  };
  const [leader, set] = leaderState(() => {
    cancel();
    win.removeEventListener('storage', onStorage);
    win.removeEventListener('pagehide', release);
    release();
  });
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
    set(read()?.id === id || read() === null);
    cancel = clock.setTimeout(tick, HEARTBEAT_MS);
  };
  win.addEventListener('storage', onStorage);
  win.addEventListener('pagehide', release);
  tick();
  return leader;
}

/** Web Locks where available, else the localStorage lease. */
export function createLeader(win: Window, clock: Clock, name: string): Leader {
  const locks = win.navigator.locks as LockManager | undefined;
  return locks && typeof locks.request === 'function' ? webLocksLeader(locks, name) : storageLeader(win, clock, name);
}
