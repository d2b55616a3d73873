// @vitest-environment node
/**
 * Server-side rendering imports the built-in UI too (a React app's provider
 * does): importing `@sessionguard/client/ui` must touch no DOM and add no global.
 */
import { describe, expect, it } from 'vitest';

describe('@sessionguard/client/ui without a window', () => {
  it('imports with no side effect', async () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
    const before = new Set(Object.getOwnPropertyNames(globalThis));
    const ui = await import('./ui.js');
    expect(typeof ui.attachDialogs).toBe('function');
    expect(Object.getOwnPropertyNames(globalThis).filter((name) => !before.has(name))).toEqual([]);
  });
});
