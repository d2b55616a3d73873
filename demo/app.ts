/**
 * The demo application: security headers, static files, express-session,
 * the guard (enforcement middleware, ping and sessions router, admin API) and
 * the demo's pages.
 */
import express, { type ErrorRequestHandler, type Express } from 'express';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSessionGuard } from '@sessionguard/express';
import { accountRoutes } from './account-routes.js';
import { adminRoutes } from './admin-routes.js';
import { authRoutes } from './auth-routes.js';
import type { DemoConfig } from './config.js';
import { isApiRequest, type DemoContext } from './context.js';
import { html } from './html.js';
import { renderPage } from './layout.js';
import { log, requestLogger } from './logger.js';
import { malformedPathGuard, noStore, sameOriginOnly, securityHeaders, sendError } from './security.js';
import type { Stores } from './stores.js';
import { createClock, testClockRouter } from './test-clock.js';
import type { UserDirectory } from './users.js';
import { workRoutes } from './work-routes.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The client's built files (`sessionguard.min.js`): the workspace's
 * packages/client/dist next to this demo when present, else wherever npm put
 * the package.
 */
function clientDist(): string {
  const workspace = path.resolve(here, '..', '..', 'packages', 'client', 'dist');
  if (existsSync(path.join(workspace, 'sessionguard.min.js'))) return workspace;
  try {
    return path.dirname(createRequire(import.meta.url).resolve('@sessionguard/client/sessionguard.min.js'));
  } catch {
    log('warning: @sessionguard/client/dist/sessionguard.min.js is missing; run `npm run build`');
    return workspace;
  }
}

/** The demo's static files: demo/public, next to demo/dist where the bundle runs. */
function publicDir(): string {
  const candidates = [path.resolve(here, '..', 'public'), path.resolve(here, 'public')];
  return candidates.find((dir) => existsSync(dir)) ?? candidates[0]!;
}

export interface DemoApp {
  app: Express;
  context: DemoContext;
}

