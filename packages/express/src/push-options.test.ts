import { isSessionGuardConfigError } from '@sessionguard/core';
import { describe, expect, it } from 'vitest';
import { resolveOptions, type SessionGuardOptions } from './options.js';

const base = { secret: 'a'.repeat(32), preset: 'pci' as const };

function optionOf(push: unknown): string | null {
  try {
    resolveOptions({ ...base, push } as SessionGuardOptions);
    return null;
  } catch (error) {
    expect(isSessionGuardConfigError(error)).toBe(true);
    return (error as { option: string }).option;
  }
}

describe('push options', () => {
  it('defaults: heartbeat 25 s, 4 streams per session, 20 per user, retry 2–12 s, no channel', () => {
    const { push } = resolveOptions(base);
    expect(push).toMatchObject({
      heartbeatInterval: 25,
      maxStreamsPerSession: 4,
      maxStreamsPerUser: 20,
      reconnectDelayMs: { min: 2000, max: 12_000 },
      channel: null,
    });
    expect(resolveOptions({ ...base, push: false }).push).toBe(false);
  });

  it('refuses bad values, naming the option', () => {
    expect(optionOf('yes')).toBe('push');
    expect(optionOf({ heartbeatInterval: 0 })).toBe('push.heartbeatInterval');
    expect(optionOf({ maxStreamsPerSession: 1.5 })).toBe('push.maxStreamsPerSession');
    expect(optionOf({ maxStreamsPerUser: -1 })).toBe('push.maxStreamsPerUser');
    expect(optionOf({ reconnectDelay: { min: 5, max: 2 } })).toBe('push.reconnectDelay');
    expect(optionOf({ channel: { listen() {} } })).toBe('push.channel');
    expect(optionOf({ timers: { setTimeout() {} } })).toBe('push.timers');
    expect(optionOf({ heartbeatInterval: 0.05, maxStreamsPerUser: 1, reconnectDelay: { min: 1, max: 1 } })).toBeNull();
  });
});
