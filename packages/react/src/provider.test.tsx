import { act, StrictMode, useEffect, useState } from 'react';
import { hydrateRoot } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SessionGuardProvider, useSessionGuard } from './index.js';
import { fakeGuard, mount, type FakeGuard } from './test-helpers.js';

const hoisted = vi.hoisted(() => ({
  make: null as null | ((options: unknown) => unknown),
  created: [] as unknown[],
  attachDialogs: null as unknown as ReturnType<typeof import('vitest').vi.fn<(...args: unknown[]) => () => void>>,
}));

vi.mock('@sessionguard/client', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  createSessionGuard: (options: unknown) => {
    const guard = hoisted.make!(options);
    hoisted.created.push(guard);
    return guard;
  },
}));
// The built-in dialogs (`attachDialogs` of @sessionguard/client/ui, loaded on demand) as a spy: what the provider
// asks of them, not what they draw (the client's own tests cover that).
vi.mock('./dialogs.js', () => ({ loadDialogs: async () => (...args: unknown[]) => hoisted.attachDialogs(...args) }));

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const created = () => hoisted.created as FakeGuard[];
const live = () => created().filter((guard) => !guard.destroyed);
let detachDialogs: ReturnType<typeof vi.fn<() => void>>;

beforeEach(() => {
  hoisted.created.length = 0;
  hoisted.make = () => fakeGuard();
  detachDialogs = vi.fn<() => void>();
  hoisted.attachDialogs = vi.fn<(...args: unknown[]) => () => void>(() => detachDialogs);
});

afterEach(() => {
  document.body.innerHTML = '';
  vi.restoreAllMocks();
});

/** What a component sees: each render's value, and its text in the page. */
function Status({ renders }: { renders?: unknown[] }) {
  const value = useSessionGuard();
  renders?.push(value);
  return (
    <p data-testid="status">
      {value.status} {String(value.warnAt)} {String(value.expiresAt)} {String(value.reason)} {value.held} {String(value.stepUp)}
    </p>
  );
}
const text = (container: HTMLElement) => container.querySelector('[data-testid="status"]')!.textContent;

describe('useSessionGuard', () => {
  it('re-renders with the guard state on every change, and not when nothing changed', async () => {
    const renders: unknown[] = [];
    const view = await mount(
      <SessionGuardProvider dialogs={false}>
        <Status renders={renders} />
      </SessionGuardProvider>,
    );
    const [guard] = created();
    expect(text(view.container)).toBe('active null null null 0 false');

    await act(async () => guard!.set({ status: 'warning', warnAt: 1_000, expiresAt: 61_000 }));
    expect(text(view.container)).toBe('warning 1000 61000 null 0 false');
    await act(async () => guard!.set({ status: 'expired', reason: 'idle', held: 2 }));
    expect(text(view.container)).toBe('expired 1000 61000 idle 2 false');

    // The same state object again (a BehaviorSubject-style replay): no new value, no render.
    const count = renders.length;
    await act(async () => guard!.replay());
    expect(renders.length).toBe(count);
    await view.unmount();
  });

  it("shows the guard's state as it starts, from a subscribe that does not replay it", async () => {
    hoisted.make = () => {
      const guard = fakeGuard();
      guard.set({ status: 'anonymous', warnAt: 7, expiresAt: 8 });
      return guard;
    };
    const view = await mount(
      <SessionGuardProvider dialogs={false}>
        <Status />
      </SessionGuardProvider>,
    );
    expect(text(view.container)).toBe('anonymous 7 8 null 0 false');
    await view.unmount();
  });

  it('gives the same value object between changes, with stable actions', async () => {
    const values: ReturnType<typeof useSessionGuard>[] = [];
    function Capture({ label }: { label: string }) {
      values.push(useSessionGuard());
      return <p>{label}</p>;
    }
    const tree = (label: string) => (
      <SessionGuardProvider dialogs={false}>
        <Capture label={label} />
      </SessionGuardProvider>
    );
    const view = await mount(tree('one'));
    const settled = values.at(-1)!;
    // A render for another reason (a new prop) sees the very same value.
    await act(async () => view.root.render(tree('two')));
    expect(view.container.textContent).toBe('two');
    expect(values.at(-1)).toBe(settled);
    await act(async () => created()[0]!.set({ status: 'warning' }));
    const next = values.at(-1)!;
    expect(next).not.toBe(settled);
    expect(next.status).toBe('warning');
    expect(next.extend).toBe(settled.extend);
    expect(next.logout).toBe(settled.logout);
    expect(next.signIn).toBe(settled.signIn);
    expect(next.reauthenticate).toBe(settled.reauthenticate);
    expect(next.guard).toBe(created()[0]);
    await view.unmount();
  });

  it('throws a clear error outside a provider', () => {
    expect(() => renderToString(<Status />)).toThrow(/useSessionGuard\(\) needs a <SessionGuardProvider> above it/);
  });
});

