/** What the demo's route modules share. */
import type { Request, RequestHandler } from 'express';
import type { SessionGuard } from '@sessionguard/express';
import type { DemoConfig } from './config.js';
import type { Clock } from './test-clock.js';
import type { User, UserDirectory } from './users.js';
import { sendError } from './security.js';

export type Guard = SessionGuard;

export interface DemoContext {
  config: DemoConfig;
  users: UserDirectory;
  guard: Guard;
  clock: Clock;
  /** Saved notes per user (the work page's "document"). In memory: a demo. */
  notes: Map<string, string>;
}

declare module 'express-serve-static-core' {
  interface Locals {
    /** Set by {@link requireUser}. */
    user: User;
  }
}

/** The demo's API: its JSON routes and the guard's routers. */
const API_PATHS = /^\/(?:api|session|admin\/sessions)(?:\/|$)/;

/**
 * Whether a request that is not (or no longer) signed in gets 401 JSON rather
 * than a redirect to the sign-in page; the guard asks the same (its
 * `isApiRequest` option) for an ended session. API: the demo's API paths
 * whatever the `Accept` header, the SDK's and the page scripts' calls
 * (`X-SessionGuard`, `X-Requested-With`), a JSON body, an `Accept` that
 * prefers JSON, and a non-GET that does not name text/html in `Accept` (not a
 * browser's form). A page: a browser navigation, and a plain form post (a
 * browser sends `Accept: text/html,...`), which must land on the sign-in page,
 * not on raw JSON.
 */
export function isApiRequest(req: Request): boolean {
  if (API_PATHS.test(req.originalUrl.replace(/[?#].*$/s, ''))) return true;
  if (req.get('x-sessionguard') !== undefined || req.get('x-requested-with') !== undefined) return true;
  if (req.is('application/json')) return true;
  const accept = req.get('accept');
  const safeMethod = req.method === 'GET' || req.method === 'HEAD';
  if (!accept) return !safeMethod;
  if (req.accepts(['html', 'json']) !== 'html') return true;
  // A script's fetch() sends `Accept: */*` and would follow a 303 silently to the sign-in page's 200;
  // a browser's form post names text/html.
  return !safeMethod && !/\btext\/html\b/i.test(accept);
}

/** Lets signed-in users through; API requests otherwise get 401 JSON, pages a redirect to sign in. */
export function requireUser(ctx: DemoContext): RequestHandler {
  return (req, res, next) => {
    const userId = ctx.guard.userId(req);
    const user = userId === null ? null : ctx.users.get(userId);
    if (!user) {
      if (isApiRequest(req)) {
        sendError(res, 401, 'unauthenticated', 'Sign in first.');
      } else {
        res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
      }
      return;
    }
    res.locals.user = user;
    next();
  };
}
