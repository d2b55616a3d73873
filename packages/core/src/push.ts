/**
 * The push stream: `GET <mount>/events`, Server-Sent Events telling one
 * session's browser, within a second, that the session ended on the server.
 * The wire format, its validators, an incremental SSE parser and the
 * reconnect delay, shared by the server that writes the stream and any
 * client that reads it (fetch or EventSource). Plain functions: no DOM, no Node.
 *
 * A stream carries, in order:
 *
 * ```text
 * retry: 5273                      the reconnect delay for this stream (ms), jittered per stream
 * event: session                   first, once: the session's timing, as a ping answers it (+ heartbeat)
 * data: {"idleFor":0,"warnAfter":1500,"expireAfter":1800,"absoluteRemaining":41388,"session":"…","user":"…","heartbeat":25}
 *
 * :                                a heartbeat (an SSE comment) every `heartbeat` seconds
 *
 * event: ended                     the session ended on the server; the server then closes the stream
 * data: {"reason":"revoked_by_admin","code":"session_revoked","session":"…"}
 *
 * event: closed                    or: the server closed the stream for another reason (see PushClosedReason)
 * data: {"reason":"shutdown"}
 *
 * event: notice                    any time: the user signed in from a new device (a DeviceNoticeBody, sent once)
 * data: {"publicId":"…","browser":"Firefox 140","os":"Windows 10","device":"desktop","ago":0}
 * ```
 *
 * Never a session id: `session` is the public id, as in the ping answer.
 */
import type { DeviceNoticeBody, Parsed, PingResponse } from './protocol.js';
import { parseNotices, parsePingResponse } from './protocol.js';

/** Path of the stream under the guard's router mount (e.g. `/session/events`). */
export const PUSH_PATH = '/events';

/** Names of the stream's events (the SSE `event:` field). */
export const PUSH_EVENTS = { session: 'session', ended: 'ended', closed: 'closed', notice: 'notice' } as const;

/** Why a session ended, as the `ended` event says it. */
export const END_REASONS = [
  'logout',
  'revoked_by_user',
  'revoked_by_admin',
  'password_changed',
  'single_session',
  'expired_idle',
  'expired_absolute',
  'auth_hash_mismatch',
  'session_limit',
] as const;

/** One of {@link END_REASONS}. */
export type EndReason = (typeof END_REASONS)[number];

/** What the session's next request would be answered: `session_expired` for the two timeouts, else `session_revoked`. */
export type EndCode = 'session_expired' | 'session_revoked';

/** The 401 code that goes with `reason`. */
export function endCode(reason: EndReason): EndCode {
  return reason === 'expired_idle' || reason === 'expired_absolute' ? 'session_expired' : 'session_revoked';
}

/** Data of the first event, `session`: the ping answer's fields, plus the heartbeat interval. */
export interface PushSessionEvent extends PingResponse {
  /**
   * Seconds between heartbeats. A client that has received nothing for
   * twice this (plus a few seconds) treats the stream as broken.
   */
  heartbeat: number;
}

/** Data of `ended`: the session is over. The stream closes right after it. */
export interface PushEndedEvent {
  reason: EndReason;
  code: EndCode;
  /** The public id of the session that ended (the `session` of the `session` event). */
  session?: string;
}

/**
 * Why the server closed a stream whose session is (as far as it knows) live:
 * - `replaced`: a newer stream of the same session took this one's place
 *   (beyond `maxStreamsPerSession`). Do not reconnect from this page: the
 *   newer stream is the one to keep.
 * - `recheck`: the server can no longer tell this stream's session is live
 *   (its id was renewed by a password change or re-authentication, or ends
 *   may have been lost while Redis was unreachable). Reconnect at once (after
 *   a random 0–1 s): the new request is answered 200 with a fresh stream, or
 *   401 with the end.
 * - `shutdown`: the server process is stopping. Reconnect after the
 *   stream's `retry` (jittered), as after a dropped connection.
 */
export type PushClosedReason = 'replaced' | 'recheck' | 'shutdown';

/** Data of `closed`. */
export interface PushClosedEvent {
  reason: PushClosedReason;
}

const CLOSED_REASONS: ReadonlySet<string> = new Set<PushClosedReason>(['replaced', 'recheck', 'shutdown']);
const REASONS: ReadonlySet<string> = new Set(END_REASONS);

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Validates the data of a `session` event (already parsed from JSON). */
export function parsePushSession(data: unknown): Parsed<PushSessionEvent> {
  const ping = parsePingResponse(data);
  if (!ping.ok) return ping;
  const { heartbeat } = data as Record<string, unknown>;
  if (typeof heartbeat !== 'number' || !Number.isFinite(heartbeat) || heartbeat <= 0) {
    return { ok: false, error: 'invalid_body', message: '"heartbeat" is not a positive number of seconds.' };
  }
  return { ok: true, value: { ...ping.value, heartbeat } };
}

