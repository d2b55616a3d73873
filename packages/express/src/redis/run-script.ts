import { SessionStoreUnavailableError, isSessionStoreUnavailableError } from '../errors.js';
import type { ScriptCaller } from './client-adapter.js';
import type { RegistryScript } from './scripts.js';

/** Runs one script with a timeout; every failure becomes SessionStoreUnavailableError. */
export type ScriptRunner = <T>(script: RegistryScript, keys: string[], args: string[], parse: (reply: unknown) => T) => Promise<T>;

/** The injected clock as the scripts' last argument (see scripts.ts), or nothing for Redis's TIME. */
export function clockArgument(clock: (() => number) | null): string[] {
  if (!clock) return [];
  const now = clock();
  if (typeof now !== 'number' || !Number.isFinite(now)) throw new TypeError('the injected `clock` must return epoch milliseconds');
  return [`@now${Math.floor(now)}`];
}

/**
 * A {@link ScriptRunner} over `caller`: each call rejects with
 * SessionStoreUnavailableError when Redis fails or does not answer within
 * `commandTimeout` (a late reply is ignored; node-redis withdraws a command
 * still queued). `label` names the component in error messages.
 */
export function createScriptRunner(caller: ScriptCaller, options: { commandTimeout: number; clock: (() => number) | null; label: string }): ScriptRunner {
  const { commandTimeout, clock, label } = options;
  return function run<T>(script: RegistryScript, keys: string[], args: string[], parse: (reply: unknown) => T): Promise<T> {
    // One promise, settled by whichever comes first: the reply or the timeout (no Promise.race per call).
    return new Promise<T>((resolve, reject) => {
      const controller = script.lateIsHarmless ? null : new AbortController();
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        // node-redis withdraws the command if it still waits in its queue; once written, its reply is ignored.
        controller?.abort();
        reject(new SessionStoreUnavailableError(`Redis did not answer ${script.name} within ${commandTimeout} ms`));
      }, commandTimeout);
      timer.unref?.();
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (isSessionStoreUnavailableError(error)) return reject(error);
        const reason = error instanceof Error ? error.message : String(error);
        reject(new SessionStoreUnavailableError(`${label} ${script.name} failed: ${reason}`, { cause: error }));
      };
      let pending: Promise<unknown>;
      try {
        pending = caller.call(script, keys, clock ? [...args, ...clockArgument(clock)] : args, controller?.signal ?? null);
      } catch (error) {
        return fail(error);
      }
      pending.then((reply) => {
        if (settled) return;
        let value: T;
        try {
          value = parse(reply);
        } catch (error) {
          return fail(error);
        }
        settled = true;
        clearTimeout(timer);
        resolve(value);
      }, fail);
    });
  };
}
