import { CSRF_HEADER, CSRF_HEADER_VALUE } from '@sessionguard/core';
import type { Request } from 'express';

/**
 * CSRF check of a state-changing request; returns why it fails, or `null`.
 *
 * Two independent defences, both required:
 * - the `X-SessionGuard: 1` header: a cross-site form cannot set a custom
 *   header, and a cross-site script cannot without a CORS preflight that the
 *   server never grants;
 * - the request comes from our own origin: `Sec-Fetch-Site: same-origin` when
 *   the browser sends fetch metadata (it knows better than a Host header
 *   behind a proxy), else an `Origin` equal to the request's own origin, or one
 *   of `trustedOrigins`. A request with neither header is not from a modern
 *   browser (every current browser sends `Origin` on POST and DELETE), so the
 *   custom header alone guards it.
 */
export function csrfFailure(req: Request, trustedOrigins: ReadonlySet<string>): string | null {
  if (req.get(CSRF_HEADER) !== CSRF_HEADER_VALUE) return `The request must carry the header ${CSRF_HEADER}: ${CSRF_HEADER_VALUE}.`;
  const origin = req.get('origin');
  const site = req.get('sec-fetch-site');
  if (site !== undefined) {
    if (site === 'same-origin') return null;
    if (origin !== undefined && trustedOrigins.has(origin)) return null;
    return 'Cross-site requests are not accepted.';
  }
  if (origin !== undefined) {
    if (origin === ownOrigin(req) || trustedOrigins.has(origin)) return null;
    return 'Cross-origin requests are not accepted.';
  }
  return null;
}

/** The origin this request was sent to, as the browser would write it in `Origin`. */
function ownOrigin(req: Request): string | null {
  const host = req.get('host');
  if (!host) return null;
  try {
    return new URL(`${req.protocol}://${host}`).origin;
  } catch {
    return null;
  }
}
