import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The session auth hash as stored: an HMAC of the app's hash (e.g. derived
 * from the password hash) under a secret, so neither the registry nor the
 * session store ever holds the app's value itself. Bound to the user id so a
 * record cannot be replayed for another user.
 */
export function signAuthHash(secret: string, userId: string, appHash: string): string {
  return createHmac('sha256', secret).update(`sessionguard:auth-hash:${userId}\u0000${appHash}`).digest('base64url');
}

/** Outcome of {@link verifyAuthHash}. */
export type AuthHashCheck =
  /** Matches under the first secret. */
  | { ok: true; rotated: false }
  /** Matches under an older secret: rewrite it to `current`. */
  | { ok: true; rotated: true; current: string }
  | { ok: false };

/**
 * Compares the stored auth hash with the app's current one, in constant time,
 * under every secret (the first signs, the others still verify). A user
 * without a hash (`null`) matches only a session stored without one.
 */
export function verifyAuthHash(
  secrets: readonly [string, ...string[]],
  userId: string,
  appHash: string | null,
  stored: string | null,
): AuthHashCheck {
  if (appHash === null || stored === null) return appHash === null && stored === null ? { ok: true, rotated: false } : { ok: false };
  const storedBytes = Buffer.from(stored, 'utf8');
  let matchedIndex = -1;
  // Every secret is tried even after a match, so the time spent does not tell which one matched.
  secrets.forEach((secret, index) => {
    const expected = Buffer.from(signAuthHash(secret, userId, appHash), 'utf8');
    const equal = expected.length === storedBytes.length && timingSafeEqual(expected, storedBytes);
    if (equal && matchedIndex === -1) matchedIndex = index;
  });
  if (matchedIndex === -1) return { ok: false };
  if (matchedIndex === 0) return { ok: true, rotated: false };
  return { ok: true, rotated: true, current: signAuthHash(secrets[0], userId, appHash) };
}
