/**
 * Messaging between the tabs of one origin: a tiny interface with a
 * BroadcastChannel implementation and a `storage`-event fallback. Neither
 * delivers a tab's own messages back to it, and the guard never re-posts a
 * message it received, so messages cannot echo between tabs.
 */
export interface TabChannel<T = unknown> {
  /** Sends `message` to every other tab. */
  post(message: T): void;
  /** Calls `listener` with each message from another tab; returns an unsubscribe function. */
  subscribe(listener: (message: T) => void): () => void;
  /** Stops sending and receiving. */
  close(): void;
}

/** A {@link TabChannel} over `BroadcastChannel`. */
export function broadcastTabChannel<T>(name: string): TabChannel<T> {
  const channel = new BroadcastChannel(name);
  const listeners = new Set<(message: T) => void>();
  channel.onmessage = (event: MessageEvent) => {
    for (const listener of listeners) listener(event.data as T);
  };
  return {
    post: (message) => channel.postMessage(message),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      listeners.clear();
      channel.close();
    },
  };
}

/**
 * A {@link TabChannel} over `storage` events, for browsers without
 * BroadcastChannel: each message is written to one key (with a nonce, so equal
 * messages still fire) and removed at once; other tabs see the write.
 */
export function storageTabChannel<T>(name: string, win: Window): TabChannel<T> {
  const key = `${name}:message`;
  const listeners = new Set<(message: T) => void>();
  const onStorage = (event: StorageEvent): void => {
    if (event.key !== key || !event.newValue) return;
    let message: T;
    try {
      message = (JSON.parse(event.newValue) as { m: T }).m;
    } catch {
      return;
    }
    for (const listener of listeners) listener(message);
  };
  win.addEventListener('storage', onStorage);
  return {
    post(message) {
      try {
        win.localStorage.setItem(key, JSON.stringify({ m: message, n: Math.random() }));
        win.localStorage.removeItem(key);
      } catch {
        // Storage full or disabled: this tab simply cannot talk to the others.
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      listeners.clear();
      win.removeEventListener('storage', onStorage);
    },
  };
}

/** The best {@link TabChannel} the browser offers. */
export function createTabChannel<T>(name: string, win: Window): TabChannel<T> {
  return typeof BroadcastChannel === 'function' ? broadcastTabChannel<T>(name) : storageTabChannel<T>(name, win);
}
