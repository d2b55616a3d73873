/**
 * Security plumbing for the demo: a strict Content-Security-Policy with a
 * per-request style nonce, the usual hardening headers, a same-origin check
 * for state-changing requests, a small rate limiter, and safe return paths.
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
  res.status(status).json({ error, message });
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

/** A fixed-window counter per key, in memory. Enough for one demo process. */
export interface RateLimiter {
  /** Counts one hit; true when the key is over its limit. */
  hit(key: string): boolean;
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
  return {
    hit(key) {
      const window = current(key) ?? { count: 0, resetAt: Date.now() + windowMs };
      window.count += 1;
      windows.set(key, window);
      return window.count > limit;
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

/**
 * A return path after sign-in, only if it is a same-origin relative path:
 * `/account?x=1` passes; `//evil.example`, `/\evil.example`,
 * `https://evil.example` and anything odd fall back to `null`.
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
  return path.startsWith('/login') || path.startsWith('/logout') ? null : path;
}
