/**
 * New-device notices (issue 15): "New sign-in: Firefox on Windows, 14:02 —
 * not you?". A browser is told apart by a long-lived, opaque device cookie
 * (random, HttpOnly, SameSite=Lax, Secure when the session cookie is): no
 * fingerprinting, nothing else is read. The registry remembers, per user, a
 * bounded set of HMACs of the device ids the user signed in from (never the
 * cookie value itself, and unlinkable between users). A sign-in from a
 * device not in the set is `newDevice: true` in `session.created`, and the
 * user's other live sessions get a notice in their record, answered once:
 * in the next ping answer (`notices`) or on their push stream (`event:
 * notice`), whichever takes it first. The notice names the new session by
 * its public id, so `DELETE <mount>/sessions/:publicId` ends it.
 */
import type { DeviceNoticeBody } from '@sessionguard/core';
import { createHmac, randomBytes } from 'node:crypto';
import type { Request } from 'express';
import type { GuardContext } from './context.js';
import { describeError } from './logger.js';
import type { SessionNotice, SessionRecord } from './registry/types.js';
import { describeUserAgent } from './user-agent.js';

/** A device id as the guard mints it: 32 random bytes, base64url. Anything else in the cookie is replaced. */
const DEVICE_ID = /^[A-Za-z0-9_-]{43}$/;

/** The value of cookie `name` in the request's `Cookie` header, or `null`. */
function readCookie(req: Request, name: string): string | null {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return null;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index === -1) continue;
    if (part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return null;
}

/** Whether the session cookie is `Secure` for this request (express-session's `secure: 'auto'` follows the request). */
function sessionCookieSecure(req: Request): boolean {
  const secure = (req.session?.cookie as { secure?: boolean | 'auto' } | undefined)?.secure;
  return secure === 'auto' ? req.secure : secure === true;
}

/** The opaque key the registry keeps for `deviceId` of `userId`: an HMAC, so the store never holds the cookie's value. */
function deviceKey(secret: string, userId: string, deviceId: string): string {
  return createHmac('sha256', secret).update(`sessionguard:device:${userId.length}:${userId}:${deviceId}`).digest('base64url');
}

/**
 * After a fresh sign-in: reads (or mints) the device cookie, sets it again
 * (its lifetime counts from the last sign-in), remembers the device for the
 * user, and, for a device the user had not signed in from while other
 * devices were known, leaves a notice in the user's other live sessions.
 * Returns whether the device was new (`null` without `deviceNotices`, or
 * when the registry could not be asked: a notice that fails never fails
 * the sign-in, it is logged).
 */
export async function noticeNewDevice(ctx: GuardContext, req: Request, record: SessionRecord): Promise<boolean | null> {
  const config = ctx.options.deviceNotices;
  const { registry, options } = ctx;
  if (!config || !registry.rememberDevice) return null;
  const given = readCookie(req, config.cookieName);
  const hasCookie = given !== null && DEVICE_ID.test(given);
  const res = req.res;
  // A sign-in seen only as the response ends (an app's own login saving late) may find its headers sent: a
  // browser whose cookie cannot be set would be a "new device" at every sign-in, so it is not judged at all.
  if (!res || res.headersSent) {
    if (!hasCookie) return null;
  }
  const deviceId = hasCookie && given ? given : randomBytes(32).toString('base64url');
  if (res && !res.headersSent) res.cookie(config.cookieName, deviceId, {
    httpOnly: true,
    secure: sessionCookieSecure(req),
    sameSite: 'lax',
    path: '/',
    maxAge: config.rememberFor * 1000,
  });
  try {
    const { isNew, known } = await registry.rememberDevice(record.userId, deviceKey(options.secrets[0], record.userId, deviceId), {
      maxDevices: config.maxDevices,
      keepFor: config.rememberFor * 1000,
    });
    // The user's first remembered device (their first sign-in, or the first since notices were turned on) is news to nobody.
    if (isNew && known > 0 && registry.addNotice) {
      const notice: SessionNotice = { publicId: record.publicId, userAgent: record.userAgent, at: options.now() };
      const told = await registry.addNotice(record.userId, notice, record.sessionId);
      options.logger.info('sign-in from a new device', { event: 'session.new_device', publicId: record.publicId, userId: record.userId, told });
    }
    return isNew;
  } catch (error) {
    options.logger.warn('could not check the device of a sign-in; no new-device notice', { publicId: record.publicId, ...describeError(error) });
    return null;
  }
}

/** A notice as the wire carries it (ping `notices`, push `notice`): device fields from the User-Agent, time as seconds ago. */
export function noticeBody(notice: SessionNotice, now: number): DeviceNoticeBody {
  return { publicId: notice.publicId, ...describeUserAgent(notice.userAgent), ago: Math.max(0, Math.round((now - notice.at) / 1000)) };
}

