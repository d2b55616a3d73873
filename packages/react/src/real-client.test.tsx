/**
 * The provider over the real headless `@sessionguard/client` (its sources, with its
 * default seams: BroadcastChannel, the storage-lease leader, real listeners
 * on window and document), a fake ping endpoint and fake timers.
 */
import { act, StrictMode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SessionGuardProvider, useSessionGuard } from './index.js';
import { mount } from './test-helpers.js';

const hoisted = vi.hoisted(() => ({ guards: [] as { guard: unknown; destroyed: boolean }[] }));

// The real createSessionGuard, counted: which guards were created and which destroyed.
vi.mock('@sessionguard/client', async (importOriginal) => {
  const client = await importOriginal<typeof import('@sessionguard/client')>();
  return {
    ...client,
    createSessionGuard: (options: Parameters<typeof client.createSessionGuard>[0]) => {
      const guard = client.createSessionGuard(options);
      const entry = { guard, destroyed: false };
      hoisted.guards.push(entry);
      const destroy = guard.destroy.bind(guard);
      return Object.assign(guard, {
        destroy() {
          entry.destroyed = true;
          destroy();
        },
      });
    },
  };
});
// Not under test here (dialogs={false} below; the built-in dialogs with React are test/browser/react.test.ts's).
vi.mock('./dialogs.js', () => ({ loadDialogs: async () => () => () => {} }));

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const policy = { warnAfter: 60, expireAfter: 180 };

/** POST /session/ping like the adapter: the server's last activity moves to max(stored, now - idleFor). */
function pingEndpoint() {
  let lastActivity = Date.now();
  const pings: number[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const { idleFor } = (await request.json()) as { idleFor: number };
    pings.push(Date.now());
    lastActivity = Math.max(lastActivity, Date.now() - idleFor * 1000);
    const body = { idleFor: Math.floor((Date.now() - lastActivity) / 1000), ...policy, absoluteRemaining: null };
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  });
  return { fetch, pings };
}

/** Lets the fake fetch and what follows its answer run, without running any timer. */
const flush = async () => {
  for (let turn = 0; turn < 50; turn += 1) await new Promise<void>((resolve) => process.nextTick(resolve));
};

/** Listeners currently on window and document (what the guard listens on), added minus removed. */
function trackListeners() {
  const live = new Set<string>();
  const ids = new WeakMap<object, number>();
  let next = 0;
  const key = (target: EventTarget, type: string, listener: unknown, options: unknown) => {
    const capture = typeof options === 'boolean' ? options : !!(options as { capture?: boolean } | undefined)?.capture;
    if (!ids.has(listener as object)) ids.set(listener as object, ++next);
    return `${target === window ? 'window' : 'document'} ${type} ${ids.get(listener as object)} ${capture}`;
  };
  const proto = window.EventTarget.prototype;
  const add = proto.addEventListener;
  const remove = proto.removeEventListener;
  vi.spyOn(proto, 'addEventListener').mockImplementation(function (this: EventTarget, type, listener, options) {
    if ((this === window || this === document) && listener) live.add(key(this, type, listener, options));
    return add.call(this, type, listener, options);
  });
  vi.spyOn(proto, 'removeEventListener').mockImplementation(function (this: EventTarget, type, listener, options) {
    if ((this === window || this === document) && listener) live.delete(key(this, type, listener, options));
    return remove.call(this, type, listener, options);
  });
  return live;
}

/** BroadcastChannels opened and not closed. */
function trackChannels() {
  const open = new Set<BroadcastChannel>();
  let opened = 0;
  const Real = globalThis.BroadcastChannel;
  class Counted extends Real {
    constructor(name: string) {
      super(name);
      opened += 1;
      open.add(this);
    }
    override close() {
      open.delete(this);
      super.close();
    }
  }
  vi.stubGlobal('BroadcastChannel', Counted);
  return { open, opened: () => opened };
}

function OwnWarning() {
  const { status, warnAt, expiresAt, extend } = useSessionGuard();
  return (
    <main>
      <p data-testid="status">{status}</p>
      <p data-testid="times">{warnAt === null ? 'unknown' : `${warnAt - Date.now()} ${expiresAt! - Date.now()}`}</p>
      {status === 'warning' && (
        <div data-testid="own-warning">
          Your session ends at {new Date(expiresAt!).toISOString()}
          <button onClick={extend}>Stay</button>
        </div>
      )}
    </main>
  );
}

let endpoint: ReturnType<typeof pingEndpoint>;
const options = () => ({ baseUrl: '/session', username: 'alice', name: `react-test-${Math.random()}`, fetch: endpoint.fetch });

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T10:00:00Z') });
  hoisted.guards.length = 0;
  endpoint = pingEndpoint();
  localStorage.clear();
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  document.body.innerHTML = '';
});

describe('over the real client', () => {
  it('StrictMode: one live guard after the double mount; after unmount no guard, listener, channel or timer is left', async () => {
    // React's own document listeners are added once, at its first root: let them be added before counting.
    const warmUp = await mount(<p />);
    await warmUp.unmount();
    const listeners = trackListeners();
    const channels = trackChannels();

    const view = await mount(
      <StrictMode>
        <SessionGuardProvider options={options()} dialogs={false}>
          <OwnWarning />
        </SessionGuardProvider>
      </StrictMode>,
    );
    await act(flush);
    expect(hoisted.guards.map((entry) => entry.destroyed)).toEqual([true, false]);
    expect(channels.open.size).toBe(1);
    // The live guard runs: it pinged and the page shows the server's times.
    expect(endpoint.pings.length).toBeGreaterThan(0);
    expect(view.container.querySelector('[data-testid="times"]')!.textContent).toBe('60000 180000');
    expect(listeners.size).toBeGreaterThan(0);
    expect(vi.getTimerCount()).toBeGreaterThan(0);

    await view.unmount();
    await flush();
    // jsdom delivers the storage events of the leader lease's release with zero-delay timers: let them fire.
    await vi.advanceTimersByTimeAsync(0);
    expect(hoisted.guards.map((entry) => entry.destroyed)).toEqual([true, true]);
    expect(channels.opened()).toBe(2);
    expect(channels.open.size).toBe(0);
    expect([...listeners]).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("the app's own warning shows at warnAt with the time left, and its Stay button extends the session", async () => {
    const view = await mount(
      <SessionGuardProvider options={options()} dialogs={false}>
        <OwnWarning />
      </SessionGuardProvider>,
    );
    await act(flush);
    const own = () => view.container.querySelector('[data-testid="own-warning"]');
    const status = () => view.container.querySelector('[data-testid="status"]')!.textContent;

    await act(() => vi.advanceTimersByTimeAsync(59_000));
    await act(flush);
    expect(status()).toBe('active');
    expect(own()).toBeNull();

    await act(() => vi.advanceTimersByTimeAsync(2_000));
    await act(flush);
    expect(status()).toBe('warning');
    expect(own()!.textContent).toContain('Your session ends at 2026-01-01T10:03:00.000Z');

    const pings = endpoint.pings.length;
    await act(async () => own()!.querySelector('button')!.click());
    await act(flush);
    expect(endpoint.pings.length).toBe(pings + 1);
    expect(status()).toBe('active');
    expect(own()).toBeNull();
    // Extended: the next warning is warnAfter after the click.
    expect(view.container.querySelector('[data-testid="times"]')!.textContent).toBe('60000 180000');
    await view.unmount();
  });
});

