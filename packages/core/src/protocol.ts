/**
 * The wire protocol between the client SDK and the server adapter. Times
 * cross the wire as relative seconds, so clock skew between the browser and
 * the server does not matter.
 */

/** Error codes the server answers with, as `{ "error": code, "message": text }`. */
export const ERROR_CODES = {
  /** 401: the session ended by the idle timeout or its absolute lifetime. */
  session_expired: 401,
  /** 401: the session was ended on purpose (sign-out elsewhere, password change, admin, policy). */
  session_revoked: 401,
  /** 401: no signed-in session. */
  unauthenticated: 401,
  /** 400: the body is not what the endpoint takes. */
  invalid_body: 400,
  /** 400: `idleFor` is missing, not a number, negative or out of range. */
  invalid_idle_for: 400,
  /** 400: a path or body parameter is malformed (e.g. a public id). */
  invalid_parameter: 400,
  /** 401: a sign-in endpoint refused the username or password. */
  invalid_credentials: 401,
  /** 403: the state-changing request failed the CSRF check. */
  csrf_failed: 403,
  /** 403: the action needs a recent sign-in (OWASP ASVS 3.3.4). */
  reauthentication_required: 403,
  /** 403: the signed-in user may not do this. */
  forbidden: 403,
  /** 404: no such session (or not one of yours). */
  not_found: 404,
  /**
   * 409: the user already holds `maxSessions` live sessions and the sign-in was not completed
   * (`sessionLimit` 'deny' or 'ask'; with 'ask' the body also lists the sessions and carries a token).
   */
  session_limit: 409,
  /** 400: the session-limit token is unknown, used, expired, or not this browser's pending sign-in; nothing changed. */
  session_limit_token_invalid: 400,
  /** 413: the body is larger than the endpoint accepts. */
  payload_too_large: 413,
  /** 415: the body is not `application/json`. */
  unsupported_media_type: 415,
  /** 429: too many requests; retry later. */
  rate_limited: 429,
  /** 429: the user holds as many push streams (`GET <mount>/events`) as allowed; use pings, retry later. */
  too_many_streams: 429,
  /** 500: an unexpected failure on the server; nothing was changed on purpose. */
  internal_error: 500,
  /** 503: the session store (e.g. Redis) cannot be reached; retry later. */
  session_store_unavailable: 503,
} as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The body of every error answer. */
export interface ErrorBody {
  error: ErrorCode;
  message: string;
}

/** True when `code` is a known {@link ErrorCode}. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, code);
}

/** Reads an error body; `null` when `value` is not one. */
export function parseErrorBody(value: unknown): ErrorBody | null {
  if (value === null || typeof value !== 'object') return null;
  const { error, message } = value as Record<string, unknown>;
  if (!isErrorCode(error)) return null;
  return { error, message: typeof message === 'string' ? message : '' };
}

/**
 * The largest `idleFor` a client may report: one year. Anything larger is a
 * bug or an attack, and is rejected rather than silently accepted.
 */
export const MAX_IDLE_FOR_SECONDS = 31_622_400; // 366 days; a plain literal so bundlers can drop it when unused

/** Largest ping body the server reads, in bytes. */
export const MAX_PING_BODY_BYTES = 256;

/** `POST <base>/ping` body. */
export interface PingRequest {
  /** Seconds since the last activity the client saw in any tab. */
  idleFor: number;
}

/** The server's view of the session, answered to a ping. All values are seconds. */
export interface PingResponse {
  /** Seconds since the last activity the server knows of. */
  idleFor: number;
  /** The policy: seconds of inactivity before the warning. */
  warnAfter: number;
  /** The policy: seconds of inactivity before the session ends. */
  expireAfter: number;
  /** Seconds of absolute lifetime left; `null` without an absolute lifetime. */
  absoluteRemaining: number | null;
  /**
   * Opaque tag of this session (its public id, never the session id), so tabs
   * can tell messages about their own session from those of another session
   * in the same browser. Absent from servers older than this field.
   */
  session?: string;
  /**
   * Opaque tag of the signed-in user (an HMAC of the user id, the same for
   * every session of that user), so preserved form fields are restored only
   * for the user who typed them. Absent from servers older than this field.
   */
  user?: string;
  /**
   * Sign-ins of the same user from devices not seen before, since this
   * session last heard (each notice is answered once per session). Absent
   * when none, and from servers older than this field.
   */
  notices?: DeviceNoticeBody[];
}

/**
 * A new-device sign-in, as the user's other sessions are told of it (in the
 * ping answer's `notices`, and as the push stream's `notice` event). The
 * session can be ended with `DELETE <mount>/sessions/:publicId`.
 */
