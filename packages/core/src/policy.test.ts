import { describe, expect, it } from 'vitest';
import {
  evaluateSession,
  isSessionGuardConfigError,
  reconcileLastActivity,
  TIMING_PRESETS,
  validateTimingPolicy,
} from './index.js';

const policy = validateTimingPolicy({ warnAfter: 30, expireAfter: 60, absoluteTimeout: 3600 });
const t0 = 1_700_000_000_000;

describe('validateTimingPolicy', () => {
  it('rejects a warning that leaves less than 20 seconds to respond, naming the option', () => {
    const attempt = () => validateTimingPolicy({ warnAfter: 50, expireAfter: 60 });
    expect(attempt).toThrowError(/`warnAfter`.*20 seconds/);
    try {
      attempt();
    } catch (error) {
      expect(isSessionGuardConfigError(error)).toBe(true);
      expect((error as { option: string }).option).toBe('warnAfter');
    }
  });

  it.each([
    [{ warnAfter: 0, expireAfter: 60 }, 'warnAfter'],
    [{ warnAfter: Number.NaN, expireAfter: 60 }, 'warnAfter'],
    [{ warnAfter: 30, expireAfter: Infinity }, 'expireAfter'],
    [{ warnAfter: 30, expireAfter: '60' as unknown as number }, 'expireAfter'],
    [{ warnAfter: 30, expireAfter: 60, absoluteTimeout: 59 }, 'absoluteTimeout'],
    [{ warnAfter: 30, expireAfter: 60, absoluteTimeout: -1 }, 'absoluteTimeout'],
  ])('rejects %o by naming %s', (input, option) => {
    expect(() => validateTimingPolicy(input)).toThrowError(new RegExp(`\`${option}\``));
  });

  it('accepts exactly 20 seconds of warning and normalises a missing absolute timeout to null', () => {
    expect(validateTimingPolicy({ warnAfter: 40, expireAfter: 60 })).toEqual({
      warnAfter: 40,
      expireAfter: 60,
      absoluteTimeout: null,
    });
  });

  it('ships presets that pass their own validation', () => {
    for (const preset of Object.values(TIMING_PRESETS)) expect(() => validateTimingPolicy(preset)).not.toThrow();
  });

  it('ships the presets of the standards: aal2 1 h idle / 24 h, aal3 15 min / 12 h, pci 15 min idle and no absolute lifetime', () => {
    // NIST SP 800-63B-4 AAL2 and AAL3; PCI DSS 4.0 req. 8.2.8 sets only the idle limit (SECURITY.md, "Presets").
    expect(TIMING_PRESETS.aal2).toEqual({ warnAfter: 3300, expireAfter: 3600, absoluteTimeout: 86_400 });
    expect(TIMING_PRESETS.aal3).toEqual({ warnAfter: 780, expireAfter: 900, absoluteTimeout: 43_200 });
    expect(TIMING_PRESETS.pci).toEqual({ warnAfter: 780, expireAfter: 900, absoluteTimeout: null });
    expect(validateTimingPolicy(TIMING_PRESETS.pci).absoluteTimeout).toBeNull();
  });
});

describe('evaluateSession', () => {
  it('is active before warnAfter, warning from warnAfter, expired at expireAfter', () => {
    const at = (seconds: number) => evaluateSession(policy, { lastActivity: t0, createdAt: t0, now: t0 + seconds * 1000 });
    expect(at(29.999)).toMatchObject({ phase: 'active', warnIn: 1, expireIn: 30_001 });
    expect(at(30)).toMatchObject({ phase: 'warning', warnIn: 0, expireIn: 30_000 });
    expect(at(60)).toMatchObject({ phase: 'expired', reason: 'idle', expireIn: 0 });
  });

  it('ends at the absolute lifetime even with constant activity, and warns ahead of it', () => {
    const createdAt = t0;
    const now = t0 + 3600_000 - 25_000;
    const timing = evaluateSession(policy, { lastActivity: now, createdAt, now });
    expect(timing).toMatchObject({ phase: 'warning', expireIn: 25_000, absoluteRemaining: 25_000 });
    const ended = evaluateSession(policy, { lastActivity: t0 + 3600_000, createdAt, now: t0 + 3600_000 });
    expect(ended).toMatchObject({ phase: 'expired', reason: 'absolute' });
  });

  it('reports no absolute remaining without an absolute lifetime', () => {
    const open = validateTimingPolicy({ warnAfter: 30, expireAfter: 60 });
    expect(evaluateSession(open, { lastActivity: t0, createdAt: 0, now: t0 }).absoluteRemaining).toBeNull();
  });
});

describe('reconcileLastActivity', () => {
  it('moves last activity forward to now - idleFor', () => {
    expect(reconcileLastActivity(t0, t0 + 50_000, 10)).toBe(t0 + 40_000);
  });
  it('never moves it backwards when a client reports more idleness than the server knows', () => {
    expect(reconcileLastActivity(t0 + 40_000, t0 + 50_000, 45)).toBe(t0 + 40_000);
  });
  it('never moves it into the future', () => {
    expect(reconcileLastActivity(t0, t0 + 50_000, -30)).toBe(t0 + 50_000);
  });
});
