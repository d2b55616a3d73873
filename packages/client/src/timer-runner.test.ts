import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from './clock.js';
import type { TimerName } from './machine.js';
import { createTimerRunner } from './timer-runner.js';

let fired: [TimerName, number][];
const start = Date.parse('2026-01-01T10:00:00Z');
const runner = () => createTimerRunner(systemClock, (name) => fired.push([name, Date.now() - start]));

beforeEach(() => {
  vi.useFakeTimers({ now: start });
  fired = [];
});
afterEach(() => vi.useRealTimers());

describe("the runner of the machine's timers", () => {
  it('fires each timer once, at its due time', async () => {
    const timers = runner();
    timers.sync({ main: start + 5000, ping: start + 1000 });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fired).toEqual([['ping', 1000], ['main', 5000]]);
  });

  it('moves a timer whose due time changed, keeps one whose did not, and cancels a dropped one', async () => {
    const timers = runner();
    timers.sync({ main: start + 5000, ping: start + 1000, retry: start + 2000 });
    await vi.advanceTimersByTimeAsync(500);
    timers.sync({ main: start + 8000, ping: start + 1000 });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fired).toEqual([['ping', 1000], ['main', 8000]]);
  });

  it('sets a timer again after it fired, when the machine sets the same name anew', async () => {
    const timers = runner();
    timers.sync({ confirm: start + 1000 });
    await vi.advanceTimersByTimeAsync(1000);
    timers.sync({ confirm: start + 3000 });
    await vi.advanceTimersByTimeAsync(5000);
    expect(fired).toEqual([['confirm', 1000], ['confirm', 3000]]);
  });

  it('fires nothing after close', async () => {
    const timers = runner();
    timers.sync({ main: start + 1000, check: start + 2000 });
    timers.close();
    await vi.advanceTimersByTimeAsync(5000);
    expect(fired).toEqual([]);
  });
});
