import type { RequestHandler } from 'express';
import type { Store } from 'express-session';
import type { GuardContext } from './context.js';
import { isPassiveRequest } from './middleware.js';

/** The hook of a store that checks and records activity while it loads a session (the sessionguard Redis store). */
interface AnnouncedStore {
  expectRequest(intent: { recordActivity: boolean } | null): void;
}

const announces = (store: Store): store is Store & AnnouncedStore => typeof (store as Partial<AnnouncedStore>).expectRequest === 'function';

/**
 * express-session, told what each request is before it loads the session.
 * express-session calls the store's `get` synchronously while it handles a
 * request with a session cookie; just before, the store learns whether that
 * request counts as activity (the ping, the guard's own state changes and
 * `passiveUrls` do not), so one script can check the session and record its
 * activity. Any other store gets express-session unchanged.
 */
export function announceRequests(ctx: GuardContext, store: Store, middleware: RequestHandler): RequestHandler {
  if (!announces(store)) return middleware;
  return function sessionWithIntent(req, res, next) {
    store.expectRequest({ recordActivity: !isPassiveRequest(ctx, req) });
    try {
      middleware(req, res, next);
    } finally {
      store.expectRequest(null);
    }
  };
}

/** At most this long between two touches of one session passed on to the store (ms). */
const TOUCH_WINDOW_MAX_MS = 60_000;
/** How many sessions' last touch one process remembers (the oldest is forgotten first). */
const TOUCHES_REMEMBERED = 10_000;

/**
 * The app's own store (connect-redis, say), its `touch` coalesced: express-
 * session calls it at the end of every request whose session did not change,
 * and connect-redis answers with an `EXPIRE` that slides the data's lifetime
 * by the few milliseconds since the last one. Passed on at most once per 1%
 * of that lifetime (the cookie's `maxAge`, else the store's `ttl`, else a
 * day), and never more than a minute apart, per session and process: the data
 * then expires at most that much earlier than it would, the same bound as the
 * registry's coalesced activity (1%, 1 s for a 100 s idle limit), while the
 * guard's own idle check stays exact. `set` (a changed session) is untouched.
 */
export function coalesceTouches(store: Store): Store {
  const original = store.touch;
  if (typeof original !== 'function') return store;
  const touched = new Map<string, number>();
  const ttlSeconds = (store as { ttl?: unknown }).ttl;
  store.touch = function coalescedTouch(this: Store, sid: string, session, callback?: () => void) {
    const maxAge = (session as { cookie?: { originalMaxAge?: unknown } } | undefined)?.cookie?.originalMaxAge;
    const lifetime = typeof maxAge === 'number' && maxAge > 0 ? maxAge : typeof ttlSeconds === 'number' && ttlSeconds > 0 ? ttlSeconds * 1000 : 86_400_000;
    const window = Math.min(TOUCH_WINDOW_MAX_MS, lifetime / 100);
    const now = Date.now();
    const last = touched.get(sid);
    if (last !== undefined && now >= last && now - last < window) {
      callback?.();
      return;
    }
    touched.delete(sid);
    touched.set(sid, now);
    if (touched.size > TOUCHES_REMEMBERED) touched.delete(touched.keys().next().value!);
    return original.call(this, sid, session, callback);
  };
  return store;
}
