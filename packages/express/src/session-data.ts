import type { Request } from 'express';
import type { SessionGuardSessionData } from './augment.js';

/** The guard's data in `req.session`, if it is well formed. */
export function readSessionData(req: Request): SessionGuardSessionData | null {
  const data = req.session?.sessionguard as unknown;
  if (data === null || typeof data !== 'object') return null;
  const { userId } = data as Record<string, unknown>;
  return typeof userId === 'string' && userId !== '' ? (data as SessionGuardSessionData) : null;
}
