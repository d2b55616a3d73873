/**
 * Loads the example as its users run it: through Node's own CommonJS
 * `require` (not the test runner's transform), so `require('@sessionguard/express')`
 * resolves to the built package's CommonJS entry and `require('express')` to
 * the example's Express 4.
 */
import { createRequire } from 'node:module';
import type { Express } from 'express';
import type { SessionGuard } from '@sessionguard/express';

const requireHere = createRequire(new URL('../app.js', import.meta.url));

export interface ExampleOptions {
  secret: string;
  now?: () => number;
  warnAfter?: number;
  expireAfter?: number;
  store?: unknown;
  registry?: unknown;
  logger?: { info(): void; warn(): void; error(): void };
}

export interface Example {
  app: Express;
  guard: SessionGuard;
  notes: Map<string, string>;
}

export const createExample = (options: ExampleOptions): Example =>
  (requireHere('./app.js') as { createApp(options: ExampleOptions): Example }).createApp(options);

/** `require` as the example sees it (its own node_modules first). */
export const exampleRequire = requireHere;

export const SECRET = 'example-test-secret-0123456789-abcdefghijkl';

/** A hand-driven clock. */
export function testClock(start = Date.UTC(2026, 0, 1, 9)) {
  let now = start;
  return {
    now: () => now,
    advance(seconds: number) {
      now += seconds * 1000;
    },
  };
}

/** The CSRF token a page carries in its `<meta name="csrf-token">`. */
export function csrfTokenOf(html: string): string {
  const token = /<meta name="csrf-token" content="([^"]*)">/.exec(html)?.[1];
  if (!token) throw new Error('no csrf-token meta tag in the page');
  return token;
}

export const quiet = { info() {}, warn() {}, error() {} };
