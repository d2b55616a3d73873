/**
 * A real Express 5 app with express-session and the guard, for the adapter's
 * HTTP tests. Time comes from a hand-driven clock, never from sleeps.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import request from 'supertest';
import { createSessionGuard, type SessionGuard } from './guard.js';
import type { LogFields, SessionGuardLogger } from './logger.js';
import type { SessionGuardOptions } from './options.js';
import { createMemoryRegistry } from './registry/memory-registry.js';
import type { SessionRegistry } from './registry/types.js';
import type { SessionGuardEventMap, SessionGuardEventName } from './events.js';

export const SECRET = 'test-secret-0123456789-abcdefghijklmnop';
export const OLD_SECRET = 'old-secret-0123456789-abcdefghijklmnopq';
export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields: LogFields | undefined;
}

/** An async route handler whose rejection goes to the error handlers: Express 4 does not pass it on by itself. */
function handle(run: (req: Request, res: Response) => Promise<void>) {
  return (req: Request, res: Response, next: NextFunction) => {
    run(req, res).catch(next);
  };
}

/** A deferred the slow route waits on, so a test decides when an in-flight request ends. */
export function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** The app's last error handler in the test apps: any error the guard did not answer is a 500 with its message. */
export function answerAppErrors(error: unknown, _req: Request, res: Response, _next: NextFunction): void {
  res.status(500).json({ error: 'app_error', message: String(error) });
}

