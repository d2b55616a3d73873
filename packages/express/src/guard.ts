import { PUSH_PATH, SessionGuardConfigError, type TimingPolicy } from '@sessionguard/core';
import { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import expressSession, { type SessionOptions } from 'express-session';
import { createAdminRouter } from './admin-router.js';
import { createContext } from './context.js';
import type { SessionGuardEvents } from './events.js';
import { createAccountActions, type AccountActions } from './login.js';
import { isSessionEndedError, isSessionStoreUnavailableError } from './errors.js';
import { failClosedStore } from './fail-closed-store.js';
import { createRequireRecentSignIn } from './freshness.js';
import { announceRequests, coalesceTouches } from './store-requests.js';
import { createMiddleware, respondEnded, respondStoreUnavailable } from './middleware.js';
import { resolveOptions, sessionGuardStoreRegistry, type SessionGuardOptions } from './options.js';
import { createEventsHandler } from './events-router.js';
import { createPingRouter } from './ping-router.js';
import { createPushHub } from './push-hub.js';
import { createRateLimiter } from './rate-limit.js';
import { createRecheckSession } from './recheck.js';
import type { SessionRegistry } from './registry/types.js';
import { answerSessionLimit, createJsonErrorHandler } from './router-support.js';
import { checkSessionOptions, type CheckSessionOptionsOptions, type SessionOptionsProblem } from './session-options-check.js';
import { createSessionsRouter } from './sessions-router.js';

/** What {@link createSessionGuard} returns. */
export interface SessionGuard extends AccountActions {
  /** Enforcement on every request; mount after express-session. */
  middleware: RequestHandler;
  /**
   * `POST /ping`, `GET /sessions`, `DELETE /sessions/:publicId`, `DELETE /sessions`, the push
   * stream `GET /events` (unless `push: false`), and `POST /sessions/limit` (with
   * `sessionLimit: 'ask'`); mount e.g. at `/session`.
   */
  router: Router;
  /** `POST /revoke` `{"userIds": [...]}`, behind `canRevoke`; mount e.g. at `/admin/sessions`. */
  adminRouter: Router;
  /**
   * App-wide error handler, mounted last: a session store or registry that is
   * down or slow (SessionStoreUnavailableError, e.g. from {@link failClosedStore})
   * gets 503 `session_store_unavailable` with `Retry-After` and a log line; a
   * session that ended during the request (SessionEndedError, from
   * `passwordChanged` or `reauthenticated`) gets 401 or a redirect to sign in;
   * a sign-in over `maxSessions` (SessionLimitError) gets 409 `session_limit`
   * (with the sessions and a token under `'ask'`), and a refused completion
   * (SessionLimitTokenError) its 4xx code;
   * any other error goes on to the app's own handler.
   */
  errorHandler: ErrorRequestHandler;
  /**
   * Middleware for sensitive routes: only a sign-in at most `withinSeconds`
   * old (default `reauthenticateWithin`) gets through; otherwise 403
   * `reauthentication_required` (401 without a session).
   *
   * @example
   * app.post('/account/email', guard.requireRecentSignIn(), changeEmail);
   */
  requireRecentSignIn(withinSeconds?: number): RequestHandler;
  /**
   * Middleware for the app's own state-changing routes, mounted after the
   * body parser: asks the registry again whether the session is still live,
   * so a request whose body arrived after its session was revoked or expired
   * changes nothing (401 for API requests, a redirect to sign in otherwise).
   * Anonymous requests pass.
   *
   * @example
   * app.post('/notes', express.json(), guard.recheckSession, saveNotes);
   */
  recheckSession: RequestHandler;
  /** `session.created`, `session.revoked`, `session.expired`. */
  events: SessionGuardEvents;
  /** The timing policy in force (seconds). */
  policy: Required<TimingPolicy>;
  /** The registry the guard uses (as given, or the default memory registry). */
  registry: SessionRegistry;
  /**
   * express-session, set up through the guard: checks `sessionOptions` at
   * start-up ({@link checkSessionOptions}: warns in development, throws in
   * production) and wraps the store with {@link failClosedStore} (timeout:
   * `storeTimeout`), so a store that is down or slow answers 503 through
   * `errorHandler`. Equivalent to `session(sessionOptions)` otherwise.
   *
   * @example
   * app.use(guard.session({ secret, store: new RedisStore({ client }), resave: false, saveUninitialized: false, cookie }));
   */
  session(sessionOptions?: SessionOptions, checkOptions?: CheckSessionOptionsOptions): RequestHandler;
  /** {@link checkSessionOptions} with this guard's `expireAfter` and `absoluteTimeout`. */
  checkSessionOptions(sessionOptions: SessionOptions, options?: CheckSessionOptionsOptions): SessionOptionsProblem[];
  /**
   * The push streams this process holds (`null` with `push: false`): how
   * many are open, and how many sessions have an expiry check armed.
   */
  push: { readonly streams: number; readonly timers: number } | null;
  /**
   * Closes the push streams (each told `closed`, reason `shutdown`, so an HTTP
   * server's `close()` can finish) and stops the default memory registry's
   * timer (a registry or end channel you passed in is yours to close).
   */
  close(): Promise<void>;
}

/**
 * Creates the server side of sessionguard. Validates every option at once
 * (throwing SessionGuardConfigError naming the bad one).
 *
 * @example
 * const guard = createSessionGuard({ secret: process.env.SESSION_SECRET!, warnAfter: 25 * 60, expireAfter: 30 * 60 });
 * app.use(session({ secret: process.env.SESSION_SECRET!, resave: false, saveUninitialized: false }));
 * app.use(guard.middleware);
 * app.use('/session', guard.router);
 * app.use('/admin/sessions', guard.adminRouter);
 * app.use(guard.errorHandler);
 */
export function createSessionGuard(options: SessionGuardOptions): SessionGuard {
  const resolved = resolveOptions(options);
  const ctx = createContext(resolved);
  const limiter = resolved.rateLimit ? createRateLimiter({ ...resolved.rateLimit, now: resolved.now }) : null;
  const pingLimiter = resolved.pingRateLimit ? createRateLimiter({ ...resolved.pingRateLimit, now: resolved.now }) : null;
  const errorHandler = createJsonErrorHandler(ctx);

  const hub = resolved.push ? createPushHub(ctx, resolved.push) : null;
  const actions = createAccountActions(ctx);
  const router = Router();
  router.use(createPingRouter(ctx, pingLimiter), createSessionsRouter(ctx, limiter, resolved.sessionLimit === 'ask' ? actions.completeSignIn : undefined));
  if (hub) router.get(PUSH_PATH, createEventsHandler(ctx, hub, pingLimiter));
  router.use(errorHandler);
  const adminRouter = Router();
  adminRouter.use(createAdminRouter(ctx, limiter), errorHandler);

  const checkWithPolicy = (sessionOptions: SessionOptions, checkOptions: CheckSessionOptionsOptions = {}) =>
    checkSessionOptions(sessionOptions, {
      expireAfter: resolved.policy.expireAfter,
      absoluteTimeout: resolved.policy.absoluteTimeout,
      ...checkOptions,
    });

  return {
    ...actions,
    middleware: createMiddleware(ctx),
    router,
    adminRouter,
    errorHandler: (error, req, res, next) => {
      if (res.headersSent) next(error);
      else if (isSessionStoreUnavailableError(error)) respondStoreUnavailable(ctx, req, res, error);
      else if (isSessionEndedError(error)) respondEnded(ctx, req, res, error.code);
      else if (!answerSessionLimit(error, res)) next(error);
    },
    recheckSession: createRecheckSession(ctx),
    requireRecentSignIn(withinSeconds = resolved.reauthenticateWithin) {
      if (!(typeof withinSeconds === 'number' && Number.isFinite(withinSeconds) && withinSeconds > 0)) {
        throw new SessionGuardConfigError('withinSeconds', `of requireRecentSignIn must be a positive number of seconds, got ${String(withinSeconds)}`);
      }
      return createRequireRecentSignIn(ctx, withinSeconds);
    },
    events: ctx.events,
    policy: resolved.policy,
    registry: resolved.registry,
    checkSessionOptions: checkWithPolicy,
    session(sessionOptions = {} as SessionOptions, checkOptions) {
      checkWithPolicy(sessionOptions, checkOptions);
      if (!sessionOptions.store) return expressSession(sessionOptions);
      // The sessionguard store keeps the records: signed-in sessions could not be saved into it otherwise.
      const ownRegistry = sessionGuardStoreRegistry(sessionOptions.store);
      if (ownRegistry && ownRegistry !== resolved.registry) {
        throw new SessionGuardConfigError('store', 'of guard.session() is a sessionguard Redis store: give it to createSessionGuard too (`store`), it is the registry');
      }
      // The sessionguard store fails closed by itself (its commandTimeout): no second timer per call.
      const given = sessionOptions.store as typeof sessionOptions.store & { failsClosed?: boolean };
      const store = given.failsClosed === true ? given : coalesceTouches(failClosedStore(given, { timeout: resolved.storeTimeout }));
      ctx.useStore(store);
      const middleware = expressSession({ ...sessionOptions, store });
      return announceRequests(ctx, store, middleware);
    },
    push: hub && {
      get streams() {
        return hub.size;
      },
      get timers() {
        return hub.timers;
      },
    },
    async close() {
      await hub?.close();
      if (resolved.ownsRegistry) await resolved.registry.close();
    },
  };
}
