/**
 * Starts and stops throwaway `redis-server` processes on free loopback ports,
 * for tests that need their own Redis (outage, cluster, multi-process demo).
 * Every process started here is also killed when the test process exits, so a
 * failing test never leaves one behind.
 *
 * ```ts
 * const redis = await startRedisServer({ appendonly: true });
 * // redis.url === 'redis://127.0.0.1:<port>'
 * await redis.stop({ signal: 'SIGKILL', keepData: true });
 * await redis.restart(); // same port, same data directory
 * await redis.stop();    // and removes its data directory
 * ```
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const HOST = '127.0.0.1';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Every child still running, killed on exit as a last resort. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /**
   * Start as a Redis Cluster node (`--cluster-enabled yes`); see {@link startRedisCluster}.
   * @default false
   */
  cluster?: boolean;
  /**
   * Persist with an append-only file fsync'ed on every write, so a
   * `stop({ keepData: true })` then `restart()` loses nothing.
   * @default false
   */
  appendonly?: boolean;
  /**
   * The port; a free loopback port when left out.
   */
  port?: number;
  /**
   * How long to wait for the server to answer PING, in milliseconds.
   * @default 10000
   */
  startTimeout?: number;
}

/** Options of {@link RedisServer.stop}. */
export interface RedisServerStopOptions {
  /**
   * `SIGTERM` lets Redis shut down cleanly; `SIGKILL` is a crash.
   * @default 'SIGTERM'
   */
  signal?: NodeJS.Signals;
  /**
   * Keep the data directory for a later {@link RedisServer.restart}.
   * @default false
   */
  keepData?: boolean;
}

/** A running (or stopped) throwaway Redis server. */
export interface RedisServer {
  /** Its loopback port; stays the same across restarts. */
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** Its data directory (AOF, cluster config, log). */
  readonly dir: string;
  /** Whether the process is running. */
  readonly running: boolean;
  /** Stops the process and waits until it has exited (SIGKILL after 5 s). */
  stop(options?: RedisServerStopOptions): Promise<void>;
  /** Stops it if it runs (keeping its data), then starts it again on the same port and waits for PING. */
  restart(): Promise<void>;
}

/** Whether `port` can be bound on 127.0.0.1 right now (`0`: any port; resolves with the port bound, or null). */
function tryBind(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(null));
    server.listen(port, HOST, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : null));
    });
  });
}

/**
 * A free TCP port on 127.0.0.1 (asked from the OS, then released). With
 * `withBusPort`, a port below 55536 whose cluster bus port (`port + 10000`)
 * is free too: OS-assigned ports are often above 55535, whose bus port
 * would not exist.
 */
export async function freePort({ withBusPort = false } = {}): Promise<number> {
  if (!withBusPort) {
    const port = await tryBind(0);
    if (port === null) throw new Error('no free port on 127.0.0.1');
    return port;
  }
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    if ((await tryBind(port)) !== null && (await tryBind(port + 10_000)) !== null) return port;
  }
  throw new Error('no free port pair (port, port + 10000) on 127.0.0.1');
}

/** Sends one inline command over a raw socket; resolves with the first reply chunk, or rejects. */
function rawCommand(port: number, command: string, timeout = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: HOST, port });
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeout, () => fail(new Error('timeout')));
    socket.once('error', fail);
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString('utf8'));
    });
  });
}

/** Polls PING until the server answers PONG (bounded). */
async function waitForPing(port: number, timeout: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server on port ${port} exited early (${child.exitCode ?? child.signalCode})`);
    }
    try {
      if ((await rawCommand(port, 'PING', 500)).startsWith('+PONG')) return;
    } catch (error) {
      last = error;
    }
    await sleep(50);
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeout} ms: ${String(last)}`);
}

function waitForExit(child: ChildProcess, timeout: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeout);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Starts a `redis-server` on 127.0.0.1 (a free port unless given) with its
 * own temporary directory, and resolves once it answers PING.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  if (options.port !== undefined) return launchRedisServer(options.port, options);
  // A free port can be taken by someone else before redis-server binds it: try a few.
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort({ withBusPort: options.cluster ?? false });
    try {
      return await launchRedisServer(port, options);
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

async function launchRedisServer(port: number, options: RedisServerOptions): Promise<RedisServer> {
  const startTimeout = options.startTimeout ?? 10_000;
  const dir = mkdtempSync(path.join(tmpdir(), `sg-redis-${port}-`));
  let child: ChildProcess | undefined;

  const args = () => [
    '--port', String(port),
    '--bind', HOST,
    '--save', '',
    '--dir', dir,
    '--daemonize', 'no',
    '--logfile', path.join(dir, 'redis.log'),
    '--protected-mode', 'no',
    ...(options.appendonly
      ? ['--appendonly', 'yes', '--appendfsync', 'always']
      : ['--appendonly', 'no']),
    ...(options.cluster
      ? ['--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '5000']
      : []),
  ];

  const start = async () => {
    const proc = spawn('redis-server', args(), { stdio: 'ignore' });
    child = proc;
    running.add(proc);
    proc.once('exit', () => running.delete(proc));
    try {
      await waitForPing(port, startTimeout, proc);
    } catch (error) {
      proc.kill('SIGKILL');
      throw error;
    }
  };

  const halt = async (signal: NodeJS.Signals) => {
    const proc = child;
    child = undefined;
    if (!proc) return;
    proc.kill(signal);
    if (!(await waitForExit(proc, 5000))) {
      proc.kill('SIGKILL');
      await waitForExit(proc, 5000);
    }
  };

  try {
    await start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    url: `redis://${HOST}:${port}`,
    dir,
    get running() {
      return child !== undefined;
    },
    async stop({ signal = 'SIGTERM', keepData = false } = {}) {
      await halt(signal);
      if (!keepData) rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await halt('SIGTERM');
      // After stop() without keepData the directory is gone: the server then starts empty.
      mkdirSync(dir, { recursive: true });
      await start();
    },
  };
}

/** A local Redis Cluster of masters without replicas. */
export interface RedisCluster {
  /** The masters, each a {@link RedisServer} started with `cluster: true`. */
  readonly nodes: RedisServer[];
  /** `{ url }` of every node, the shape `createCluster({ rootNodes })` takes. */
  readonly rootNodes: Array<{ url: string }>;
  /** Stops every node and removes their directories. */
  stop(): Promise<void>;
}

/**
 * Starts `masters` cluster-enabled servers on free loopback ports, joins them
 * with `redis-cli --cluster create ... --cluster-replicas 0 --cluster-yes`,
 * and waits (bounded) until every node reports `cluster_state:ok`.
 */
export async function startRedisCluster({ masters = 3, readyTimeout = 20_000 } = {}): Promise<RedisCluster> {
  const nodes: RedisServer[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  try {
    for (let i = 0; i < masters; i += 1) nodes.push(await startRedisServer({ cluster: true }));
    await run(
      'redis-cli',
      ['--cluster', 'create', ...nodes.map((node) => `${HOST}:${node.port}`), '--cluster-replicas', '0', '--cluster-yes'],
      { timeout: readyTimeout },
    );
    const deadline = Date.now() + readyTimeout;
    for (;;) {
      const states = await Promise.all(
        nodes.map((node) => rawCommand(node.port, 'CLUSTER INFO').catch(() => '')),
      );
      if (states.every((state) => state.includes('cluster_state:ok'))) break;
      if (Date.now() > deadline) throw new Error(`cluster not ok within ${readyTimeout} ms`);
      await sleep(100);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes, rootNodes: nodes.map((node) => ({ url: node.url })), stop };
}
