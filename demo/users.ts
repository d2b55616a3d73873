/**
 * The demo's users. Passwords are hashed with scrypt and compared in
 * constant time. The session auth hash is derived from the password hash, so
 * a password change ends the user's other sessions at their next request,
 * even without `passwordChanged`.
 *
 * Credentials live in a {@link CredentialStore}: process memory by default,
 * Redis with `REDIS_URL`, so that several demo processes agree on passwords
 * (and therefore on every session's auth hash).
 */
import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { SessionStoreUnavailableError } from '@sessionguard/express';

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;
const KEY_LENGTH = 32;

export type Role = 'user' | 'admin';

/** A user as pages see it: no secrets. */
export interface User {
  username: string;
  role: Role;
}

/** A stored password: scrypt hash and salt, base64url. */
export interface Credential {
  salt: string;
  hash: string;
}

/** Where credentials live. */
export interface CredentialStore {
  get(username: string): Promise<Credential | null>;
  set(username: string, credential: Credential): Promise<void>;
  /** Stores `credential` unless the user already has one (another process may have seeded it). */
  seed(username: string, credential: Credential): Promise<void>;
}

export function createMemoryCredentialStore(): CredentialStore {
  const credentials = new Map<string, Credential>();
  return {
    get: async (username) => credentials.get(username) ?? null,
    set: async (username, credential) => {
      credentials.set(username, credential);
    },
    seed: async (username, credential) => {
      if (!credentials.has(username)) credentials.set(username, credential);
    },
  };
}

/** The few commands of a node-redis client the credential store needs. */
export interface CredentialRedisClient {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options?: { condition: 'NX' }): Promise<unknown>;
}

/**
 * Runs one Redis call that a request depends on, failing closed like the
 * session store and registry: an error, or no answer within `timeoutMs`,
 * becomes a SessionStoreUnavailableError, which `guard.errorHandler` answers
 * with 503 `session_store_unavailable` (not 500, never a hung sign-in).
 */
async function failClosed<T>(call: Promise<T>, what: string, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([call, timeout]);
  } catch (error) {
    throw new SessionStoreUnavailableError(`the credential store failed in ${what}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

export function createRedisCredentialStore(client: CredentialRedisClient, prefix: string, timeoutMs = 1000): CredentialStore {
  const key = (username: string) => `${prefix}${username}`;
  return {
    async get(username) {
      const raw = await failClosed(client.get(key(username)), 'get()', timeoutMs);
      return raw ? (JSON.parse(raw) as Credential) : null;
    },
    async set(username, credential) {
      await failClosed(client.set(key(username), JSON.stringify(credential)), 'set()', timeoutMs);
    },
    async seed(username, credential) {
      await client.set(key(username), JSON.stringify(credential), { condition: 'NX' });
    },
  };
}

const SEED: ReadonlyArray<{ username: string; password: string; role: Role }> = [
  { username: 'alice', password: 'alice-pass', role: 'user' },
  { username: 'bob', password: 'bob-pass', role: 'user' },
  { username: 'admin', password: 'admin-pass', role: 'admin' },
];

/** The smallest new password the demo accepts. */
export const MIN_PASSWORD_LENGTH = 8;

async function hashPassword(password: string, salt = randomBytes(16)): Promise<Credential> {
  return { salt: salt.toString('base64url'), hash: (await scrypt(password, salt, KEY_LENGTH)).toString('base64url') };
}

/** The session auth hash of one credential record: changes whenever the password changes. */
function authHashOf(credential: Credential): string {
  return createHash('sha256').update(credential.salt).update(':').update(credential.hash).digest('base64url');
}

/** What {@link UserDirectory.verify} returns for a matching password. */
export interface VerifiedUser {
  user: User;
  /**
   * The session auth hash of the credential record the password was checked
   * against, for `guard.login(req, userId, { sessionAuthHash })`: asking
   * `sessionAuthHash(username)` afterwards could already see a password
   * changed in between.
   */
  sessionAuthHash: string;
}

/** The demo's user directory. */
export interface UserDirectory {
  get(username: string): User | null;
  all(): User[];
  /** The user and its credential's session auth hash when the password matches; `null` otherwise. Takes the same time for unknown users. */
  verify(username: string, password: string): Promise<VerifiedUser | null>;
  /** Stores a new password; returns the session auth hash of the new credential. */
  setPassword(username: string, password: string): Promise<string>;
  /** Changes whenever the password changes: the input of the session auth hash. */
  sessionAuthHash(username: string): Promise<string | null>;
  /** The demo's admin permission: admins may sign out anyone but other admins. */
  canRevoke(actor: string, target: string): boolean;
}

export async function createUserDirectory(store: CredentialStore = createMemoryCredentialStore()): Promise<UserDirectory> {
  const roles = new Map<string, Role>(SEED.map(({ username, role }) => [username, role]));
  await Promise.all(SEED.map(async ({ username, password }) => store.seed(username, await hashPassword(password))));
  // Unknown usernames are checked against this, so they cost as much as known ones.
  const decoy = await hashPassword(randomBytes(16).toString('hex'));
  const publicUser = (username: string): User | null => {
    const role = roles.get(username);
    return role ? { username, role } : null;
  };

  return {
    get: publicUser,
    all: () => [...roles.keys()].map((username) => publicUser(username)!),
    async verify(username, password) {
      const user = publicUser(username);
      const credential = (user && (await store.get(username))) || decoy;
      const candidate = await scrypt(password, Buffer.from(credential.salt, 'base64url'), KEY_LENGTH);
      const matches = timingSafeEqual(candidate, Buffer.from(credential.hash, 'base64url'));
      return user && matches && credential !== decoy ? { user, sessionAuthHash: authHashOf(credential) } : null;
    },
    async setPassword(username, password) {
      if (!roles.has(username)) throw new Error(`No such user: ${username}`);
      const credential = await hashPassword(password);
      await store.set(username, credential);
      return authHashOf(credential);
    },
    async sessionAuthHash(username) {
      const credential = roles.has(username) ? await store.get(username) : null;
      return credential ? authHashOf(credential) : null;
    },
    canRevoke(actor, target) {
      const actorRole = roles.get(actor);
      const targetRole = roles.get(target);
      if (actorRole !== 'admin' || !targetRole) return false;
      return targetRole !== 'admin' || actor === target;
    },
  };
}