export function createDemoApp(config: DemoConfig, users: UserDirectory, stores: Stores): DemoApp {
  // The stores' clock when they have one: a Redis registry decides on the clock it is given, which must be this one.
  const clock = stores.clock ?? createClock();
  const guard = createSessionGuard({
    secret: config.secrets,
    warnAfter: config.warnAfter,
    expireAfter: config.expireAfter,
    absoluteTimeout: config.absoluteTimeout,
    loginUrl: '/login',
    // A sign-out form posted after the session ended still signs out and lands on the sign-in page.
    anonymousUrls: ['/login', '/logout'],
    // The demo's routes, not the guard's default (every non-GET is API): a no-JS form post after expiry
    // is a page and goes to the sign-in page; /api/* is API whatever its Accept header.
    isApiRequest,
    store: stores.sessionStore,
    ...(stores.registry === undefined ? {} : { registry: stores.registry }),
    getSessionAuthHash: (userId) => users.sessionAuthHash(userId),
    singleSession: config.singleSession,
    logoutEverywhere: config.logoutEverywhere,
    ...(config.maxSessions === null ? {} : { maxSessions: config.maxSessions, sessionLimit: config.sessionLimit }),
    // ADMIN_WARN_AFTER / ADMIN_EXPIRE_AFTER: administrators' sessions warn and end on their own clock (fixed at sign-in).
    ...(config.adminPolicy ? { policyFor: (userId: string) => (users.get(userId)?.role === 'admin' ? config.adminPolicy! : undefined) } : {}),
    deviceNotices: config.deviceNotices,
    canRevoke: (actor, target) => users.canRevoke(actor, target),
    ...(config.testClock ? { now: clock.now } : {}),
    // Push (GET /session/events) is on by default; on Redis, ends reach the streams of every demo process.
    ...(stores.endChannel ? { push: { channel: stores.endChannel } } : {}),
  });
  // The guard logs every session event itself (public ids only, never session ids) as JSON lines on stdout.

  const context: DemoContext = { config, users, guard, clock, notes: new Map() };
  const app = express();
  app.disable('x-powered-by');
  if (config.trustProxy !== undefined) app.set('trust proxy', config.trustProxy);

  app.use(requestLogger);
  app.use(securityHeaders);
  app.use(
    malformedPathGuard((res, status, message) =>
      renderPage(res, { title: 'Bad request', user: null, status, body: html`<p>${message} <a href="/">Go to the work page</a>.</p>` }),
    ),
  );
  if (config.testClock) app.use(testClockRouter(clock));
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  // Static files come before the session: fetching them is not user activity.
  app.use('/sessionguard', express.static(clientDist(), { index: false, maxAge: '1h' }));
  app.use('/static', express.static(publicDir(), { index: false, maxAge: '1h' }));

  // API answers describe one user at one instant: never cached (pages set it in renderPage, errors in sendError).
  app.use('/api', noStore);

  // Cross-site state changes are refused before the session is even read: a refused request is not activity.
  app.use(sameOriginOnly);

  // Through the guard: it checks these settings at start-up and makes the store fail closed (503, not 500 or a hang).
  app.use(
    guard.session({
      name: 'sessionguard.sid',
      secret: config.secrets,
      store: stores.sessionStore,
      resave: false,
      saveUninitialized: false,
      cookie: {
        httpOnly: true,
        sameSite: 'lax',
        // 'auto': secure whenever the request came over HTTPS (behind a proxy with TRUST_PROXY).
        secure: config.production ? true : 'auto',
        path: '/',
        // The absolute lifetime; the guard ends idle sessions long before.
        maxAge: config.absoluteTimeout * 1000,
      },
    }),
  );
  app.use(guard.middleware);
  app.use('/session', guard.router);
  app.use('/admin/sessions', guard.adminRouter);

  app.use(authRoutes(context));
  app.use(workRoutes(context));
  app.use(accountRoutes(context));
  app.use(adminRoutes(context));
  // The no-JS notes form posts to /notes; one posted after expiry comes back here after sign-in (the
  // guard's return path is the path posted to), and the form lives on the work page.
  app.get('/notes', (_req, res) => {
    res.redirect(303, '/');
  });

  app.use((req, res) => {
    if (isApiRequest(req)) {
      sendError(res, 404, 'not_found', 'No such page.');
      return;
    }
    renderPage(res, { title: 'Not found', user: null, status: 404, body: html`<p>No such page. <a href="/">Go to the work page</a>.</p>` });
  });
  app.use(guard.errorHandler);
  app.use(errorHandler);
  return { app, context };
}

const errorHandler: ErrorRequestHandler = (error: unknown, req, res, _next) => {
  const err = error as { name?: string; status?: number; type?: string; message?: string };
  let status = 500;
  let code = 'internal_error';
  let message = 'Something went wrong on our side.';
  // SessionStoreUnavailableError never gets here: guard.errorHandler, mounted just before, answers it with 503.
  if (err?.type === 'entity.too.large') {
    status = 413;
    code = 'payload_too_large';
    message = 'The request body is too large.';
  } else if (err?.type === 'entity.parse.failed') {
    status = 400;
    code = 'invalid_body';
    message = 'The request body is not valid JSON.';
  } else if (err?.name === 'URIError') {
    // A route parameter with malformed percent-encoding; malformedPathGuard answers most of these first.
    status = 400;
    code = 'invalid_parameter';
    message = 'The address has a malformed percent-encoding.';
  } else {
    log(`error on ${req.method} ${req.path}: ${err?.name ?? 'Error'}: ${err?.message ?? String(error)}`);
  }
  if (res.headersSent) return;
  if (isApiRequest(req)) {
    sendError(res, status, code, message);
    return;
  }
  renderPage(res, { title: 'Error', user: null, status, body: html`<p>${message}</p>` });
};
