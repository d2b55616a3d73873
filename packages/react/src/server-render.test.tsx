// @vitest-environment node
/**
 * Server rendering: plain Node, no jsdom, no `window`. The provider creates
 * its guard in an effect, which the server never runs, so rendering a tree
 * that uses the hook needs no browser and shows the state before start.
 */
import { renderToString } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import { SessionGuardProvider, useSessionGuard, type SessionGuardValue } from './index.js';

// Never loaded on the server; the stand-in keeps the UI's modules out of this test.
vi.mock('./dialogs.js', () => ({ loadDialogs: async () => () => () => {} }));

let seen: SessionGuardValue[] = [];

function Header() {
  const value = useSessionGuard();
  seen.push(value);
  return (
    <header>
      <span>session: {value.status}</span>
      {value.warnAt === null ? <span>times unknown</span> : <span>warns at {value.warnAt}</span>}
      {value.status === 'warning' && <button onClick={value.extend}>Stay</button>}
    </header>
  );
}

const page = (
  <SessionGuardProvider options={{ baseUrl: '/session', username: 'alice' }}>
    <Header />
    <Header />
  </SessionGuardProvider>
);

describe('server rendering', () => {
  it('renders a tree that uses the hook in Node, without window, from the state before start', () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
    expect(typeof (globalThis as { document?: unknown }).document).toBe('undefined');
    seen = [];
    const html = renderToString(page);
    expect(html).toBe('<header><span>session: <!-- -->active</span><span>times unknown</span></header>'.repeat(2));
    // One snapshot for the whole render: every component sees the same object, with no guard.
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(seen[1]);
    expect(seen[0]).toMatchObject({ status: 'active', warnAt: null, expiresAt: null, reason: null, held: 0, stepUp: false, guard: null });
  });

  it('renders the same HTML every time, and the actions do not reach for a browser', async () => {
    seen = [];
    expect(renderToString(page)).toBe(renderToString(page));
    const [value] = seen;
    expect(() => value!.extend()).not.toThrow();
    await expect(value!.logout()).rejects.toThrow(/has not started/);
    await expect(value!.signIn('alice', 'alice-pass')).rejects.toThrow(/has not started/);
  });
});
