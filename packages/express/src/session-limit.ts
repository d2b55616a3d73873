/**
 * At most `maxSessions` live sessions per user (issue 15). The count and the
 * write are one atomic registry call (`createLimited`); this module decides
 * what the guard does around it: which limit applies to a user, and, with
 * `sessionLimit: 'ask'`, the pending sign-in the user completes by
 * choosing sessions to end (`POST <mount>/sessions/limit`).
 *
 * The pending sign-in lives in this browser's own (anonymous) session, so the
 * token is bound to it: another browser holding the token has nothing to
 * complete. Only a SHA-256 of the token is kept there; it is compared in
 * constant time, and used once through the registry's `claimOnce`, which
 * holds across processes on Redis.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import 'express-session';
import type { GuardContext } from './context.js';
import { SessionLimitError, type LimitedSessionSummary } from './errors.js';
import { checkSessionCount } from './options.js';
import { isPublicId } from './public-id.js';
import type { SessionRecord } from './registry/types.js';
import { describeUserAgent } from './user-agent.js';

/** A sign-in waiting for the user to choose sessions to end, kept in the pending browser's session. */
export interface PendingSignIn {
  userId: string;
  /** SHA-256 of the token, base64url. */
  tokenHash: string;
  /** When the credential was checked (epoch ms): the completed session's sign-in time. */
  authenticatedAt: number;
  /** The signed auth hash the sign-in was bound to. */
  authHash: string | null;
  /** Epoch ms. */
  expiresAt: number;
  /** How many completions naming a session that was not there spent a claim of this token (see {@link claimKeyOf}). */
  misses?: number;
}

declare module 'express-session' {
  interface SessionData {
    /** A sign-in over `maxSessions` waiting for the user's choice (`sessionLimit: 'ask'`). */
    sessionguardPending?: PendingSignIn;
  }
}

/** Why a completion was refused; nothing was changed. */
export class SessionLimitTokenError extends Error {
  override name = 'SessionLimitTokenError' as const;

  constructor(
    readonly code: 'session_limit_token_invalid' | 'invalid_parameter' | 'not_found',
    message: string,
  ) {
    super(message);
  }
}

/** True for a {@link SessionLimitTokenError}, even from another realm or bundle. */
export function isSessionLimitTokenError(value: unknown): value is SessionLimitTokenError {
  return value instanceof Error && value.name === 'SessionLimitTokenError';
}

/** The live records behind a refusal, for the caller that asks the user (never on the wire). */
const refusedLive = new WeakMap<SessionLimitError, SessionRecord[]>();

/** A refusal of `createLimited`, carrying the live records. */
export function limitRefusal(live: SessionRecord[]): SessionLimitError {
  const error = new SessionLimitError();
  refusedLive.set(error, live);
  return error;
}

/** The live records of a refusal made by {@link limitRefusal}; `[]` otherwise. */
export function refusedSessions(error: SessionLimitError): SessionRecord[] {
  return refusedLive.get(error) ?? [];
}

/**
 * The limit for `userId`'s new sign-in, or `null` for none. A function's bad
 * answer refuses the sign-in: logged, and thrown as a `SessionGuardConfigError`.
 */
export async function sessionLimitFor(ctx: GuardContext, userId: string, req: Request): Promise<number | null> {
  const { maxSessions, logger } = ctx.options;
  if (maxSessions === null) return null;
  if (typeof maxSessions === 'number') return maxSessions;
  const answer = await maxSessions(userId, req);
  if (answer === null || answer === undefined) return null;
  try {
    return checkSessionCount(answer);
  } catch (error) {
    logger.error('sign-in refused: maxSessions(userId) returned an invalid limit', { userId, value: String(answer) });
    throw error;
  }
}

/** How the `'ask'` answer shows a session. */
export function summarizeForLimit(record: SessionRecord): LimitedSessionSummary {
  const { browser, os, device } = describeUserAgent(record.userAgent);
  return {
    publicId: record.publicId,
    browser,
    os,
    device,
    createdAt: new Date(record.createdAt).toISOString(),
    lastActivity: new Date(record.lastActivity).toISOString(),
  };
}

const hashToken = (token: string) => createHash('sha256').update(token).digest();

/**
 * Turns a refusal into the `'ask'` answer: a new pending sign-in in this
 * request's (anonymous) session, saved, and the error with the sessions and
 * the token.
 */
export async function askUser(
  ctx: GuardContext,
  req: Request,
  pending: { userId: string; authenticatedAt: number; authHash: string | null },
  live: SessionRecord[],
): Promise<SessionLimitError> {
  const token = randomBytes(32).toString('base64url');
  const session = req.session;
  session.sessionguardPending = {
    ...pending,
    tokenHash: hashToken(token).toString('base64url'),
    expiresAt: ctx.options.now() + ctx.options.sessionLimitTokenTtl * 1000,
  };
  await new Promise<void>((resolve, reject) => session.save((error) => (error ? reject(error) : resolve())));
  ctx.options.logger.info('sign-in over the session limit: waiting for the user to choose', { userId: pending.userId, sessions: live.length });
  const sessions = [...live].sort((a, b) => b.lastActivity - a.lastActivity).map(summarizeForLimit);
  return new SessionLimitError(sessions, token);
}

/** The most public ids one completion may name. */
const MAX_ENDS = 100;

/** A completion's input, checked: 400 `invalid_parameter` for anything else. */
export function readCompletion(body: unknown): { token: string; end: string[] } {
  if (body === null || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).some((key) => key !== 'token' && key !== 'end')) {
    throw new SessionLimitTokenError('invalid_parameter', 'The body must be { token, end: [publicId, ...] }.');
  }
  const { token, end } = body as { token?: unknown; end?: unknown };
  if (typeof token !== 'string' || token.length < 16 || token.length > 128) {
    throw new SessionLimitTokenError('invalid_parameter', '`token` must be the token of the session_limit answer.');
  }
  const list = typeof end === 'string' ? [end] : end;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_ENDS || !list.every(isPublicId)) {
    throw new SessionLimitTokenError('invalid_parameter', '`end` must be a list of session public ids.');
  }
  return { token, end: [...new Set(list as string[])] };
}

/**
 * The pending sign-in that `token` completes, or a {@link SessionLimitTokenError}:
 * no pending sign-in in this browser's session, expired, or another token.
 */
export function matchPending(ctx: GuardContext, req: Request, token: string): PendingSignIn {
  const pending = req.session?.sessionguardPending;
  const invalid = new SessionLimitTokenError('session_limit_token_invalid', 'This sign-in link is used, expired, or not this browser\u2019s: sign in again.');
  if (!pending || typeof pending.tokenHash !== 'string' || typeof pending.userId !== 'string') throw invalid;
  const expected = Buffer.from(pending.tokenHash, 'base64url');
  const given = hashToken(token);
  // Both are SHA-256 digests: equal lengths, compared in constant time.
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid;
  if (!(pending.expiresAt > ctx.options.now())) throw invalid;
  return pending;
}

/**
 * The registry key that marks the token used. A completion naming a session
 * that is not (or no longer) there claims it too, so that the same completion
 * sent twice at once (a double click reaching two processes) is told the
 * token was used rather than `not_found`; the miss then moves the key on, so
 * that this browser's token still works for a corrected choice.
 */
export function claimKeyOf(pending: PendingSignIn): string {
  return `limit-token:${pending.tokenHash}:${pending.misses ?? 0}`;
}
