/**
 * What one account may cost a registry: the options both registries take,
 * their defaults (in this one place), their validation, and the cut of an
 * overlong `User-Agent`. Dependency-free, so the Redis entry point can use it
 * without loading the user-agent parser.
 */

/** Options of both registries that bound what one user can make them hold. */
export interface RegistryBoundsOptions {
  /**
   * At most this many live sessions per user. `create` evicts the least
   * recently active ones beyond it, in the same atomic step, and returns
   * them; `list` never returns more. Also the most tombstones kept per user
   * (the oldest go first). A whole number, 1 or more.
   * @default 100
   */
  maxSessionsPerUser?: number;
  /**
   * How long the registry keeps the tombstone of a session whose record ran
   * out (past its `retainUntil`), in milliseconds: for that long `endedAt`
   * tells an expired session from a revoked one. A tombstone is the session
   * id, the user and the instant, not the record. A whole number, 0 or more.
   * @default 86400000 (24 hours)
   */
  keepEndedFor?: number;
}

/** The defaults of {@link RegistryBoundsOptions}, in one place. */
export const REGISTRY_BOUNDS_DEFAULTS = { maxSessionsPerUser: 100, keepEndedFor: 86_400_000 } as const;

/** At most this many bytes of UTF-8 of a `User-Agent` are kept in a session record. */
export const MAX_USER_AGENT_BYTES = 512;

/**
 * Applies the defaults and validates; throws a `TypeError` naming the option
 * and the factory (`factory`, e.g. `'createRedisRegistry'`).
 */
export function normalizeRegistryBounds(factory: string, options: RegistryBoundsOptions): Required<RegistryBoundsOptions> {
  const maxSessionsPerUser = options.maxSessionsPerUser ?? REGISTRY_BOUNDS_DEFAULTS.maxSessionsPerUser;
  if (typeof maxSessionsPerUser !== 'number' || !Number.isSafeInteger(maxSessionsPerUser) || maxSessionsPerUser < 1) {
    throw new TypeError(`${factory}: \`maxSessionsPerUser\` must be a whole number of sessions, 1 or more (got ${String(maxSessionsPerUser)})`);
  }
  const keepEndedFor = options.keepEndedFor ?? REGISTRY_BOUNDS_DEFAULTS.keepEndedFor;
  if (typeof keepEndedFor !== 'number' || !Number.isSafeInteger(keepEndedFor) || keepEndedFor < 0) {
    throw new TypeError(`${factory}: \`keepEndedFor\` must be a whole number of milliseconds, 0 or more (got ${String(keepEndedFor)})`);
  }
  return { maxSessionsPerUser, keepEndedFor };
}

/**
 * The longest start of `value` whose UTF-8 encoding takes at most `maxBytes`
 * bytes, cut between two characters: a surrogate pair is kept whole or left
 * out whole. A lone surrogate counts as the 3 bytes of the U+FFFD it encodes
 * to (as `Buffer.from` and Redis clients encode it).
 */
export function cutToUtf8Bytes(value: string, maxBytes: number): string {
  // No UTF-16 code unit takes more than 3 bytes of UTF-8 (a pair, two units, takes 4).
  if (value.length * 3 <= maxBytes) return value;
  let bytes = 0;
  let i = 0;
  while (i < value.length) {
    const code = value.codePointAt(i)!;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (bytes + size > maxBytes) break;
    bytes += size;
    i += size === 4 ? 2 : 1;
  }
  return i === value.length ? value : value.slice(0, i);
}

/** The registry's own cut of a `User-Agent` (defence in depth: the adapter bounds it first). */
export function cutUserAgent<T extends string | null | undefined>(value: T): T {
  return (typeof value === 'string' ? cutToUtf8Bytes(value, MAX_USER_AGENT_BYTES) : value) as T;
}

/** Validates a {@link SessionLimit}'s `maxSessions` (and `atLimit`); returns it. Throws a `TypeError` naming the field. */
export function checkLimit(limit: { maxSessions: unknown; atLimit: unknown }): number {
  const max = limit?.maxSessions;
  if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 1) {
    throw new TypeError(`createLimited: \`maxSessions\` must be a whole number of sessions, 1 or more (got ${String(max)})`);
  }
  if (limit.atLimit !== 'evict' && limit.atLimit !== 'refuse') {
    throw new TypeError(`createLimited: \`atLimit\` must be 'evict' or 'refuse' (got ${String(limit.atLimit)})`);
  }
  return max;
}
