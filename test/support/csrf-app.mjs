// A small real app with a maintained CSRF library, for the browser tests of
// test/browser/csrf-sync.test.ts: Express 5, express-session through the guard
// (the built packages/express/dist, memory registry, a test clock), csrf-sync
// (synchroniser tokens kept in the session), and the built script tag
// (packages/client/dist/sessionguard.min.js) on every page of one shared
// layout, the login page included.
//
// How the pieces fit, as an app would set them up:
// - The guard's routers (`/session`) are mounted BEFORE csrfSynchronisedProtection:
//   they carry their own CSRF defence (the X-SessionGuard header and an Origin
//   check), and a token kept in the session ends with the session, so a ping
//   behind csrf-sync would get 403 instead of the 401 that says the session ended.
// - Every page has `<meta name="csrf-token">` and each form a hidden `_csrf`;
//   csrf-sync reads `x-csrf-token` (the SDK, fetch) or the `_csrf` field (forms).
// - The script tag: `data-csrf-meta="csrf-token"` (the SDK sends that token on
//   sign-out and sign-in in place, and rewrites it and every hidden `_csrf`
//   after sign-in in place) and `data-csrf-token-url="/csrf-token"` (the token
//   of the fresh session after expiry, for signing in again).
// - The JSON sign-in answers `{ username, csrfToken }`: the signed-in session's token.
//
// Plain Node (no vitest transform, no aliases): it runs the build as an app
// would. Both builds are loaded once at start. Prints "LISTENING <port>" once ready.
//
// Environment: PORT (0: any), WARN_AFTER, EXPIRE_AFTER (seconds), SDK_FILE (another
// build of the script tag; default the one in packages/client/dist).
//
// Routes: GET /login (Username, Password, Sign in; `?next=`), POST /login (form
// or JSON), GET /csrf-token, POST /logout (form or JSON), GET / (the work page:
// Subject, Notes, Save; Sign out), POST /notes (the work page's form), GET /notes,
// GET /app.js, POST /__test__/clock {"advance": ms}, GET /healthz.
// Users: alice/alice-pass, bob/bob-pass.
import express from 'express';
import { csrfSync } from 'csrf-sync';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const at = (path) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const { createSessionGuard } = await import(pathToFileURL(at('packages/express/dist/index.js')).href);
// SDK_FILE: another build of the script tag (to see a test fail against an older client, say).
const sdk = readFileSync(process.env.SDK_FILE ?? at('packages/client/dist/sessionguard.min.js'));

const WARN_AFTER = Number(process.env.WARN_AFTER ?? 30);
const EXPIRE_AFTER = Number(process.env.EXPIRE_AFTER ?? 60);
const SECRET = 'csrf-app-secret-0123456789abcdef0123456789abcdef';
const USERS = { alice: 'alice-pass', bob: 'bob-pass' };

let offset = 0;
const now = () => Date.now() + offset;
const guard = createSessionGuard({
  secret: SECRET,
  warnAfter: WARN_AFTER,
  expireAfter: EXPIRE_AFTER,
  absoluteTimeout: null,
  loginUrl: '/login',
  // The token endpoint too: a request there over an ended session goes on with a fresh anonymous one (and its token).
  anonymousUrls: ['/login', '/csrf-token'],
  now,
  logger: { info() {}, warn() {}, error: (message, fields) => console.error(message, fields) },
});

