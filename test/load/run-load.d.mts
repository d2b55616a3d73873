/** Types of run-load.mjs, for the TypeScript test. */
export interface LoadRoundDetail {
  round: number;
  signedIn: number;
  signInSeconds: number;
  requests: number;
  counts: { page: number; me: number; ping: number };
  rps: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  ended: number;
  rssAfterSignInKiB: number;
  rssPeakKiB: number;
  rssAfterKiB: number;
  heapAfterSignInKiB: number;
  heapAfterKiB: number;
}
export interface LoadResult {
  registry: 'memory' | 'redis';
  sessions: number;
  durationSeconds: number;
  rounds: number;
  concurrency: number;
  requests: number;
  errors: number;
  errorSamples: string[];
  roundsDetail: LoadRoundDetail[];
  rssStartKiB: number;
  rssPeakKiB: number;
  rssEndKiB: number;
  heapStartKiB: number;
  heapEndKiB: number;
  redisKeysLeft?: number;
  redisKeySample?: string[];
  /** Keys of users' remembered devices left in Redis (kept on purpose, one per user). */
  devicesKeys?: number;
  samples: Array<{ at: number; phase: string; rssKiB: number }>;
}
export function runLoad(options: {
  registry: 'memory' | 'redis';
  sessions: number;
  durationSeconds: number;
  rounds?: number;
  concurrency?: number;
  settleMs?: number;
  redisUrl?: string;
  log?: (line: string) => void;
}): Promise<LoadResult>;
export function summarize(result: LoadResult): string;