/** Starts `app` on a free loopback port. */
export async function listenOnLoopback(app: express.Express): Promise<{ server: Server; origin: string }> {
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export interface TestAppOptions {
  guard?: Partial<SessionGuardOptions>;
  /** Wraps the memory registry (e.g. to fail or slow down calls). */
  wrapRegistry?: (registry: SessionRegistry) => SessionRegistry;
  sessionOptions?: Partial<session.SessionOptions>;
  /** Turns on `getSessionAuthHash`, reading the app's hashes from `authHashes`. */
  useAuthHash?: boolean;
  /** Where the test clock starts (epoch ms). @default T0 */
  startAt?: number;
}

export async function startTestApp(options: TestAppOptions = {}) {
  let now = options.startAt ?? T0;
  const clock = {
    now: () => now,
    advance(seconds: number) {
      now += seconds * 1000;
    },
  };
  const logs: LogLine[] = [];
  const logger: SessionGuardLogger = {
    info: (message, fields) => logs.push({ level: 'info', message, fields }),
    warn: (message, fields) => logs.push({ level: 'warn', message, fields }),
    error: (message, fields) => logs.push({ level: 'error', message, fields }),
  };
  const memory = createMemoryRegistry({ now: clock.now });
  const registry = options.wrapRegistry ? options.wrapRegistry(memory) : memory;
  const store = new session.MemoryStore();
  /** The app's per-user session auth hash (think: derived from the password hash). */
  const authHashes = new Map<string, string>();
  const makeGuard = (overrides: Partial<SessionGuardOptions> = {}) =>
    createSessionGuard({
      secret: SECRET,
      warnAfter: 30,
      expireAfter: 60,
      absoluteTimeout: 3600,
      registry,
      logger,
      now: clock.now,
      ...(options.useAuthHash ? { getSessionAuthHash: (userId: string) => authHashes.get(userId) ?? `initial-${userId}` } : {}),
      ...options.guard,
      ...overrides,
    });
  let guard: SessionGuard = makeGuard();
  const events: Array<{ name: SessionGuardEventName; event: SessionGuardEventMap[SessionGuardEventName] }> = [];
  const listen = () => {
    for (const name of ['session.created', 'session.revoked', 'session.expired'] as const) {
      guard.events.on(name, (event) => events.push({ name, event }));
    }
  };
  listen();
  /**
   * Awaited inside the routes below at the point where a race can land: after
   * the credential check of `/login-verified`, before the password change of `/password` and
   * `reauthenticated`. A test sets one to hold the request there.
   */
  const hooks: { afterVerify: () => Promise<void>; beforePasswordChange: () => Promise<void>; beforeReauthenticate: () => Promise<void> } = {
    afterVerify: async () => {},
    beforePasswordChange: async () => {},
    beforeReauthenticate: async () => {},
  };
  /** Notes saved by `POST /notes` per user: the app's own state-changing route. */
  const notes = new Map<string, string>();
  const slowGates: Array<ReturnType<typeof gate>> = [];
  let slowArrived = gate();

  const app = express();
  app.use(
    session({
      secret: SECRET,
      resave: false,
      saveUninitialized: false,
      store,
      cookie: { sameSite: 'lax' },
      ...options.sessionOptions,
    }),
  );
  // Indirect, so a test can swap the guard (e.g. rotate secrets) over the same store, registry and cookies.
  app.use((req, res, next) => guard.middleware(req, res, next));
  // Runs once the guard's check of a request has passed, before any body is read: tests wait on it.
  const arrivals = new Map<string, Array<() => void>>();
  app.use((req, _res, next) => {
    const waiting = arrivals.get(req.path);
    arrivals.delete(req.path);
    for (const wake of waiting ?? []) wake();
    next();
  });
  app.use('/session', (req, res, next) => guard.router(req, res, next));
  app.use('/admin/sessions', (req, res, next) => guard.adminRouter(req, res, next));
  app.post('/login', express.json(), handle(async (req: Request, res: Response) => {
    const { username } = req.body as { username: string };
    const sidBefore = req.sessionID;
    await guard.login(req, username);
    res.json({ username, sidBefore, sid: req.sessionID });
  }));
  // Like a real sign-in: the credential is checked, then the session is bound to what was checked.
  app.post('/login-verified', express.json(), handle(async (req: Request, res: Response) => {
    const { username } = req.body as { username: string };
    const verified = authHashes.get(username) ?? `initial-${username}`;
    await hooks.afterVerify();
    await guard.login(req, username, { sessionAuthHash: verified });
    res.json({ username, verified });
  }));
  app.post('/notes', express.json(), (req, res, next) => guard.recheckSession(req, res, next), (req: Request, res: Response) => {
    const userId = guard.userId(req);
    if (!userId) return void res.status(401).json({ error: 'unauthenticated' });
    notes.set(userId, String((req.body as { text?: unknown }).text));
    res.json({ saved: true });
  });
  app.post('/logout', handle(async (req: Request, res: Response) => {
    await guard.logout(req);
    res.json({});
  }));
  app.post('/password', express.json(), handle(async (req: Request, res: Response) => {
    const userId = guard.userId(req);
    if (!userId) return void res.status(401).json({ error: 'unauthenticated' });
    const sidBefore = req.sessionID;
    await hooks.beforePasswordChange();
    authHashes.set(userId, (req.body as { hash: string }).hash);
    await guard.passwordChanged(req, userId);
    res.json({ sidBefore, sid: req.sessionID, data: req.session.views ?? null });
  }));
  app.post('/reauthenticate', handle(async (req: Request, res: Response) => {
    await hooks.beforeReauthenticate();
    await guard.reauthenticated(req);
    res.json({});
  }));
  app.post('/sensitive', (req, res, next) => guard.requireRecentSignIn()(req, res, next), (_req: Request, res: Response) => {
    res.json({ done: true });
  });
  app.post('/views', (req: Request, res: Response) => {
    req.session.views = (req.session.views ?? 0) + 1;
    res.json({ views: req.session.views });
  });
  app.get('/api/me', (req: Request, res: Response) => {
    const userId = guard.userId(req);
    if (!userId) return void res.status(401).json({ error: 'unauthenticated' });
    res.json({ username: userId, publicId: req.sessionGuard?.publicId, views: req.session.views ?? 0 });
  });
  app.get('/page', (req: Request, res: Response) => {
    res.type('html').send(`<p>${guard.userId(req) ?? 'anonymous'}</p>`);
  });
  app.get('/poll', (req: Request, res: Response) => {
    res.json({ userId: guard.userId(req) });
  });
  app.post('/slow', handle(async (req: Request, res: Response) => {
    // Changes the session, so express-session will try to save it when the response ends.
    req.session.views = (req.session.views ?? 0) + 1;
    const held = gate();
    slowGates.push(held);
    slowArrived.open();
    await held.opened;
    res.json({ views: req.session.views });
  }));
  app.use((error: unknown, req: Request, res: Response, next: NextFunction) => guard.errorHandler(error, req, res, next));
  app.use(answerAppErrors);
  const { server, origin } = await listenOnLoopback(app);

  return {
    app,
    server,
    origin,
    get guard() {
      return guard;
    },
    /** Replaces the guard (same registry, store and server) with one built with `overrides`. */
    async rebuildGuard(overrides: Partial<SessionGuardOptions>) {
      await guard.close();
      guard = makeGuard(overrides);
      listen();
    },
    registry: memory,
    store,
    clock,
    logs,
    events,
    authHashes,
    hooks,
    notes,
    /** Resolves when the next request for `path` has passed the guard's middleware (its body not yet read). */
    passedGuard(path: string): Promise<void> {
      return new Promise((resolve) => arrivals.set(path, [...(arrivals.get(path) ?? []), resolve]));
    },
    agent: () => request.agent(server),
    request: () => request(server),
    /** Resolves when a request reached the slow route; returns the function that lets it finish. */
    async slowArrival(): Promise<() => void> {
      await slowArrived.opened;
      slowArrived = gate();
      const held = slowGates.shift()!;
      return held.open;
    },
    /** Store data of a session id, or undefined. */
    storedSession(sid: string): Promise<session.SessionData | null | undefined> {
      return new Promise((resolve, reject) => store.get(sid, (error, data) => (error ? reject(error) : resolve(data))));
    },
    async close() {
      await guard.close();
      await memory.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type TestApp = Awaited<ReturnType<typeof startTestApp>>;

/** Signs `username` in on `agent`; returns the session ids before and after. */
export async function signIn(agent: ReturnType<TestApp['agent']>, username: string) {
  const res = await agent.post('/login').send({ username }).expect(200);
  return res.body as { username: string; sidBefore: string; sid: string };
}

/** Headers of a same-origin SDK request. */
export const SDK = { 'X-SessionGuard': '1' } as const;

declare module 'express-session' {
  interface SessionData {
    views?: number;
  }
}
