import type { Request } from 'express';
import type { Session, SessionData } from 'express-session';
import type { GuardContext } from './context.js';
import { describeError } from './logger.js';

const guarded = new WeakSet<object>();

/**
 * Makes `req.session.save()` ask the registry first. express-session saves a
 * modified session when the response ends (and always with `resave: true`);
 * for a request that was in flight while its session was revoked, that save
 * would write the destroyed data back (express-session #632, #957). Here a
 * save of a signed-in session only goes through while the registry still
 * holds it.
 *
 * The check and the write are two steps, so a revoke landing between them can
 * still leave data in the store; that data is inert, because the middleware
 * never treats a session the registry does not hold as signed in, and
 * destroys such data on its next request. With the sessionguard Redis store
 * (a registry with `guardsSaves`, that is the request's express-session
 * store), nothing is wrapped: its `set` checks and writes in one script.
 */
export function guardSessionSave(ctx: GuardContext, req: Request): void {
  // The sessionguard store refuses such a save itself, in the same atomic step as the write.
  const store = req.sessionStore as { registry?: unknown } | undefined;
  if (ctx.options.registry.guardsSaves === true && store?.registry === ctx.options.registry) return;
  const session = req.session as (Session & Partial<SessionData>) | undefined;
  if (!session || guarded.has(session)) return;
  guarded.add(session);
  const save = session.save;
  Object.defineProperty(session, 'save', {
    configurable: true,
    enumerable: false,
    writable: true,
    value: function guardedSave(this: Session & Partial<SessionData>, callback?: (error?: unknown) => void) {
      const data = this.sessionguard;
      // Signed out within this request (the app removed the data): nothing of the guard's to protect.
      if (!data || typeof data.userId !== 'string') return save.call(this, callback);
      const sessionId = this.id;
      ctx.registry.get({ sessionId, userId: data.userId }).then(
        (record) => {
          if (record) {
            save.call(this, callback);
            return;
          }
          ctx.options.logger.info('skipped saving a session that ended during the request', { userId: data.userId });
          callback?.();
        },
        (error: unknown) => {
          // Failing closed: losing one request's session changes beats resurrecting a revoked session.
          ctx.options.logger.warn('skipped saving a session: registry unavailable', describeError(error, [sessionId]));
          callback?.();
        },
      );
      return this;
    },
  });
}