describe('the app draws its own warning', () => {
  function OwnWarning() {
    const { status, expiresAt, extend, logout } = useSessionGuard();
    if (status !== 'warning') return <p>Working</p>;
    return (
      <div role="alertdialog" aria-label="Still there?">
        <p>Signing out at {new Date(expiresAt!).toISOString()}</p>
        <button onClick={extend}>Stay</button>
        <button onClick={() => void logout()}>Sign out</button>
      </div>
    );
  }

  it('renders the warning at warnAt with expiresAt, and Stay calls extend()', async () => {
    const view = await mount(
      <SessionGuardProvider dialogs={false}>
        <OwnWarning />
      </SessionGuardProvider>,
    );
    const [guard] = created();
    expect(view.container.querySelector('[role="alertdialog"]')).toBeNull();
    const expiresAt = Date.parse('2026-01-01T10:03:00Z');
    await act(async () => guard!.set({ status: 'warning', warnAt: expiresAt - 60_000, expiresAt }));
    const warning = view.container.querySelector('[role="alertdialog"]')!;
    expect(warning.textContent).toContain('Signing out at 2026-01-01T10:03:00.000Z');

    const [stay, signOut] = [...warning.querySelectorAll('button')];
    await act(async () => stay!.click());
    expect(guard!.extend).toHaveBeenCalledTimes(1);
    await act(async () => signOut!.click());
    expect(guard!.logout).toHaveBeenCalledTimes(1);

    await act(async () => guard!.set({ status: 'active' }));
    expect(view.container.querySelector('[role="alertdialog"]')).toBeNull();
    await view.unmount();
  });
});

describe('actions call through to the guard', () => {
  it('extend, logout, signIn, reauthenticate and cancelStepUp reach the running guard with their arguments and results', async () => {
    let value!: ReturnType<typeof useSessionGuard>;
    function Capture() {
      value = useSessionGuard();
      return null;
    }
    const view = await mount(
      <SessionGuardProvider dialogs={false}>
        <Capture />
      </SessionGuardProvider>,
    );
    const [guard] = created() as (FakeGuard & { signIn: ReturnType<typeof vi.fn>; reauthenticate: ReturnType<typeof vi.fn> })[];
    guard!.signIn.mockResolvedValueOnce('invalid');
    value.extend();
    expect(guard!.extend).toHaveBeenCalledTimes(1);
    await expect(value.logout()).resolves.toBe('ok');
    await expect(value.signIn('alice', 'alice-pass')).resolves.toBe('invalid');
    expect(guard!.signIn).toHaveBeenCalledWith('alice', 'alice-pass');
    await expect(value.reauthenticate('alice-pass')).resolves.toBe('ok');
    expect(guard!.reauthenticate).toHaveBeenCalledWith('alice-pass');
    value.cancelStepUp();
    expect(guard!.cancelStepUp).toHaveBeenCalledTimes(1);
    await view.unmount();
    // After unmount there is no guard: the actions say so rather than act on a destroyed one.
    value.extend();
    expect(guard!.extend).toHaveBeenCalledTimes(1);
    await expect(value.logout()).rejects.toThrow(/has not started/);
  });

  it('passes the options to createSessionGuard once per mount', async () => {
    const make = vi.fn(() => fakeGuard());
    hoisted.make = make;
    const options = { baseUrl: '/api/session', username: 'alice' };
    const view = await mount(
      <SessionGuardProvider options={options} dialogs={false}>
        <Status />
      </SessionGuardProvider>,
    );
    await act(async () => view.root.render(<SessionGuardProvider options={{ ...options }} dialogs={false}><Status /></SessionGuardProvider>));
    expect(make).toHaveBeenCalledTimes(1);
    expect(make).toHaveBeenCalledWith(options);
    await view.unmount();
  });
});

