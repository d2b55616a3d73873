import { element } from './dialog-base.js';

/**
 * The next time left, below `seconds`, at which the polite live region speaks
 * again: each whole minute, then 40 and 20 seconds (0: no more). The region
 * says the time left when the warning opens and at each of these points:
 * never every second (the visible countdown is hidden from screen readers).
 */
export function nextAnnouncement(seconds: number): number {
  if (seconds > 60) return (Math.ceil(seconds / 60) - 1) * 60;
  return seconds > 40 ? 40 : seconds > 20 ? 20 : 0;
}

/** A visually hidden polite live region; `say` only writes when the text changes. */
export interface LiveRegion {
  say(text: string): void;
  remove(): void;
}

/**
 * Adds a visually hidden `role="status"` region to `doc.body`. It exists
 * before the first announcement, so screen readers announce the changes.
 */
export function createLiveRegion(doc: Document): LiveRegion {
  const region = element(doc, 'div', 'sg-s', undefined, {
    role: 'status',
    'aria-live': 'polite',
    'aria-atomic': 'true',
    'data-sessionguard': 'live',
  });
  doc.body.append(region);
  return {
    say(text) {
      if (region.textContent !== text) region.textContent = text;
    },
    remove: () => region.remove(),
  };
}
