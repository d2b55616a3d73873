/**
 * The sessionguard store: an express-session `Store` on Redis that keeps each
 * session's data and its registry record in one key, so an authenticated
 * request costs one Redis round trip. `store.registry` is the same store seen
 * as the guard's {@link SessionRegistry}: give the guard the store (or its
 * registry) and express-session the store.
 *
 * How one request costs one round trip:
 * 1. `guard.session()` (express-session set up through the guard) tells the
 *    store, just before express-session loads the session, whether the
 *    request counts as activity (the ping and `passiveUrls` do not).
 * 2. express-session calls the store's `get`: one script reads the value and
 *    Redis's clock, checks the idle and absolute limits, records the activity
 *    when it is due (coalesced) and refreshes the key's expiry.
 * 3. express-session turns what `get` returned into `req.session` through
 *    the store's `createSession(req, data)`: the store hands that script's
 *    answer to the request there (a WeakMap keyed by the request).
 * 4. The guard's middleware takes it (`registry.takeRequestCheck`) and sends
 *    nothing more. express-session's `touch` at the end costs nothing.
 *
 * Without step 1 (express-session set up directly), `get` only checks, and
 * the activity is written by express-session's own `touch` or `set` at the
 * end of the request, when it is due (about once a second per session at
 * most): still no second call the rest of the time.
 */
import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import { Store, type SessionData } from 'express-session';
import { SessionStoreUnavailableError } from '../errors.js';
import { checkLimit, cutUserAgent, normalizeRegistryBounds, type RegistryBoundsOptions } from '../registry/bounds.js';
import {
  MAX_NOTICES_PER_SESSION,
  type CheckRequest,
  type CheckResult,
  type LimitedCreateResult,
  type RememberDeviceOptions,
  type SessionLimit,
  type SessionNotice,
  type SessionRecord,
  type SessionRecordPatch,
  type SessionRef,
  type SessionRegistry,
  type TouchLimits,
} from '../registry/types.js';
import { scriptCaller, type AnyRedisRegistryClient } from './client-adapter.js';
import { storeClaimKey, storeDevicesKey, storeLockKey, storeSessionKey, storeUserKey } from './keys.js';
import { CLAIM_ONCE, REMEMBER_DEVICE } from './scripts.js';
import { parseDevice } from './redis-registry.js';
import { createScriptRunner, type ScriptRunner } from './run-script.js';
import { asciiJson, decodeValue, encodeData, encodeHead, encodeSaveData, headNumber, userJson, type StoredData } from './store-codec.js';
import {
  INDEX_BEGIN_CREATE,
  INDEX_BEGIN_REVOKE_USER,
  INDEX_ENDED_AT,
  INDEX_FINISH,
  INDEX_MEMBERS,
  INDEX_REFRESH,
  STORE_CLOCK,
  STORE_CREATE,
  STORE_DESTROY,
  STORE_LOAD,
  STORE_REPLACE,
  STORE_REVOKE,
  STORE_SAVE,
  STORE_TOUCH,
  STORE_TOUCH_ANONYMOUS,
} from './store-scripts.js';

/** Options of {@link createRedisSessionStore}. */
export interface RedisSessionStoreOptions extends RegistryBoundsOptions {
  /**
   * A node-redis v5 or v6 client or cluster client, or an ioredis v5 or v6
   * client or cluster client, owned by the app (see `createRedisRegistry`:
   * the same clients, the same recommended settings).
   */
  client: AnyRedisRegistryClient;
  /**
   * Prefix of every key. Must not contain `{` or `}`. The store's keys never
   * meet the Redis registry's under the same prefix.
   * @default 'sg'
   */
  prefix?: string;
  /**
   * How long one Redis call may take, in milliseconds, before it fails with
   * `SessionStoreUnavailableError`.
   * @default 1000
   */
  commandTimeout?: number;
  /**
   * Lifetime, in seconds, of a session nobody is signed in to whose cookie
   * has no expiry (as connect-redis's `ttl`). A signed-in session lives as
   * the guard's limits say, whatever its cookie.
   * @default 86400
   */
  ttl?: number;
  /**
   * How long, in milliseconds, a session's key outlives the session's end,
   * so that its next request is told `session_expired` (and the guard
   * announces it) rather than finding nothing.
   * @default 60000
   */
  expiredGrace?: number;
  /** For tests only: the clock the scripts compare with, in place of Redis's `TIME` (see `createRedisRegistry`). */
  clock?: () => number;
}

