import type { Request, Response } from 'express';
import type { GuardContext } from './context.js';

/**
 * Why this exists: a `Secure` session cookie never reaches the browser over
 * plain HTTP. express-session does not send a `secure: true` cookie on a
 * request it does not see as secure, and every browser refuses a `__Host-` or
 * `__Secure-` cookie set without `Secure`. Signing in then seems to work and
 * the very next request is signed out, with no error anywhere. It happens when
 * developing over http:// with production cookie settings, and behind a
 * TLS-terminating proxy without `app.set('trust proxy', ...)` (Express then
 * sees plain HTTP). In development the guard says so, once per guard.
 */

/** Guards that warned already, or run in production: nothing more to look at. */
const done = new WeakSet<GuardContext>();

/** A cookie name with a prefix that browsers accept only with `Secure` (RFC 6265bis; any case). */
const SECURE_PREFIX = /^__(host|secure)-/i;

const HINT =
  "serve the app over HTTPS (in development too), or, behind a proxy that terminates TLS, app.set('trust proxy', ...) so that req.secure is true; " +
  'for plain http:// in development only, use cookie.secure: false and a name without __Host-/__Secure-';

/**
 * Called by the middleware on each request until it has warned (or found
 * NODE_ENV=production): logs one warning through the guard's logger when the
 * request came over plain HTTP (`req.secure` false) and the session cookie is
 * `Secure` (`cookie.secure: true`: express-session will not send it), or the
 * response sets a `__Host-`/`__Secure-` cookie without `Secure` (the browser
 * drops it).
 */
export function warnIfSessionCookieDropped(ctx: GuardContext, req: Request, res: Response): void {
  if (done.has(ctx)) return;
  if (process.env.NODE_ENV === 'production') {
    done.add(ctx);
    return;
  }
  if (req.secure) return;
  const warn = (fields: Record<string, unknown>) => {
    if (done.has(ctx)) return;
    done.add(ctx);
    ctx.options.logger.warn('Secure session cookie on a plain HTTP request: the browser never gets it, so every sign-in is lost at the next request', {
      ...fields,
      protocol: req.protocol,
      hint: HINT,
    });
  };
  if (req.session?.cookie?.secure === true) {
    warn({ option: 'cookie.secure', value: true });
    return;
  }
  // The cookie's name is only in express-session's options: look at what the response sets instead.
  res.once('finish', () => {
    const name = droppedCookieName(res.getHeader('set-cookie'));
    if (name !== null) warn({ option: 'name', cookie: name });
  });
}

/** The name of the first `__Host-`/`__Secure-` cookie set without `Secure`, or `null`. */
function droppedCookieName(header: string | number | string[] | undefined): string | null {
  const cookies = header === undefined ? [] : Array.isArray(header) ? header : [String(header)];
  for (const cookie of cookies) {
    const [pair = '', ...attributes] = cookie.split(';');
    const equals = pair.indexOf('=');
    const name = equals === -1 ? '' : pair.slice(0, equals).trim();
    if (SECURE_PREFIX.test(name) && !attributes.some((attribute) => attribute.trim().toLowerCase() === 'secure')) return name;
  }
  return null;
}
