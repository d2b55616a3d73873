'use strict';
/**
 * The example's user accounts: in memory, passwords scrypt-hashed with a
 * fresh salt and compared in constant time. The session auth hash (what the
 * guard binds every session to) is derived from the stored hash, so changing
 * a password ends the user's other sessions at their next request.
 */
const crypto = require('node:crypto');

const KEY_LENGTH = 32;

function hashPassword(password) {
  const salt = crypto.randomBytes(16);
  const key = crypto.scryptSync(password, salt, KEY_LENGTH);
  return `${salt.toString('base64')}:${key.toString('base64')}`;
}

function matches(password, stored) {
  const [salt, key] = stored.split(':');
  const expected = Buffer.from(key, 'base64');
  const actual = crypto.scryptSync(password, Buffer.from(salt, 'base64'), KEY_LENGTH);
  return crypto.timingSafeEqual(actual, expected);
}

/** Creates the user store, seeded with `seed` ({ username: password }). */
function createUsers(seed) {
  const users = new Map();
  for (const [username, password] of Object.entries(seed)) users.set(username, { username, hash: hashPassword(password) });
  return {
    /** The user when `password` is theirs, else null. Spends the same work for unknown users. */
    verify(username, password) {
      const user = users.get(username);
      if (!user) {
        matches(password, hashPassword('unknown-user'));
        return null;
      }
      return matches(password, user.hash) ? user : null;
    },
    find: (username) => users.get(username) ?? null,
    setPassword(username, password) {
      users.get(username).hash = hashPassword(password);
    },
    /** What the guard binds sessions to: changes whenever the password does. */
    sessionAuthHash: (username) => {
      const user = users.get(username);
      return user ? crypto.createHash('sha256').update(user.hash).digest('base64url') : null;
    },
  };
}

module.exports = { createUsers };
