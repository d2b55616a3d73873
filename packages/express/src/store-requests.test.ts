import { afterEach, describe, expect, it, vi } from 'vitest';
import session from 'express-session';
import { coalesceTouches } from './store-requests.js';

afterEach(() => {
  vi.useRealTimers();
});

function countingStore(ttl?: number) {
  const store = new session.MemoryStore() as session.MemoryStore & { ttl?: number };
  if (ttl !== undefined) store.ttl = ttl;
  const touches: string[] = [];
  const touch = store.touch.bind(store);
  store.touch = (sid, sess, callback) => {
    touches.push(sid);
    touch(sid, sess, callback);
  };
  return { store: coalesceTouches(store), touches };
}

const data = (maxAge: number | null) => ({ cookie: { originalMaxAge: maxAge, expires: null } }) as unknown as session.SessionData;
const touch = (store: session.Store, sid: string, sess: session.SessionData) => new Promise<void>((resolve) => store.touch!(sid, sess, () => resolve()));

describe("coalesceTouches: the app's store touched once per 1% of the session's lifetime", () => {
  it('passes on the first touch, skips the next ones within 1% of the cookie maxAge, then passes on again', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const { store, touches } = countingStore();
    const sess = data(30 * 60_000);
    await touch(store, 'a', sess);
    vi.advanceTimersByTime(17_999);
    await touch(store, 'a', sess);
    expect(touches).toEqual(['a']);
    vi.advanceTimersByTime(1);
    await touch(store, 'a', sess);
    expect(touches).toEqual(['a', 'a']);
  });

  it('counts each session apart, and never waits longer than a minute (a day-long cookie, or the store ttl)', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const { store, touches } = countingStore(86_400);
    await touch(store, 'a', data(null));
    await touch(store, 'b', data(null));
    await touch(store, 'a', data(null));
    expect(touches).toEqual(['a', 'b']);
    vi.advanceTimersByTime(60_000);
    await touch(store, 'a', data(null));
    expect(touches).toEqual(['a', 'b', 'a']);
  });

  it('leaves a store without touch alone', () => {
    const store = { get() {}, set() {}, destroy() {} } as unknown as session.Store;
    expect(coalesceTouches(store).touch).toBeUndefined();
  });
});
