// A mutation check: applies each deliberate breakage below, one at a time, to a throwaway copy of a
// commit (HEAD by default) and runs the test suite there. A mutant is caught when a test fails; one that
// survives names a behaviour no test holds. The working tree is never touched: each copy is
// `git archive` of the commit in a temporary directory, with the repository's node_modules linked in
// (its @sessionguard/* entries pointing at the copy's own packages, so the demo is built from the mutant).
//
//   node scripts/mutants.mjs                 # every mutant, after a baseline run of the unmutated copy
//   node scripts/mutants.mjs <name>...       # only these (names from --list)
//   node scripts/mutants.mjs --list          # the mutants, and whether each pattern still matches
//   options: --ref <commit>   --skip-baseline   --keep (leave the copies)
//            --exclude <glob>  (repeatable) leave a test file out, e.g. one that fails at the commit for
//                              reasons of its own; the baseline tells, and the run names what was left out
//
// Each run is `node scripts/build.mjs` then `vitest run --bail=1`: first everything but test/browser,
// then, only if that passed, test/browser under `flock /tmp/sg-chromium.lock` (Chromium is shared).
// A pattern that is not found exactly once fails the script before anything runs, so the list cannot
// rot silently when the code changes. Exit code 0 only when the baseline passed and every mutant was caught.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/**
 * The breakages. Each edit replaces `find` (which must occur exactly once in the file at the commit)
 * with `replace`. Every mutant must still build (tsc runs in the build): a mutant that does not is
 * reported as broken, not as caught.
 */
export const MUTANTS = [
  {
    name: 'memory-sweep-off',
    what: "the memory registry's sweep timer does nothing (records past retainUntil are only dropped when met)",
    edits: [
      {
        file: 'packages/express/src/registry/memory-registry.ts',
        find: 'const timer = setInterval(sweep, sweepInterval);',
        replace: 'const timer = setInterval(() => {}, sweepInterval);',
      },
    ],
  },
  {
    name: 'tabs-broadcast-only',
    what: 'the client always uses BroadcastChannel, never the storage-event fallback',
    edits: [
      {
        file: 'packages/client/src/tab-channel.ts',
        find: "return typeof BroadcastChannel === 'function' ? broadcastTabChannel<T>(name) : storageTabChannel<T>(name, win);",
        replace: 'return broadcastTabChannel<T>(name);',
      },
    ],
  },
  {
    name: 'leader-web-locks-only',
    what: 'the client always elects its leader with Web Locks, never the localStorage lease',
    edits: [
      {
        file: 'packages/client/src/leader.ts',
        find: "return locks && typeof locks.request === 'function' ? webLocksLeader(locks, name) : storageLeader(win, clock, name);",
        replace: 'return webLocksLeader(locks as LockManager, name);',
      },
    ],
  },
  {
    name: 'ping-is-activity',
    what: 'the middleware no longer treats the ping as passive: every ping records activity now',
    edits: [
      {
        file: 'packages/express/src/middleware.ts',
        find: "return req.method === 'POST' && /\\/ping\\/?$/.test(requestPath(req));",
        replace: 'return false;',
      },
    ],
  },
  {
    name: 'activity-backwards-memory',
    what: "the memory registry's touch sets last activity to the given value, even an earlier one",
    edits: [
      {
        file: 'packages/express/src/registry/memory-registry.ts',
        find: 'record.lastActivity = Math.max(record.lastActivity, lastActivity);',
        replace: 'record.lastActivity = lastActivity;',
      },
    ],
  },
  {
    name: 'activity-backwards-redis',
    what: "the Redis touch script writes the given last activity, even an earlier one",
    edits: [
      {
        file: 'packages/express/src/redis/scripts.ts',
        find: 'if tonumber(ARGV[1]) > tonumber(current[1]) then',
        replace: 'if true then',
      },
    ],
  },
  {
    name: 'touch-recreates-revoked',
    what: "the memory registry's touch recreates a missing (revoked) record instead of returning null",
    edits: [
      {
        file: 'packages/express/src/registry/memory-registry.ts',
        find: ['    async touch(ref, lastActivity, retainUntil, limits?: TouchLimits) {', '      const record = live(ref);', '      if (!record) return null;'].join('\n'),
        replace: [
          '    async touch(ref, lastActivity, retainUntil, limits?: TouchLimits) {',
          '      let record = live(ref);',
          '      if (!record) {',
          '        record = { sessionId: ref.sessionId, userId: ref.userId, publicId: ref.sessionId, createdAt: lastActivity, lastActivity, authenticatedAt: lastActivity, ip: null, userAgent: null, authHash: null, retainUntil };',
          '        userOf(ref.userId).live.set(ref.sessionId, record);',
          '      }',
        ].join('\n'),
      },
    ],
  },
  {
    name: 'csrf-header-skipped',
    what: 'the guard no longer requires the X-SessionGuard: 1 header (only the origin is checked)',
    edits: [
      {
        file: 'packages/express/src/csrf.ts',
        find: 'if (req.get(CSRF_HEADER) !== CSRF_HEADER_VALUE) return',
        replace: 'if ((false as boolean) && req.get(CSRF_HEADER) !== CSRF_HEADER_VALUE) return',
      },
    ],
  },
  {
    name: 'wcag-floor-removed',
    what: 'validateTimingPolicy accepts a warning less than 20 s before expiry (WCAG 2.2.1)',
    edits: [
      {
        file: 'packages/core/src/policy.ts',
        find: 'if (expireAfter - warnAfter < MIN_WARNING_SECONDS) {',
        replace: 'if (expireAfter - warnAfter < 0) {',
      },
    ],
  },
  {
    name: 'refused-revoke-is-activity',
    what: "the middleware records activity on the guard's revoking endpoints before they check CSRF and input",
    edits: [
      {
        file: 'packages/express/src/middleware.ts',
        find: 'return isPing(req) || isGuardStateChange(req) || matches(ctx.options.passiveUrls, requestPath(req));',
        replace: 'return isPing(req) || ((false as boolean) && isGuardStateChange(req)) || matches(ctx.options.passiveUrls, requestPath(req));',
      },
    ],
  },
  {
    name: 'demo-form-post-is-api',
    what: "the demo answers every non-GET of an ended session as an API call (401 JSON), no-JS form posts included",
    edits: [
      {
        file: 'demo/context.ts',
        find: 'return !safeMethod && !/\\btext\\/html\\b/i.test(accept);',
        replace: 'return !safeMethod;',
      },
    ],
  },
];

