/**
 * Key layout of the Redis registry. Every key of one user carries the same
 * hash tag, `{<encoded userId>}`, so Redis Cluster puts all of them in one
 * slot and every per-user operation (one Lua script) runs on one node:
 *
 * ```
 * <prefix>:{<user>}:s:<sessionId>   hash: one session record, expiring at its retainUntil
 * <prefix>:{<user>}:idx             sorted set: the user's session ids, scored by retainUntil (ms);
 *                                   a member whose record ran out is its tombstone (see scripts.ts)
 * <prefix>:{<user>}:dev             sorted set: the devices (opaque keys) the user signed in from
 * <prefix>:{<user>}:c:<key>         string: a used single-use token, expiring with it
 * ```
 */

/** Characters kept as they are in an encoded user id; everything else is escaped. */
const SAFE = /^[A-Za-z0-9._~@+=-]$/;

/**
 * Encodes a user id for the hash tag. Every character outside `SAFE` becomes
 * `%` plus the four hex digits of its UTF-16 code unit, so the result never
 * contains `{`, `}` or `:` (which would move or split the hash tag, or make
 * two users' keys collide) and distinct ids always encode differently, lone
 * surrogates included. Ordinary ids (numbers, UUIDs, e-mail addresses) stay
 * readable. The empty id encodes as a lone `%`, which no other id produces: an
 * empty hash tag `{}` would make Redis hash the whole key name and scatter the
 * user's keys over several slots.
 */
export function encodeUserId(userId: string): string {
  if (userId === '') return '%';
  let encoded = '';
  for (let i = 0; i < userId.length; i += 1) {
    const char = userId[i]!;
    encoded += SAFE.test(char) ? char : `%${userId.charCodeAt(i).toString(16).padStart(4, '0')}`;
  }
  return encoded;
}

/** `<prefix>:{<user>}:`: everything of one user starts with this. */
function userBase(prefix: string, userId: string): string {
  return `${prefix}:{${encodeUserId(userId)}}:`;
}

/**
 * What a session's record key starts with; the Lua scripts append session ids
 * read from the index to it. The session id needs no escaping: it comes after
 * the hash tag and after a fixed `s:`, so it can neither move the tag nor meet
 * the index key.
 */
export function recordKeyPrefix(prefix: string, userId: string): string {
  return `${userBase(prefix, userId)}s:`;
}

/** The hash holding one session record. */
export function recordKey(prefix: string, userId: string, sessionId: string): string {
  return recordKeyPrefix(prefix, userId) + sessionId;
}

/** The sorted set of one user's session ids, scored by their expiry instant. */
export function indexKey(prefix: string, userId: string): string {
  return `${userBase(prefix, userId)}idx`;
}

/** The sorted set of the devices (opaque keys) one user signed in from, scored by when last seen. */
export function devicesKey(prefix: string, userId: string): string {
  return `${userBase(prefix, userId)}dev`;
}

/** A single-use key of one user (a used sign-in token), expiring by itself. */
export function claimKey(prefix: string, userId: string, key: string): string {
  return `${userBase(prefix, userId)}c:${key}`;
}

/**
 * Keys of the sessionguard store (see store-scripts.ts). A session is found
 * by its id alone (all express-session gives `get`); a user's index and
 * lease share the user's hash tag:
 *
 * ```
 * <prefix>:s:<sessionId>      string: the session's data and record together
 * <prefix>:u:{<user>}         sorted set: the user's session ids
 * <prefix>:u:{<user>}:lock    string: the user's short lease
 * ```
 */
export function storeSessionKey(prefix: string, sessionId: string): string {
  return `${prefix}:s:${sessionId}`;
}

/** The store's index of one user's sessions. */
export function storeUserKey(prefix: string, userId: string): string {
  return `${prefix}:u:{${encodeUserId(userId)}}`;
}

/** The store's lease on one user: orders that user's sign-ins and revocations. */
export function storeLockKey(prefix: string, userId: string): string {
  return `${storeUserKey(prefix, userId)}:lock`;
}

/** The store's set of one user's devices. */
export function storeDevicesKey(prefix: string, userId: string): string {
  return `${storeUserKey(prefix, userId)}:dev`;
}

/** The store's used single-use token of one user. */
export function storeClaimKey(prefix: string, userId: string, key: string): string {
  return `${storeUserKey(prefix, userId)}:c:${key}`;
}
