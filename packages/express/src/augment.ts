/**
 * Type augmentations the adapter brings: what it keeps in `req.session` and
 * what it attaches to `req`.
 */
import 'express-session';

/** What the guard keeps in `req.session.sessionguard`. The registry, not this, is the truth. */
export interface SessionGuardSessionData {
  userId: string;
  /** Sign-in time, epoch milliseconds. */
  createdAt: number;
  /** HMAC of the user's session auth hash, when `getSessionAuthHash` is configured. */
  authHash?: string;
}

/** What the middleware attaches as `req.sessionGuard` for a live, signed-in session. */
export interface SessionGuardRequestInfo {
  userId: string;
  /** The session's public id (safe to show and log). */
  publicId: string;
}

declare module 'express-session' {
  interface SessionData {
    sessionguard?: SessionGuardSessionData;
  }
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by the sessionguard middleware for a live, signed-in session. */
      sessionGuard?: SessionGuardRequestInfo;
    }
  }
}
