// What reaches Redis, counted from `MONITOR`, which shows every command as
// Redis runs it, the commands a Lua script runs included (as `[db lua]`
// lines right after the script's own line: a script runs to its end before
// anything else). Exact counts, which machine noise cannot blur. Used by
// bench/overhead.mjs and by the tests that hold the counts to their targets.
import { createConnection } from 'node:net';

/** `+1796175454.958549 [9 127.0.0.1:55232] "GET" "key"` → { client, command, args }. */
const LINE = /^\+?\d+\.\d+ \[\d+ ([^\]]+)\] (.*)$/;

function parseArgs(text) {
  const args = [];
  const re = /"((?:[^"\\]|\\.)*)"/g;
  let match;
  while ((match = re.exec(text))) args.push(match[1].replace(/\\(.)/g, '$1'));
  return args;
}

/**
 * Starts a MONITOR connection to `url` (redis://host:port). Resolves once
 * Redis has confirmed it; `stop()` closes it and returns what it saw, in the
 * order Redis ran it: `{ client, command, args, lua }`, `client` being the
 * `ip:port` of the connection that sent the command (for a script's inner
 * commands, the connection that sent the script).
 */
export function startMonitor(url = 'redis://127.0.0.1:6379') {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: hostname, port: Number(port || 6379) });
    const seen = [];
    let buffer = '';
    let owner = null;
    let confirmed = false;
    socket.setEncoding('utf8');
    socket.once('error', reject);
    socket.on('data', (chunk) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!confirmed) {
          confirmed = line === '+OK';
          if (confirmed) resolve(monitor);
          continue;
        }
        const match = LINE.exec(line);
        if (!match) continue;
        const [command, ...args] = parseArgs(match[2]);
        const lua = match[1] === 'lua';
        if (!lua) owner = match[1];
        seen.push({ client: lua ? owner : match[1], command: command.toUpperCase(), args, lua });
      }
    });
    socket.once('connect', () => socket.write('MONITOR\r\n'));
    const monitor = {
      /** Everything seen so far (a live array). */
      seen,
      /** Stops monitoring; resolves with everything seen. */
      async stop() {
        // A PING on another connection marks the end: once MONITOR shows it, everything before has arrived.
        const marker = `sg-monitor-end-${process.pid}-${Date.now()}`;
        await new Promise((done) => {
          const probe = createConnection({ host: hostname, port: Number(port || 6379) });
          probe.once('connect', () => probe.end(`ECHO ${marker}\r\n`));
          // Read its answer, or the socket never ends.
          probe.resume();
          probe.once('error', done);
          probe.once('close', done);
        });
        for (let i = 0; i < 200 && !seen.some((entry) => entry.command === 'ECHO' && entry.args[0] === marker); i++) {
          await new Promise((done) => setTimeout(done, 10));
        }
        socket.destroy();
        return seen.filter((entry) => !(entry.command === 'ECHO' && entry.args[0] === marker));
      },
    };
  });
}

/**
 * Round trips (commands a client sent) and commands of Redis work (those
 * plus every command run inside their scripts) from the given client
 * addresses, and how many of each command.
 */
export function countCommands(seen, clients) {
  const from = new Set(clients);
  let roundTrips = 0;
  let commands = 0;
  const byCommand = {};
  /** Every script call, with the commands it ran. */
  const scripts = [];
  for (const entry of seen) {
    if (!from.has(entry.client)) continue;
    if (!entry.lua) roundTrips += 1;
    commands += 1;
    const name = entry.lua ? `lua ${entry.command}` : entry.command;
    byCommand[name] = (byCommand[name] ?? 0) + 1;
    if (!entry.lua && (entry.command === 'EVALSHA' || entry.command === 'EVAL')) scripts.push({ command: entry.command, inner: [] });
    else if (entry.lua && scripts.length) scripts.at(-1).inner.push(entry.command);
  }
  return { roundTrips, commands, byCommand, scripts };
}

/** Commands that change data: a script that ran one of them wrote. */
const WRITES = new Set(['SET', 'HSET', 'ZADD', 'PEXPIREAT', 'PEXPIRE', 'EXPIRE', 'DEL', 'ZREM']);
/** Commands that read a session. */
const READS = new Set(['GET', 'HGETALL', 'HMGET']);

/**
 * The cost of a request that writes nothing, from counts taken over
 * `requests` requests: the writes a few of them made (activity, coalesced to
 * once a second per session) taken out, as the extra commands of a script
 * that read and wrote over one that only read, and the extra calls of
 * scripts that only wrote (the store's background index refresh). Returns the
 * typical round trips and commands per request and how many writes there were.
 */
export function typicalRequest(counts, requests) {
  // A script call that ran nothing was refused (NOSCRIPT: another client flushed the script cache) and
  // sent again as EVAL: one round trip and one command more, once per script per flush.
  const retried = counts.scripts.filter((s) => s.inner.length === 0);
  const ran = counts.scripts.filter((s) => s.inner.length > 0);
  const reads = ran.filter((s) => !s.inner.some((c) => WRITES.has(c)));
  // The read scripts' usual size: the most frequent count of inner commands.
  const sizes = new Map();
  for (const s of reads) sizes.set(s.inner.length, (sizes.get(s.inner.length) ?? 0) + 1);
  const readInner = [...sizes].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
  let extraCommands = retried.length;
  let extraRoundTrips = retried.length;
  let writes = 0;
  for (const script of ran) {
    if (!script.inner.some((c) => WRITES.has(c))) continue;
    writes += 1;
    if (script.inner.some((c) => READS.has(c))) extraCommands += script.inner.length - readInner;
    else {
      extraCommands += 1 + script.inner.length;
      extraRoundTrips += 1;
    }
  }
  return {
    roundTripsPerRequest: (counts.roundTrips - extraRoundTrips) / requests,
    commandsPerRequest: (counts.commands - extraCommands) / requests,
    writes,
    retried: retried.length,
  };
}

/** The `ip:port` Redis sees for a connection, from `CLIENT INFO` (Redis 6.2+): pass the reply. */
export function clientAddress(clientInfo) {
  const match = /(?:^|\s)addr=(\S+)/.exec(String(clientInfo));
  if (!match) throw new Error(`no addr= in CLIENT INFO reply: ${clientInfo}`);
  return match[1];
}
