import type { Request } from 'express';

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];

/**
 * The default of `isApiRequest`: whether a request of an ended session gets
 * 401 JSON (true) or a 303 to the login page (false).
 *
 * - `X-SessionGuard` or `X-Requested-With`: the SDK or an XHR library, API.
 * - A browser's Fetch Metadata says the rest: `Sec-Fetch-Mode: navigate` (a
 *   link, an address typed, a plain `<form>` post) is a page; any other mode
 *   (`fetch()`, XHR, a subresource) is an API call, whatever it accepts.
 * - Without it (older browsers, other clients): a form post that accepts HTML
 *   is a page, any other non-GET an API call (a client that says nothing, such
 *   as curl, gets JSON), and a GET is a page unless it prefers JSON.
 */
export function defaultIsApiRequest(req: Request): boolean {
  if (req.get('x-sessionguard') !== undefined || req.get('x-requested-with') !== undefined) return true;
  const mode = req.get('sec-fetch-mode');
  if (mode !== undefined) return mode !== 'navigate';
  const accept = req.get('accept');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const isForm = FORM_TYPES.some((type) => req.is(type) === type);
    return !(isForm && accept !== undefined && req.accepts(['html', 'json']) === 'html');
  }
  if (!accept) return false;
  return req.accepts(['html', 'json']) === 'json';
}
