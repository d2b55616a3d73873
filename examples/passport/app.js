'use strict';
/**
 * A CommonJS Express 4 app as many exist: Passport (passport-local) signs
 * users in, csrf-sync protects its forms, express-session keeps the session
 * (in memory or in Redis through connect-redis). sessionguard is added
 * without touching the login: `getUserId` tells the guard who Passport
 * signed in.
 */
const path = require('node:path');
const express = require('express');
const { Passport } = require('passport');
const { Strategy: LocalStrategy } = require('passport-local');
const { csrfSync } = require('csrf-sync');
const { createSessionGuard, passportUserId } = require('@sessionguard/express');
const { createUsers } = require('./users.js');
const { loginPage, notesPage } = require('./pages.js');

/** Only same-site paths: never a redirect to another origin after sign-in. */
const safeNext = (value) => (typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : '/');

const wantsJson = (req) => req.is('application/json') === 'application/json' || req.accepts(['html', 'json']) === 'json';

/**
 * Builds the app. `options`: `secret` (at least 32 characters), `store`
 * (an express-session store; default MemoryStore), `registry` (default: the
 * guard's memory registry), `now` (the clock), `secureCookies`, `warnAfter`
 * and `expireAfter` (seconds), `users` ({ username: password }).
 * Returns `{ app, guard, users }`.
 */
function createApp(options) {
  const users = createUsers(options.users ?? { alice: 'alice-pass', bob: 'bob-pass' });
  const notes = new Map();
  // An instance per app rather than Passport's global one, so two apps in one process keep their own users.
  const passport = new Passport();

  const guard = createSessionGuard({
    secret: options.secret,
    warnAfter: options.warnAfter ?? 25 * 60,
    expireAfter: options.expireAfter ?? 30 * 60,
    absoluteTimeout: 8 * 60 * 60,
    // The whole integration with Passport: who is signed in, as Passport keeps it.
    getUserId: passportUserId,
    getSessionAuthHash: (username) => users.sessionAuthHash(username),
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });

  passport.use(
    new LocalStrategy((username, password, done) => {
      const user = users.verify(username, password);
      done(null, user ? { username: user.username } : false);
    }),
  );
  passport.serializeUser((user, done) => done(null, user.username));
  passport.deserializeUser((username, done) => done(null, users.find(username) ? { username } : false));

  const { csrfSynchronisedProtection, generateToken } = csrfSync({
    getTokenFromRequest: (req) => (req.body && typeof req.body._csrf === 'string' ? req.body._csrf : req.get('x-csrf-token')),
  });

  const app = express();
  app.disable('x-powered-by');
  app.use(
    guard.session({
      secret: options.secret,
      ...(options.store ? { store: options.store } : {}),
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax', secure: Boolean(options.secureCookies) },
    }),
  );
  // Before passport.session(): a session that ended is destroyed before Passport reads its user.
  app.use(guard.middleware);
  app.use(passport.initialize());
  app.use(passport.session());
  // The guard's routers carry their own CSRF defence (X-SessionGuard header and Origin check): mounted
  // before csrf-sync, which would otherwise refuse the SDK's pings.
  app.use('/session', guard.router);
  const clientDir = path.dirname(require.resolve('@sessionguard/client/sessionguard.min.js'));
  app.use('/sessionguard', express.static(clientDir, { maxAge: '1h', index: false }));

  app.use(express.urlencoded({ extended: false, limit: '8kb' }), express.json({ limit: '8kb' }));
  app.use(csrfSynchronisedProtection);

  // The SDK reads a fresh token here after signing in again in place (tokenUrl).
  app.get('/csrf-token', (req, res) => {
    res.set('Cache-Control', 'no-store').json({ csrfToken: generateToken(req) });
  });

  app.get('/login', (req, res) => {
    res.set('Cache-Control', 'no-store').type('html').send(loginPage({ csrfToken: generateToken(req), next: safeNext(req.query.next) }));
  });

  app.post('/login', (req, res, next) => {
    passport.authenticate('local', (error, user) => {
      if (error) return next(error);
      if (!user) {
        if (wantsJson(req)) return res.status(401).json({ error: 'invalid_credentials', message: 'Wrong username or password.' });
        return res.status(401).type('html').send(loginPage({ csrfToken: generateToken(req), next: safeNext(req.body.next), error: 'Wrong username or password.' }));
      }
      // Passport regenerates the session; the guard records the sign-in as Passport saves it.
      req.login(user, (loginError) => {
        if (loginError) return next(loginError);
        // The new session's token, for the page that signed in again in place.
        const csrfToken = generateToken(req, true);
        if (wantsJson(req)) return res.json({ username: user.username, csrfToken });
        res.redirect(303, safeNext(req.body.next));
      });
    })(req, res, next);
  });

  app.post('/logout', (req, res, next) => {
    req.logout((error) => {
      if (error) return next(error);
      if (wantsJson(req)) return res.json({});
      res.redirect(303, '/login');
    });
  });

  const requireUser = (req, res, next) => {
    if (req.user) return next();
    if (wantsJson(req)) return res.status(401).json({ error: 'unauthenticated', message: 'Sign in first.' });
    res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
  };

  app.get('/', requireUser, (req, res) => {
    const { username } = req.user;
    res.set('Cache-Control', 'no-store').type('html').send(
      notesPage({ user: username, csrfToken: generateToken(req), notes: notes.get(username) ?? '', saved: req.query.saved === '1' }),
    );
  });

  // A state change: the guard asks once more, after the body arrived, whether the session still lives.
  app.post('/notes', guard.recheckSession, requireUser, (req, res) => {
    notes.set(req.user.username, String(req.body.notes ?? '').slice(0, 4000));
    if (wantsJson(req)) return res.json({ saved: true });
    res.redirect(303, '/?saved=1');
  });

  app.post('/password', guard.recheckSession, requireUser, (req, res, next) => {
    const { username } = req.user;
    if (!users.verify(username, String(req.body.current ?? ''))) {
      return res.status(403).json({ error: 'invalid_credentials', message: 'The current password is wrong.' });
    }
    users.setPassword(username, String(req.body.password ?? ''));
    // Ends the user's other sessions; this one lives on under a new id, still signed in with Passport.
    guard.passwordChanged(req, username, { sessionAuthHash: users.sessionAuthHash(username) }).then(() => res.json({ changed: true }), next);
  });

  app.use(guard.errorHandler);
  app.use((error, req, res, next) => {
    if (error && error.code === 'EBADCSRFTOKEN') {
      if (wantsJson(req)) return res.status(403).json({ error: 'csrf_failed', message: 'The form expired. Reload the page and try again.' });
      return res.status(403).type('text').send('The form expired. Reload the page and try again.');
    }
    next(error);
  });

  return { app, guard, users, notes };
}

module.exports = { createApp };
