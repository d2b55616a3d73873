/**
 * Server-side rendering imports the client SDK where there is no `window`
 * (this file runs in plain Node, no jsdom): importing must do nothing, and
 * creating a guard must say clearly why it cannot run there.
 */
import { describe, expect, it } from 'vitest';

describe('the client SDK without a window (server-side rendering)', () => {
  it('imports with no side effect: no globals, no DOM touched', async () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
    const before = new Set(Object.getOwnPropertyNames(globalThis));
    const client = await import('@sessionguard/client');
    expect(typeof client.createSessionGuard).toBe('function');
    const added = Object.getOwnPropertyNames(globalThis).filter((name) => !before.has(name));
    expect(added).toEqual([]);
  });

  it('createSessionGuard throws a SessionGuardConfigError naming `window`, not a ReferenceError', async () => {
    const { createSessionGuard } = await import('@sessionguard/client');
    let error: unknown;
    try {
      createSessionGuard({ baseUrl: '/session' });
    } catch (caught) {
      error = caught;
    }
    expect((error as Error).name).toBe('SessionGuardConfigError');
    expect((error as { option?: string }).option).toBe('window');
    expect((error as Error).message).toMatch(/browser/);
  });
});