describe('StrictMode', () => {
  it('double mount: the first guard is destroyed before the second starts, one stays live, none after unmount', async () => {
    const order: string[] = [];
    hoisted.make = () => {
      const guard = fakeGuard();
      const n = created().length + 1;
      order.push(`create ${n}`);
      guard.destroy.mockImplementation(() => {
        order.push(`destroy ${n}`);
      });
      return guard;
    };
    const view = await mount(
      <StrictMode>
        <SessionGuardProvider dialogs={false}>
          <Status />
        </SessionGuardProvider>
      </StrictMode>,
    );
    expect(order).toEqual(['create 1', 'destroy 1', 'create 2']);
    // The live guard has exactly one subscriber (the store); the destroyed one none.
    expect(created().map((guard) => guard.listeners)).toEqual([0, 1]);
    // The page follows the live guard, not the destroyed one.
    await act(async () => created()[1]!.set({ status: 'warning' }));
    expect(text(view.container)).toMatch(/^warning/);
    await view.unmount();
    expect(order).toEqual(['create 1', 'destroy 1', 'create 2', 'destroy 2']);
    expect(created().map((guard) => guard.listeners)).toEqual([0, 0]);
  });

  it('the built-in dialogs attach to the live guard only, and detach on unmount', async () => {
    const options = { strings: { staySignedIn: 'Rester connecté' }, locale: 'fr' };
    const view = await mount(
      <StrictMode>
        <SessionGuardProvider dialogs={options}>
          <Status />
        </SessionGuardProvider>
      </StrictMode>,
    );
    await act(async () => {});
    expect(hoisted.attachDialogs).toHaveBeenCalledTimes(1);
    expect(hoisted.attachDialogs).toHaveBeenCalledWith(created()[1], options);
    expect(detachDialogs).not.toHaveBeenCalled();
    await view.unmount();
    expect(detachDialogs).toHaveBeenCalledTimes(1);
  });
});

describe('the built-in dialogs', () => {
  it('attach by default (no options), and never with dialogs={false}', async () => {
    const first = await mount(
      <SessionGuardProvider>
        <Status />
      </SessionGuardProvider>,
    );
    await act(async () => {});
    expect(hoisted.attachDialogs).toHaveBeenCalledWith(created()[0], undefined);
    await first.unmount();

    hoisted.attachDialogs.mockClear();
    const second = await mount(
      <SessionGuardProvider dialogs={false}>
        <Status />
      </SessionGuardProvider>,
    );
    await act(async () => {});
    expect(hoisted.attachDialogs).not.toHaveBeenCalled();
    await second.unmount();
  });
});

describe('hydration of server-rendered HTML', () => {
  it('hydrates with no mismatch and no warning from the server snapshot, then follows the guard', async () => {
    const tree = (
      <SessionGuardProvider dialogs={false}>
        <Status />
      </SessionGuardProvider>
    );
    const container = document.createElement('div');
    container.innerHTML = renderToString(tree);
    expect(created()).toEqual([]);
    expect(text(container)).toBe('active null null null 0 false');
    document.body.append(container);
    const errors = vi.spyOn(console, 'error');
    const recoverable = vi.fn();
    let root!: ReturnType<typeof hydrateRoot>;
    await act(async () => {
      root = hydrateRoot(container, tree, { onRecoverableError: recoverable });
    });
    expect(recoverable).not.toHaveBeenCalled();
    expect(errors).not.toHaveBeenCalled();
    expect(created()).toHaveLength(1);
    await act(async () => created()[0]!.set({ status: 'warning', warnAt: 1, expiresAt: 2 }));
    expect(text(container)).toBe('warning 1 2 null 0 false');
    await act(async () => root.unmount());
  });
});