/** Validates the data of an `ended` event. */
export function parsePushEnded(data: unknown): Parsed<PushEndedEvent> {
  const bad = (message: string): Parsed<PushEndedEvent> => ({ ok: false, error: 'invalid_body', message });
  if (!isObject(data)) return bad('The event is not an object.');
  const { reason, code, session } = data;
  if (typeof reason !== 'string' || !REASONS.has(reason)) return bad('"reason" is not a known end reason.');
  const expected = endCode(reason as EndReason);
  if (code !== expected) return bad('"code" does not match "reason".');
  if (session !== undefined && !(typeof session === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(session))) {
    return bad('"session" is not a session tag.');
  }
  return { ok: true, value: { reason: reason as EndReason, code: expected, ...(session === undefined ? {} : { session }) } };
}

/** Validates the data of a `closed` event. */
export function parsePushClosed(data: unknown): Parsed<PushClosedEvent> {
  if (!isObject(data) || typeof data.reason !== 'string' || !CLOSED_REASONS.has(data.reason)) {
    return { ok: false, error: 'invalid_body', message: '"reason" is not replaced, recheck or shutdown.' };
  }
  return { ok: true, value: { reason: data.reason as PushClosedReason } };
}

/** One dispatched SSE event. `event` is `message` when the stream named none. */
export interface SseEvent {
  event: string;
  data: string;
}

/** What {@link createSseParser} calls back with. */
export interface SseHandlers {
  /** A complete event (terminated by a blank line). */
  onEvent(event: SseEvent): void;
  /** A `retry:` field (milliseconds). */
  onRetry?(ms: number): void;
  /** A comment line (a heartbeat); its text after the colon. */
  onComment?(text: string): void;
}

/**
 * An incremental parser of `text/event-stream` (the WHATWG HTML "event
 * stream interpretation"): feed it decoded text in chunks of any size, split
 * anywhere. Lines end with LF, CRLF or CR; a blank line dispatches the
 * event; an event without data is not dispatched; `id` is ignored (the
 * guard's stream sends none). Call `end()` when the stream ends: an
 * unterminated last event is dropped, as the standard says.
 */
export function createSseParser(handlers: SseHandlers): { push(chunk: string): void; end(): void } {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let pendingCr = false;
  const line = (text: string) => {
    if (text === '') {
      if (data.length > 0) handlers.onEvent({ event: event || 'message', data: data.join('\n') });
      event = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) {
      handlers.onComment?.(text.slice(1).replace(/^ /, ''));
      return;
    }
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    const value = colon === -1 ? '' : text.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'retry' && /^\d+$/.test(value)) handlers.onRetry?.(Number(value));
  };
  return {
    push(chunk) {
      let text = chunk;
      // A CR at the end of the previous chunk already ended its line; an LF right after it is that same line end.
      if (pendingCr && text.startsWith('\n')) text = text.slice(1);
      pendingCr = false;
      buffer += text;
      let start = 0;
      for (let i = 0; i < buffer.length; i += 1) {
        const char = buffer[i];
        if (char !== '\n' && char !== '\r') continue;
        line(buffer.slice(start, i));
        if (char === '\r') {
          if (i + 1 === buffer.length) pendingCr = true;
          else if (buffer[i + 1] === '\n') i += 1;
        }
        start = i + 1;
      }
      buffer = buffer.slice(start);
    },
    end() {
      buffer = '';
      event = '';
      data = [];
      pendingCr = false;
    },
  };
}

/** The longest a client should wait before reconnecting a stream, in milliseconds (5 minutes). */
export const MAX_PUSH_RECONNECT_MS = 300_000;

/**
 * How long a client waits before reconnecting the stream, in milliseconds:
 * the stream's `retry` (already jittered by the server) doubled per failed
 * attempt in a row, capped at {@link MAX_PUSH_RECONNECT_MS}, then jittered
 * again ("equal jitter": between half and all of it), so a thousand browsers
 * whose streams dropped at once (a restart) come back spread out rather than
 * together. `failures` is 0 for the first attempt after a stream that had
 * worked; reset it once a stream delivers its `session` event.
 */
export function pushReconnectDelay(retryMs: number, failures: number, random: () => number = Math.random): number {
  const base = Number.isFinite(retryMs) && retryMs > 0 ? retryMs : 5000;
  const ceiling = Math.min(MAX_PUSH_RECONNECT_MS, base * 2 ** Math.min(Math.max(0, failures), 20));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Validates the data of a `notice` event: one device notice. */
export function parsePushNotice(data: unknown): Parsed<DeviceNoticeBody> {
  const parsed = parseNotices([data]);
  if (!parsed) return { ok: false, error: 'invalid_body', message: 'The notice event is not a device notice.' };
  return { ok: true, value: parsed[0]! };
}
