import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '../registry/types.js';
import { decodeValue, encodeData, encodeHead, encodeSaveData, userJson } from './store-codec.js';

const record: SessionRecord = {
  sessionId: 'sid',
  userId: 'ünï {x}:y',
  publicId: 'pub',
  createdAt: 1_700_000_000_000,
  lastActivity: 1_700_000_001_000,
  authenticatedAt: 1_700_000_000_000,
  ip: '::1',
  userAgent: 'Mozilla 🚀 "quoted"',
  authHash: 'h1',
  retainUntil: 1_700_000_900_000,
};
const cookie = { originalMaxAge: null, expires: null, httpOnly: true, path: '/', sameSite: 'lax' };

function value(data: Record<string, unknown> | null) {
  const { head, recordJson } = encodeHead(record, record.retainUntil);
  return `${head}${recordJson}${data ? encodeData(data, record) : ''}`;
}

describe('the store value codec', () => {
  it('round-trips a record and its data exactly, non-ASCII and JSON-looking text included', () => {
    const data = { cookie, views: 3, note: 'null "path":"/" \u0001 {"cookie":{', sessionguard: { userId: record.userId, createdAt: record.createdAt + 7, authHash: 'h1' } };
    const decoded = decodeValue(value(data), 'sid');
    expect(decoded).toEqual({ kind: 'signed-in', record, indexScore: record.retainUntil, data });
    expect(JSON.stringify((decoded as { data: unknown }).data)).toBe(JSON.stringify(data));
  });

  it('leaves the guard\'s entry out when the record implies it, and keeps it otherwise', () => {
    const implied = { cookie, sessionguard: { userId: record.userId, createdAt: record.createdAt - 3, authHash: 'h1' } };
    expect(encodeData(implied, record)).not.toContain('sessionguard');
    expect(encodeData(implied, record).startsWith('g-3')).toBe(true);
    const otherHash = { cookie, sessionguard: { userId: record.userId, createdAt: record.createdAt, authHash: 'h2' } };
    expect(encodeData(otherHash, record)).toContain('sessionguard');
    const extra = { cookie, sessionguard: { userId: record.userId, createdAt: record.createdAt, authHash: 'h1', more: 1 } };
    expect(encodeData(extra, record)).toContain('sessionguard');
    for (const data of [implied, otherHash, extra]) expect((decodeValue(value(data), 'sid') as { data: unknown }).data).toEqual(data);
  });

  it('writes the cookie\'s repeated fields as single characters: well under the JSON\'s length', () => {
    const data = { cookie, sessionguard: { userId: record.userId, createdAt: record.createdAt, authHash: 'h1' } };
    expect(encodeData(data, record).length).toBeLessThan(30);
    expect(JSON.stringify(data).length).toBeGreaterThan(120);
  });

  it('keeps the record JSON in ASCII, so its length is its byte count, and starts it with the user id\'s JSON', () => {
    const { head, recordJson } = encodeHead(record, record.retainUntil);
    expect(/^[\x20-\x7e]*$/.test(recordJson)).toBe(true);
    expect(head.endsWith(`,${recordJson.length},`)).toBe(true);
    expect(recordJson.startsWith(`[${userJson(record.userId)},`)).toBe(true);
  });

  it('offers the save both forms when the entry has the implied shape', () => {
    const data = { cookie, sessionguard: { userId: 'u', createdAt: 5 } };
    const parts = encodeSaveData(data, { userId: 'u', authHash: null });
    expect(parts.rest).not.toContain('sessionguard');
    expect(parts.createdAt).toBe(5);
    expect(encodeSaveData({ cookie, sessionguard: { userId: 'u', createdAt: 5.5 } }, { userId: 'u', authHash: null }).rest).toBeNull();
  });

  it('decodes an anonymous value', () => {
    expect(decodeValue(`A1,${encodeData({ cookie, cart: [1] }, null)}`, 'sid')).toEqual({ kind: 'anonymous', data: { cookie, cart: [1] } });
  });
});
