import type { SessionRecord, TouchLimits } from './types.js';

/** True when the record is past the limits of a conditional touch (idle- or absolute-expired). */
export function isPastLimits(record: Pick<SessionRecord, 'lastActivity' | 'createdAt'>, limits: TouchLimits): boolean {
  return record.lastActivity <= limits.activeAfter || (limits.createdAfter !== null && record.createdAt <= limits.createdAfter);
}