export interface DeviceNoticeBody {
  /** The public id of the new session. */
  publicId: string;
  /** e.g. `Firefox 140`; `null` when unknown. */
  browser: string | null;
  /** e.g. `Windows 10`; `null` when unknown. */
  os: string | null;
  /** e.g. `desktop`; `null` when unknown. */
  device: string | null;
  /** Seconds since that sign-in (relative, like every time on the wire). */
  ago: number;
}

/** The most notices one answer carries. */
export const MAX_NOTICES = 5;

/** Result of a validator: the value, or an error code and message. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: ErrorCode; message: string };

function isFiniteNonNegative(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/** Validates a ping request body (already parsed from JSON). */
export function parsePingRequest(body: unknown): Parsed<PingRequest> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, error: 'invalid_body', message: 'The body must be a JSON object like {"idleFor": 12}.' };
  }
  const keys = Object.keys(body);
  if (keys.some((key) => key !== 'idleFor')) {
    return { ok: false, error: 'invalid_body', message: 'The body may only hold "idleFor".' };
  }
  const { idleFor } = body as Record<string, unknown>;
  if (!isFiniteNonNegative(idleFor) || idleFor > MAX_IDLE_FOR_SECONDS) {
    return {
      ok: false,
      error: 'invalid_idle_for',
      message: `"idleFor" must be a number of seconds from 0 to ${MAX_IDLE_FOR_SECONDS}.`,
    };
  }
  return { ok: true, value: { idleFor } };
}

/**
 * Validates a ping answer from the server. The client trusts nothing it did
 * not check: a malformed answer is treated as no answer.
 */
export function parsePingResponse(body: unknown): Parsed<PingResponse> {
  const bad = (message: string): Parsed<PingResponse> => ({ ok: false, error: 'invalid_body', message });
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return bad('The answer is not an object.');
  const { idleFor, warnAfter, expireAfter, absoluteRemaining, session, user } = body as Record<string, unknown>;
  if (!isFiniteNonNegative(idleFor)) return bad('"idleFor" is not a number of seconds.');
  if (!isFiniteNonNegative(warnAfter) || warnAfter === 0) return bad('"warnAfter" is not a positive number.');
  if (!isFiniteNonNegative(expireAfter) || expireAfter <= warnAfter) return bad('"expireAfter" is not after "warnAfter".');
  if (absoluteRemaining !== null && !isFiniteNonNegative(absoluteRemaining)) {
    return bad('"absoluteRemaining" is neither null nor a number of seconds.');
  }
  if (session !== undefined && !isTag(session)) return bad('"session" is not a session tag.');
  if (user !== undefined && !isTag(user)) return bad('"user" is not a user tag.');
  // Notices are an extra: a list that is not one is dropped, never a reason to distrust the timing beside it.
  const notices = (body as Record<string, unknown>).notices;
  const parsedNotices = notices === undefined ? undefined : (parseNotices(notices) ?? undefined);
  return {
    ok: true,
    value: {
      idleFor,
      warnAfter,
      expireAfter,
      absoluteRemaining,
      ...(session === undefined ? {} : { session }),
      ...(user === undefined ? {} : { user }),
      ...(parsedNotices && parsedNotices.length > 0 ? { notices: parsedNotices } : {}),
    },
  };
}

const isTextOrNull = (value: unknown) => value === null || (typeof value === 'string' && value.length <= 64);

/** Validates a list of device notices (at most {@link MAX_NOTICES}); `null` when it is not one. */
export function parseNotices(value: unknown): DeviceNoticeBody[] | null {
  if (!Array.isArray(value) || value.length > MAX_NOTICES) return null;
  const out: DeviceNoticeBody[] = [];
  for (const item of value) {
    if (item === null || typeof item !== 'object') return null;
    const { publicId, browser, os, device, ago } = item as Record<string, unknown>;
    if (!isTag(publicId) || !isTextOrNull(browser) || !isTextOrNull(os) || !isTextOrNull(device) || !isFiniteNonNegative(ago)) return null;
    out.push({ publicId, browser: browser as string | null, os: os as string | null, device: device as string | null, ago });
  }
  return out;
}

/** A session or user tag: 1 to 64 URL-safe characters. */
function isTag(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(value);
}

/**
 * Header every SDK request carries. State-changing endpoints require it (with
 * a same-origin check): a cross-site form or image cannot set a custom header,
 * and a cross-site script cannot without a CORS preflight the server never
 * grants.
 */
export const CSRF_HEADER = 'X-SessionGuard';

/** Value of {@link CSRF_HEADER}. */
export const CSRF_HEADER_VALUE = '1';
