/**
 * The time seam. Every timer the guard sets goes through a {@link Clock}, and
 * every decision is recomputed from `now()` when a timer fires, so a timer
 * that fires late (a throttled background tab, a laptop waking from sleep)
 * only delays a re-check, never leaves a stale state behind.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Runs `run` after `ms` milliseconds; returns a function that cancels it. */
  setTimeout(run: () => void, ms: number): () => void;
}

/**
 * Browsers fire a `setTimeout` longer than 2^31-1 ms at once; we never wait
 * more than an hour anyway, since every wake-up recomputes from timestamps.
 */
const MAX_DELAY = 3_600_000;

/** The {@link Clock} of the page: `Date.now` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(run, ms) {
    const id = setTimeout(run, Math.min(Math.max(0, ms), MAX_DELAY));
    return () => clearTimeout(id);
  },
};
