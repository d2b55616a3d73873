// Run first by `npm test`: makes sure the machine has what the cross-package
// tests need, and fails loudly, naming the missing piece, when it cannot.
// Nothing is skipped silently.
//   - Chromium at /usr/bin/chromium (Debian package "chromium"; installed with apt-get when run as root)
//   - Redis answering PING at 127.0.0.1:6379 (Debian package "redis-server"; started, or installed, when run as root)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';

const CHROMIUM = '/usr/bin/chromium';
const REDIS_HOST = '127.0.0.1';
const REDIS_PORT = 6379;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

const say = (message) => console.log(`provision: ${message}`);
const fail = (message) => {
  console.error(`provision: FAILED: ${message}`);
  process.exit(1);
};

let aptUpdated = false;
function aptInstall(pkg) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    say('apt-get update');
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    aptUpdated = true;
  }
  say(`apt-get install -y ${pkg}`);
  execFileSync('apt-get', ['install', '-y', pkg], { stdio: 'inherit', env });
}

function which(command) {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

/** PING over a plain socket: true when Redis answers +PONG. */
function redisAnswers(timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = connect({ host: REDIS_HOST, port: REDIS_PORT });
    let answer = '';
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

async function provisionChromium() {
  if (existsSync(CHROMIUM)) return say(`chromium: ${CHROMIUM}`);
  if (!isRoot) fail(`${CHROMIUM} is missing. Install the Debian package "chromium" (as root: apt-get install -y chromium).`);
  try {
    aptInstall('chromium');
  } catch (error) {
    fail(`installing the Debian package "chromium" failed: ${error.message}`);
  }
  if (!existsSync(CHROMIUM)) fail(`the package "chromium" is installed but ${CHROMIUM} is still missing.`);
  say(`chromium: installed at ${CHROMIUM}`);
}

async function provisionRedis() {
  if (await redisAnswers()) return say(`redis: answering at ${REDIS_HOST}:${REDIS_PORT}`);
  if (!isRoot) {
    fail(`no Redis answers at ${REDIS_HOST}:${REDIS_PORT}. Start redis-server there (Debian package "redis-server"), or run npm test as root to let it start one.`);
  }
  if (!which('redis-server')) {
    try {
      aptInstall('redis-server');
    } catch (error) {
      fail(`installing the Debian package "redis-server" failed: ${error.message}`);
    }
    if (!which('redis-server')) fail('the package "redis-server" is installed but the redis-server command is missing.');
  }
  mkdirSync('/var/lib/redis', { recursive: true });
  mkdirSync('/var/log/redis', { recursive: true });
  say(`redis: starting redis-server on ${REDIS_HOST}:${REDIS_PORT}`);
  const started = spawnSync(
    'redis-server',
    ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', String(REDIS_PORT), '--save', '', '--appendonly', 'no', '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log'],
    { stdio: 'inherit' },
  );
  if (started.status !== 0) fail(`redis-server did not start (exit ${started.status}); see /var/log/redis/ci.log.`);
  for (let attempt = 0; attempt < 50; attempt += 1) {
    if (await redisAnswers(500)) return say(`redis: started at ${REDIS_HOST}:${REDIS_PORT}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  fail(`redis-server was started but does not answer PING at ${REDIS_HOST}:${REDIS_PORT}; see /var/log/redis/ci.log.`);
}

await provisionChromium();
await provisionRedis();
say('ok');
