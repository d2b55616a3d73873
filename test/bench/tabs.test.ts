/**
 * Issue 14, part 5: server load from tabs, in `npm test`. Real Chromium, the
 * counting server of bench/tabs.mjs, Chromium's clock driven over simulated
 * minutes with the user active in every tab: five tabs of one browser send
 * no more requests than one tab (only the leader tab talks to the server).
 * Counts are exact; the full table (1, 5 and 20 tabs, 30 minutes, beside the
 * per-tab design) stays in `npm run bench`.
 */
import { describe, expect, it } from 'vitest';
import { measureTabs } from '../../bench/tabs.mjs';

describe('server load from tabs', () => {
  it('5 tabs send no more requests than 1 tab over 6 simulated minutes', { timeout: 180_000 }, async () => {
    const figures = await measureTabs({ minutes: 6, tabCounts: [1, 5], warnAfter: 40, expireAfter: 90, designs: ['sessionguard'] });
    const { byTabs } = figures.sessionguard!;
    const one = byTabs['1']!;
    const five = byTabs['5']!;
    expect(one.errors).toEqual([]);
    expect(five.errors).toEqual([]);
    // The client did talk to the server: otherwise "no more" would prove nothing.
    expect(one.requests).toBeGreaterThan(0);
    expect(five.requests).toBeLessThanOrEqual(one.requests);
    expect(Object.keys(five.byPath)).toEqual(Object.keys(one.byPath));
  });
});
