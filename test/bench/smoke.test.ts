// The benchmarks report figures; they are not timed tests. This only proves
// that each one still runs: in `--smoke` mode (tiny counts, a few seconds) it
// prints its table and merges its figures into a results file, here a
// temporary one so that bench/results.json keeps the real figures.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'sg-bench-smoke-'));
const results = path.join(dir, 'results.json');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function smoke(name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join(root, 'bench', `${name}.mjs`), '--smoke'],
      {
        cwd: root,
        // `npm test` builds first; never rebuild dist/ under the other tests' feet.
        env: { ...process.env, BENCH_RESULTS: results, BENCH_SKIP_BUILD: '1' },
        timeout: 120_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => (error ? reject(new Error(`${name} --smoke failed: ${error.message}\n${stdout}\n${stderr}`)) : resolve(stdout)),
    );
  });
}

/** The rows of the first Markdown-style table printed. */
function tableRows(output: string): string[] {
  return output.split('\n').filter((line) => line.startsWith('| '));
}

function figures(name: string): Record<string, unknown> {
  const all = JSON.parse(readFileSync(results, 'utf8')) as Record<string, Record<string, unknown>>;
  expect(all[name]).toBeDefined();
  expect(all[name]!.smoke).toBe(true);
  expect(all[name]!.machine).toMatchObject({ cores: expect.any(Number), node: process.version });
  return all[name]!;
}

