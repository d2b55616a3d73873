import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from './clock.js';
import { storageLeader, webLocksLeader } from './leader.js';

/** A LockManager with the one behaviour we use: exclusive locks granted in request order. */
function fakeLocks() {
  const queue: { callback: () => unknown; signal?: AbortSignal; resolve: (value: unknown) => void; reject: (error: unknown) => void }[] = [];
  let held = false;
  const grant = (): void => {
    if (held) return;
    const next = queue.shift();
    if (!next) return;
    held = true;
    void Promise.resolve(next.callback())
      .then(next.resolve)
      .finally(() => {
        held = false;
        grant();
      });
  };
  return {
    request(_name: string, options: { signal?: AbortSignal }, callback: () => unknown) {
      return new Promise((resolve, reject) => {
        const entry = { callback, signal: options.signal, resolve, reject };
        options.signal?.addEventListener('abort', () => {
          const index = queue.indexOf(entry);
          if (index >= 0) {
            queue.splice(index, 1);
            reject(new DOMException('aborted', 'AbortError'));
          }
        });
        queue.push(entry);
        grant();
      });
    },
  } as unknown as LockManager;
}

describe('webLocksLeader', () => {
  it('makes one tab the leader and hands over when it closes', async () => {
    const locks = fakeLocks();
    const a = webLocksLeader(locks, 'sg');
    const b = webLocksLeader(locks, 'sg');
    await vi.waitFor(() => expect(a.isLeader).toBe(true));
    expect(b.isLeader).toBe(false);
    const changes = vi.fn();
    b.subscribe(changes);
    a.close();
    await vi.waitFor(() => expect(b.isLeader).toBe(true));
    expect(changes).toHaveBeenCalledWith(true);
    b.close();
  });
});

describe('storageLeader', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
    localStorage.clear();
  });
  afterEach(() => vi.useRealTimers());

  it('leases leadership to one tab; another takes over when it is released or lapses', () => {
    const a = storageLeader(window, systemClock, 'sg');
    const b = storageLeader(window, systemClock, 'sg');
    expect(a.isLeader).toBe(true);
    expect(b.isLeader).toBe(false);
    vi.advanceTimersByTime(10_000);
    expect(a.isLeader).toBe(true);
    expect(b.isLeader).toBe(false);
    a.close();
    vi.advanceTimersByTime(2_000);
    expect(b.isLeader).toBe(true);
    b.close();
  });
});
