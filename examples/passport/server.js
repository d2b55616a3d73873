'use strict';
/**
 * Starts the example: `node server.js` (or `npm start` here). Environment:
 * PORT (3100), HOST, SESSION_SECRET (required in production), REDIS_URL
 * (sessions and registry in Redis through connect-redis and the guard's
 * Redis registry; otherwise in memory), REDIS_PREFIX (passport-example: the
 * keys' prefix), NODE_ENV=production (Secure cookies).
 */
const crypto = require('node:crypto');
const { createApp } = require('./app.js');

async function main() {
  const production = process.env.NODE_ENV === 'production';
  const secret = process.env.SESSION_SECRET ?? (production ? null : crypto.randomBytes(32).toString('base64url'));
  if (!secret) throw new Error('SESSION_SECRET is required with NODE_ENV=production');
  let store;
  let registry;
  let client;
  if (process.env.REDIS_URL) {
    const { createClient } = require('redis');
    const { RedisStore } = require('connect-redis');
    const { createRedisRegistry } = require('@sessionguard/express/redis');
    client = createClient({ url: process.env.REDIS_URL });
    client.on('error', (error) => console.warn('redis:', error.message));
    await client.connect();
    const prefix = process.env.REDIS_PREFIX ?? 'passport-example';
    store = new RedisStore({ client, prefix: `${prefix}:sess:` });
    registry = createRedisRegistry({ client, prefix: `${prefix}:sg` });
  }
  const { app } = createApp({ secret, store, registry, secureCookies: production });
  const server = app.listen(Number(process.env.PORT ?? 3100), process.env.HOST, () => {
    const { port } = server.address();
    console.log(`passport example listening on http://${process.env.HOST ?? 'localhost'}:${port}`);
  });
  process.once('SIGTERM', () => server.close(() => (client ? client.quit().then(() => process.exit(0)) : process.exit(0))));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