const { csrfSynchronisedProtection } = csrfSync({
  // The SDK and scripts send the header; HTML forms the hidden field.
  getTokenFromRequest: (req) => req.get('x-csrf-token') ?? req.body?._csrf,
});

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const safeNext = (next) => (typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/');
const wantsJson = (req) => req.is('application/json') === 'application/json' || req.accepts(['html', 'json']) === 'json';
/** Notes saved per user. */
const notes = new Map();

/** The one layout: the CSRF token in a <meta>, and the SDK on every page (with the user only when signed in). */
function page(req, res, title, body, status = 200) {
  const user = guard.userId(req);
  const signOut = user === null ? '' : `<p>Signed in as <strong>${escape(user)}</strong> <button type="button" id="sign-out">Sign out</button></p>`;
  const username = user === null ? '' : ` data-username="${escape(user)}"`;
  res.status(status).set('Cache-Control', 'no-store').type('html').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<meta name="csrf-token" content="${escape(req.csrfToken())}"></head>
<body><header>${signOut}</header><main><h1>${escape(title)}</h1>${body}</main>
<script src="/sessionguard/sessionguard.min.js" data-base-url="/session" data-sign-in-url="/login" data-logout-url="/logout"
  data-login-page-url="/login" data-csrf-meta="csrf-token" data-csrf-token-url="/csrf-token"${username} data-locale="en"></script>
<script src="/app.js"></script>
</body></html>`);
}
const hiddenToken = (req) => `<input type="hidden" name="_csrf" value="${escape(req.csrfToken())}">`;

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
app.get('/app.js', (_req, res) =>
  res.type('text/javascript').send("document.getElementById('sign-out')?.addEventListener('click', () => SessionGuard.current?.logout());"),
);

app.use(
  guard.session(
    {
      name: 'csrf-app.sid',
      secret: SECRET,
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax', path: '/', maxAge: 8 * 3600 * 1000 },
    },
    { production: false, warn: () => {} },
  ),
);
app.use(guard.middleware);
// Before csrf-sync: the guard's routers defend themselves (X-SessionGuard + Origin).
app.use('/session', guard.router);
app.use(express.urlencoded({ extended: false, limit: '16kb' }), express.json({ limit: '16kb' }));
app.use(csrfSynchronisedProtection);

app.get('/login', (req, res) => {
  page(
    req,
    res,
    'Sign in',
    `<form method="post" action="/login">${hiddenToken(req)}
  <input type="hidden" name="next" value="${escape(safeNext(req.query.next))}">
  <label for="username">Username</label> <input id="username" name="username" autocomplete="username">
  <label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password">
  <button type="submit">Sign in</button>
</form>`,
  );
});
app.post('/login', async (req, res, next) => {
  try {
    const username = String(req.body?.username ?? '');
    const json = req.is('application/json') === 'application/json';
    if (!Object.hasOwn(USERS, username) || USERS[username] !== req.body?.password) {
      if (json) return res.status(401).json({ error: 'invalid_credentials', message: 'Wrong username or password.' });
      return page(req, res, 'Sign in', '<p role="alert">Wrong username or password.</p>', 401);
    }
    await guard.login(req, username);
    // guard.login gave the session a new id and empty data: csrf-sync makes the signed-in session's token now.
    if (json) res.set('Cache-Control', 'no-store').json({ username, csrfToken: req.csrfToken() });
    else res.redirect(303, safeNext(req.body?.next));
  } catch (error) {
    next(error);
  }
});
app.get('/csrf-token', (req, res) => res.set('Cache-Control', 'no-store').json({ csrfToken: req.csrfToken() }));
app.post('/logout', async (req, res, next) => {
  try {
    if (guard.userId(req) !== null) await guard.logout(req);
    if (wantsJson(req)) res.json({});
    else res.redirect(303, '/login');
  } catch (error) {
    next(error);
  }
});

app.get('/', (req, res) => {
  if (guard.userId(req) === null) return res.set('Cache-Control', 'no-store').redirect(303, '/login?next=%2F');
  page(
    req,
    res,
    'Work',
    `<form id="draft" method="post" action="/notes">${hiddenToken(req)}
  <label for="subject">Subject</label> <input id="subject" name="subject">
  <label for="notes">Notes</label> <textarea id="notes" name="notes"></textarea>
  <button type="submit">Save</button>
</form>`,
  );
});
app.post('/notes', (req, res) => {
  const user = guard.userId(req);
  if (user === null) return res.status(401).json({ error: 'unauthenticated', message: 'Sign in first.' });
  notes.set(user, [...(notes.get(user) ?? []), { subject: String(req.body?.subject ?? ''), notes: String(req.body?.notes ?? '') }]);
  res.redirect(303, '/notes');
});
app.get('/notes', (req, res) => {
  const user = guard.userId(req);
  if (user === null) return res.set('Cache-Control', 'no-store').redirect(303, '/login?next=%2Fnotes');
  const saved = (notes.get(user) ?? []).map((entry) => `<li><strong>${escape(entry.subject)}</strong>: ${escape(entry.notes)}</li>`).join('');
  page(req, res, 'Saved notes', `<ul>${saved}</ul>`);
});

app.use(guard.errorHandler);
app.use((error, req, res, _next) => {
  if (error?.code === 'EBADCSRFTOKEN') {
    if (wantsJson(req)) return res.status(403).json({ error: 'csrf_failed', message: 'invalid csrf token' });
    return res.status(403).set('Cache-Control', 'no-store').type('html').send('<!doctype html><title>Forbidden</title><h1>Invalid CSRF token</h1>');
  }
  console.error(error);
  res.status(500).json({ error: 'internal_error', message: String(error?.message ?? error) });
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`LISTENING ${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
