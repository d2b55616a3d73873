// The server for bench/push.mjs, run as a child process (started once or
// twice) so the stream clients never share its event loop or its heap.
// MODE=memory: the memory registry and express-session's MemoryStore, one
// process. MODE=redis: the Redis registry, connect-redis and the Redis end
// channel, so two of these behave as two processes of one app. PREFIX: the
// Redis key prefix (unique per run, deleted by the bench afterwards).
//
// Routes: POST /login {"username"} signs in (guard.login); GET /session/events
// is the push stream; POST /bench/revoke {"userId"} is an admin's
// force-logout (guard.revokeUser); GET /bench/memory answers the heap after
// two full GCs (run with --expose-gc) and the streams held; GET
// /bench/floor/events holds a plain event-stream response behind Express and
// express-session only, for comparison. GET /bench/page?user=<name> is a page
// with the script tag (data-username, the built dialogs) that notes in
// `window.__dialogAt` (epoch ms) when a dialog first shows, for the
// revoke-to-dialog latency in Chromium. Prints "LISTENING <port>" once ready.
import express from 'express';
import session from 'express-session';
import { at, importPackage } from '../lib.mjs';

const MODE = process.env.MODE ?? 'memory';
const PREFIX = process.env.PREFIX ?? 'sgbench:push:';
const SECRET = 'bench-push-secret-0123456789abcdef0123456789abcdef';
const silent = { info() {}, warn() {}, error: (message, fields) => console.error(message, JSON.stringify(fields)) };

const { createSessionGuard } = await importPackage('@sessionguard/express');
let store;
let registry;
let channel = null;
let client = null;
if (MODE === 'redis') {
  const { createClient } = await import('redis');
  const { RedisStore } = await import('connect-redis');
  const { createRedisEndChannel, createRedisRegistry } = await importPackage('@sessionguard/express/redis');
  client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', disableOfflineQueue: true });
  client.on('error', (error) => console.error(`push-app redis: ${error.message}`));
  await client.connect();
  store = new RedisStore({ client, prefix: `${PREFIX}sess:` });
  registry = createRedisRegistry({ client, prefix: `${PREFIX}sg` });
  channel = createRedisEndChannel({ client, prefix: `${PREFIX}sg` });
} else {
  store = new session.MemoryStore();
}

const guard = createSessionGuard({
  secret: SECRET,
  warnAfter: 25 * 60,
  expireAfter: 30 * 60,
  absoluteTimeout: 12 * 60 * 60,
  logger: silent,
  store,
  ...(registry ? { registry } : {}),
  pingRateLimit: false,
  push: { ...(channel ? { channel } : {}) },
});

const app = express();
app.disable('x-powered-by');
app.use(session({ secret: SECRET, resave: false, saveUninitialized: false, store, cookie: { sameSite: 'lax' } }));
// The floor: a held text/event-stream response behind the same Express and express-session, without
// sessionguard (what any SSE endpoint of such an app costs per open connection).
let floorHeld = 0;
app.get('/bench/floor/events', (req, res) => {
  res.status(200).set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
  res.flushHeaders();
  res.write(`event: session\ndata: {"held":${++floorHeld}}\n\n`);
  res.on('close', () => floorHeld--);
});
app.get('/bench/sessionguard.min.js', (_req, res) => res.sendFile(at('packages/client/dist/sessionguard.min.js')));
app.use(guard.middleware);
app.use('/session', guard.router);
app.post('/login', express.json({ limit: '1kb' }), async (req, res, next) => {
  try {
    await guard.login(req, String(req.body.username));
    res.json({});
  } catch (error) {
    next(error);
  }
});
app.post('/bench/revoke', express.json({ limit: '1kb' }), async (req, res, next) => {
  try {
    res.json({ revoked: await guard.revokeUser(String(req.body.userId)) });
  } catch (error) {
    next(error);
  }
});
app.get('/bench/page', (req, res) => {
  const user = String(req.query.user ?? '').replace(/[^\w-]/g, '');
  res.type('html').send(`<!doctype html><html lang="en"><head><title>bench</title>
<script>new MutationObserver(() => { if (!window.__dialogAt && document.querySelector('[role="alertdialog"]')) window.__dialogAt = Date.now(); })
  .observe(document.documentElement, { childList: true, subtree: true });</script></head>
<body><main><p>An idle page of ${user}.</p></main>
<script src="/bench/sessionguard.min.js" data-base-url="/session" data-username="${user}" data-locale="en"></script></body></html>`);
});
app.get('/bench/memory', (_req, res) => {
  globalThis.gc?.();
  globalThis.gc?.();
  res.json({ ...process.memoryUsage(), streams: guard.push.streams, floorHeld, timers: guard.push.timers, gc: typeof globalThis.gc === 'function' });
});
app.use(guard.errorHandler);

const server = app.listen(0, '127.0.0.1', () => console.log(`LISTENING ${server.address().port} ${MODE}`));
process.on('SIGTERM', async () => {
  await guard.close();
  await channel?.close();
  server.close(() => (client ? client.close() : Promise.resolve()).finally(() => process.exit(0)));
  server.closeAllConnections?.();
});
