// The server for bench/tabs.mjs: one Express + express-session app serving
// both designs, counting every request by method and path.
//
// - /sg:  a page with sessionguard's script tag; /session is guard.router,
//   guard.middleware enforces on every request (memory registry).
// - /dss: a page with the per-tab-timer design (bench/peers/per-tab-timer.js);
//   /dss/ping is django-session-security's PingView + middleware logic: keep
//   the latest activity any tab reported, answer the seconds idle or "logout".
//
// GET /__counts answers the counts so far and resets them (not counted).
// Prints "LISTENING <port>" once ready (bench/lib.mjs startChild).
import express from 'express';
import session from 'express-session';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { clientArtifacts, importPackage } from '../lib.mjs';

const at = (path) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const WARN_AFTER = Number(process.env.WARN_AFTER ?? 540);
const EXPIRE_AFTER = Number(process.env.EXPIRE_AFTER ?? 1800);
const SECRET = 'bench-tabs-secret-0123456789abcdef0123456789abcdef';

let guard = null;
try {
  const { createSessionGuard } = await importPackage('@sessionguard/express');
  if (typeof createSessionGuard === 'function') {
    guard = createSessionGuard({ secret: SECRET, warnAfter: WARN_AFTER, expireAfter: EXPIRE_AFTER, absoluteTimeout: null, loginUrl: '/login' });
  }
} catch (error) {
  console.error(`tabs-app: sessionguard unavailable: ${error.message}`);
}

let counts = {};
const app = express();
app.use((req, _res, next) => {
  if (req.path !== '/__counts') {
    const key = `${req.method} ${req.path}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  next();
});
app.get('/__counts', (_req, res) => {
  res.json(counts);
  counts = {};
});

const store = new session.MemoryStore();
app.use(session({ secret: SECRET, resave: false, saveUninitialized: false, store, cookie: { sameSite: 'lax' } }));
// Sign-in for both designs (the bench signs in through the browser context's request API).
app.post('/login', express.json({ limit: '1kb' }), async (req, res, next) => {
  try {
    const username = String(req.body?.username ?? '');
    if (!username) return res.status(400).json({ error: 'invalid_body', message: 'username' });
    if (req.body?.design === 'dss') {
      await new Promise((resolve, reject) => req.session.regenerate((error) => (error ? reject(error) : resolve())));
      req.session.dss = { user: username, lastActivity: Date.now() };
    } else {
      if (!guard) return res.status(501).json({ error: 'not_found', message: 'sessionguard is not built' });
      await guard.login(req, username);
    }
    res.json({ username });
  } catch (error) {
    next(error);
  }
});

const page = (title, body) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><main><h1>${title}</h1><form><label>Notes <textarea name="notes"></textarea></label></form></main>${body}</body></html>`;

// --- sessionguard
if (guard) {
  app.use(guard.middleware);
  app.use('/session', guard.router);
}
// Read once: a concurrent rebuild of dist/ must not take the script away mid-run.
const iifePath = (await clientArtifacts()).iife;
const iife = iifePath && existsSync(iifePath) ? readFileSync(iifePath) : null;
app.get('/sessionguard/sessionguard.min.js', (_req, res) => {
  if (!iife) return res.status(404).end();
  res.type('text/javascript').send(iife);
});
app.get('/sg', (_req, res) => {
  res.type('html').send(
    page(
      'sessionguard',
      '<script src="/sessionguard/sessionguard.min.js" data-base-url="/session" data-sign-in-url="/login" data-logout-url="/logout" data-login-page-url="/login" data-username="bench" data-locale="en"></script>',
    ),
  );
});

// --- per-tab timer (django-session-security)
const perTab = readFileSync(at('bench/peers/per-tab-timer.js'));
app.get('/dss/per-tab-timer.js', (_req, res) => res.type('text/javascript').send(perTab));
const PASSIVE = new Set(['/dss/ping', '/dss/per-tab-timer.js', '/__counts']);
// django-session-security's middleware: non-passive requests are activity; idle too long logs out.
app.use((req, res, next) => {
  const state = req.session?.dss;
  if (!state || PASSIVE.has(req.path)) return next();
  if (Date.now() - state.lastActivity > EXPIRE_AFTER * 1000) {
    delete req.session.dss;
    return res.redirect(303, '/login');
  }
  state.lastActivity = Date.now();
  next();
});
app.get('/dss/ping', (req, res) => {
  const state = req.session?.dss;
  if (!state) return res.json('logout');
  const idleFor = Number(req.query.idleFor);
  const now = Date.now();
  if (Number.isFinite(idleFor) && idleFor >= 0) state.lastActivity = Math.max(state.lastActivity, Math.min(now, now - idleFor * 1000));
  const since = Math.floor((now - state.lastActivity) / 1000);
  if (since >= EXPIRE_AFTER) {
    delete req.session.dss;
    return res.json('logout');
  }
  res.json(since);
});
app.get('/dss', (_req, res) => {
  res.type('html').send(
    page(
      'per-tab timer',
      `<script src="/dss/per-tab-timer.js"></script><script>window.perTab = new PerTabTimer({ pingUrl: '/dss/ping', warnAfter: ${WARN_AFTER}, expireAfter: ${EXPIRE_AFTER}, returnToUrl: '/login' });</script>`,
    ),
  );
});

app.use((error, _req, res, _next) => {
  console.error(error);
  res.status(500).json({ error: 'internal', message: String(error?.message ?? error) });
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`LISTENING ${server.address().port} sessionguard=${guard ? 'yes' : 'no'}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
