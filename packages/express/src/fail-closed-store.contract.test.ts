/**
 * failClosedStore must leave express-session's store contract as it found it:
 * what express-session reads as "no session" stays that, callers that await a
 * method without a callback get the store's answer (or a rejection), and a
 * store that throws never leaves its caller waiting. Real time with short
 * timeouts: the stores answer on setImmediate, well within them.
 */
import session, { type SessionData } from 'express-session';
import { describe, expect, it, vi } from 'vitest';
import { isSessionStoreUnavailableError } from './errors.js';
import { failClosedStore } from './fail-closed-store.js';

type Callback = (error?: unknown) => void;
type GetCallback = (error: unknown, data?: SessionData | null) => void;

/** An error as `fs` raises it for a file that does not exist. */
function enoent(sid: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOENT: no such file or directory, open 'sessions/${sid}.json'`), {
    code: 'ENOENT',
    errno: -2,
    syscall: 'open',
  });
}

/**
 * A callback-only store shaped like session-file-store: one JSON "file" per
 * session, a missing file is an ENOENT error, and `failure` (when set) is what
 * every call answers instead.
 */
class FileLikeStore extends session.Store {
  readonly files = new Map<string, string>();
  failure: unknown = null;

  override get(sid: string, callback: GetCallback): void {
    setImmediate(() => {
      if (this.failure) return callback(this.failure);
      const text = this.files.get(sid);
      if (text === undefined) return callback(enoent(sid));
      callback(null, JSON.parse(text));
    });
  }

  override set(sid: string, data: SessionData, callback?: Callback): void {
    setImmediate(() => {
      if (this.failure) return callback?.(this.failure);
      this.files.set(sid, JSON.stringify(data));
      callback?.();
    });
  }

  override touch(sid: string, _data: SessionData, callback?: Callback): void {
    setImmediate(() => (this.failure ? callback?.(this.failure) : callback?.()));
  }

  override destroy(sid: string, callback?: Callback): void {
    setImmediate(() => {
      if (this.failure) return callback?.(this.failure);
      this.files.delete(sid);
      callback?.();
    });
  }
}

/** The wrapped methods as a caller that awaits them sees them (connect-redis v9 style). */
interface AwaitedStore {
  get(sid: string): Promise<SessionData | null | undefined>;
  set(sid: string, data: SessionData): Promise<unknown>;
  touch(sid: string, data: SessionData): Promise<unknown>;
  destroy(sid: string): Promise<unknown>;
}
const awaited = (store: session.Store) => store as unknown as AwaitedStore;

const DATA = { cookie: { originalMaxAge: null }, views: 3 } as unknown as SessionData;

/** Calls `get` with a callback; resolves with every argument it was called back with. */
function getWithCallback(store: session.Store, sid: string): Promise<unknown[]> {
  return new Promise((resolve) => store.get(sid, (...args: unknown[]) => resolve(args)));
}

/** The rejection of `promise`, failing the test if it resolves instead. */
async function rejectionOf(promise: unknown): Promise<unknown> {
  expect(promise, 'a call without a callback returns a promise').toBeInstanceOf(Promise);
  return (promise as Promise<unknown>).then(
    (value) => expect.fail(`expected a rejection, resolved with ${JSON.stringify(value)}`),
    (error: unknown) => error,
  );
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('failClosedStore and "no session" (ENOENT from get)', () => {
  it('passes a get error with code ENOENT to the callback unchanged, as express-session reads it as no session', async () => {
    const store = failClosedStore(new FileLikeStore(), { timeout: 500 });
    const [error, data] = await getWithCallback(store, 'signed-out');
    expect(error).toMatchObject({ code: 'ENOENT', syscall: 'open' });
    expect(isSessionStoreUnavailableError(error)).toBe(false);
    expect(data).toBeUndefined();
  });

  it('rejects a promise get with the same ENOENT error, so an awaiting caller can tell "no session" as express-session does', async () => {
    const store = failClosedStore(new FileLikeStore(), { timeout: 500 });
    const error = await rejectionOf(awaited(store).get('signed-out'));
    expect(error).toMatchObject({ code: 'ENOENT' });
    expect(isSessionStoreUnavailableError(error)).toBe(false);
  });

  it('still fails closed on any other get error, keeping it on cause', async () => {
    const inner = new FileLikeStore();
    const store = failClosedStore(inner, { timeout: 500 });
    const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    inner.failure = denied;
    const [error] = await getWithCallback(store, 'any');
    expect(isSessionStoreUnavailableError(error)).toBe(true);
    expect((error as Error).cause).toBe(denied);
  });

  it('treats ENOENT from set and destroy as failures: only get reads it as no session', async () => {
    const inner = new FileLikeStore();
    const store = failClosedStore(inner, { timeout: 500 });
    inner.failure = enoent('dir');
    const setError = await new Promise((resolve) => store.set('a', DATA, resolve));
    const destroyError = await new Promise((resolve) => store.destroy('a', resolve));
    for (const error of [setError, destroyError]) {
      expect(isSessionStoreUnavailableError(error)).toBe(true);
      expect((error as Error).cause).toBe(inner.failure);
    }
  });
});

describe('failClosedStore called without a callback (promise style)', () => {
  it("resolves with the store's answer: the session from get, after set, touch and destroy", async () => {
    for (const inner of [new session.MemoryStore(), new FileLikeStore()]) {
      const store = awaited(failClosedStore(inner, { timeout: 500 }));
      await store.set('s1', DATA);
      expect(await store.get('s1')).toMatchObject({ views: 3, cookie: {} });
      await store.touch('s1', DATA);
      await store.destroy('s1');
      if (inner instanceof session.MemoryStore) expect(await store.get('s1')).toBeUndefined();
    }
  });

  it('takes a callback left undefined as a promise call', async () => {
    const store = failClosedStore(new session.MemoryStore(), { timeout: 500 });
    const calls = store as unknown as Record<'get' | 'set', (...args: unknown[]) => Promise<unknown>>;
    await calls.set('s2', DATA, undefined);
    expect(await calls.get('s2', undefined)).toMatchObject({ views: 3 });
  });

  it("rejects with SessionStoreUnavailableError, the store's error on cause, when the store fails", async () => {
    const inner = new FileLikeStore();
    const store = awaited(failClosedStore(inner, { timeout: 500 }));
    const refused = new Error('ECONNREFUSED 127.0.0.1:6390');
    inner.failure = refused;
    for (const call of [() => store.get('a'), () => store.set('a', DATA), () => store.touch('a', DATA), () => store.destroy('a')]) {
      const error = await rejectionOf(call());
      expect(isSessionStoreUnavailableError(error)).toBe(true);
      expect((error as Error).cause).toBe(refused);
    }
  });

  it('rejects at the timeout when the store never answers, not before, and ignores the late answer', async () => {
    vi.useFakeTimers();
    try {
      let late: GetCallback | null = null;
      const inner = new session.MemoryStore();
      inner.get = (_sid, callback) => void (late = callback);
      const store = awaited(failClosedStore(inner, { timeout: 30 }));
      let settled = false;
      const rejection = rejectionOf(store.get('x')).finally(() => (settled = true));
      await vi.advanceTimersByTimeAsync(29);
      expect(settled, 'still waiting 1 ms before the timeout').toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(settled, 'rejected at the timeout').toBe(true);
      const error = await rejection;
      expect(isSessionStoreUnavailableError(error)).toBe(true);
      expect(String((error as Error).cause)).toMatch(/no answer within 30 ms/);
      expect(vi.getTimerCount(), 'the timeout timer is gone').toBe(0);
      late!(null, DATA); // must neither throw nor resolve anything now
    } finally {
      vi.useRealTimers();
    }
  });

  it('rejects when the promise a store returns rejects, even with no reason given', async () => {
    const inner = new session.MemoryStore();
    inner.get = (() => Promise.reject(undefined)) as unknown as typeof inner.get;
    const store = failClosedStore(inner, { timeout: 500 });
    const error = await rejectionOf(awaited(store).get('x'));
    expect(isSessionStoreUnavailableError(error)).toBe(true);
    const [callbackError] = await getWithCallback(store, 'x');
    expect(isSessionStoreUnavailableError(callbackError)).toBe(true);
  });
});

describe('failClosedStore and a store method that throws synchronously', () => {
  const thrown = new TypeError("Cannot read properties of undefined (reading 'sessions')");
  const throwingStore = () => {
    const inner = new session.MemoryStore();
    inner.get = () => {
      throw thrown;
    };
    return failClosedStore(inner, { timeout: 500 });
  };

  it('calls back once with SessionStoreUnavailableError, the thrown error on cause', async () => {
    const store = throwingStore();
    const calls: unknown[][] = [];
    store.get('x', (...args: unknown[]) => calls.push(args));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toHaveLength(1);
    expect(isSessionStoreUnavailableError(calls[0]![0])).toBe(true);
    expect((calls[0]![0] as Error).cause).toBe(thrown);
  });

  it('rejects a promise call with SessionStoreUnavailableError, the thrown error on cause', async () => {
    const error = await rejectionOf(awaited(throwingStore()).get('x'));
    expect(isSessionStoreUnavailableError(error)).toBe(true);
    expect((error as Error).cause).toBe(thrown);
  });

  it('runs the callback once when the store calls back and then throws, and lets the throw reach the caller', async () => {
    const inner = new session.MemoryStore();
    inner.get = (_sid, callback) => {
      callback(null, DATA);
      throw thrown;
    };
    const store = failClosedStore(inner, { timeout: 30 });
    const calls: unknown[][] = [];
    expect(() => store.get('x', (...args: unknown[]) => calls.push(args))).toThrow(thrown);
    await new Promise((resolve) => setTimeout(resolve, 60)); // past the timeout: it must not call back again
    expect(calls).toEqual([[null, DATA]]);
  });

  it("does not swallow an exception thrown by the caller's own callback", async () => {
    const inner = new session.MemoryStore();
    inner.get = (_sid, callback) => callback(null, DATA);
    const store = failClosedStore(inner, { timeout: 30 });
    const bug = new Error('bug in the caller');
    let calls = 0;
    expect(() =>
      store.get('x', () => {
        calls += 1;
        throw bug;
      }),
    ).toThrow(bug);
    await nextTurn();
    expect(calls).toBe(1);
  });
});
