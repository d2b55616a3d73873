import { describe, expect, it } from 'vitest';
import { SessionGuardConfigError } from './errors.js';
import { validateTimingPolicy } from './policy.js';

describe('a timeout given in milliseconds by mistake', () => {
  it.each([
    ['warnAfter', { warnAfter: 3_300_000, expireAfter: 3_600_000 }],
    ['expireAfter', { warnAfter: 1500, expireAfter: 3_600_000 }],
    ['absoluteTimeout', { warnAfter: 1500, expireAfter: 1800, absoluteTimeout: 43_200_000 }],
  ])('is refused for %s with an error that names the option and says the unit', (option, policy) => {
    let error: unknown;
    try {
      validateTimingPolicy(policy);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SessionGuardConfigError);
    expect((error as SessionGuardConfigError).option).toBe(option);
    expect((error as Error).message).toMatch(/in seconds/);
    expect((error as Error).message).toMatch(/31 days/);
    expect((error as Error).message).toMatch(/milliseconds/i);
  });

  it('accepts 31 days exactly and refuses one second more', () => {
    expect(validateTimingPolicy({ warnAfter: 60, expireAfter: 120, absoluteTimeout: 2_678_400 }).absoluteTimeout).toBe(2_678_400);
    expect(() => validateTimingPolicy({ warnAfter: 60, expireAfter: 120, absoluteTimeout: 2_678_401 })).toThrow(/absoluteTimeout/);
    expect(() => validateTimingPolicy({ warnAfter: 2_678_000, expireAfter: 2_678_401 })).toThrow(/expireAfter/);
  });
});
