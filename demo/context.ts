/** What the demo's route modules share. */
import type { RequestHandler } from 'express';
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

function isApiRequest(path: string, accept: string | undefined): boolean {
  return path.startsWith('/api/') || (accept ?? '').includes('application/json');
}

/** Lets signed-in users through; API requests otherwise get 401 JSON, pages a redirect to sign in. */
export function requireUser(ctx: DemoContext): RequestHandler {
  return (req, res, next) => {
    const userId = ctx.guard.userId(req);
    const user = userId === null ? null : ctx.users.get(userId);
    if (!user) {
      if (isApiRequest(req.path, req.get('accept'))) {
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
