import { ERROR_CODES, type ErrorCode } from '@sessionguard/core';
import type { Request, Response } from 'express';

/**
 * Answers `{ "error": code, "message": text }` with the code's status. Never
 * cached: these answers describe one session at one instant.
 */
export function sendError(res: Response, code: ErrorCode, message: string, headers: Record<string, string> = {}): void {
  res.status(ERROR_CODES[code]).set({ 'Cache-Control': 'no-store', ...headers }).json({ error: code, message });
}

/**
 * Answers 500 `internal_error` for a failure that is neither the client's nor
 * the store's.
 */
export function sendInternalError(res: Response): void {
  sendError(res, 'internal_error', 'Something went wrong on the server.');
}

/**
 * The request's path and query when it is safe to come back to after sign-in:
 * a same-site path (starting with one `/`, not `//` or `/\`, which browsers
 * read as another host), otherwise `/`.
 */
export function safeReturnPath(req: Request): string {
  const target = req.originalUrl || '/';
  if (!/^\/(?![/\\])/.test(target) || /[\u0000-\u001f]/.test(target)) return '/';
  return target;
}

/** `loginUrl` with `next` set to the request's return path. */
export function loginRedirectUrl(loginUrl: string, req: Request): string {
  const separator = loginUrl.includes('?') ? '&' : '?';
  return `${loginUrl}${separator}next=${encodeURIComponent(safeReturnPath(req))}`;
}

/** The request path without its query, as the client sent it (whatever routers it went through). */
export function requestPath(req: Request): string {
  const url = req.originalUrl || req.url || '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
