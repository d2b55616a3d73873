import type { SessionRecord } from './registry/types.js';

/** True when the session's last sign-in is at most `withinSeconds` old (OWASP ASVS 3.3.4). */
export function isFreshlyAuthenticated(record: SessionRecord, now: number, withinSeconds: number): boolean {
  return now - record.authenticatedAt <= withinSeconds * 1000;
}
