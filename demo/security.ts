/**
 * Security plumbing for the demo: a strict Content-Security-Policy with a
 * per-request style nonce, the usual hardening headers, a same-origin check
 * for state-changing requests, a small rate limiter, safe return paths, and
 * answers for malformed paths.
 */
import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

declare module 'express-serve-static-core' {
  interface Locals {
    /** The per-request CSP nonce for the SDK's one stylesheet. */
    nonce: string;
  }
}

/** The CSP every response carries. No 'unsafe-inline', no 'unsafe-eval'. */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}

/** Sets the nonce and the security headers on every response. */
export const securityHeaders: RequestHandler = (_req, res, next) => {
  const nonce = randomBytes(16).toString('base64');
  res.locals.nonce = nonce;
  res.setHeader('Content-Security-Policy', contentSecurityPolicy(nonce));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  next();
};

/** True when the client wants JSON rather than a page. */
export function wantsJson(req: Request): boolean {
  return req.is('application/json') === 'application/json' || req.accepts(['html', 'json']) === 'json';
}

/** Answers an error as the wire format `{error, message}`. */
export function sendError(res: Response, status: number, error: string, message: string): void {
  res.status(status).setHeader('Cache-Control', 'no-store').json({ error, message });
}

/**
 * Refuses cross-site state-changing requests: browsers send `Origin` on every
 * POST (and `Sec-Fetch-Site`); a request that carries neither is not from a
 * browser and cannot be a cross-site forgery.
 */
export const sameOriginOnly: RequestHandler = (req, res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
  const origin = req.get('origin');
  const site = req.get('sec-fetch-site');
  const expected = `${req.protocol}://${req.get('host') ?? ''}`;
  const crossSite = origin !== undefined ? origin !== expected : site !== undefined && site !== 'same-origin' && site !== 'none';
  if (crossSite) {
    sendError(res, 403, 'csrf_failed', 'Cross-site requests are not accepted.');
    return;
  }
  next();
};

/** A verification reserved with {@link RateLimiter.reserve}. */
export interface RateLimitTicket {
  /** Returns the reservation (after a success); a second call, or one after the window ended, does nothing. */
  giveBack(): void;
}

/** A fixed-window counter per key, in memory. Enough for one demo process. */
export interface RateLimiter {
  /** Counts one hit; true when the key is over its limit. */
  hit(key: string): boolean;
  /**
   * Counts one attempt before it is verified: a ticket while the key has room,
   * `null` once `limit` attempts of this window are done or still in flight.
   * Checking first and counting after the (slow) verification would let
   * concurrent attempts all pass the check.
   */
  reserve(key: string): RateLimitTicket | null;
  /** True when the key is over its limit, without counting. */
  blocked(key: string): boolean;
  /** Seconds until the key's window ends. */
  retryAfter(key: string): number;
}

export function createRateLimiter({ limit, windowMs }: { limit: number; windowMs: number }): RateLimiter {
  const windows = new Map<string, { count: number; resetAt: number }>();
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [key, window] of windows) if (window.resetAt <= now) windows.delete(key);
  }, windowMs);
  sweep.unref();
  const current = (key: string) => {
    const now = Date.now();
    const window = windows.get(key);
    if (window && window.resetAt > now) return window;
    return undefined;
  };
  const open = (key: string) => {
    const window = current(key) ?? { count: 0, resetAt: Date.now() + windowMs };
    windows.set(key, window);
    return window;
  };
  return {
    hit(key) {
      const window = open(key);
      window.count += 1;
      return window.count > limit;
    },
    reserve(key) {
      const window = open(key);
      if (window.count >= limit) return null;
      window.count += 1;
      let held = true;
      return {
        giveBack() {
          // Only into the window it came from: a new window starts from zero anyway.
          if (!held || windows.get(key) !== window || window.resetAt <= Date.now()) return;
          held = false;
          window.count -= 1;
        },
      };
    },
    blocked: (key) => (current(key)?.count ?? 0) >= limit,
    retryAfter: (key) => Math.max(1, Math.ceil(((current(key)?.resetAt ?? Date.now()) - Date.now()) / 1000)),
  };
}

/** A middleware that answers 429 once a key (by default the client IP) is over the limit. */
export function rateLimit(limiter: RateLimiter, keyOf: (req: Request) => string = (req) => req.ip ?? 'unknown'): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const key = keyOf(req);
    if (limiter.hit(key)) {
      res.setHeader('Retry-After', String(limiter.retryAfter(key)));
      sendError(res, 429, 'rate_limited', 'Too many requests. Try again in a moment.');
      return;
    }
    next();
  };
}

/** Decodes percent-encoding until nothing changes (double encoding included); `null` when it is malformed. */
function fullyDecoded(text: string): string | null {
  let decoded = text;
  for (let round = 0; round < 5; round += 1) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      return null;
    }
    if (next === decoded) return decoded;
    decoded = next;
  }
  return null;
}

/** True when the path, as a browser or a decoding proxy may read it, could leave this origin: `//host`, `/\host`. */
function leavesOrigin(path: string): boolean {
  return /^[/\\][/\\]/.test(path);
}

/**
 * A return path after sign-in, only if it is a same-origin relative path:
 * `/account?x=1` passes; `//evil.example`, `/\evil.example`,
 * `https://evil.example` and anything odd fall back to `null`. The check is
 * made again on the result after normalisation (`/.//evil.example` and
 * `/%2e//evil.example` normalise to `//evil.example`) and on its decoded
 * path (`/%2f%2fevil.example`), since a redirect to either leaves the origin.
 */
export function safeNext(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2000) return null;
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return null;
  // Control characters and whitespace can smuggle a scheme or host past naive checks.
  if (/[\u0000-\u0020\u007f]/.test(value)) return null;
  const base = 'http://sessionguard.invalid';
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return null;
  }
  if (url.origin !== base) return null;
  const path = `${url.pathname}${url.search}${url.hash}`;
  const decodedPath = fullyDecoded(url.pathname);
  if (decodedPath === null || /[\u0000-\u001f\u007f\\]/.test(decodedPath)) return null;
  // Decoded then normalised again (`/.%2f/x` is `/.//x` to a decoding proxy, then `//x`).
  if (leavesOrigin(url.pathname) || leavesOrigin(decodedPath) || leavesOrigin(new URL(decodedPath, base).pathname)) return null;
  // The result must read back as itself, on this origin.
  const again = new URL(path, base);
  if (again.origin !== base || `${again.pathname}${again.search}${again.hash}` !== path) return null;
  return decodedPath.startsWith('/login') || decodedPath.startsWith('/logout') ? null : path;
}

/** `Cache-Control: no-store`: for answers that depend on the session (API answers, errors). */
export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};

/**
 * Answers 400 to a path with malformed percent-encoding (`/api/%E0%A4%A`)
 * before any router tries to decode it (Express would throw a URIError from a
 * route parameter, a 500): JSON for the API, a page otherwise.
 */
export function malformedPathGuard(renderError: (res: Response, status: number, message: string) => void): RequestHandler {
  return (req, res, next) => {
    try {
      decodeURIComponent(req.path);
    } catch {
      const message = 'The address has a malformed percent-encoding.';
      if (wantsJson(req) || req.path.startsWith('/api/')) sendError(res, 400, 'invalid_parameter', message);
      else renderError(res, 400, message);
      return;
    }
    next();
  };
}
