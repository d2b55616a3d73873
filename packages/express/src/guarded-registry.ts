import { isSessionStoreUnavailableError, SessionStoreUnavailableError } from './errors.js';
import type { SessionRef, SessionRegistry } from './registry/types.js';

/**
 * Wraps a registry so that every call fails closed the same way: a call that
 * throws, or does not settle within `timeoutMs`, rejects with
 * {@link SessionStoreUnavailableError}. The middleware turns that into 503; it
 * never lets a request through on a registry it could not ask.
 */
export function guardRegistry(registry: SessionRegistry, timeoutMs: number): SessionRegistry {
  const call = <T>(operation: string, run: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new SessionStoreUnavailableError(`session registry: ${operation}() took longer than ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref?.();
      let pending: Promise<T>;
      try {
        pending = Promise.resolve(run());
      } catch (error) {
        pending = Promise.reject(error);
      }
      pending.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(
            isSessionStoreUnavailableError(error)
              ? error
              : new SessionStoreUnavailableError(`session registry: ${operation}() failed`, { cause: error }),
          );
        },
      );
    });
  const guarded: SessionRegistry = {
    create: (record) => call('create', () => registry.create(record)),
    get: (ref) => call('get', () => registry.get(ref)),
    touch: (ref, lastActivity, retainUntil, limits) => call('touch', () => registry.touch(ref, lastActivity, retainUntil, limits)),
    touchLimits: registry.touchLimits === true,
    update: (ref, patch) => call('update', () => registry.update(ref, patch)),
    list: (userId) => call('list', () => registry.list(userId)),
    revoke: (ref) => call('revoke', () => registry.revoke(ref)),
    revokeUser: (userId, except) => call('revokeUser', () => registry.revokeUser(userId, except)),
    ...(registry.endedAt ? { endedAt: (ref: SessionRef) => call('endedAt', () => registry.endedAt!(ref)) } : {}),
    ...(registry.createLimited ? { createLimited: (record, limit) => call('createLimited', () => registry.createLimited!(record, limit)) } : {}),
    ...(registry.addNotice ? { addNotice: (userId, notice, except) => call('addNotice', () => registry.addNotice!(userId, notice, except)) } : {}),
    ...(registry.takeNotices ? { takeNotices: (ref) => call('takeNotices', () => registry.takeNotices!(ref)) } : {}),
    ...(registry.claimOnce ? { claimOnce: (userId, key, ttlMs) => call('claimOnce', () => registry.claimOnce!(userId, key, ttlMs)) } : {}),
    ...(registry.rememberDevice ? { rememberDevice: (userId, key, options) => call('rememberDevice', () => registry.rememberDevice!(userId, key, options)) } : {}),
    close: () => registry.close(),
  };
  return guarded;
}
