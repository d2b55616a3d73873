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
