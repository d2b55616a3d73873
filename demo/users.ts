/**
 * The demo's users. Passwords are hashed with scrypt when the process starts
 * and compared in constant time. The session auth hash is derived from the
 * password hash, so a password change ends the user's other sessions at their
 * next request, even without `passwordChanged`.
 */
import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;
const KEY_LENGTH = 32;

export type Role = 'user' | 'admin';

interface StoredUser {
  username: string;
  role: Role;
  salt: Buffer;
  hash: Buffer;
}

/** A user as pages see it: no secrets. */
export interface User {
  username: string;
  role: Role;
}

const SEED: ReadonlyArray<{ username: string; password: string; role: Role }> = [
  { username: 'alice', password: 'alice-pass', role: 'user' },
  { username: 'bob', password: 'bob-pass', role: 'user' },
  { username: 'admin', password: 'admin-pass', role: 'admin' },
];

/** The smallest new password the demo accepts. */
export const MIN_PASSWORD_LENGTH = 8;

async function hashPassword(password: string): Promise<{ salt: Buffer; hash: Buffer }> {
  const salt = randomBytes(16);
  return { salt, hash: await scrypt(password, salt, KEY_LENGTH) };
}

/** An in-memory user directory. */
export interface UserDirectory {
  get(username: string): User | null;
  all(): User[];
  /** The user when the password matches; `null` otherwise. Takes the same time for unknown users. */
  verify(username: string, password: string): Promise<User | null>;
  setPassword(username: string, password: string): Promise<void>;
  /** Changes whenever the password changes: the input of the session auth hash. */
  sessionAuthHash(username: string): string | null;
  /** The demo's admin permission: admins may sign out anyone but other admins. */
  canRevoke(actor: string, target: string): boolean;
}

export async function createUserDirectory(): Promise<UserDirectory> {
  const users = new Map<string, StoredUser>();
  for (const { username, password, role } of SEED) {
    users.set(username, { username, role, ...(await hashPassword(password)) });
  }
  // Unknown usernames are checked against this, so they cost as much as known ones.
  const decoy = await hashPassword(randomBytes(16).toString('hex'));
  const publicUser = (user: StoredUser): User => ({ username: user.username, role: user.role });

  return {
    get: (username) => {
      const user = users.get(username);
      return user ? publicUser(user) : null;
    },
    all: () => [...users.values()].map(publicUser),
    async verify(username, password) {
      const user = users.get(username);
      const { salt, hash } = user ?? decoy;
      const candidate = await scrypt(password, salt, KEY_LENGTH);
      const matches = timingSafeEqual(candidate, hash);
      return user && matches ? publicUser(user) : null;
    },
    async setPassword(username, password) {
      const user = users.get(username);
      if (!user) throw new Error(`No such user: ${username}`);
      Object.assign(user, await hashPassword(password));
    },
    sessionAuthHash(username) {
      const user = users.get(username);
      if (!user) return null;
      return createHash('sha256').update(user.salt).update(user.hash).digest('base64url');
    },
    canRevoke(actor, target) {
      const actorUser = users.get(actor);
      const targetUser = users.get(target);
      if (!actorUser || !targetUser || actorUser.role !== 'admin') return false;
      return targetUser.role !== 'admin' || actor === target;
    },
  };
}
