import { observable, type Observable } from './observable.js';

/**
 * Signals after which timers may have been frozen or throttled: the tab
 * became visible, got focus, came back from the back/forward cache, or the
 * network came back. The guard recomputes everything from timestamps on each.
 * Emits the event's type.
 */
export function wake$(win: Window): Observable<string> {
  return observable<string>((subscriber) => {
    const doc = win.document;
    const onWake = (event: Event): void => subscriber.next(event.type);
    const windowEvents = ['focus', 'pageshow', 'online'];
    for (const type of windowEvents) win.addEventListener(type, onWake);
    doc.addEventListener('visibilitychange', onWake);
    return () => {
      for (const type of windowEvents) win.removeEventListener(type, onWake);
      doc.removeEventListener('visibilitychange', onWake);
    };
  });
}
