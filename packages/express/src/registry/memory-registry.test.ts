import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { describeRegistryContract } from './registry.contract.js';
import { createMemoryRegistry } from './memory-registry.js';
import type { SessionRecord } from './types.js';

describeRegistryContract('memory registry', async (bounds = {}) => {
  // A fake clock: retention is checked against it, so TTL tests need no waiting.
  let at = Date.UTC(2026, 0, 1);
  const registry = createMemoryRegistry({ now: () => at, ...bounds });
  return {
    registry,
    now: () => at,
    advance: (ms) => {
      at += ms;
    },
    cleanup: () => registry.close(),
  };
});

describe('memory registry: what it holds over time', () => {
  const minute = 60_000;
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1), toFake: ['setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const session = (userId: string, sessionId: string, retainUntil: number): SessionRecord => ({
    sessionId,
    userId,
    publicId: `pub-${sessionId}`,
    createdAt: Date.now(),
    lastActivity: Date.now(),
    authenticatedAt: Date.now(),
    ip: '203.0.113.7',
    userAgent: 'Mozilla/5.0',
    authHash: null,
    retainUntil,
  });

  it('ended, expired and abandoned sessions all leave memory by the sweep alone, and size returns to zero', async () => {
    const keepEndedFor = 10 * minute;
    const registry = createMemoryRegistry({ now: () => Date.now(), sweepInterval: minute, keepEndedFor });
    try {
      const t0 = Date.now();
      const sessions = Array.from({ length: 300 }, (_, i) => session(`user-${i % 30}`, `s-${i}`, t0 + 30 * minute));
      for (const s of sessions) await registry.create(s);
      expect(registry.size).toBe(300);
      // Ended: signed out; nothing is kept of them.
      for (const s of sessions.slice(0, 100)) await registry.revoke(s);
      expect(registry.size).toBe(200);
      // Expired: past retainUntil; 50 are looked up again (their next request), the other 150 abandoned.
      vi.setSystemTime(t0 + 30 * minute + 1);
      for (const s of sessions.slice(100, 150)) expect(await registry.get(s)).toBeNull();
      expect(registry.tombstones).toBe(50);
      // One sweep later, no record is left: only the tombstones.
      await vi.advanceTimersByTimeAsync(minute);
      expect(registry.size).toBe(200);
      expect(registry.tombstones).toBe(200);
      expect(await registry.endedAt!(sessions[299]!)).toBe(t0 + 30 * minute);
      // After keepEndedFor, and a sweep, nothing at all.
      await vi.advanceTimersByTimeAsync(keepEndedFor);
      expect(registry.size).toBe(0);
      expect(await registry.endedAt!(sessions[299]!)).toBeNull();
    } finally {
      await registry.close();
    }
  });

  it('an account that signs in over and over holds at most maxSessionsPerUser records and as many tombstones', async () => {
    const registry = createMemoryRegistry({ now: () => Date.now(), maxSessionsPerUser: 5, keepEndedFor: 60 * minute });
    try {
      for (let i = 0; i < 1000; i += 1) {
        // Every other session runs out within a minute; the rest stay live for an hour.
        const evicted = (await registry.create(session('attacker', `s-${i}`, Date.now() + (i % 2 ? 30_000 : 60 * minute)))) ?? [];
        expect(evicted.length).toBeLessThanOrEqual(1);
        vi.setSystemTime(Date.now() + 10_000);
        expect(registry.size).toBeLessThanOrEqual(10);
      }
      expect((await registry.list('attacker')).length).toBeLessThanOrEqual(5);
    } finally {
      await registry.close();
    }
  });

  it('validates its options with errors that name the option', () => {
    expect(() => createMemoryRegistry({ maxSessionsPerUser: 0 })).toThrow(/`maxSessionsPerUser`/);
    expect(() => createMemoryRegistry({ maxSessionsPerUser: 2.5 })).toThrow(/`maxSessionsPerUser`/);
    expect(() => createMemoryRegistry({ keepEndedFor: -1 })).toThrow(/`keepEndedFor`/);
    expect(() => createMemoryRegistry({ keepEndedFor: Number.NaN })).toThrow(/`keepEndedFor`/);
    expect(() => createMemoryRegistry({ sweepInterval: 0 })).toThrow(/`sweepInterval`/);
    expect(() => createMemoryRegistry({ keepEndedFor: 0, maxSessionsPerUser: 1 }).close()).not.toThrow();
  });
});
