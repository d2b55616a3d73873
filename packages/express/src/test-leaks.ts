import { expect } from 'vitest';
import type { SessionRecord } from './registry/types.js';

/** Fields no answer to a browser may carry: the session's secret id and what identifies the person or device. */
const PRIVATE_FIELDS = ['sid', 'sessionId', 'userId', 'ip', 'userAgent', 'authHash'];

/** Every field name in `value`, at any depth. */
function fieldNames(value: unknown): string[] {
  return value && typeof value === 'object' ? Object.entries(value).flatMap(([key, inner]) => [key, ...fieldNames(inner)]) : [];
}

/**
 * Asserts that `body` leaks nothing of `records`: no private field by name, and none of their session ids or IP
 * addresses as a value. (A substring check of the JSON for "ip" or "sid" matched random public ids and tokens.)
 */
export function expectNothingPrivate(body: unknown, records: readonly Pick<SessionRecord, 'sessionId' | 'ip'>[]): void {
  expect(fieldNames(body).filter((name) => PRIVATE_FIELDS.includes(name))).toEqual([]);
  const text = JSON.stringify(body);
  for (const record of records) {
    expect(text).not.toContain(record.sessionId);
    if (record.ip) expect(text).not.toContain(record.ip);
  }
}
