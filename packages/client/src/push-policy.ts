/**
 * The push stream's decisions, as pure functions: what the leader tab does
 * after a stream ends, however it ended (the README's "What a client does
 * with it", steps 2 to 7). The runner (push-stream.ts) only carries them out.
 */
import { pushReconnectDelay, type PushClosedReason } from '@sessionguard/core';
import type { Ended } from './guard-state.js';

/** No `session` event within this of the request (headers or not): a proxy buffers the stream. */
export const BUFFERING_TIMEOUT_MS = 10_000;

/** Nothing received (event or heartbeat) for this long: the stream is dead. */
export const deadAfterMs = (heartbeatSeconds: number): number => (2 * heartbeatSeconds + 5) * 1000;

/** How one stream (or its request) ended. */
export type StreamOutcome =
  /** Answered with `status` other than 200 (a 401 that names no end included); `retryAfter` in seconds. */
  | { kind: 'refused'; status: number; retryAfter: number | null }
  /** A 200 that is not `text/event-stream`: no stream at this URL (an old server, an app's own page). */
  | { kind: 'unsupported' }
  /** The session ended: an `ended` event, or a 401 naming the end. `session`: the event's session tag. */
  | { kind: 'ended'; end: Ended; session?: string }
  | { kind: 'closed'; reason: PushClosedReason }
  /** 200, but no `session` event within {@link BUFFERING_TIMEOUT_MS}. */
  | { kind: 'buffered' }
  /** Silent for {@link deadAfterMs}. */
  | { kind: 'dead'; opened: boolean }
  /** The connection closed (or never opened) with neither `ended` nor `closed`. `opened`: it had delivered `session`. */
  | { kind: 'dropped'; opened: boolean };

/**
 * What follows: try again in `retryIn` ms (`failures`: the attempts in a row
 * that got no `session` event), or stop: for the rest of this `page`, or
 * until this tab's `leadership` lapses (another tab holds the newer stream).
 */
export type NextStream = { retryIn: number; failures: number } | { stop: 'page' | 'leadership' };

/**
 * The next step after `outcome`, given the stream's `retryMs` (its SSE
 * `retry:`) and the `failures` so far. The pings go on meanwhile whatever
 * this says: the stream only brings ends sooner.
 */
export function afterStream(outcome: StreamOutcome, retryMs: number, failures: number, random: () => number = Math.random): NextStream {
  const failed = (): NextStream => ({ retryIn: pushReconnectDelay(retryMs, failures + 1, random), failures: failures + 1 });
  switch (outcome.kind) {
    case 'refused': {
      // Push is off on this server (404), or it refuses this page (403): asking again would only be refused again.
      if (outcome.status === 403 || outcome.status === 404) return { stop: 'page' };
      const { retryAfter } = outcome;
      if ((outcome.status === 429 || outcome.status === 503) && retryAfter !== null) {
        return { retryIn: Math.round(retryAfter * 1000 * (1 + random() / 2)), failures: failures + 1 };
      }
      return failed();
    }
    case 'unsupported':
      return { stop: 'page' };
    case 'closed':
      if (outcome.reason === 'replaced') return { stop: 'leadership' };
      return { retryIn: outcome.reason === 'recheck' ? Math.round(random() * 1000) : pushReconnectDelay(retryMs, 0, random), failures: 0 };
    case 'ended':
      // The tab is signed out and closes the stream; should it not be (the end of another session), carry on.
      return { retryIn: pushReconnectDelay(retryMs, 0, random), failures: 0 };
    case 'buffered':
      return failed();
    case 'dead':
    case 'dropped':
      return outcome.opened ? { retryIn: pushReconnectDelay(retryMs, 0, random), failures: 0 } : failed();
  }
}
