import type { SessionGuard } from './guard.js';
import { restorePreserved, savePreserved } from './preserve.js';

/** Form preservation attached to a guard; see {@link preserveFields}. */
export interface PreservedFields {
  /** Saves the marked fields, for the user this page is of: call before sending the user to the login page. */
  save(): void;
  /** Stops waiting to restore. */
  stop(): void;
}

/**
 * Keeps the values of fields marked `data-sessionguard-preserve` across a
 * trip to the login page: `save()` writes them to sessionStorage with the
 * server's tag of the page's user; on the next page load they are put back
 * (at `DOMContentLoaded`, or at once) for that user only, waiting for the
 * guard's first answer when the tag is not known yet. `attachDialogs` does
 * this for the built-in dialogs; a custom UI without sign-in in place calls
 * it itself.
 */
export function preserveFields(guard: SessionGuard): PreservedFields {
  const { window: win, name } = guard.options;
  const doc = win.document;
  const key = `${name}:preserve:${win.location.pathname}`;
  let waiting = false;
  const restore = (): void => void (waiting = !restorePreserved(doc, win.sessionStorage, key, guard.user));
  // Not before the page's own restore (at DOMContentLoaded): that one uses the tag known then.
  const stopWaiting = guard.on('user', () => waiting && restore());
  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', restore, { once: true });
  else restore();
  return {
    save: () => savePreserved(doc, win.sessionStorage, key, guard.user),
    stop() {
      stopWaiting();
      doc.removeEventListener('DOMContentLoaded', restore);
    },
  };
}
