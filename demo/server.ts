/**
 * `npm run demo`: the sessionguard demo server. Configuration comes from the
 * environment (see config.ts and demo/README.md); logs go to stdout; SIGTERM
 * and SIGINT stop it cleanly.
 */
import type { AddressInfo } from 'node:net';
import { createDemoApp } from './app.js';
import { ConfigError, readConfig } from './config.js';
import { createDemoServer } from './http-server.js';
import { log } from './logger.js';
import { createStores } from './stores.js';
import { createUserDirectory } from './users.js';

async function main(): Promise<void> {
  const config = readConfig();
  for (const warning of config.warnings) log(warning);
  const stores = await createStores(config);
  const users = await createUserDirectory(stores.credentials);
  const { app, context } = createDemoApp(config, users, stores);
  if (config.testClock) log('warning: SESSIONGUARD_TEST_CLOCK=1, the loopback test clock route is on (tests only)');

  const server = createDemoServer(app, config);
  server.listen({ port: config.port, host: config.host });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  log(
    `sessionguard demo on http://localhost:${port} (warn after ${config.warnAfter}s, expire after ${config.expireAfter}s, ` +
      `${config.redisUrl ? 'Redis' : 'in memory'}${config.singleSession ? ', single session' : ''}${config.logoutEverywhere ? ', logout everywhere' : ''})`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    const force = setTimeout(() => server.closeAllConnections(), 3000);
    force.unref();
    // The guard first: it ends every push stream (`closed`, reason `shutdown`), which server.close() would otherwise wait for.
    const guardClosed = context.guard.close().catch(() => {});
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    await guardClosed;
    await stores.close().catch(() => {});
    log('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`sessionguard demo failed to start: ${message}\n`);
  process.exit(1);
});