const DEFAULTS = { prefix: 'sg', commandTimeout: 1000, ttl: 86_400, expiredGrace: 60_000 } as const;

/** The limits the guard enforces, in milliseconds (given by the guard through `registry.usePolicy`). */
interface Policy {
  expireAfter: number;
  absoluteTimeout: number | null;
  granularity: number;
}

/** What `get` found for a session, handed to the request in `createSession`. */
interface Loaded {
  sessionId: string;
  check: CheckResult;
  policy: Policy | null;
  /** Whether `get` was told the request is activity (and so recorded what was due). */
  activityAsked: boolean;
}

type Callback = (error?: unknown) => void;

const text = (value: unknown): string =>
  typeof value === 'string' ? value : value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : String(value);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Least recently active first; then oldest; then by id (as the registries evict). */
const byActivity = (a: SessionRecord, b: SessionRecord) =>
  a.lastActivity - b.lastActivity || a.createdAt - b.createdAt || (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0);

function checkRef(ref: SessionRef): void {
  if (typeof ref?.userId !== 'string' || typeof ref.sessionId !== 'string') {
    throw new TypeError('a session ref needs string `userId` and `sessionId`');
  }
}

/** The user id of a session's data when someone is signed in to it by the guard's entry, else null. */
function signedInUser(session: StoredData): { userId: string; authHash: string | null } | null {
  const guard = session.sessionguard as Record<string, unknown> | undefined;
  if (!guard || typeof guard !== 'object' || typeof guard.ended === 'string') return null;
  if (typeof guard.userId !== 'string' || guard.userId === '') return null;
  return { userId: guard.userId, authHash: typeof guard.authHash === 'string' ? guard.authHash : null };
}

/**
 * An express-session store on Redis that is also the guard's session
 * registry (`store.registry`). Create it with {@link createRedisSessionStore}.
 */
export class RedisSessionStore extends Store {
  /**
   * Every call fails closed by itself, within `commandTimeout`, with
   * SessionStoreUnavailableError (what `failClosedStore` would add):
   * `guard.session()` does not wrap it again.
   */
  readonly failsClosed = true;
  /** The same store as the guard's registry: pass the store itself as the guard's `store` option, or this as `registry`. */
  readonly registry: SessionRegistry & { usePolicy(policy: Policy): void };
  readonly #run: ScriptRunner;
  readonly #prefix: string;
  readonly #cap: string;
  readonly #keep: string;
  readonly #maxSessionsPerUser: number;
  readonly #keepEndedFor: number;
  readonly #ttlMs: number;
  readonly #grace: number;
  readonly #leaseMs: number;
  #policy: Policy | null = null;
  /** Set by `guard.session()` just before express-session loads a session, read by the next `get`. */
  #intent: { recordActivity: boolean } | null = null;
  /** What `get` returned, until express-session turns it into `req.session`. */
  readonly #loaded = new WeakMap<object, Loaded>();
  /** What `get` found for a request, until the guard's middleware takes it. */
  readonly #requests = new WeakMap<object, Loaded>();
  /** Activity to write when express-session saves or touches a session (when `get` was not told). */
  readonly #pending = new WeakMap<object, number>();

