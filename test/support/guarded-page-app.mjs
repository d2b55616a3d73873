// A tiny app for browser tests that need pages the demo does not have: the
// built script tag (packages/client/dist/sessionguard.min.js) on a work page
// whose form is marked `data-sessionguard-preserve`, behind a real guard from
// the built packages/express/dist (memory registry), with a test clock.
//
// Plain Node (no vitest transform, no aliases): it runs the build as an app
// would. Both builds are loaded once at start, so a rebuild meanwhile cannot
// pull files from under a running test. Prints "LISTENING <port>" once ready.
//
// Environment:
// - PORT (0: any), WARN_AFTER, EXPIRE_AFTER: seconds.
// - SIGN_IN_URL=1: the script tag has `data-sign-in-url` (sign-in in place);
//   otherwise none, so the expiry dialog sends the user to the login page.
// - PAGE_CACHE: the work page's Cache-Control (default `private, no-cache`:
//   revalidated on every load, but not `no-store`, so the back/forward cache
//   may keep it).
//
// Routes: GET /login (form: Username, Password, Sign in; `?next=`), POST /login
// (form or JSON), POST /logout, GET / (the work page: Subject, Notes),
// GET /elsewhere (a page without the SDK), POST /__test__/clock
// {"advance": ms}, GET /healthz. Users: alice/alice-pass, bob/bob-pass.
import express from 'express';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const at = (path) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const { createSessionGuard } = await import(pathToFileURL(at('packages/express/dist/index.js')).href);
const sdk = readFileSync(at('packages/client/dist/sessionguard.min.js'));

const WARN_AFTER = Number(process.env.WARN_AFTER ?? 30);
const EXPIRE_AFTER = Number(process.env.EXPIRE_AFTER ?? 60);
const SIGN_IN_IN_PLACE = process.env.SIGN_IN_URL === '1';
const PAGE_CACHE = process.env.PAGE_CACHE ?? 'private, no-cache';
const SECRET = 'guarded-page-app-secret-0123456789abcdef0123456789';
const USERS = { alice: 'alice-pass', bob: 'bob-pass' };

let offset = 0;
const now = () => Date.now() + offset;
const guard = createSessionGuard({
  secret: SECRET,
  warnAfter: WARN_AFTER,
  expireAfter: EXPIRE_AFTER,
  absoluteTimeout: null,
  loginUrl: '/login',
  now,
  logger: { info() {}, warn() {}, error: (message, fields) => console.error(message, fields) },
});

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const safeNext = (next) => (typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/');
const page = (title, body) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head><body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;

const app = express();
app.disable('x-powered-by');
app.post('/__test__/clock', express.json({ limit: '1kb' }), (req, res) => {
  const advance = req.body?.advance;
  if (typeof advance !== 'number' || !Number.isFinite(advance) || advance < 0) return res.status(400).json({ error: 'invalid_body' });
  offset += advance;
  res.json({ now: now() });
});
app.get('/healthz', (_req, res) => res.json({ ok: true }));
app.get('/sessionguard/sessionguard.min.js', (_req, res) => res.type('text/javascript').send(sdk));

app.use(
  guard.session(
    {
      name: 'guarded.sid',
      secret: SECRET,
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax', path: '/', maxAge: 8 * 3600 * 1000 },
    },
    { production: false, warn: () => {} },
  ),
);
app.use(guard.middleware);
app.use('/session', guard.router);

app.get('/login', (req, res) => {
  res.set('Cache-Control', 'no-store').type('html').send(
    page(
      'Sign in',
      `<form method="post" action="/login">
  <input type="hidden" name="next" value="${escape(safeNext(req.query.next))}">
  <label for="username">Username</label> <input id="username" name="username" autocomplete="username">
  <label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password">
  <button type="submit">Sign in</button>
</form>`,
    ),
  );
});
app.post('/login', express.urlencoded({ extended: false, limit: '4kb' }), express.json({ limit: '4kb' }), async (req, res, next) => {
  try {
    const username = String(req.body?.username ?? '');
    const json = req.is('application/json') === 'application/json';
    if (!Object.hasOwn(USERS, username) || USERS[username] !== req.body?.password) {
      if (json) return res.status(401).json({ error: 'invalid_credentials', message: 'Wrong username or password.' });
      return res.status(401).set('Cache-Control', 'no-store').type('html').send(page('Sign in', '<p role="alert">Wrong username or password.</p>'));
    }
    await guard.login(req, username);
    if (json) res.json({ username });
    else res.redirect(303, safeNext(req.body?.next));
  } catch (error) {
    next(error);
  }
});
app.post('/logout', async (req, res, next) => {
  try {
    if (guard.userId(req) !== null) await guard.logout(req);
    if (req.accepts(['html', 'json']) === 'json') res.json({});
    else res.redirect(303, '/login');
  } catch (error) {
    next(error);
  }
});

app.get('/', (req, res) => {
  const user = guard.userId(req);
  if (user === null) return res.set('Cache-Control', 'no-store').redirect(303, '/login?next=%2F');
  const signIn = SIGN_IN_IN_PLACE ? ' data-sign-in-url="/login"' : '';
  res.set('Cache-Control', PAGE_CACHE).type('html').send(
    page(
      'Work',
      `<p>Signed in as <strong>${escape(user)}</strong></p>
<form id="draft" data-sessionguard-preserve>
  <label for="subject">Subject</label> <input id="subject" name="subject">
  <label for="notes">Notes</label> <textarea id="notes" name="notes"></textarea>
</form>
<p><a href="/elsewhere">Elsewhere</a></p>
<script src="/sessionguard/sessionguard.min.js" data-base-url="/session"${signIn} data-logout-url="/logout"
  data-login-page-url="/login" data-username="${escape(user)}" data-locale="en"></script>`,
    ),
  );
});
app.get('/elsewhere', (_req, res) => {
  res.set('Cache-Control', 'no-store').type('html').send(page('Elsewhere', '<p><a href="/">Back to work</a></p>'));
});

app.use(guard.errorHandler);
app.use((error, _req, res, _next) => {
  console.error(error);
  res.status(500).json({ error: 'internal_error', message: String(error?.message ?? error) });
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`LISTENING ${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
