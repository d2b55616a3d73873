/**
 * A real Express app with express-session, Passport (passport-local) and the
 * guard, for the tests of following the app's own login. Time comes from a
 * hand-driven clock.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import request from 'supertest';
import { createSessionGuard } from './guard.js';
import { passportUserId } from './passport-user-id.js';
import type { SessionGuardEventMap, SessionGuardEventName } from './events.js';
import type { SessionGuardOptions } from './options.js';
import { createMemoryRegistry } from './registry/memory-registry.js';
import { answerAppErrors, listenOnLoopback, SECRET, T0 } from './test-app.js';

export interface PassportTestAppOptions {
  /** Guard options over the defaults; `getUserId` is Passport's unless `useGetUserId` is false. */
  guard?: Partial<SessionGuardOptions>;
  /** @default true */
  useGetUserId?: boolean;
  /** Passport serializes users to numbers (as many apps with integer keys do). */
  numericIds?: boolean;
}

interface User {
  id: string | number;
  username: string;
}

const finish = (next: NextFunction, then: () => void) => (error?: unknown) => (error ? next(error) : then());

export async function startPassportApp(options: PassportTestAppOptions = {}) {
  let now = T0;
  const clock = {
    now: () => now,
    advance(seconds: number) {
      now += seconds * 1000;
    },
  };
  const registry = createMemoryRegistry({ now: clock.now });
  const store = new session.MemoryStore();
  const users = new Map<string, { password: string; id: string | number }>([
    ['alice', { password: 'alice-pass', id: options.numericIds ? 1 : 'alice' }],
    ['bob', { password: 'bob-pass', id: options.numericIds ? 2 : 'bob' }],
  ]);
  const authHashes = new Map<string, string>();
  const guard = createSessionGuard({
    secret: SECRET,
    warnAfter: 30,
    expireAfter: 60,
    absoluteTimeout: 3600,
    registry,
    store,
    now: clock.now,
    logger: { info() {}, warn() {}, error() {} },
    getSessionAuthHash: (userId) => authHashes.get(userId) ?? `initial-${userId}`,
    ...(options.useGetUserId === false ? {} : { getUserId: passportUserId }),
    ...options.guard,
  });
  const events: Array<{ name: SessionGuardEventName; event: SessionGuardEventMap[SessionGuardEventName] }> = [];
  for (const name of ['session.created', 'session.revoked', 'session.expired'] as const) {
    guard.events.on(name, (event) => events.push({ name, event }));
  }

  const passport = new Passport();
  passport.use(
    new LocalStrategy((username, password, done) => {
      const user = users.get(username);
      done(null, user && user.password === password ? ({ id: user.id, username } satisfies User) : false);
    }),
  );
  passport.serializeUser((user, done) => done(null, (user as User).id));
  passport.deserializeUser((id: string | number, done) => {
    const entry = [...users.entries()].find(([, user]) => user.id === id);
    done(null, entry ? ({ id, username: entry[0] } satisfies User) : false);
  });
  const authenticate = (req: Request, res: Response, next: NextFunction, then: (user: User) => void) =>
    passport.authenticate('local', (error: unknown, user: User | false) => {
      if (error) return next(error);
      if (!user) return void res.status(401).json({ error: 'invalid_credentials' });
      then(user);
    })(req, res, next);

  const app = express();
  app.use(express.json());
  app.use(session({ secret: SECRET, resave: false, saveUninitialized: false, store, cookie: { sameSite: 'lax' } }));
  app.use(passport.initialize());
  // A route the guard does not cover (mounted before its middleware): stands for sign-ins made before
  // the guard was deployed, or by code the middleware never sees.
  app.post('/unguarded/login', (req, res, next) =>
    authenticate(req, res, next, (user) => req.login(user, finish(next, () => res.json({ user: user.id })))),
  );
  app.post('/unguarded/forget-user', (req, res) => {
    delete (req.session as { passport?: unknown }).passport;
    res.json({});
  });
  app.use(guard.middleware);
  app.use(passport.session());
  app.use('/session', guard.router);

  app.post('/login', (req, res, next) =>
    authenticate(req, res, next, (user) => req.login(user, finish(next, () => res.json({ user: user.id })))),
  );
  app.post('/login-keep', (req, res, next) =>
    authenticate(req, res, next, (user) => req.login(user, { session: true, keepSessionInfo: true }, finish(next, () => res.json({ user: user.id })))),
  );
  // Passport's login first, then the guard's (binding the hash of the checked credential).
  app.post('/login-then-guard', (req, res, next) =>
    authenticate(req, res, next, (user) =>
      req.login(
        user,
        finish(next, () => {
          const verified = authHashes.get(String(user.id)) ?? `initial-${String(user.id)}`;
          guard.login(req, String(user.id), { sessionAuthHash: verified }).then(() => res.json({ user: user.id }), next);
        }),
      ),
    ),
  );
  // The guard's login first, then Passport's.
  app.post('/guard-then-login', (req, res, next) =>
    authenticate(req, res, next, (user) => {
      guard.login(req, String(user.id)).then(() => req.login(user, finish(next, () => res.json({ user: user.id }))), next);
    }),
  );
  // A signup route that writes Passport's data by hand.
  app.post('/signup', (req, res, next) => {
    const { username } = req.body as { username: string };
    users.set(username, { password: 'new-pass', id: username });
    req.session.regenerate(
      finish(next, () => {
        (req.session as { passport?: { user: string } }).passport = { user: username };
        res.json({ user: username });
      }),
    );
  });
  app.post('/logout', (req, res, next) => req.logout(finish(next, () => res.json({}))));
  app.post('/regenerate', (req, res, next) => req.session.regenerate(finish(next, () => res.json({}))));
  app.post('/destroy', (req, res, next) => req.session.destroy(finish(next, () => res.json({}))));
  app.post('/views', (req, res) => {
    const data = req.session as { views?: number };
    data.views = (data.views ?? 0) + 1;
    res.json({ views: data.views });
  });
  app.get('/api/me', (req, res) => {
    res.json({
      passportUser: (req.user as User | undefined)?.id ?? null,
      guardUser: guard.userId(req),
      publicId: req.sessionGuard?.publicId ?? null,
      views: (req.session as { views?: number } | undefined)?.views ?? 0,
    });
  });
  app.post('/sensitive', guard.requireRecentSignIn(), (_req, res) => res.json({ done: true }));
  app.use(guard.errorHandler);
  app.use(answerAppErrors);
  const { server, origin } = await listenOnLoopback(app);
  return {
    origin,
    guard,
    registry,
    store,
    clock,
    events,
    authHashes,
    agent: () => request.agent(server),
    /** Signs in through Passport's local strategy at `path`. */
    signIn: (agent: ReturnType<typeof request.agent>, username: string, path = '/login') =>
      agent.post(path).send({ username, password: `${username}-pass` }),
    /** The ids of the store's sessions (express-session's MemoryStore). */
    storedSessions(): Promise<Record<string, session.SessionData>> {
      return new Promise((resolve, reject) =>
        store.all!((error, all) => (error ? reject(error) : resolve((all ?? {}) as Record<string, session.SessionData>))),
      );
    },
    async close() {
      await guard.close();
      await registry.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type PassportTestApp = Awaited<ReturnType<typeof startPassportApp>>;
