import { describe, expect, it, vi } from 'vitest';
import { broadcastTabChannel, storageTabChannel } from './tab-channel.js';

describe('broadcastTabChannel', () => {
  it('delivers to the other tabs, not back to the sender', async () => {
    const a = broadcastTabChannel<{ n: number }>('sg-test');
    const b = broadcastTabChannel<{ n: number }>('sg-test');
    const seenByA = vi.fn();
    const seenByB = vi.fn();
    a.subscribe(seenByA);
    b.subscribe(seenByB);
    a.post({ n: 1 });
    await vi.waitFor(() => expect(seenByB).toHaveBeenCalledWith({ n: 1 }));
    expect(seenByA).not.toHaveBeenCalled();
    a.close();
    b.close();
  });
});

describe('storageTabChannel', () => {
  it('delivers storage events from other tabs and ignores other keys and junk', () => {
    const channel = storageTabChannel<{ t: string }>('sg', window);
    const seen = vi.fn();
    channel.subscribe(seen);
    const fire = (key: string, newValue: string | null) => window.dispatchEvent(new StorageEvent('storage', { key, newValue }));
    fire('sg:message', JSON.stringify({ m: { t: 'a' }, n: 1 }));
    fire('sg:message', null);
    fire('sg:message', '{not json');
    fire('other', JSON.stringify({ m: { t: 'b' } }));
    expect(seen.mock.calls).toEqual([[{ t: 'a' }]]);
    channel.close();
    fire('sg:message', JSON.stringify({ m: { t: 'c' }, n: 2 }));
    expect(seen).toHaveBeenCalledTimes(1);
  });

  it('posts by writing and removing one key (the write is what other tabs see)', () => {
    const channel = storageTabChannel<{ t: string }>('sg', window);
    const setItem = vi.spyOn(Storage.prototype, 'setItem');
    channel.post({ t: 'a' });
    expect(setItem).toHaveBeenCalledWith('sg:message', expect.stringContaining('"m":{"t":"a"}'));
    expect(localStorage.getItem('sg:message')).toBeNull();
    setItem.mockRestore();
    channel.close();
  });
});
