import { afterEach, describe, expect, it, vi } from 'vitest';
import { lazyPushStream } from './push-loader.js';
import type { PushStream, PushStreamOptions } from './push-stream.js';

const options = { url: 'https://app.test/session/events' } as PushStreamOptions;

/** A loader the test resolves or rejects by hand, and the streams it made, with every call they got. */
function controlledLoader() {
  const streams: { options: PushStreamOptions; calls: string[] }[] = [];
  let settle!: { resolve: () => void; reject: (error: Error) => void };
  let loads = 0;
  const load = () => {
    loads++;
    return new Promise<{ createPushStream(options: PushStreamOptions): PushStream }>((resolve, reject) => {
      settle = {
        resolve: () =>
          resolve({
            createPushStream(given) {
              const calls: string[] = [];
              streams.push({ options: given, calls });
              return { want: (on) => void calls.push(`want ${on}`), close: () => void calls.push('close') };
            },
          }),
        reject,
      };
    });
  };
  return { load, streams, settle: () => settle, loads: () => loads };
}

afterEach(() => vi.restoreAllMocks());

describe('the push stream, loaded when first wanted', () => {
  it('loads nothing while no tab wants a stream', () => {
    const loader = controlledLoader();
    const push = lazyPushStream(options, loader.load);
    push.want(false);
    expect(loader.loads()).toBe(0);
  });

  it('loads once, however often it is wanted meanwhile, and starts with the latest wish', async () => {
    const loader = controlledLoader();
    const push = lazyPushStream(options, loader.load);
    push.want(true);
    push.want(false);
    push.want(true);
    push.want(false);
    expect(loader.loads()).toBe(1);
    loader.settle().resolve();
    await Promise.resolve();
    await Promise.resolve();
    expect(loader.streams).toHaveLength(1);
    expect(loader.streams[0]!.options).toBe(options);
    expect(loader.streams[0]!.calls).toEqual(['want false']);
    push.want(true);
    push.close();
    expect(loader.streams[0]!.calls).toEqual(['want false', 'want true', 'close']);
    expect(loader.loads()).toBe(1);
  });

  it('opens no stream when the guard was destroyed before the chunk came', async () => {
    const loader = controlledLoader();
    const push = lazyPushStream(options, loader.load);
    push.want(true);
    push.close();
    loader.settle().resolve();
    await Promise.resolve();
    await Promise.resolve();
    expect(loader.streams).toHaveLength(0);
  });

  it('keeps to pings when the chunk cannot load: a warning, nothing thrown, no stream', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const loader = controlledLoader();
    const push = lazyPushStream(options, loader.load);
    push.want(true);
    loader.settle().reject(new Error('Failed to fetch dynamically imported module'));
    await vi.waitFor(() => expect(warn).toHaveBeenCalledTimes(1));
    expect(String(warn.mock.calls[0]![0])).toMatch(/push stream could not load/);
    expect(() => push.want(true)).not.toThrow();
    expect(loader.streams).toHaveLength(0);
  });
});
