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
 * Where to come back to after sign-in, when it is safe: for a GET the
 * request's path and query; for a form post (which a redirect cannot send
 * again) the page it was posted from when the Referer names one of this host
 * (`/` when it names another site), else the path it was posted to.
 * Only a same-site path (starting with one `/`, not `//` or `/\`, which
 * browsers read as another host) is kept; anything else is `/`.
 */
export function safeReturnPath(req: Request): string {
  const target = (req.method === 'GET' || req.method === 'HEAD' ? null : refererPath(req)) ?? (req.originalUrl || '/');
  if (!/^\/(?![/\\])/.test(target) || /[\u0000-\u001f]/.test(target)) return '/';
  return target;
}

/** The path and query of the Referer when it is a page of this host; `/` for another site's; null without one. */
function refererPath(req: Request): string | null {
  const referer = req.get('referer');
  if (!referer) return null;
  try {
    const url = new URL(referer);
    return url.host === req.get('host') ? `${url.pathname}${url.search}` : '/';
  } catch {
    return '/';
  }
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
