import { Observable } from './deps.js';

/** DOM events that count as user activity. */
export const ACTIVITY_EVENTS = ['mousemove', 'mousedown', 'keydown', 'touchstart', 'wheel', 'scroll'] as const;

/**
 * User activity on `target` as one stream of epoch-millisecond timestamps,
 * at most one per `throttleMs`.
 *
 * The listeners are passive and capturing, and do one subtraction per event:
 * a 1000 Hz mouse costs a property read and a compare per event. No rxjs
 * operator runs per event (throttleTime would also pull in the async
 * scheduler), only per emission.
 *
 * @param now - the clock read once per emission, so tests can fake time
 * @param counts - when given, an event only counts if it returns true (asked
 *   only once the throttle lets an event through)
 */
export function activity$(
  target: EventTarget,
  now: () => number,
  counts?: (event: Event) => boolean,
  throttleMs = 1000,
  events: readonly string[] = ACTIVITY_EVENTS,
): Observable<number> {
  return new Observable<number>((subscriber) => {
    let last = -Infinity;
    const onEvent = (event: Event): void => {
      const at = event.timeStamp;
      // `at < last`: the time base moved (a test reset the clock); accept and restart.
      if ((at - last >= throttleMs || at < last) && (!counts || counts(event))) {
        last = at;
        subscriber.next(now());
      }
    };
    const options: AddEventListenerOptions = { passive: true, capture: true };
    for (const type of events) target.addEventListener(type, onEvent, options);
    return () => {
      for (const type of events) target.removeEventListener(type, onEvent, options);
    };
  });
}
