import type { Request } from 'express';

/**
 * `getUserId` for Passport: the user id Passport keeps in
 * `req.session.passport.user` (what `serializeUser` produced), or `null`.
 * The same as `(req) => req.session.passport?.user`, typed: express-session's
 * `SessionData` does not declare Passport's key.
 *
 * @example
 * const guard = createSessionGuard({ secret, preset: 'aal2', getUserId: passportUserId });
 */
export function passportUserId(req: Request): string | number | null {
  const user = (req.session as { passport?: { user?: unknown } } | undefined)?.passport?.user;
  return typeof user === 'string' || typeof user === 'number' ? user : null;
}
