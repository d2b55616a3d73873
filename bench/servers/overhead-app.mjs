// The server for bench/overhead.mjs, run as a child process so the load
// generator never shares its event loop. MODE=baseline: Express +
// express-session + connect-redis. MODE=sessionguard: the same, plus
// sessionguard's middleware with the Redis registry. PREFIX: the Redis key
// prefix (unique per run, deleted by the bench afterwards).
//
// Routes: POST /login {"username"} signs in; GET /api/me is the measured
// authenticated request. Prints "LISTENING <port>" once ready.
import express from 'express';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { importPackage } from '../lib.mjs';

const MODE = process.env.MODE ?? 'baseline';
const PREFIX = process.env.PREFIX ?? 'sgbench:overhead:';
const SECRET = 'bench-overhead-secret-0123456789abcdef0123456789ab';

const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
client.on('error', (error) => console.error(`overhead-app redis: ${error.message}`));
await client.connect();
const store = new RedisStore({ client, prefix: `${PREFIX}sess:` });

let guard = null;
if (MODE === 'sessionguard') {
  const { createSessionGuard } = await importPackage('@sessionguard/express');
  const { createRedisRegistry } = await importPackage('@sessionguard/express/redis');
  const registry = createRedisRegistry({ client, prefix: `${PREFIX}sg:` });
  guard = createSessionGuard({
    secret: SECRET,
    warnAfter: 13 * 60,
    expireAfter: 15 * 60,
    absoluteTimeout: 12 * 60 * 60,
    loginUrl: '/login',
    registry,
    store,
  });
}

const app = express();
app.disable('x-powered-by');
app.use(session({ secret: SECRET, resave: false, saveUninitialized: false, store, cookie: { sameSite: 'lax' } }));
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
  server.close(() => client.quit().finally(() => process.exit(0)));
  server.closeAllConnections?.();
});
