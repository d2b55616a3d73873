/**
 * How the sessionguard store keeps one session in one Redis string: its
 * express-session data and, once signed in, its registry record, together.
 *
 * ```
 * S1,<lastActivity>,<createdAt>,<retainUntil>,<indexScore>,<n>,<record JSON, n bytes, ASCII><data>
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
 * app's fields), its cookie's repeated fields written as one control
 * character each. The guard's own `sessionguard` entry is usually implied by
 * the record (same user and auth hash): then it is left out and only its
 * `createdAt` is kept, as `g<its difference to the record's>` before the
 * JSON. An empty `<data>`: a record created without session data yet
 * (express-session saves it next).
 *
 * A string rather than a hash: Redis keeps a hash with a value over 64 bytes
 * (express-session's JSON always is) as a hashtable, one allocation per
 * field; one string is the smallest thing Redis can hold per session, and
 * one `GET` reads all of it.
 */
import { MAX_NOTICES_PER_SESSION, type SessionNotice, type SessionRecord } from '../registry/types.js';

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
const HEAD2 = /^S2,([^,]*),([^,]*),([^,]*),([^,]*),[^,]*,[^,]*,(\d+),/;

/**
 * JSON with every character outside ASCII escaped (`\uXXXX`): its length in
 * UTF-16 code units is its length in bytes, so the head's byte count needs
 * no encoding to compute or to use.
 */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The JSON array of a record's fields after the head (ASCII only). A record
 * with its own policy or with notices has one more element before the auth
 * hash (which stays last: the save script compares the array's tail):
 * `{ "p": [warnAfter, expireAfter, absoluteTimeout], "n": [notice, ...] }`.
 */
export function encodeRecordJson(record: SessionRecord): string {
  const extras: { p?: [number, number, number | null]; n?: SessionNotice[] } = {};
  if (record.policy) extras.p = [record.policy.warnAfter, record.policy.expireAfter, record.policy.absoluteTimeout ?? null];
  if (record.notices && record.notices.length > 0) {
    extras.n = record.notices.slice(-MAX_NOTICES_PER_SESSION).map((notice) => ({ publicId: notice.publicId, userAgent: notice.userAgent ?? null, at: notice.at }));
  }
  if (extras.p || extras.n) {
    return asciiJson([record.userId, record.publicId, record.authenticatedAt, record.ip, record.userAgent, extras, record.authHash]);
  }
  return asciiJson([record.userId, record.publicId, record.authenticatedAt, record.ip, record.userAgent, record.authHash]);
}

/** The JSON text a record's user id starts with: what the scripts compare to check the user. */
export function userJson(userId: string): string {
  return asciiJson(userId);
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
  const times = [
    headNumber('lastActivity', record.lastActivity),
    headNumber('createdAt', record.createdAt),
    headNumber('retainUntil', record.retainUntil),
    headNumber('indexScore', indexScore),
  ];
  // A session with its own policy carries its limits (ms) in the head, where the scripts read them.
  const policy = record.policy
    ? [headNumber('expireAfter', record.policy.expireAfter * 1000), record.policy.absoluteTimeout === null ? '' : headNumber('absoluteTimeout', record.policy.absoluteTimeout * 1000)]
    : null;
  const head = (policy ? ['S2', ...times, ...policy] : ['S1', ...times]).concat(String(recordJson.length)).join(',');
  return { head: `${head},`, recordJson };
}

/**
 * What express-session's JSON always repeats (its cookie's fields), each
 * written as one control character: `JSON.stringify` never emits a raw
 * control character (it escapes them), so the tokens cannot meet the data
 * and the JSON comes back exactly. About 60 bytes less per session.
 */
const TOKENS: ReadonlyArray<readonly [string, string]> = [
  ['{"cookie":{', '\u0001'],
  ['"originalMaxAge":', '\u0002'],
  ['"expires":', '\u0003'],
  ['"httpOnly":true', '\u0004'],
  ['"path":"/"', '\u0005'],
  ['"sameSite":', '\u0006'],
  ['"secure":', '\u0007'],
  ['null', '\u000e'],
];
const TOKEN_OF = new Map(TOKENS.map(([text, token]) => [text, token]));
const TEXT_OF = new Map(TOKENS.map(([text, token]) => [token, text] as const));
const TOKENIZE = new RegExp(TOKENS.map(([text]) => text.replace(/[{}"\/]/g, (c) => `\\${c}`)).join('|'), 'g');
/** What each token character stands for, by its code (a loop over the text is 3× a regex replace, on every load). */
const TEXT_BY_CODE: Array<string | undefined> = [];
for (const [token, text] of TEXT_OF) TEXT_BY_CODE[token.charCodeAt(0)] = text;

const tokenize = (json: string) => json.replace(TOKENIZE, (text) => TOKEN_OF.get(text)!);
function detokenize(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 14) continue;
    const replacement = TEXT_BY_CODE[code];
    if (replacement === undefined) continue;
    out += text.slice(from, i) + replacement;
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

/**
 * The data part of a value: express-session's session as JSON (its common
 * fields tokenized), with the guard's entry left out when the record implies
 * it: `g<createdAt - record createdAt>` kept instead.
 */
export function encodeData(data: StoredData, record: Pick<SessionRecord, 'userId' | 'authHash' | 'createdAt'> | null): string {
  const guard = data.sessionguard as Record<string, unknown> | undefined;
  if (record && guard && typeof guard === 'object' && impliedBy(guard, record)) {
    const { sessionguard: _implied, ...rest } = data;
    return `g${String((guard.createdAt as number) - record.createdAt)}${tokenize(JSON.stringify(rest))}`;
  }
  return tokenize(JSON.stringify(data));
}

/**
 * The data part for a save, when the record is not known here (only the
 * script sees it): the verbatim form, and, when the guard's entry has the
 * shape a record implies, the rest without it and its createdAt, for the
 * script to use when the record's user and auth hash match (see save).
 */
export function encodeSaveData(data: StoredData, signedIn: { userId: string; authHash: string | null }): { verbatim: string; rest: string | null; createdAt: number | null } {
  const verbatim = tokenize(JSON.stringify(data));
  const guard = data.sessionguard as Record<string, unknown> | undefined;
  if (!guard || typeof guard !== 'object' || !impliedBy(guard, { ...signedIn, createdAt: guard.createdAt as number })) return { verbatim, rest: null, createdAt: null };
  const { sessionguard: _implied, ...rest } = data;
  return { verbatim, rest: tokenize(JSON.stringify(rest)), createdAt: guard.createdAt as number };
}

/**
 * True when the guard's entry is exactly `{ userId, createdAt, authHash? }`
 * of the record, in that order, its createdAt a whole number of milliseconds
 * from the record's (the delta comes back exactly).
 */
function impliedBy(guard: Record<string, unknown>, record: Pick<SessionRecord, 'userId' | 'authHash' | 'createdAt'>): boolean {
  const keys = Object.keys(guard);
  const expected = record.authHash === null ? ['userId', 'createdAt'] : ['userId', 'createdAt', 'authHash'];
  if (keys.length !== expected.length || keys.some((key, i) => key !== expected[i])) return false;
  if (guard.userId !== record.userId || typeof guard.createdAt !== 'number') return false;
  if (!Number.isSafeInteger(guard.createdAt) || !Number.isSafeInteger(record.createdAt)) return false;
  return record.authHash === null || guard.authHash === record.authHash;
}

function decodeData(text: string, record: Pick<SessionRecord, 'userId' | 'authHash' | 'createdAt'> | null): StoredData | null {
  if (text === '') return null;
  if (text.startsWith('g') && record) {
    // The JSON starts at its first `{` or at the token of `{"cookie":{`.
    const start = text.search(/[{\u0001]/);
    const createdAt = record.createdAt + Number(text.slice(1, start));
    const rest = JSON.parse(detokenize(text.slice(start))) as StoredData;
    // The guard's entry goes back in (last: express-session compares hashes of one loaded object, never across a save).
    rest.sessionguard = record.authHash === null ? { userId: record.userId, createdAt } : { userId: record.userId, createdAt, authHash: record.authHash };
    return rest;
  }
  return JSON.parse(detokenize(text)) as StoredData;
}

/**
 * The fields of a record JSON, parsed once per distinct text: the same
 * session's record comes back unchanged on every request (only its head
 * moves), so a small cache saves a parse per load. Bounded; arrays are frozen
 * (the decoder copies what it reads).
 */
const parsedRecords = new Map<string, readonly unknown[]>();
const PARSED_RECORDS_MAX = 1024;
function parseRecordJson(recordJson: string): readonly unknown[] {
  const cached = parsedRecords.get(recordJson);
  if (cached) return cached;
  const parsed = Object.freeze(JSON.parse(recordJson) as unknown[]);
  if (parsedRecords.size >= PARSED_RECORDS_MAX) parsedRecords.delete(parsedRecords.keys().next().value!);
  parsedRecords.set(recordJson, parsed);
  return parsed;
}

/** Decodes a stored value; throws a TypeError on anything else. */
export function decodeValue(value: string, sessionId: string): DecodedValue {
  if (value.startsWith('A1,')) {
    const data = decodeData(value.slice(3), null);
    if (!data) throw new TypeError('an anonymous session value without data');
    return { kind: 'anonymous', data };
  }
  const head = value.startsWith('S2,') ? HEAD2.exec(value) : HEAD.exec(value);
  if (!head) throw new TypeError('not a sessionguard session value');
  const [, last, created, retain, score, length] = head;
  // The record JSON is ASCII: its byte count is its length.
  const end = head[0].length + Number(length);
  const recordJson = value.slice(head[0].length, end);
  const fields = parseRecordJson(recordJson);
  const [userId, publicId, authenticatedAt, ip, userAgent] = fields as [string, string, number, string | null, string | null];
  const authHash = fields[fields.length - 1] as string | null;
  const extras = (fields.length > 6 ? fields[5] : null) as { p?: [number, number, number | null]; n?: SessionNotice[] } | null;
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
  if (extras?.p) record.policy = { warnAfter: extras.p[0], expireAfter: extras.p[1], absoluteTimeout: extras.p[2] ?? null };
  if (extras?.n && extras.n.length > 0) record.notices = extras.n.map((notice) => ({ ...notice }));
  return { kind: 'signed-in', record, indexScore: Number(score), data: decodeData(value.slice(end), record) };
}

/** `A1,` and the data: an anonymous value. */
export function encodeAnonymous(data: StoredData): string {
  return `A1,${encodeData(data, null)}`;
}
