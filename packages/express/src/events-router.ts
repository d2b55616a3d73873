import { endCode } from '@sessionguard/core';
import type { Request, RequestHandler, Response } from 'express';
import type { GuardContext } from './context.js';
import { requestPath, sendError } from './http.js';
import { describeError } from './logger.js';
import type { PushHub, PushSink } from './push-hub.js';
import type { RateLimiter } from './rate-limit.js';
import { resolveSession } from './resolve-session.js';
import { asyncHandler, requireSession } from './router-support.js';

/** Headers of the stream. `no-store`: never cached; `X-Accel-Buffering: no`: nginx passes each event on at once. */
const STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Accel-Buffering': 'no',
  'X-Content-Type-Options': 'nosniff',
} as const;

/** How long a browser refused for `too_many_streams` should wait before trying again, in seconds. */
const TOO_MANY_RETRY_AFTER = '60';

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

/**
 * The origin half of the CSRF check (csrf.ts), without the `X-SessionGuard`
 * header, which EventSource cannot send. The stream changes nothing, and
 * without CORS headers no other origin can read it; refusing other sites
 * still matters: a page elsewhere must not hold streams of our users, which
 * count against their caps. `Sec-Fetch-Site` when the browser sends it (only
 * `same-origin`, or an `Origin` in `trustedOrigins`), else an `Origin` equal
 * to the request's own or trusted; neither header: not a browser, accepted.
 */
function crossSiteFailure(req: Request, trustedOrigins: ReadonlySet<string>): string | null {
  const origin = req.get('origin');
  const site = req.get('sec-fetch-site');
  if (site !== undefined) {
    if (site === 'same-origin') return null;
    if (origin !== undefined && trustedOrigins.has(origin)) return null;
    return 'Cross-site requests are not accepted.';
  }
  if (origin !== undefined && origin !== ownOrigin(req) && !trustedOrigins.has(origin)) return 'Cross-origin requests are not accepted.';
  return null;
}

/**
 * A response as the hub's sink: each write flushed at once (`compression`
 * buffers otherwise). A class, so an open stream costs one small object,
 * not a closure per method.
 */
class ResponseSink implements PushSink {
  constructor(private readonly res: Response & { flush?: () => void }) {}

  write(text: string): void {
    const { res } = this;
    if (res.writableEnded || res.destroyed) return;
    res.write(text);
    res.flush?.();
  }

  end(): void {
    if (!this.res.writableEnded) this.res.end();
  }
}

/**
 * The handler of `GET /events`, a Server-Sent Events stream of the signed-in
 * session (see `@sessionguard/core` push.ts for what it carries). The guard
 * mounts it on its router as `PUSH_PATH`, with no router of its own: an open
 * stream holds every router level's state for hours. Passive: opening and
 * holding it never counts as activity (the middleware treats any
 * `GET …/events` so). Authenticated by the session cookie alone; cross-site requests are
 * refused. Refused like the ping when the session is anonymous or ended
 * (401 `unauthenticated` / `session_expired` / `session_revoked`).
 *
 * Opening: the session's ends are watched first (on Redis: subscribed), then
 * the registry is asked again, so an end landing while the stream opens is
 * either seen by that check or heard by the watch; never lost between them.
 */
export function createEventsHandler(ctx: GuardContext, hub: PushHub, limiter: RateLimiter | null): RequestHandler {
  const { options } = ctx;
  return asyncHandler(async (req, res) => {
    const current = await requireSession(ctx, req, res);
    if (!current) return;
    const failure = crossSiteFailure(req, options.trustedOrigins);
    if (failure !== null) {
      options.logger.warn('push: cross-site stream refused', { path: requestPath(req), origin: req.get('origin') ?? null });
      return sendError(res, 'csrf_failed', failure);
    }
    const verdict = limiter?.hit(current.publicId);
    if (verdict && !verdict.ok) {
      return sendError(res, 'rate_limited', 'Too many requests; retry later.', { 'Retry-After': String(verdict.retryAfterSeconds) });
    }
    if (req.method === 'HEAD') {
      res.status(200).set(STREAM_HEADERS).end();
      return;
    }
    const reservation = hub.reserve(current);
    if (!reservation.ok) {
      if (reservation.code === 'closed') {
        return sendError(res, 'session_store_unavailable', 'The server is shutting down; retry shortly.', { 'Retry-After': '5' });
      }
      return sendError(res, 'too_many_streams', 'Too many open streams for this user; use pings.', { 'Retry-After': TOO_MANY_RETRY_AFTER });
    }
    const { ticket } = reservation;
    try {
      await ticket.ready;
    } catch (error) {
      ticket.cancel();
      options.logger.error('push: cannot watch session ends (end channel unavailable)', { publicId: current.publicId, ...describeError(error) });
      return sendError(res, 'session_store_unavailable', 'Session ends cannot be watched right now; retry shortly.', { 'Retry-After': '5' });
    }
    let resolution: Awaited<ReturnType<typeof resolveSession>>;
    try {
      resolution = await resolveSession(ctx, req, { at: options.now(), recordActivityAt: null });
    } catch (error) {
      ticket.cancel();
      throw error;
    }
    const endedBy = ticket.endedBy;
    if (endedBy !== null) {
      ticket.cancel();
      const code = endCode(endedBy);
      return sendError(res, code, code === 'session_expired' ? 'Your session has expired.' : 'You have been signed out.');
    }
    if (resolution.kind === 'ended') {
      ticket.cancel();
      return sendError(res, resolution.code, resolution.code === 'session_expired' ? 'Your session has expired.' : 'You have been signed out.');
    }
    if (resolution.kind === 'anonymous' || resolution.record.sessionId !== current.sessionId) {
      ticket.cancel();
      return sendError(res, 'unauthenticated', 'Sign in first.');
    }
    if (res.destroyed || req.destroyed) {
      ticket.cancel();
      return;
    }
    // The stream never writes the session: no Set-Cookie on it, no save or store touch when it ends (which
    // could land over the tombstone of its own revocation), and the session's data is not held while it is open.
    (req as { session?: unknown }).session = undefined;
    req.socket.setKeepAlive(true, 60_000);
    res.status(200).set(STREAM_HEADERS);
    res.flushHeaders();
    // `on`, not `once` (which wraps the listener): 'close' comes once anyway.
    res.on('close', ticket.attach(new ResponseSink(res), resolution.record));
  });
}
