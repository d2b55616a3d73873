import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ACTIVITY_EVENTS, activity$ } from './activity.js';

beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
afterEach(() => vi.useRealTimers());

describe('activity$', () => {
  it('turns a 1000 Hz mouse into at most one emission per second', () => {
    const seen: number[] = [];
    const subscription = activity$(document, () => Date.now()).subscribe((at) => seen.push(at));
    for (let index = 0; index < 3000; index++) {
      document.dispatchEvent(new MouseEvent('mousemove'));
      vi.advanceTimersByTime(1);
    }
    subscription.unsubscribe();
    expect(seen).toHaveLength(3);
    expect(seen[1]! - seen[0]!).toBeGreaterThanOrEqual(1000);
  });

  it('listens to mouse, keyboard, touch, wheel and scroll with passive capturing listeners, and removes them', () => {
    const target = new EventTarget();
    const add = vi.spyOn(target, 'addEventListener');
    const remove = vi.spyOn(target, 'removeEventListener');
    const subscription = activity$(target, () => Date.now()).subscribe();
    expect(add.mock.calls.map(([type]) => type).sort()).toEqual(
      ['keydown', 'mousedown', 'mousemove', 'scroll', 'touchstart', 'wheel'],
    );
    for (const [, , options] of add.mock.calls) expect(options).toEqual({ passive: true, capture: true });
    subscription.unsubscribe();
    expect(remove).toHaveBeenCalledTimes(6);
  });

  it('counts a key press on a field deep in the page (capture phase, even if the app stops propagation)', () => {
    document.body.innerHTML = '<input id="field">';
    const field = document.getElementById('field')!;
    field.addEventListener('keydown', (event) => event.stopPropagation());
    const seen = vi.fn();
    const subscription = activity$(document, () => Date.now()).subscribe(seen);
    field.dispatchEvent(new KeyboardEvent('keydown', { key: 'a', bubbles: true }));
    subscription.unsubscribe();
    expect(seen).toHaveBeenCalledTimes(1);
  });

  describe('takes its listeners off for the throttle window', () => {
    /** A target whose listeners can be counted: the net number attached, per event type. */
    function countedTarget() {
      const target = new EventTarget();
      const add = vi.spyOn(target, 'addEventListener');
      const remove = vi.spyOn(target, 'removeEventListener');
      const attached = (): number => add.mock.calls.length - remove.mock.calls.length;
      return { target, add, remove, attached };
    }
    const mousemove = () => new MouseEvent('mousemove');

    it('removes every listener once an activity is reported, and puts them back (one timer) when the window ends', () => {
      const { target, add, remove, attached } = countedTarget();
      const seen: number[] = [];
      const subscription = activity$(target, () => Date.now()).subscribe((at) => seen.push(at));
      expect(attached()).toBe(ACTIVITY_EVENTS.length);

      target.dispatchEvent(mousemove());
      expect(seen).toEqual([1_000_000]);
      expect(remove.mock.calls.map(([type]) => type).sort()).toEqual([...ACTIVITY_EVENTS].sort());
      for (const [, , options] of remove.mock.calls) expect(options).toEqual({ passive: true, capture: true });
      expect(attached()).toBe(0);
      expect(vi.getTimerCount()).toBe(1);

      vi.advanceTimersByTime(999);
      expect(attached()).toBe(0);
      vi.advanceTimersByTime(1);
      expect(attached()).toBe(ACTIVITY_EVENTS.length);
      expect(add).toHaveBeenCalledTimes(2 * ACTIVITY_EVENTS.length);
      for (const [, , options] of add.mock.calls) expect(options).toEqual({ passive: true, capture: true });
      expect(vi.getTimerCount()).toBe(0);
      subscription.unsubscribe();
    });

    it('keeps the leading-edge timing: the first event after a quiet window at once, none inside the window', () => {
      const { target } = countedTarget();
      const seen: number[] = [];
      const subscription = activity$(target, () => Date.now()).subscribe((at) => seen.push(at));
      target.dispatchEvent(mousemove());
      vi.advanceTimersByTime(500);
      target.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' }));
      vi.advanceTimersByTime(499);
      target.dispatchEvent(mousemove());
      expect(seen).toEqual([1_000_000]);
      vi.advanceTimersByTime(1);
      target.dispatchEvent(mousemove());
      expect(seen).toEqual([1_000_000, 1_001_000]);
      // After a quiet spell, the next event is reported at once.
      vi.advanceTimersByTime(60_000);
      target.dispatchEvent(new Event('scroll'));
      expect(seen).toEqual([1_000_000, 1_001_000, 1_061_000]);
      subscription.unsubscribe();
    });

    it('honours throttleMs and the event list', () => {
      const { target, attached } = countedTarget();
      const seen = vi.fn();
      const subscription = activity$(target, () => Date.now(), undefined, 250, ['keydown']).subscribe(seen);
      expect(attached()).toBe(1);
      target.dispatchEvent(new KeyboardEvent('keydown'));
      expect(attached()).toBe(0);
      vi.advanceTimersByTime(250);
      expect(attached()).toBe(1);
      target.dispatchEvent(new KeyboardEvent('keydown'));
      expect(seen).toHaveBeenCalledTimes(2);
      subscription.unsubscribe();
    });

    it('leaves no listener and no timer after an unsubscribe inside the window, and puts none back later', () => {
      const { target, attached } = countedTarget();
      const seen = vi.fn();
      const subscription = activity$(target, () => Date.now()).subscribe(seen);
      target.dispatchEvent(mousemove());
      expect(vi.getTimerCount()).toBe(1);
      subscription.unsubscribe();
      expect(vi.getTimerCount()).toBe(0);
      expect(attached()).toBe(0);
      vi.advanceTimersByTime(10_000);
      expect(attached()).toBe(0);
      target.dispatchEvent(mousemove());
      expect(seen).toHaveBeenCalledTimes(1);
    });

    it('leaves no listener and no timer when the subscriber unsubscribes from its own handler', () => {
      const { target, attached } = countedTarget();
      const subscription = activity$(target, () => Date.now()).subscribe(() => subscription.unsubscribe());
      target.dispatchEvent(mousemove());
      expect(vi.getTimerCount()).toBe(0);
      expect(attached()).toBe(0);
      vi.advanceTimersByTime(10_000);
      expect(attached()).toBe(0);
    });

    it('keeps listening after an event that does not count: only a counted one opens a window', () => {
      const { target, remove, attached } = countedTarget();
      const seen: number[] = [];
      // Like the guard while its warning shows: mouse movement and dialog keys do not count.
      const counts = vi.fn((event: Event) => event.type !== 'mousemove' && (event as KeyboardEvent).key !== 'Tab');
      const subscription = activity$(target, () => Date.now(), counts).subscribe((at) => seen.push(at));
      for (let index = 0; index < 5; index++) {
        target.dispatchEvent(mousemove());
        target.dispatchEvent(new KeyboardEvent('keydown', { key: 'Tab' }));
        vi.advanceTimersByTime(10);
      }
      expect(counts).toHaveBeenCalledTimes(10);
      expect(seen).toEqual([]);
      expect(remove).not.toHaveBeenCalled();
      expect(attached()).toBe(ACTIVITY_EVENTS.length);
      expect(vi.getTimerCount()).toBe(0);

      // The first event that counts is reported at once and opens the window.
      target.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' }));
      expect(seen).toEqual([1_000_050]);
      expect(attached()).toBe(0);
      target.dispatchEvent(new KeyboardEvent('keydown', { key: 'b' }));
      expect(counts).toHaveBeenCalledTimes(11);
      vi.advanceTimersByTime(1000);
      expect(attached()).toBe(ACTIVITY_EVENTS.length);
      target.dispatchEvent(mousemove());
      expect(seen).toEqual([1_000_050]);
      expect(attached()).toBe(ACTIVITY_EVENTS.length);
      subscription.unsubscribe();
      expect(attached()).toBe(0);
    });
  });
});
