/**
 * What the polite live region says with `seconds` left: the time rounded up
 * to whole minutes above one minute, then 40 and 20 seconds. Announcing only
 * when this changes gives one announcement per minute and every 20 seconds in
 * the last minute, never one per second.
 */
export function announcedSeconds(seconds: number): number {
  if (seconds > 60) return Math.ceil(seconds / 60) * 60;
  if (seconds > 40) return 60;
  return seconds > 20 ? 40 : 20;
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
  const region = doc.createElement('div');
  region.className = 'sg-s';
  region.setAttribute('role', 'status');
  region.setAttribute('aria-live', 'polite');
  region.setAttribute('aria-atomic', 'true');
  region.setAttribute('data-sessionguard', 'live');
  doc.body.append(region);
  return {
    say(text) {
      if (region.textContent !== text) region.textContent = text;
    },
    remove: () => region.remove(),
  };
}
