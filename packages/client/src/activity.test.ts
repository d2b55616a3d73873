import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { activity$ } from './activity.js';

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
});