// ---- arguments ------------------------------------------------------------------------------------

const args = process.argv.slice(2);
const flag = (name) => {
  const index = args.indexOf(name);
  if (index === -1) return false;
  args.splice(index, 1);
  return true;
};
const option = (name) => {
  const index = args.indexOf(name);
  if (index === -1) return undefined;
  const [, value] = args.splice(index, 2);
  if (value === undefined) fail(`${name} needs a value`);
  return value;
};
function fail(message) {
  console.error(`mutants: ${message}`);
  process.exit(2);
}

const listOnly = flag('--list');
const skipBaseline = flag('--skip-baseline');
const keep = flag('--keep');
const ref = option('--ref') ?? 'HEAD';
const excluded = [];
for (let glob = option('--exclude'); glob !== undefined; glob = option('--exclude')) excluded.push(glob);
for (const arg of args) if (arg.startsWith('--')) fail(`unknown option ${arg}`);
const unknown = args.filter((name) => !MUTANTS.some((mutant) => mutant.name === name));
if (unknown.length > 0) fail(`no mutant named ${unknown.join(', ')} (see --list)`);
const selected = args.length === 0 ? MUTANTS : MUTANTS.filter((mutant) => args.includes(mutant.name));

const git = (...gitArgs) => execFileSync('git', gitArgs, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
const commit = git('rev-parse', '--verify', `${ref}^{commit}`).trim();

// ---- the patterns, checked against the commit before anything runs ----------------------------------

const occurrences = (text, find) => text.split(find).length - 1;
const problems = [];
for (const mutant of MUTANTS) {
  for (const edit of mutant.edits) {
    let text;
    try {
      text = git('show', `${commit}:${edit.file}`);
    } catch {
      problems.push(`${mutant.name}: ${edit.file} does not exist at ${commit.slice(0, 10)}`);
      continue;
    }
    const count = occurrences(text, edit.find);
    if (count !== 1) problems.push(`${mutant.name}: the pattern occurs ${count} times in ${edit.file} (must be exactly once):\n    ${edit.find.replace(/\n/g, '\n    ')}`);
  }
}
if (listOnly) {
  for (const mutant of MUTANTS) console.log(`${mutant.name.padEnd(28)} ${mutant.what}`);
}
if (problems.length > 0) {
  console.error(`mutants: ${problems.length} pattern(s) no longer match ${commit.slice(0, 10)}; update the list in scripts/mutants.mjs:`);
  for (const problem of problems) console.error(`  ${problem}`);
  process.exit(2);
}
if (listOnly) {
  console.log(`(every pattern matches exactly once at ${commit.slice(0, 10)})`);
  process.exit(0);
}

// ---- one copy, one run ------------------------------------------------------------------------------

const runDir = mkdtempSync(path.join(tmpdir(), 'sessionguard-mutants-'));
const logDir = path.join(runDir, 'logs');
mkdirSync(logDir);
let current = null;

/** The commit's files in a new directory, with the repository's node_modules linked in. */
function makeCopy(name) {
  const dir = path.join(runDir, name);
  mkdirSync(dir);
  execFileSync('sh', ['-c', `git archive --format=tar ${commit} | tar -x -C "${dir}"`], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  // A real node_modules of links: the third-party packages are shared (read only), but the workspace
  // packages must be the copy's own, or the demo would be built from the working tree's packages.
  const modules = path.join(root, 'node_modules');
  const copyModules = path.join(dir, 'node_modules');
  mkdirSync(copyModules);
  for (const entry of readdirSync(modules)) {
    if (entry === '@sessionguard' || (entry.startsWith('.') && entry !== '.bin')) continue;
    symlinkSync(path.join(modules, entry), path.join(copyModules, entry));
  }
  mkdirSync(path.join(copyModules, '@sessionguard'));
  for (const [name, target] of [['core', 'packages/core'], ['client', 'packages/client'], ['express', 'packages/express'], ['demo', 'demo']]) {
    symlinkSync(path.join(dir, target), path.join(copyModules, '@sessionguard', name));
  }
  return dir;
}

function applyEdits(dir, mutant) {
  for (const edit of mutant.edits) {
    const file = path.join(dir, edit.file);
    const text = readFileSync(file, 'utf8');
    if (occurrences(text, edit.find) !== 1) throw new Error(`${mutant.name}: pattern not found once in the copy's ${edit.file}`);
    writeFileSync(file, text.replace(edit.find, () => edit.replace));
  }
}

/** Runs a command in the copy, its output appended to the log; resolves to its exit code. */
function run(dir, log, command, commandArgs, timeoutMs) {
  return new Promise((resolve) => {
    writeFileSync(log, `\n$ ${command} ${commandArgs.join(' ')}\n`, { flag: 'a' });
    const child = spawn(command, commandArgs, { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
    current = child;
    const append = (chunk) => writeFileSync(log, chunk, { flag: 'a' });
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    const timer = setTimeout(() => {
      append(`\nmutants: timed out after ${timeoutMs / 1000} s\n`);
      killGroup(child);
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      current = null;
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {}
}

/** The first failure of a vitest JSON report: its file (relative) and "file > test name" (or why the file failed to run). */
function firstFailure(dir, report) {
  if (!existsSync(report)) return null;
  let parsed;
  try {
    parsed = JSON.parse(readFileSync(report, 'utf8'));
  } catch {
    return null;
  }
  for (const file of parsed.testResults ?? []) {
    const where = path.relative(dir, file.name ?? '');
    const failed = (file.assertionResults ?? []).find((result) => result.status === 'failed');
    if (failed) return { file: where, test: `${where} > ${failed.fullName ?? failed.title}` };
    if (file.status === 'failed') return { file: where, test: `${where} (${String(file.message ?? 'failed to run').split('\n')[0].slice(0, 120)})` };
  }
  return null;
}

const vitest = (dir) => path.join(dir, 'node_modules', 'vitest', 'vitest.mjs');
const MINUTE = 60_000;

/**
 * Builds the copy and runs the suite: 'passed', 'failed' (with the first failing test), 'broken' (the
 * build failed) or 'unsure'. A failure only counts once the failing file fails again on its own: on a
 * shared 2-core machine a timeout somewhere else (a hook, the load test) is noise, not a catch. A
 * failure that does not repeat is noted and the phase runs again, once.
 */
async function suite(dir, log) {
  if ((await run(dir, log, process.execPath, ['scripts/build.mjs'], 10 * MINUTE)) !== 0) return { outcome: 'broken', test: 'the build failed' };
  const phases = [
    { name: 'node', command: process.execPath, prefix: [], filter: ['--exclude', 'test/browser/**'] },
    { name: 'browser', command: 'flock', prefix: ['/tmp/sg-chromium.lock', process.execPath], filter: ['test/browser'] },
  ].map((phase) => ({ ...phase, filter: [...phase.filter, ...excluded.flatMap((glob) => ['--exclude', glob])] }));
  const vitestRun = (phase, report, filter) =>
    run(dir, log, phase.command, [...phase.prefix, vitest(dir), 'run', '--bail=1', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...filter], 45 * MINUTE);
  const noise = [];
  for (const phase of phases) {
    for (let attempt = 1; ; attempt += 1) {
      const report = path.join(dir, `report-${phase.name}-${attempt}.json`);
      const code = await vitestRun(phase, report, phase.filter);
      if (code === 0) break;
      const failure = firstFailure(dir, report);
      if (!failure) return { outcome: 'unsure', test: `vitest exited ${code} without a failing test (see the log)` };
      const again = path.join(dir, `report-${phase.name}-${attempt}-again.json`);
      if ((await vitestRun(phase, again, [failure.file])) !== 0) {
        return { outcome: 'failed', test: (firstFailure(dir, again) ?? failure).test, noise };
      }
      noise.push(failure.test);
      writeFileSync(log, `\nmutants: ${failure.test} failed, then passed on its own: noise, not a catch\n`, { flag: 'a' });
      if (attempt === 2) return { outcome: 'unsure', test: `failures that did not repeat: ${noise.join('; ')}` };
    }
  }
  return { outcome: 'passed', test: '', noise };
}

async function measure(name, mutant) {
  const started = Date.now();
  const log = path.join(logDir, `${name}.log`);
  const dir = makeCopy(name);
  try {
    if (mutant) applyEdits(dir, mutant);
    const result = await suite(dir, log);
    return { ...result, seconds: Math.round((Date.now() - started) / 1000), log };
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

const stop = (signal) => {
  if (current) killGroup(current);
  if (!keep) rmSync(runDir, { recursive: true, force: true });
  process.exit(signal === 'SIGINT' ? 130 : 143);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

// ---- the run ----------------------------------------------------------------------------------------

console.log(`mutants: ${selected.length} mutant(s) of ${commit.slice(0, 10)}, one at a time, in ${runDir}`);
if (excluded.length > 0) console.log(`mutants: left out of every run: ${excluded.join(', ')}`);
execFileSync(process.execPath, [path.join(root, 'scripts', 'provision.mjs')], { cwd: root, stdio: 'inherit' });

if (!skipBaseline) {
  process.stdout.write('mutants: baseline (no mutant) ... ');
  const baseline = await measure('baseline', null);
  console.log(`${baseline.outcome} in ${baseline.seconds} s`);
  if (baseline.outcome !== 'passed') {
    console.error(`mutants: the unmutated suite does not pass (${baseline.test}); a mutant would look caught for nothing. Log: ${baseline.log}`);
    keepLogs();
    process.exit(1);
  }
}

const rows = [];
for (const mutant of selected) {
  process.stdout.write(`mutants: ${mutant.name} ... `);
  const result = await measure(mutant.name, mutant);
  const caught = { failed: 'yes', passed: 'NO', broken: 'broken', unsure: 'unsure' }[result.outcome];
  const said = { failed: 'caught', passed: 'SURVIVED', broken: 'BROKEN', unsure: 'UNSURE' }[result.outcome];
  const noted = result.noise?.length ? ` (noise first, not repeated: ${result.noise.join('; ')})` : '';
  console.log(`${said} in ${result.seconds} s${result.test ? `: ${result.test}` : ''}${noted}`);
  rows.push({ mutant: mutant.name, caught, test: result.test || '(none: the whole suite passed)', seconds: result.seconds });
}

const table = [
  '| mutant | caught | first failing test | seconds |',
  '| --- | --- | --- | --- |',
  ...rows.map((row) => `| \`${row.mutant}\` | ${row.caught} | ${row.test.replace(/\|/g, '\\|')} | ${row.seconds} |`),
].join('\n');
console.log(`\n${table}\n`);
keepLogs();
const survivors = rows.filter((row) => row.caught !== 'yes');
if (survivors.length > 0) console.log(`mutants: not caught: ${survivors.map((row) => `${row.mutant} (${row.caught})`).join(', ')}`);
process.exit(survivors.length > 0 ? 1 : 0);

function keepLogs() {
  if (keep) {
    console.log(`mutants: copies and logs kept in ${runDir}`);
    return;
  }
  // The copies are gone; the logs stay for a look at what failed, in the system's temporary directory.
  console.log(`mutants: logs in ${logDir}`);
}
