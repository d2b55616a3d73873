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

/**
 * A {@link TabChannel} sending with `post` whose `close` clears the listeners,
 * then runs `stop`; and the function that hands a received message to the listeners.
 */
function tabChannel<T>(post: (message: T) => void, stop: () => void): [TabChannel<T>, (message: T) => void] {
  const listeners = new Set<(message: T) => void>();
  return [
    {
      post,
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      close() {
        listeners.clear();
        stop();
      },
    },
    (message) => {
      for (const listener of listeners) listener(message);
    },
  ];
}

/** A {@link TabChannel} over `BroadcastChannel`. */
export function broadcastTabChannel<T>(name: string): TabChannel<T> {
  const channel = new BroadcastChannel(name);
  const [tabs, receive] = tabChannel<T>(
    (message) => channel.postMessage(message),
    () => channel.close(),
  );
  channel.onmessage = (event: MessageEvent) => receive(event.data as T);
  return tabs;
}

/**
 * A {@link TabChannel} over `storage` events, for browsers without
 * BroadcastChannel: each message is written to one key (with a nonce, so equal
 * messages still fire) and removed at once; other tabs see the write.
 */
export function storageTabChannel<T>(name: string, win: Window): TabChannel<T> {
  const key = `${name}:message`;
  const onStorage = (event: StorageEvent): void => {
    if (event.key !== key || !event.newValue) return;
    let message: T;
    try {
      message = (JSON.parse(event.newValue) as { m: T }).m;
    } catch {
      return;
    }
    receive(message);
  };
  const [tabs, receive] = tabChannel<T>(
    (message) => {
      try {
        win.localStorage.setItem(key, JSON.stringify({ m: message, n: Math.random() }));
        win.localStorage.removeItem(key);
      } catch {
        // Storage full or disabled: this tab simply cannot talk to the others.
      }
    },
    () => win.removeEventListener('storage', onStorage),
  );
  win.addEventListener('storage', onStorage);
  return tabs;
}

/** The best {@link TabChannel} the browser offers. */
export function createTabChannel<T>(name: string, win: Window): TabChannel<T> {
  return typeof BroadcastChannel === 'function' ? broadcastTabChannel<T>(name) : storageTabChannel<T>(name, win);
}
