/**
 * The two Redis client shapes the registry accepts, node-redis and ioredis,
 * v5 or v6 of each (single node or cluster each), told apart by their methods:
 * neither library is imported at run time, and the app keeps whichever it
 * already has. The v6 majors of both speak RESP3 by default; the registry's
 * scripts reply the same way on either protocol (arrays of strings, or nil).
 *
 * Both end up as one {@link ScriptCaller}: `EVALSHA`, and `EVAL` only when the
 * node answers `NOSCRIPT`. The cluster clients of both libraries route a script
 * by its first key, and every key of one registry call shares one hash tag.
 */
import type { RegistryScript } from './scripts.js';

/** Arguments of `EVAL`/`EVALSHA` in node-redis (v5 and v6). */
export interface RedisScriptArguments {
  keys: string[];
  arguments: string[];
}

/**
 * The few node-redis commands the registry uses, as a structural type: a
 * client (`createClient`) and a cluster client (`createCluster`) of v5 or v6
 * both fit.
 */
export interface RedisRegistryClient {
  /** `EVALSHA sha numkeys keys... args...` (routed by the first key on a cluster). */
  evalSha(sha: string, options: RedisScriptArguments): Promise<unknown>;
  /** `EVAL script numkeys keys... args...`, the fallback when the script is not cached yet (`NOSCRIPT`). */
  eval(script: string, options: RedisScriptArguments): Promise<unknown>;
  /** The same client with per-command options; the registry passes an `AbortSignal`. */
  withCommandOptions(options: { abortSignal?: AbortSignal }): RedisRegistryClient;
}

/**
 * The few ioredis commands the registry uses, as a structural type: a client
 * (`new Redis()`) and a cluster client (`new Redis.Cluster()`) of v5 or v6
 * both fit.
 * ioredis has no per-command abort signal, so a command cannot be withdrawn
 * once handed over (see the registry's `commandTimeout`).
 */
export interface IoRedisRegistryClient {
  /** `EVALSHA sha numkeys keys... args...` (a cluster routes it by the keys). */
  evalsha(sha: string, numkeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  /** `EVAL script numkeys keys... args...`, the fallback on `NOSCRIPT`. */
  eval(script: string, numkeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  /**
   * The client's options; only `keyPrefix` is read. ioredis puts it before
   * every key it sends, so the registry puts it before the keys its scripts
   * build from arguments too.
   */
  readonly options?: { readonly keyPrefix?: string | Uint8Array } | undefined;
}

/** Every client {@link createRedisRegistry} accepts. */
export type AnyRedisRegistryClient = RedisRegistryClient | IoRedisRegistryClient;

/** One registry script call, whatever the client. */
export interface ScriptCaller {
  /** Which client shape was recognised. */
  readonly kind: 'node-redis' | 'ioredis';
  /**
   * What the client itself puts before every key it sends (ioredis
   * `keyPrefix`); `''` for node-redis. Scripts that build keys from their
   * arguments need it to meet the keys given in `KEYS`.
   */
  readonly keyPrefix: string;
  /**
   * Runs `script` with `EVALSHA`, and with `EVAL` when the node answers
   * `NOSCRIPT`; resolves with the raw reply. `signal` is aborted when the
   * caller gives up: node-redis then withdraws a command still queued, and
   * neither client sends the `EVAL` fallback any more. `null` for a script
   * that may harmlessly run late (a read, a coalesced activity write within
   * the limits): the per-request calls skip the cost of a signal.
   */
  call(script: RegistryScript, keys: string[], args: string[], signal: AbortSignal | null): Promise<unknown>;
}

const isNoScript = (error: unknown) => error instanceof Error && error.message.startsWith('NOSCRIPT');

const isFunction = (value: unknown): value is (...args: never[]) => unknown => typeof value === 'function';

function nodeRedisCaller(client: RedisRegistryClient): ScriptCaller {
  return {
    kind: 'node-redis',
    keyPrefix: '',
    async call(script, keys, args, signal) {
      const scoped = signal ? client.withCommandOptions({ abortSignal: signal }) : client;
      const options = { keys, arguments: args };
      try {
        return await scoped.evalSha(script.sha, options);
      } catch (error) {
        if (!isNoScript(error)) throw error;
        return scoped.eval(script.source, options);
      }
    },
  };
}

function ioRedisCaller(client: IoRedisRegistryClient, factory: string): ScriptCaller {
  const raw = client.options?.keyPrefix ?? '';
  if (typeof raw !== 'string' && !(raw instanceof Uint8Array)) {
    throw new TypeError(`${factory}: \`client\` has an ioredis keyPrefix that is neither a string nor a Buffer`);
  }
  const keyPrefix = typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8');
  return {
    kind: 'ioredis',
    keyPrefix,
    async call(script, keys, args, signal) {
      try {
        return await client.evalsha(script.sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!isNoScript(error)) throw error;
        // Nothing could withdraw the EVAL once handed to ioredis: past the timeout, do not send it at all.
        signal?.throwIfAborted();
        return client.eval(script.source, keys.length, ...keys, ...args);
      }
    },
  };
}

/**
 * Recognises `client` by its methods: node-redis (v5, v6) has `evalSha` and
 * `withCommandOptions`; ioredis (v5, v6) has `evalsha` and `eval` taking
 * `numkeys`, and no `withCommandOptions`. Anything else is a `TypeError`
 * naming `client`.
 *
 * @param factory the factory's name, for the error message.
 */
export function scriptCaller(client: unknown, factory: string): ScriptCaller {
  const candidate = client as Partial<Record<'evalSha' | 'evalsha' | 'eval' | 'withCommandOptions', unknown>> | null;
  if (candidate && (typeof candidate === 'object' || typeof candidate === 'function')) {
    if (isFunction(candidate.evalSha) && isFunction(candidate.eval) && isFunction(candidate.withCommandOptions)) {
      return nodeRedisCaller(client as RedisRegistryClient);
    }
    if (isFunction(candidate.evalsha) && isFunction(candidate.eval) && candidate.withCommandOptions === undefined) {
      return ioRedisCaller(client as IoRedisRegistryClient, factory);
    }
  }
  throw new TypeError(
    `${factory}: \`client\` must be a node-redis v5 or v6 client or cluster (createClient / createCluster) ` +
      'or an ioredis v5 or v6 client or cluster (new Redis() / new Redis.Cluster())',
  );
}