  constructor(options: RedisSessionStoreOptions) {
    super();
    const caller = scriptCaller(options?.client, 'createRedisSessionStore');
    const prefix = options.prefix ?? DEFAULTS.prefix;
    if (typeof prefix !== 'string' || prefix === '' || /[{}]/.test(prefix)) {
      throw new TypeError('createRedisSessionStore: `prefix` must be a non-empty string without `{` or `}`');
    }
    const commandTimeout = options.commandTimeout ?? DEFAULTS.commandTimeout;
    if (typeof commandTimeout !== 'number' || !Number.isFinite(commandTimeout) || commandTimeout <= 0) {
      throw new TypeError('createRedisSessionStore: `commandTimeout` must be a positive number of milliseconds');
    }
    const ttl = options.ttl ?? DEFAULTS.ttl;
    if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) throw new TypeError('createRedisSessionStore: `ttl` must be a positive number of seconds');
    const grace = options.expiredGrace ?? DEFAULTS.expiredGrace;
    if (typeof grace !== 'number' || !Number.isSafeInteger(grace) || grace < 0) {
      throw new TypeError('createRedisSessionStore: `expiredGrace` must be a whole number of milliseconds, 0 or more');
    }
    if (options.clock !== undefined && typeof options.clock !== 'function') {
      throw new TypeError('createRedisSessionStore: `clock` must be a function returning epoch milliseconds');
    }
    const { maxSessionsPerUser, keepEndedFor } = normalizeRegistryBounds('createRedisSessionStore', options);
    this.#run = createScriptRunner(caller, { commandTimeout, clock: options.clock ?? null, label: 'Redis session store' });
    this.#prefix = prefix;
    this.#maxSessionsPerUser = maxSessionsPerUser;
    this.#keepEndedFor = keepEndedFor;
    this.#cap = String(maxSessionsPerUser);
    this.#keep = String(keepEndedFor);
    this.#ttlMs = Math.round(ttl * 1000);
    this.#grace = grace;
    // Long enough for the few calls one sign-in makes under it; a holder that died lets go by itself.
    this.#leaseMs = Math.max(1000, commandTimeout * 5);
    this.registry = this.#createRegistry();
  }

  /**
   * Called by `guard.session()` just before express-session loads a
   * request's session: whether that request counts as activity, so `get`
   * records it in the same script. `null` forgets it (after the load).
   */
  expectRequest(intent: { recordActivity: boolean } | null): void {
    this.#intent = intent;
  }

  // ---- express-session's Store --------------------------------------------------------------

  override get(sid: string, callback: (error: unknown, session?: SessionData | null) => void): void {
    const intent = this.#intent;
    this.#intent = null;
    const policy = this.#policy;
    const activityAsked = intent?.recordActivity === true && policy !== null;
    this.#load(sid, null, policy, activityAsked ? '0' : '').then(
      (loaded) => {
        if (!loaded) return callback(null, null);
        if (loaded.kind === 'anonymous') return callback(null, loaded.data as SessionData);
        if (!loaded.data) return callback(null, null);
        this.#loaded.set(loaded.data, { sessionId: sid, check: loaded.check, policy, activityAsked });
        callback(null, loaded.data as SessionData);
      },
      (error: unknown) => callback(error),
    );
  }

  override createSession(req: Request, session: SessionData) {
    const loaded = this.#loaded.get(session);
    if (loaded) this.#loaded.delete(session);
    const created = super.createSession(req, session);
    if (loaded) this.#requests.set(req, loaded);
    return created;
  }

  override set(sid: string, session: SessionData, callback?: Callback): void {
    this.#save(sid, session as unknown as StoredData).then(() => callback?.(), (error: unknown) => callback?.(error));
  }

  override touch(sid: string, session: SessionData, callback?: () => void): void {
    const done = callback as Callback | undefined;
    const data = session as unknown as StoredData;
    const signedIn = signedInUser(data);
    const pending = this.#pending.get(session);
    if (pending !== undefined) this.#pending.delete(session);
    let work: Promise<unknown> | null = null;
    if (!signedIn) {
      // Nobody signed in: the app's cookie decides, as with connect-redis.
      const ttl = this.#anonymousTtl(data);
      work = ttl > 0 ? this.#run(STORE_TOUCH_ANONYMOUS, [this.#sessionKey(sid)], [String(ttl)], () => null) : null;
    } else if (pending !== undefined && this.#policy) {
      work = this.#load(sid, signedIn.userId, this.#policy, `@${pending}`);
    }
    // A signed-in session's get already did what was due: touching it costs nothing.
    if (!work) return void done?.();
    work.then(() => done?.(), (error: unknown) => done?.(error));
  }

  override destroy(sid: string, callback?: Callback): void {
    this.#destroy(sid).then(() => callback?.(), (error: unknown) => callback?.(error));
  }

  // ---- internals ------------------------------------------------------------------------------

  #sessionKey(sessionId: string) {
    return storeSessionKey(this.#prefix, sessionId);
  }

  #margin(policy: Policy) {
    // How far ahead of the retention the index score moves, so the index is written rarely.
    return Math.max(policy.granularity, Math.floor(policy.expireAfter / 4));
  }

  #anonymousTtl(data: StoredData): number {
    const expires = (data.cookie as { expires?: unknown } | undefined)?.expires;
    if (expires === undefined || expires === null || expires === false) return this.#ttlMs;
    const at = new Date(expires as string | number | Date).getTime();
    return Number.isFinite(at) ? Math.ceil(at - Date.now()) : this.#ttlMs;
  }

  /**
   * One session's load script: `userId` null for express-session's get (any
   * user, anonymous values too), `policy` null for no limits, `activity`
   * '' for none. Sends a due index refresh in the background.
   */
  async #load(sessionId: string, userId: string | null, policy: Policy | null, activity: string) {
    const args = [
      userId === null ? '' : userJson(userId),
      policy ? String(policy.expireAfter) : '',
      policy && policy.absoluteTimeout !== null ? String(policy.absoluteTimeout) : '',
      policy ? activity : '',
      policy ? String(policy.granularity) : '0',
      String(this.#grace),
      policy ? String(this.#margin(policy)) : '0',
    ];
    const reply = await this.#run(STORE_LOAD, [this.#sessionKey(sessionId)], args, (value) => value);
    if (reply === null || reply === undefined || reply === false) return null;
    if (!Array.isArray(reply) || reply.length < 3) throw new TypeError('unexpected reply from Redis');
    const kind = text(reply[0]);
    const now = Number(reply[1]);
    const decoded = decodeValue(text(reply[2]), sessionId);
    // For 'expired', the limit it is past; for 'live', the index score due, if any.
    const extra = reply[3] === undefined || reply[3] === null ? '' : text(reply[3]);
    if (kind === 'anon' || decoded.kind === 'anonymous') return decoded.kind === 'anonymous' ? decoded : null;
    const reason = extra;
    const score = kind === 'live' ? extra : '';
    const value = text(reply[2]);
    if (score !== '') this.#refreshIndex(decoded.record.userId, sessionId, score);
    const check: CheckResult =
      kind === 'expired'
        ? { state: 'expired', reason: reason === 'absolute' ? 'absolute' : 'idle', record: decoded.record, now }
        : { state: 'live', record: decoded.record, now };
    return { kind: 'signed-in' as const, record: decoded.record, data: decoded.data, value, check };
  }

  #refreshIndex(userId: string, sessionId: string, score: string): void {
    // Not on the request's path: the index only needs to keep up with the retention, and the next refresh catches up.
    this.#run(INDEX_REFRESH, [storeUserKey(this.#prefix, userId)], [sessionId, score, this.#keep], () => null).catch(() => {});
  }

  async #save(sid: string, data: StoredData): Promise<void> {
    const signedIn = signedInUser(data);
    const pending = this.#pending.get(data);
    if (pending !== undefined) this.#pending.delete(data);
    const key = [this.#sessionKey(sid)];
    const policy = this.#policy;
    if (!signedIn) {
      const ttl = this.#anonymousTtl(data);
      if (ttl <= 0) return this.#destroy(sid);
      const reply = await this.#run(STORE_SAVE, key, ['', '', encodeData(data, null), '', String(ttl), '', '', '', '0', String(this.#grace), '0', ''], (value) => value);
      const [outcome, recordJson] = (Array.isArray(reply) ? reply.map(text) : []) as [string?, string?];
      if (outcome === 'dropped' && recordJson) await this.#removeMember(JSON.parse(recordJson)[0] as string, sid);
      return;
    }
    const { verbatim, rest, createdAt } = encodeSaveData(data, signedIn);
    const args = [
      userJson(signedIn.userId),
      rest ?? '',
      verbatim,
      `,${asciiJson(signedIn.authHash)}]`,
      '0',
      pending !== undefined && policy ? `@${pending}` : '',
      policy ? String(policy.expireAfter) : '',
      policy && policy.absoluteTimeout !== null ? String(policy.absoluteTimeout) : '',
      policy ? String(policy.granularity) : '0',
      String(this.#grace),
      policy ? String(this.#margin(policy)) : '0',
      createdAt === null ? '' : String(createdAt),
    ];
    const reply = await this.#run(STORE_SAVE, key, args, (value) => value);
    const [outcome, , score] = (Array.isArray(reply) ? reply.map(text) : []) as [string?, string?, string?];
    // 'refused': the session ended (revoked, expired) while the request ran; its data is not written back.
    if (outcome === 'ok' && score) this.#refreshIndex(signedIn.userId, sid, score);
  }

  async #destroy(sid: string): Promise<void> {
    const recordJson = await this.#run(STORE_DESTROY, [this.#sessionKey(sid)], [], (value) => (value === null || value === undefined || value === false ? '' : text(value)));
    if (recordJson) await this.#removeMember(JSON.parse(recordJson)[0] as string, sid);
  }

  /** Removes members from a user's index (and prunes it); releases the lease when `token` is given. */
  #finish(userId: string, token: string, members: string[]) {
    return this.#run(
      INDEX_FINISH,
      [storeUserKey(this.#prefix, userId), storeLockKey(this.#prefix, userId)],
      [token, this.#cap, this.#keep, ...members],
      () => null,
    );
  }

  #removeMember(userId: string, sessionId: string) {
    return this.#finish(userId, '', [sessionId]);
  }

  /** Runs `begin` (which takes the user's lease) until it is not busy; throws when the lease never frees up. */
  async #underLease(begin: (token: string) => Promise<string[]>): Promise<{ token: string; reply: string[] }> {
    const token = randomBytes(12).toString('base64url');
    const deadline = Date.now() + this.#leaseMs;
    for (let attempt = 0; ; attempt += 1) {
      const reply = await begin(token);
      if (reply[0] !== 'busy') return { token, reply };
      if (Date.now() > deadline) throw new SessionStoreUnavailableError(`Redis session store: another sign-in or revocation of the same user held its lease for ${this.#leaseMs} ms`);
      await sleep(Math.min(25, 1 + attempt) + Math.random() * 4);
    }
  }

  #createRegistry() {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the registry's methods reach the store's private state
    const self = this;
    const run = self.#run;
    const prefix = self.#prefix;
    const keep = self.#keep;
    const sessionKey = (id: string) => self.#sessionKey(id);
    const userKeys = (userId: string) => [storeUserKey(prefix, userId), storeLockKey(prefix, userId)];
    const read = async (ref: SessionRef) => (await self.#load(ref.sessionId, ref.userId, null, '')) as null | { record: SessionRecord; value: string; data: StoredData | null };
    const list = (reply: unknown) => (Array.isArray(reply) ? reply.map(text) : []);

    /**
     * Read, change, compare-and-set the whole value: a concurrent write makes
     * it try again. `change` returns the new record, or `null` to write
     * nothing (the current record is returned then). `null` for no live record.
     */
    const mutate = async (ref: SessionRef, change: (record: SessionRecord) => SessionRecord | null): Promise<SessionRecord | null> => {
      for (let attempt = 0; attempt < 10; attempt += 1) {
        const current = await read(ref);
        if (!current) return null;
        const record = change({ ...current.record });
        if (!record) return current.record;
        const decoded = decodeValue(current.value, ref.sessionId);
        if (decoded.kind !== 'signed-in') return null;
        const { head, recordJson } = encodeHead(record, decoded.indexScore);
        const next = `${head}${recordJson}${current.data ? encodeData(current.data, record) : ''}`;
        if (await run(STORE_REPLACE, [sessionKey(ref.sessionId)], [current.value, next], (value) => Number(value) === 1)) return record;
      }
      throw new SessionStoreUnavailableError('Redis session store: an update kept meeting concurrent writes');
    };

    /** A sign-in under the user's lease, within `max` live sessions: evicting the least recently active, or refusing. */
    const insert = async (record: SessionRecord, max: number, refuse: boolean): Promise<LimitedCreateResult> => {
      checkRef(record);
      const stored: SessionRecord = { ...record, userAgent: cutUserAgent(record.userAgent) };
      headNumber('retainUntil', stored.retainUntil);
      const score = String(Math.ceil(stored.retainUntil));
      const { head, recordJson } = encodeHead(stored, Math.ceil(stored.retainUntil));
      const [indexKey, lockKey] = userKeys(record.userId);
      const { token, reply } = await self.#underLease((leaseToken) =>
        run(INDEX_BEGIN_CREATE, [indexKey!, lockKey!], [leaseToken, String(self.#leaseMs), record.sessionId, score, String(max)], list),
      );
      const existed = reply[2] === '1';
      const evicted: SessionRecord[] = [];
      const remove: string[] = [];
      try {
        const candidates = reply.slice(3).filter((id) => id !== record.sessionId);
        if (candidates.length > 0) {
          const found = await Promise.all(candidates.map((sessionId) => read({ sessionId, userId: record.userId })));
          const live = found.filter((entry): entry is NonNullable<typeof entry> => entry !== null).map((entry) => entry.record);
          for (const [i, entry] of found.entries()) if (!entry) remove.push(candidates[i]!);
          if (live.length >= max && refuse) {
            // Nothing is written: the member beginCreate added goes again (unless it was this session's already).
            if (!existed) remove.push(record.sessionId);
            return { created: false, live: live.sort((a, b) => a.createdAt - b.createdAt) };
          }
          if (live.length >= max) {
            for (const victim of live.sort(byActivity).slice(0, live.length - max + 1)) {
              const revoked = await run(STORE_REVOKE, [sessionKey(victim.sessionId)], [userJson(victim.userId)], list);
              if (revoked[0] === 'live') {
                const decoded = decodeValue(revoked[1]!, victim.sessionId);
                if (decoded.kind === 'signed-in') evicted.push(decoded.record);
              }
              remove.push(victim.sessionId);
            }
          }
        }
        await run(STORE_CREATE, [sessionKey(record.sessionId)], [head, recordJson, headNumber('retainUntil', stored.retainUntil)], () => null);
      } finally {
        await self.#finish(record.userId, token, remove);
      }
      return { created: true, evicted };
    };

    const registry = {
      touchLimits: true,
      // Records outlive the session's end by `expiredGrace`: its next request is told it expired.
      recordGrace: self.#grace,
      guardsSaves: true,
      usePolicy: (policy: Policy) => {
        self.#policy = { expireAfter: policy.expireAfter, absoluteTimeout: policy.absoluteTimeout, granularity: policy.granularity };
      },

      takeRequestCheck: (req: object, ref: SessionRef, request: CheckRequest): CheckResult | null | undefined => {
        const loaded = self.#requests.get(req);
        if (!loaded) return undefined;
        self.#requests.delete(req);
        const { policy, check } = loaded;
        if (loaded.sessionId !== ref.sessionId || check.record.userId !== ref.userId) return undefined;
        // Checked against other limits (or none: before the guard told the store its policy): ask again.
        if (!policy || policy.expireAfter !== request.expireAfter || policy.absoluteTimeout !== request.absoluteTimeout) return undefined;
        if (request.activityAge !== null && check.state === 'live' && !loaded.activityAsked && check.now !== null) {
          // express-session loaded the session not knowing this request is activity: written with its touch or save.
          const session = (req as { session?: object }).session;
          if (session && check.now - check.record.lastActivity >= request.granularity) self.#pending.set(session, check.now);
        }
        return check;
      },

      async create(record: SessionRecord) {
        const result = await insert(record, self.#maxSessionsPerUser, false);
        return result.created ? result.evicted : [];
      },

      async createLimited(record: SessionRecord, limit: SessionLimit): Promise<LimitedCreateResult> {
        const max = Math.min(checkLimit(limit), self.#maxSessionsPerUser);
        return insert(record, max, limit.atLimit === 'refuse');
      },

      async addNotice(userId: string, notice: SessionNotice, exceptSessionId: string) {
        checkRef({ userId, sessionId: exceptSessionId });
        const members = await run(INDEX_MEMBERS, [storeUserKey(prefix, userId)], [], list);
        const told = await Promise.all(
          members
            .filter((sessionId) => sessionId !== exceptSessionId)
            .map((sessionId) =>
              mutate({ sessionId, userId }, (record) => ({
                ...record,
                notices: [...(record.notices ?? []), { publicId: notice.publicId, userAgent: cutUserAgent(notice.userAgent ?? null), at: notice.at }].slice(-MAX_NOTICES_PER_SESSION),
              })),
            ),
        );
        return told.filter((record) => record !== null).length;
      },

      async takeNotices(ref: SessionRef) {
        checkRef(ref);
        let taken: SessionNotice[] = [];
        await mutate(ref, (record) => {
          taken = record.notices ?? [];
          if (taken.length === 0) return null;
          const { notices: _taken, ...rest } = record;
          return rest;
        });
        return taken;
      },

      async claimOnce(userId: string, key: string, ttlMs: number) {
        checkRef({ userId, sessionId: key });
        return run(CLAIM_ONCE, [storeClaimKey(prefix, userId, key)], [String(Math.max(1, Math.ceil(ttlMs)))], (reply) => Number(reply) === 1);
      },

      async rememberDevice(userId: string, deviceKey: string, { maxDevices, keepFor }: RememberDeviceOptions) {
        checkRef({ userId, sessionId: deviceKey });
        return run(REMEMBER_DEVICE, [storeDevicesKey(prefix, userId)], [deviceKey, String(maxDevices), String(Math.ceil(keepFor))], parseDevice);
      },

      async get(ref: SessionRef) {
        checkRef(ref);
        return (await read(ref))?.record ?? null;
      },

      async check(ref: SessionRef, request: CheckRequest): Promise<CheckResult | null> {
        checkRef(ref);
        const policy: Policy = { expireAfter: request.expireAfter, absoluteTimeout: request.absoluteTimeout, granularity: request.granularity };
        const activity = request.activityAge === null ? '' : String(Math.max(0, Math.round(request.activityAge)));
        const loaded = await self.#load(ref.sessionId, ref.userId, policy, activity);
        return loaded && 'check' in loaded ? loaded.check : null;
      },

      async clock() {
        return run(STORE_CLOCK, [storeUserKey(prefix, '%clock')], [], (reply) => Number(text(reply)));
      },

      async touch(ref: SessionRef, lastActivity: number, retainUntil: number, limits?: TouchLimits) {
        checkRef(ref);
        const reply = await run(
          STORE_TOUCH,
          [sessionKey(ref.sessionId)],
          [
            userJson(ref.userId),
            headNumber('lastActivity', lastActivity),
            headNumber('retainUntil', retainUntil),
            limits ? headNumber('activeAfter', limits.activeAfter) : '',
            limits && limits.createdAfter !== null ? headNumber('createdAfter', limits.createdAfter) : '',
          ],
          (value) => (value === null || value === undefined || value === false ? null : list(value)),
        );
        if (!reply) return null;
        if (reply[1]) await run(INDEX_REFRESH, [storeUserKey(prefix, ref.userId)], [ref.sessionId, reply[1], keep], () => null);
        const decoded = decodeValue(reply[0]!, ref.sessionId);
        return decoded.kind === 'signed-in' ? decoded.record : null;
      },

      async update(ref: SessionRef, patch: SessionRecordPatch) {
        checkRef(ref);
        return mutate(ref, (current) => {
          const record = { ...current };
          if (patch.authHash !== undefined) record.authHash = patch.authHash;
          if (patch.authenticatedAt !== undefined) record.authenticatedAt = patch.authenticatedAt;
          if (patch.ip !== undefined) record.ip = patch.ip;
          if (patch.userAgent !== undefined) record.userAgent = cutUserAgent(patch.userAgent);
          return record;
        });
      },

      async list(userId: string) {
        checkRef({ userId, sessionId: '' });
        const members = await run(INDEX_MEMBERS, [storeUserKey(prefix, userId)], [], list);
        const found = await Promise.all(members.map((sessionId) => read({ sessionId, userId })));
        const live = found.filter((entry): entry is NonNullable<typeof entry> => entry !== null).map((entry) => entry.record);
        // At most maxSessionsPerUser, the most recently active; shown oldest first.
        return live.sort(byActivity).slice(-self.#maxSessionsPerUser).sort((a, b) => a.createdAt - b.createdAt);
      },

      async endedAt(ref: SessionRef): Promise<number | null> {
        checkRef(ref);
        if (await read(ref)) return null;
        return run(INDEX_ENDED_AT, [storeUserKey(prefix, ref.userId)], [ref.sessionId, keep], (reply) =>
          reply === null || reply === undefined || reply === false ? null : Number(text(reply)),
        );
      },

      async revoke(ref: SessionRef) {
        checkRef(ref);
        const reply = await run(STORE_REVOKE, [sessionKey(ref.sessionId)], [userJson(ref.userId)], (value) =>
          value === null || value === undefined || value === false ? null : list(value),
        );
        await self.#removeMember(ref.userId, ref.sessionId);
        if (!reply || reply[0] !== 'live') return null;
        const decoded = decodeValue(reply[1]!, ref.sessionId);
        return decoded.kind === 'signed-in' ? decoded.record : null;
      },

      async revokeUser(userId: string, exceptSessionId?: string) {
        checkRef({ userId, sessionId: exceptSessionId ?? '' });
        const hasExcept = exceptSessionId !== undefined && exceptSessionId !== null;
        const [indexKey, lockKey] = userKeys(userId);
        const { token, reply } = await self.#underLease((leaseToken) =>
          run(INDEX_BEGIN_REVOKE_USER, [indexKey!, lockKey!], [leaseToken, String(self.#leaseMs)], list),
        );
        const members = reply.slice(1).filter((id) => !(hasExcept && id === exceptSessionId));
        const removed: SessionRecord[] = [];
        try {
          const revoked = await Promise.all(
            members.map((sessionId) =>
              run(STORE_REVOKE, [sessionKey(sessionId)], [userJson(userId)], (value) => (value === null || value === undefined || value === false ? null : list(value))),
            ),
          );
          for (const [i, entry] of revoked.entries()) {
            if (entry?.[0] !== 'live') continue;
            const decoded = decodeValue(entry[1]!, members[i]!);
            if (decoded.kind === 'signed-in') removed.push(decoded.record);
          }
        } finally {
          await self.#finish(userId, token, members);
        }
        return removed;
      },

      async close() {
        // The client belongs to the app: nothing to release here.
      },
    } satisfies SessionRegistry & { usePolicy(policy: Policy): void };
    return registry;
  }
}

/**
 * The sessionguard store for Redis: an express-session store that keeps each
 * session's data and its registry record in one key, so an authenticated
 * request costs one Redis round trip (see the module's documentation). Give
 * it to express-session through `guard.session()` and to the guard as its
 * `store` (the guard then uses `store.registry` as its registry):
 *
 * ```ts
 * const store = createRedisSessionStore({ client });
 * const guard = createSessionGuard({ secret, preset: 'aal2', store });
 * app.use(guard.session({ secret, store, resave: false, saveUninitialized: false }));
 * app.use(guard.middleware);
 * ```
 *
 * On Redis Cluster each script runs on one key's node: a session is keyed by
 * its id, a user's index and lease by the user's hash tag.
 */
export function createRedisSessionStore(options: RedisSessionStoreOptions): RedisSessionStore {
  return new RedisSessionStore(options);
}
