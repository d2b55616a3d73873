import { describe, expect, it } from 'vitest';
import { scriptCaller, type IoRedisRegistryClient, type RedisRegistryClient } from './client-adapter.js';
import { GET } from './scripts.js';

const noScript = () => Object.assign(new Error('NOSCRIPT No matching script. Please use EVAL.'), { name: 'ReplyError' });

/** A fake ioredis client that records every call and answers from `reply`. */
function fakeIoRedis(reply: (command: string) => unknown, options?: IoRedisRegistryClient['options']) {
  const calls: unknown[][] = [];
  const client: IoRedisRegistryClient = {
    options,
    evalsha: async (...args) => (calls.push(['evalsha', ...args]), reply('evalsha')),
    eval: async (...args) => (calls.push(['eval', ...args]), reply('eval')),
  };
  return { client, calls };
}

/** A fake node-redis client that records every call and the signal it was scoped with. */
function fakeNodeRedis(reply: (command: string) => unknown) {
  const calls: unknown[][] = [];
  const scoped = (signal?: AbortSignal): RedisRegistryClient => ({
    evalSha: async (sha, options) => (calls.push(['evalSha', sha, options, signal]), reply('evalSha')),
    eval: async (script, options) => (calls.push(['eval', script, options, signal]), reply('eval')),
    withCommandOptions: (options) => scoped(options.abortSignal),
  });
  return { client: scoped(), calls };
}

describe('redis client adapter', () => {
  it('recognises an ioredis client by evalsha/eval without withCommandOptions, and sends numkeys then keys then args', async () => {
    const { client, calls } = fakeIoRedis(() => ['ok']);
    const caller = scriptCaller(client, 'factory');
    expect(caller.kind).toBe('ioredis');
    expect(await caller.call(GET, ['k1', 'k2'], ['a1'], new AbortController().signal)).toEqual(['ok']);
    expect(calls).toEqual([['evalsha', GET.sha, 2, 'k1', 'k2', 'a1']]);
  });

  it('recognises a node-redis client by evalSha and withCommandOptions, and scopes each call to the signal', async () => {
    const { client, calls } = fakeNodeRedis(() => 'ok');
    const caller = scriptCaller(client, 'factory');
    expect(caller.kind).toBe('node-redis');
    expect(caller.keyPrefix).toBe('');
    const { signal } = new AbortController();
    await caller.call(GET, ['k'], ['a'], signal);
    expect(calls).toEqual([['evalSha', GET.sha, { keys: ['k'], arguments: ['a'] }, signal]]);
  });

  it('prefers the node-redis shape when an object has both', () => {
    const { client } = fakeNodeRedis(() => null);
    expect(scriptCaller({ ...client, evalsha: async () => null }, 'factory').kind).toBe('node-redis');
  });

  it('falls back to EVAL on NOSCRIPT, with either client', async () => {
    const io = fakeIoRedis((command) => {
      if (command === 'evalsha') throw noScript();
      return 'from eval';
    });
    expect(await scriptCaller(io.client, 'f').call(GET, ['k'], [], new AbortController().signal)).toBe('from eval');
    expect(io.calls.map((call) => call[0])).toEqual(['evalsha', 'eval']);
    expect(io.calls[1]).toEqual(['eval', GET.source, 1, 'k']);

    const node = fakeNodeRedis((command) => {
      if (command === 'evalSha') throw noScript();
      return 'from eval';
    });
    expect(await scriptCaller(node.client, 'f').call(GET, ['k'], [], new AbortController().signal)).toBe('from eval');
    expect(node.calls.map((call) => call[0])).toEqual(['evalSha', 'eval']);
  });

  it('passes every other error through, and sends no EVAL for it', async () => {
    const { client, calls } = fakeIoRedis(() => {
      throw new Error('Connection is closed.');
    });
    await expect(scriptCaller(client, 'f').call(GET, ['k'], [], new AbortController().signal)).rejects.toThrow('Connection is closed.');
    expect(calls).toHaveLength(1);
  });

  it('does not send the EVAL fallback through ioredis once the caller gave up (nothing could withdraw it)', async () => {
    const controller = new AbortController();
    const { client, calls } = fakeIoRedis(() => {
      controller.abort();
      throw noScript();
    });
    await expect(scriptCaller(client, 'f').call(GET, ['k'], [], controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls.map((call) => call[0])).toEqual(['evalsha']);
  });

  it("reads an ioredis keyPrefix, as a string or a Buffer", () => {
    expect(scriptCaller(fakeIoRedis(() => null, { keyPrefix: 'app:' }).client, 'f').keyPrefix).toBe('app:');
    expect(scriptCaller(fakeIoRedis(() => null, { keyPrefix: Buffer.from('buf:') }).client, 'f').keyPrefix).toBe('buf:');
    expect(scriptCaller(fakeIoRedis(() => null, {}).client, 'f').keyPrefix).toBe('');
    expect(() => scriptCaller(fakeIoRedis(() => null, { keyPrefix: 42 as never }).client, 'f')).toThrow(/`client`.*keyPrefix/);
  });

  it('refuses anything that is neither client with a TypeError naming `client`', () => {
    const fn = async () => null;
    for (const client of [undefined, null, 42, 'redis://127.0.0.1', {}, { eval: fn }, { evalsha: fn }, { evalSha: fn, eval: fn }, { evalsha: fn, eval: fn, withCommandOptions: 1 }]) {
      expect(() => scriptCaller(client, 'createRedisRegistry')).toThrow(TypeError);
      expect(() => scriptCaller(client, 'createRedisRegistry')).toThrow(/^createRedisRegistry: `client` must be a node-redis v5 or v6 client or cluster .* or an ioredis v5 or v6 client or cluster/);
    }
  });
});
