import { createHmac } from 'node:crypto';

/**
 * The public id of a session: HMAC-SHA256 of the session id under the first
 * secret, base64url (256 bits, 43 characters). Users and logs see this; the
 * session id itself, a bearer credential, never leaves the server.
 */
export function computePublicId(secret: string, sessionId: string): string {
  return createHmac('sha256', secret).update(`sessionguard:public-id:${sessionId}`).digest('base64url');
}

const PUBLIC_ID = /^[A-Za-z0-9_-]{43}$/;

/** True when `value` has the shape of a public id; checked before any lookup. */
export function isPublicId(value: unknown): value is string {
  return typeof value === 'string' && PUBLIC_ID.test(value);
}

/**
 * An opaque tag of a user, the same for every session of that user and
 * different for every other user: the ping answer carries it so the client
 * can keep one user's saved form fields from another. An HMAC, so it reveals
 * nothing about the user id.
 */
export function computeUserTag(secret: string, userId: string): string {
  return createHmac('sha256', secret).update(`sessionguard:user-tag:${userId}`).digest('base64url').slice(0, 32);
}
