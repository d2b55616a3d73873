import { systemClock } from './clock.js';
import { observable, type Observable } from './observable.js';

/** DOM events that count as user activity. */
export const ACTIVITY_EVENTS = ['mousemove', 'mousedown', 'keydown', 'touchstart', 'wheel', 'scroll'] as const;

/**
 * User activity on `target` as one stream of epoch-millisecond timestamps,
 * at most one per `throttleMs` (a leading-edge throttle).
 *
 * The listeners are passive and capturing, and are only attached while an
 * event could be reported: once an event counts, the stream emits and the
 * listeners come off for the rest of the throttle window (one timer puts
 * them back). Inside the window the browser calls no script at all, so a
 * 1000 Hz mouse costs a listener call about once a second rather than on
 * every event. No rxjs operator runs per event, only per emission.
 *
 * An event that does not count (`counts` returns false) leaves the listeners
 * attached and opens no window, so the next event is asked again.
 *
 * @param now - the clock read once per emission, so tests can fake time
 * @param counts - when given, an event only counts if it returns true (asked
 *   only while the listeners are attached, i.e. outside a throttle window)
 * @param setTimer - schedules the end of a throttle window; returns a function
 *   that cancels it (default: the page's `setTimeout`)
 */
export function activity$(
  target: EventTarget,
  now: () => number,
  counts?: (event: Event) => boolean,
  throttleMs = 1000,
  events: readonly string[] = ACTIVITY_EVENTS,
  setTimer: (run: () => void, ms: number) => () => void = systemClock.setTimeout,
): Observable<number> {
  return observable<number>((subscriber) => {
    const options: AddEventListenerOptions = { passive: true, capture: true };
    let listening = false;
    let closed = false;
    /** Cancels the pending end of the current throttle window, if any. */
    let cancelWindow: (() => void) | undefined;
    const listen = (): void => {
      if (listening || closed) return;
      listening = true;
      for (const type of events) target.addEventListener(type, onEvent, options);
    };
    const unlisten = (): void => {
      if (!listening) return;
      listening = false;
      for (const type of events) target.removeEventListener(type, onEvent, options);
    };
    const onEvent = (event: Event): void => {
      // `listening` is false only if a listener of this event ran after the window opened.
      if (!listening || (counts && !counts(event))) return;
      unlisten();
      cancelWindow = setTimer(() => {
        cancelWindow = undefined;
        listen();
      }, throttleMs);
      subscriber.next(now());
    };
    listen();
    return () => {
      closed = true;
      cancelWindow?.();
      cancelWindow = undefined;
      unlisten();
    };
  });
}

/** Keys that operate a warning dialog: deciding in it is not activity. */
const DIALOG_KEYS = /^(Tab|Shift|Enter| |Escape)$/;

/**
 * While the warning shows, what still counts as activity (and so extends the
 * session, closing the warning in every tab): a key that does not operate the
 * dialog, or a press, touch or wheel outside the `role="alertdialog"` box
 * (the built-in warning's, or the app's own). Not mouse movement or scrolling:
 * the pointer crosses the backdrop on its way to `Sign out`, and that must
 * not extend the session under the user's hand.
 */
export function countsDuringWarning(event: Event): boolean {
  if (event.type === 'keydown') return !DIALOG_KEYS.test((event as KeyboardEvent).key);
  if (event.type === 'mousemove' || event.type === 'scroll') return false;
  return !(event.target as Element | null)?.closest?.('[role="alertdialog"]');
}
