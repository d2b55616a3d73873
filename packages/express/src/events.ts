import { describeError, type SessionGuardLogger } from './logger.js';

/** Why a session ended. */
export type RevocationReason =
  | 'logout'
  | 'revoked_by_user'
  | 'revoked_by_admin'
  | 'password_changed'
  | 'single_session'
  | 'expired_idle'
  | 'expired_absolute'
  | 'auth_hash_mismatch'
  /** Ended to keep the user within the registry's `maxSessionsPerUser` (the least recently active go first). */
  | 'session_limit';

/** A session, as events show it: by public id, never by session id. */
export interface SessionEventBase {
  publicId: string;
  userId: string;
  /** When it happened, epoch milliseconds (the guard's clock). */
  at: number;
}

/** Payloads of {@link SessionGuardEvents}, by event name. */
export interface SessionGuardEventMap {
  /**
   * A session was recorded: `by: 'sign-in'` (`guard.login`, or a sign-in the
   * guard saw through `getUserId`), `'adopted'` (a session signed in before
   * the guard saw it, e.g. before it was deployed; not a fresh sign-in), or
   * `'renewed'` (the same session under a new id: a password change, a
   * re-authentication, a regenerate right after sign-in).
   *
   * With `deviceNotices`, a sign-in carries `newDevice`: `true` the first
   * time the user signs in from that browser (its device cookie), `false`
   * from a device seen before. The user's other sessions are told of a new
   * device by themselves (ping `notices`, push `notice`); the app may also
   * send its own mail or message from this event.
   */
  'session.created': SessionEventBase & { by: 'sign-in' | 'adopted' | 'renewed'; newDevice?: boolean };
  /** A session ended, for any reason (timeouts included). */
  'session.revoked': SessionEventBase & { reason: RevocationReason };
  /**
   * A session ended by the idle timeout or its absolute lifetime (also reported
   * as `session.revoked`). Emitted when the guard notices: at the session's
   * next request or ping, or at the instant it expires while a push stream of
   * it is open (`GET <mount>/events`). A session nobody comes back to is
   * dropped by the registry's retention without an event.
   */
  'session.expired': SessionEventBase & { reason: 'idle' | 'absolute' };
}

/** Names of {@link SessionGuardEventMap}. */
export type SessionGuardEventName = keyof SessionGuardEventMap;

/** A listener of one event. */
export type SessionGuardListener<K extends SessionGuardEventName> = (event: SessionGuardEventMap[K]) => void;

/**
 * The typed event emitter at `guard.events`. Listeners run synchronously; one
 * that throws is logged and does not break the request that caused the event.
 */
export interface SessionGuardEvents {
  on<K extends SessionGuardEventName>(name: K, listener: SessionGuardListener<K>): this;
  once<K extends SessionGuardEventName>(name: K, listener: SessionGuardListener<K>): this;
  off<K extends SessionGuardEventName>(name: K, listener: SessionGuardListener<K>): this;
  emit<K extends SessionGuardEventName>(name: K, event: SessionGuardEventMap[K]): boolean;
}

/** Creates the emitter; `logger` receives listener failures. */
export function createSessionGuardEvents(logger: SessionGuardLogger): SessionGuardEvents {
  type Entry = { listener: (event: never) => void; once: boolean };
  const listeners = new Map<SessionGuardEventName, Entry[]>();
  const add = (name: SessionGuardEventName, listener: (event: never) => void, once: boolean) => {
    listeners.set(name, [...(listeners.get(name) ?? []), { listener, once }]);
  };
  const events: SessionGuardEvents = {
    on(name, listener) {
      add(name, listener, false);
      return this;
    },
    once(name, listener) {
      add(name, listener, true);
      return this;
    },
    off(name, listener) {
      const list = listeners.get(name) ?? [];
      const index = list.findIndex((entry) => entry.listener === listener);
      if (index >= 0) listeners.set(name, [...list.slice(0, index), ...list.slice(index + 1)]);
      return this;
    },
    emit(name, event) {
      const list = listeners.get(name) ?? [];
      if (list.some((entry) => entry.once)) listeners.set(name, list.filter((entry) => !entry.once));
      // Frozen so one listener cannot change what the next one sees.
      const frozen = Object.freeze({ ...event }) as never;
      for (const { listener } of list) {
        try {
          listener(frozen);
        } catch (error) {
          logger.error('event listener failed', { event: name, publicId: event.publicId, ...describeError(error) });
        }
      }
      return list.length > 0;
    },
  };
  return events;
}
