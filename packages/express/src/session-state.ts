import type { Request } from 'express';
import type { SessionRecord } from './registry/types.js';

/**
 * What the guard found out about a request's session, computed once per
 * request (by the middleware, or by a router when the middleware did not run)
 * and shared through a WeakMap so it dies with the request.
 */
export type SessionState = { kind: 'anonymous' } | { kind: 'active'; record: SessionRecord };

const states = new WeakMap<Request, SessionState>();

const starts = new WeakMap<Request, number>();

/** Remembers when the middleware saw the request start (epoch ms). */
export function setRequestStart(req: Request, at: number): void {
  starts.set(req, at);
}

/** When the middleware saw the request start, if it did. */
export function getRequestStart(req: Request): number | undefined {
  return starts.get(req);
}

/** The state recorded for this request, if any. */
export function getSessionState(req: Request): SessionState | undefined {
  return states.get(req);
}

/** Records the state of this request and keeps `req.sessionGuard` in step with it. */
export function setSessionState(req: Request, state: SessionState): void {
  states.set(req, state);
  if (state.kind === 'active') req.sessionGuard = { userId: state.record.userId, publicId: state.record.publicId };
  else delete req.sessionGuard;
}