describe('benchmarks, smoke mode', { timeout: 150_000 }, () => {
  it('weight prints min+gzip bytes of our bundles and the peers', async () => {
    const output = await smoke('weight');
    expect(tableRows(output).length).toBeGreaterThanOrEqual(5);
    expect(output).toMatch(/react-idle-timer/);
    const weight = figures('weight') as { figures: Record<string, { gzip?: number }> };
    expect(weight.figures.clientNpm!.gzip).toBeGreaterThan(0);
    // The push stream's reader is a chunk of its own: a splitting bundler loads it on demand, apart from what every page loads.
    expect(weight.figures.clientNpmOnDemand!.gzip).toBeGreaterThan(0);
    expect(weight.figures.clientIife!.gzip).toBeGreaterThan(0);
    expect(weight.figures.reactIdleTimer!.gzip).toBeGreaterThan(0);
    expect(weight.figures.ngIdle!.gzip).toBeGreaterThan(0);
  });

  it('activity dispatches events in Chromium and reports the cost per event', async () => {
    const output = await smoke('activity');
    expect(tableRows(output).length).toBeGreaterThanOrEqual(4);
    const activity = figures('activity') as {
      figures: Record<string, { mousemoveLoopMs: number; pageErrors: string[]; paced: { medianNs: number; rangeNs: number[] } }>;
      ratios: { paced: number | null };
    };
    expect(activity.figures.baseline!.mousemoveLoopMs).toBeGreaterThan(0);
    // The paced figure is the primary one, with its spread; a ratio is never negative.
    expect(activity.figures.sessionguard!.paced.rangeNs).toHaveLength(2);
    if (activity.ratios.paced !== null) expect(activity.ratios.paced).toBeGreaterThanOrEqual(0);
    expect(output).not.toMatch(/-\d+(\.\d+)?×/);
    expect(activity.figures.sessionguard!.pageErrors).toEqual([]);
    expect(activity.figures.reactIdleTimer!.pageErrors).toEqual([]);
  });

  it('tabs counts the requests of 1 and 2 tabs under clock control', async () => {
    const output = await smoke('tabs');
    expect(tableRows(output).length).toBeGreaterThanOrEqual(3);
    const tabs = figures('tabs') as { figures: Record<string, { byTabs: Record<string, { requests: number }> }> };
    expect(tabs.figures.sessionguard!.byTabs['1']!.requests).toBeGreaterThan(0);
    // The per-tab design pings on each tab's own timer: two tabs, more pings than one.
    expect(tabs.figures.perTabTimer!.byTabs['2']!.requests).toBeGreaterThan(tabs.figures.perTabTimer!.byTabs['1']!.requests);
  });

  it('overhead loads the five Express apps with autocannon and counts their Redis work from MONITOR', async () => {
    const output = await smoke('overhead');
    expect(tableRows(output).length).toBeGreaterThanOrEqual(8);
    type Counts = { roundTripsPerRequest: number; commandsPerRequest: number };
    const overhead = figures('overhead') as {
      figures: Record<string, { rpsMedian: number; non2xx: number; cost: { serverCpuMicrosPerRequest: number; redisMicrosPerRequest: number | null }; counts?: { underLoad: Counts; sparse: Counts } }>;
      ratios: Record<string, { median: number }>;
    };
    for (const key of ['baseline', 'registry', 'store', 'memoryBaseline', 'memory']) {
      expect(overhead.figures[key]!.rpsMedian).toBeGreaterThan(0);
      expect(overhead.figures[key]!.non2xx).toBe(0);
      // The server's CPU per request is printed beside the req/s (a request costs some CPU, never none).
      expect(overhead.figures[key]!.cost.serverCpuMicrosPerRequest).toBeGreaterThan(0);
    }
    // Redis's command time per request, for the apps on Redis only.
    expect(overhead.figures.store!.cost.redisMicrosPerRequest).toBeGreaterThan(0);
    expect(overhead.figures.memory!.cost.redisMicrosPerRequest).toBeNull();
    for (const key of ['registry', 'store', 'memory']) expect(overhead.ratios[key]!.median).toBeGreaterThan(0);
    // Counts do not depend on the machine: the baseline's GET and EXPIRE, the store's one script.
    expect(overhead.figures.baseline!.counts!.underLoad.roundTripsPerRequest).toBe(2);
    expect(overhead.figures.store!.counts!.underLoad.roundTripsPerRequest).toBeLessThan(1.05);
    expect(overhead.figures.store!.counts!.sparse).toEqual(expect.objectContaining({ roundTripsPerRequest: 1 }));
  });

  it('session-bytes measures bytes per session in Redis and keeps one account bounded', async () => {
    const output = await smoke('session-bytes');
    expect(tableRows(output).length).toBeGreaterThanOrEqual(4);
    const bytes = figures('sessionBytes') as {
      scenarios: Record<string, { memoryUsagePerSession: number; recordKeys?: number }>;
      comparison: { layouts: Record<string, { bytesPerSession: number; keys: number; sessions: number }> };
    };
    // (a) connect-redis alone, (b) + the registry, (c) the sessionguard store: one, three and two keys per session.
    const { layouts } = bytes.comparison;
    expect(layouts.connectRedis!.keys).toBe(layouts.connectRedis!.sessions);
    expect(layouts.connectRedisRegistry!.keys).toBe(3 * layouts.connectRedisRegistry!.sessions);
    expect(layouts.store!.keys).toBe(2 * layouts.store!.sessions);
    // A layout's bytes come from INFO memory deltas: on the Redis the other suites use at the same time, smoke
    // mode's few sessions can read as a negative delta; the figure that counts is the full run's (1,000,000
    // sessions, `npm run bench:bytes`, alone). The per-key MEMORY USAGE figures below are exact.
    for (const layout of Object.values(layouts)) expect(Number.isFinite(layout.bytesPerSession)).toBe(true);
    expect(Object.keys(bytes.scenarios).length).toBeGreaterThanOrEqual(4);
    for (const scenario of Object.values(bytes.scenarios)) expect(scenario.memoryUsagePerSession).toBeGreaterThan(0);
    // One account signing in over and over holds at most maxSessionsPerUser (100) records.
    expect(bytes.scenarios.account!.recordKeys).toBeLessThanOrEqual(100);
  });

  it('push times revocations to open streams (one process and two on Redis) and measures memory per stream', async () => {
    const output = await smoke('push');
    expect(tableRows(output).length).toBeGreaterThanOrEqual(10);
    const push = figures('push') as {
      figures: {
        latency: Record<'oneProcess' | 'twoProcessesRedis', { streams: number; revokes: number; p99Ms: number }>;
        memory: { streams: number; perStream: { heapBytes: number }; timersAfterRevoke: number };
        requestsPerHour: { byPreset: Record<string, { pingOnly: { active: number } }> };
      };
    };
    for (const run of Object.values(push.figures.latency)) {
      expect(run.streams).toBe(20);
      expect(run.revokes).toBe(10);
      expect(run.p99Ms).toBeGreaterThan(0);
    }
    expect(push.figures.memory.streams).toBe(100);
    expect(push.figures.memory.perStream.heapBytes).toBeGreaterThan(0);
    expect(push.figures.memory.timersAfterRevoke).toBe(0);
    expect(push.figures.requestsPerHour.byPreset.aal2!.pingOnly.active).toBe(60);
  });

  it('revoke lists and revokes users among 10,000 sessions in Redis and cleans up', async () => {
    const output = await smoke('revoke');
    expect(tableRows(output).length).toBeGreaterThanOrEqual(5);
    const revoke = figures('revoke') as { figures: { sessions: number; cleanup: { keysDeleted: number }; sessionguard: { sessionsRevoked: number } } };
    expect(revoke.figures.sessions).toBe(10_000);
    expect(revoke.figures.sessionguard.sessionsRevoked).toBe(20 * 10);
    expect(revoke.figures.cleanup.keysDeleted).toBeGreaterThan(10_000);
  });
});
