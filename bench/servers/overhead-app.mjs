// The server for bench/overhead.mjs, run as a child process so the load
// generator never shares its event loop. MODE:
// - baseline:        Express + express-session + connect-redis
// - registry:        the same, plus sessionguard's middleware with the Redis registry (the connect-redis path)
// - store:           Express + express-session + the sessionguard store (createRedisSessionStore), its own registry
// - memory-baseline: Express + express-session's MemoryStore
// - memory:          the same, plus sessionguard's middleware with the memory registry
// PREFIX: the Redis key prefix (unique per run, deleted by the bench afterwards).
//
// The guard's modes set express-session up through guard.session(), as the
// README does (it makes the store fail closed, and tells the sessionguard store
// which requests are activity). Routes: POST /login {"username"} signs in;
// GET /api/me is the measured authenticated request; GET /__cpu answers the
// process's CPU time (process.cpuUsage(), no session involved). Prints "REDIS_ADDR <ip:port>"
// (its one Redis connection, as MONITOR shows it) and "LISTENING <port>" once ready.
import express from 'express';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { importPackage } from '../lib.mjs';

const MODE = process.env.MODE ?? 'baseline';
const PREFIX = process.env.PREFIX ?? 'sgbench:overhead:';
const SECRET = 'bench-overhead-secret-0123456789abcdefghijklmn';
const onRedis = !MODE.startsWith('memory');

let client = null;
if (onRedis) {
  client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
  client.on('error', (error) => console.error(`overhead-app redis: ${error.message}`));
  await client.connect();
  const info = String(await client.sendCommand(['CLIENT', 'INFO']));
  console.log(`REDIS_ADDR ${/(?:^|\s)addr=(\S+)/.exec(info)?.[1]}`);
}

const timing = { warnAfter: 13 * 60, expireAfter: 15 * 60, absoluteTimeout: 12 * 60 * 60 };
const sessionOptions = { secret: SECRET, resave: false, saveUninitialized: false, cookie: { sameSite: 'lax' } };
let guard = null;
let store;
if (MODE === 'baseline' || MODE === 'registry') store = new RedisStore({ client, prefix: `${PREFIX}sess:` });
if (MODE === 'memory-baseline' || MODE === 'memory') store = new session.MemoryStore();
if (MODE === 'registry' || MODE === 'store' || MODE === 'memory') {
  const { createSessionGuard } = await importPackage('@sessionguard/express');
  const options = { secret: SECRET, ...timing, loginUrl: '/login', logger: { info() {}, warn() {}, error: console.error } };
  if (MODE === 'registry') {
    const { createRedisRegistry } = await importPackage('@sessionguard/express/redis');
    guard = createSessionGuard({ ...options, registry: createRedisRegistry({ client, prefix: `${PREFIX}sg` }), store });
  } else if (MODE === 'store') {
    const { createRedisSessionStore } = await importPackage('@sessionguard/express/redis');
    store = createRedisSessionStore({ client, prefix: `${PREFIX}sg` });
    guard = createSessionGuard({ ...options, store });
  } else {
    guard = createSessionGuard({ ...options, store });
  }
}

const app = express();
app.disable('x-powered-by');
// The process's CPU time so far, for the bench's CPU per request; before the session, so it costs no session work.
app.get('/__cpu', (_req, res) => res.json(process.cpuUsage()));
app.use(guard ? guard.session({ ...sessionOptions, store }, { production: false, warn: () => {} }) : session({ ...sessionOptions, store }));
if (guard) app.use(guard.middleware);

app.post('/login', express.json({ limit: '1kb' }), async (req, res, next) => {
  try {
    const username = String(req.body?.username ?? '');
    if (!username) return res.status(400).json({ error: 'invalid_body', message: 'username' });
    if (guard) {
      await guard.login(req, username);
    } else {
      await new Promise((resolve, reject) => req.session.regenerate((error) => (error ? reject(error) : resolve())));
      req.session.userId = username;
    }
    res.json({ username });
  } catch (error) {
    next(error);
  }
});

app.get('/api/me', (req, res) => {
  const userId = guard ? guard.userId(req) : (req.session.userId ?? null);
  if (!userId) return res.status(401).json({ error: 'unauthenticated', message: 'sign in first' });
  res.json({ userId, items: [1, 2, 3] });
});

app.use((error, _req, res, _next) => {
  console.error(error);
  res.status(500).json({ error: 'internal', message: String(error?.message ?? error) });
});

const server = app.listen(0, '127.0.0.1', () => console.log(`LISTENING ${server.address().port} ${MODE}`));
process.on('SIGTERM', () => {
  server.close(() => (client ? client.quit() : Promise.resolve()).finally(() => process.exit(0)));
  server.closeAllConnections?.();
});
