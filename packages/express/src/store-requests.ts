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
