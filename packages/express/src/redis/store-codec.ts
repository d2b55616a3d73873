/**
 * How the sessionguard store keeps one session in one Redis string: its
 * express-session data and, once signed in, its registry record, together.
 *
 * ```
 * S1,<lastActivity>,<createdAt>,<retainUntil>,<indexScore>,<n>,<record JSON, n bytes><data>
 * A1,<data>                                   (a session nobody is signed in to)
 * ```
 *
 * The head holds what the Lua scripts decide with and rewrite on every
 * activity write: the three timestamps (decimal, as given: never reformatted
 * by Lua except the ones it computes) and the score the user's index holds
 * for this session. The record JSON is an array, `[userId, publicId,
 * authenticatedAt, ip, userAgent, authHash]`; a script that must check the
 * user compares the JSON text of the user id at its start, byte for byte,
 * and never parses it. `<data>` is express-session's JSON (`cookie` and the
 * app's fields). The guard's own `sessionguard` entry is usually implied by
 * the record (same user and auth hash): then it is left out and only its
 * `createdAt` is kept, as `g<createdAt>` before the JSON. An empty `<data>`:
 * a record created without session data yet (express-session saves it next).
 *
 * A string rather than a hash: Redis keeps a hash with a value over 64 bytes
 * (express-session's JSON always is) as a hashtable, one allocation per
 * field; one string is the smallest thing Redis can hold per session, and
 * one `GET` reads all of it.
 */
import type { SessionRecord } from '../registry/types.js';

/** Express-session data as stored: an object with `cookie` and the app's fields. */
export type StoredData = Record<string, unknown> & { cookie?: unknown };

/** A decoded signed-in value. */
export interface SignedInValue {
  kind: 'signed-in';
  record: SessionRecord;
  /** The score of this session in its user's index (never below `retainUntil` once written). */
  indexScore: number;
  /** express-session's data, or `null` when none was saved yet. */
  data: StoredData | null;
}

/** A decoded anonymous value. */
export interface AnonymousValue {
  kind: 'anonymous';
  data: StoredData;
}

export type DecodedValue = SignedInValue | AnonymousValue;

const HEAD = /^S1,([^,]*),([^,]*),([^,]*),([^,]*),(\d+),/;

/** The JSON array of a record's fields after the head. */
export function encodeRecordJson(record: SessionRecord): string {
  return JSON.stringify([record.userId, record.publicId, record.authenticatedAt, record.ip, record.userAgent, record.authHash]);
}

/** The JSON text a record's user id starts with: what the scripts compare to check the user. */
export function userJson(userId: string): string {
  return JSON.stringify(userId);
}

/** A timestamp as written in the head: the decimal form JavaScript reads back with `Number()`. */
export function headNumber(name: string, value: number): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`${name} must be a finite number (epoch ms)`);
  const text = String(value);
  if (text.includes(',')) throw new TypeError(`${name} must be a plain number`);
  return text;
}

/** The head and record of a signed-in value, for `create`: everything but the data. */
export function encodeHead(record: SessionRecord, indexScore: number): { head: string; recordJson: string } {
  const recordJson = encodeRecordJson(record);
  const head = [
    'S1',
    headNumber('lastActivity', record.lastActivity),
    headNumber('createdAt', record.createdAt),
    headNumber('retainUntil', record.retainUntil),
    headNumber('indexScore', indexScore),
    String(Buffer.byteLength(recordJson, 'utf8')),
  ].join(',');
  return { head: `${head},`, recordJson };
}

/**
 * The data part of a value: express-session's session as JSON, with the
 * guard's entry left out when the record implies it (`g<createdAt>` kept).
 */
export function encodeData(data: StoredData, record: Pick<SessionRecord, 'userId' | 'authHash'> | null): string {
  const guard = data.sessionguard as Record<string, unknown> | undefined;
  if (record && guard && typeof guard === 'object' && impliedBy(guard, record)) {
    const { sessionguard: _implied, ...rest } = data;
    return `g${String(guard.createdAt)}${JSON.stringify(rest)}`;
  }
  return JSON.stringify(data);
}

/** True when the guard's entry is exactly `{ userId, createdAt, authHash? }` of the record, in that order. */
function impliedBy(guard: Record<string, unknown>, record: Pick<SessionRecord, 'userId' | 'authHash'>): boolean {
  const keys = Object.keys(guard);
  const expected = record.authHash === null ? ['userId', 'createdAt'] : ['userId', 'createdAt', 'authHash'];
  if (keys.length !== expected.length || keys.some((key, i) => key !== expected[i])) return false;
  if (guard.userId !== record.userId || typeof guard.createdAt !== 'number' || !Number.isFinite(guard.createdAt)) return false;
  if (String(guard.createdAt).includes('{')) return false;
  return record.authHash === null || guard.authHash === record.authHash;
}

function decodeData(text: string, record: Pick<SessionRecord, 'userId' | 'authHash'> | null): StoredData | null {
  if (text === '') return null;
  if (text.startsWith('g') && record) {
    const brace = text.indexOf('{');
    const createdAt = Number(text.slice(1, brace));
    const rest = JSON.parse(text.slice(brace)) as StoredData;
    // The guard's entry goes back where express-session's JSON had it: hashes of the session compare equal.
    return { ...rest, sessionguard: { userId: record.userId, createdAt, ...(record.authHash === null ? {} : { authHash: record.authHash }) } };
  }
  return JSON.parse(text) as StoredData;
}

/** The length in bytes of a UTF-8 string's first `chars` UTF-16 units, and back: the head counts bytes. */
function sliceBytes(value: string, start: number, bytes: number): { text: string; end: number } {
  const buffer = Buffer.from(value.slice(start), 'utf8');
  const text = buffer.subarray(0, bytes).toString('utf8');
  return { text, end: start + text.length };
}

/** Decodes a stored value; throws a TypeError on anything else. */
export function decodeValue(value: string, sessionId: string): DecodedValue {
  if (value.startsWith('A1,')) {
    const data = decodeData(value.slice(3), null);
    if (!data) throw new TypeError('an anonymous session value without data');
    return { kind: 'anonymous', data };
  }
  const head = HEAD.exec(value);
  if (!head) throw new TypeError('not a sessionguard session value');
  const [, last, created, retain, score, length] = head;
  const { text: recordJson, end } = sliceBytes(value, head[0].length, Number(length));
  const [userId, publicId, authenticatedAt, ip, userAgent, authHash] = JSON.parse(recordJson) as [
    string,
    string,
    number,
    string | null,
    string | null,
    string | null,
  ];
  const record: SessionRecord = {
    sessionId,
    userId,
    publicId,
    createdAt: Number(created),
    lastActivity: Number(last),
    authenticatedAt,
    ip,
    userAgent,
    authHash,
    retainUntil: Number(retain),
  };
  return { kind: 'signed-in', record, indexScore: Number(score), data: decodeData(value.slice(end), record) };
}

/** `A1,` and the data: an anonymous value. */
export function encodeAnonymous(data: StoredData): string {
  return `A1,${JSON.stringify(data)}`;
}
