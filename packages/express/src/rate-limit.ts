/** Outcome of {@link RateLimiter.hit}. */
export type RateLimitResult = { ok: true } | { ok: false; retryAfterSeconds: number };

/** A fixed-window counter per key. */
export interface RateLimiter {
  /** Counts one request for `key`. */
  hit(key: string): RateLimitResult;
  /** Number of keys held; for tests and memory checks. */
  readonly size: number;
}

/** Options of {@link createRateLimiter}. */
export interface RateLimiterOptions {
  windowMs: number;
  max: number;
  now: () => number;
  /**
   * Most keys held at once. Beyond it, expired windows go first, then the
   * oldest: memory stays bounded whatever a flood of users and IPs does.
   * @default 10000
   */
  maxKeys?: number;
}

/**
 * An in-memory fixed-window rate limiter. Per process: with several processes
 * each allows `max`, which still bounds abuse. Windows live in a Map in
 * window-start order (a key is re-inserted when its window restarts), so the
 * expired ones are always at the front and eviction is cheap.
 */
export function createRateLimiter({ windowMs, max, now, maxKeys = 10_000 }: RateLimiterOptions): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  const evict = (at: number) => {
    for (const [key, window] of windows) {
      if (windows.size < maxKeys && window.start + windowMs > at) break;
      windows.delete(key);
    }
  };
  return {
    hit(key) {
      const at = now();
      let window = windows.get(key);
      if (!window || window.start + windowMs <= at) {
        windows.delete(key);
        if (windows.size >= maxKeys) evict(at);
        window = { start: at, count: 0 };
        windows.set(key, window);
      }
      window.count += 1;
      if (window.count <= max) return { ok: true };
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((window.start + windowMs - at) / 1000)) };
    },
    get size() {
      return windows.size;
    },
  };
}
