/**
 * The registry contract as one vitest suite, run against every implementation
 * (the memory registry with a fake clock, a real Redis, a real Redis Cluster).
 * Each test names the behaviour it proves; together they cover every promise
 * made by {@link SessionRegistry}'s TSDoc.
 *
 * Not part of the published package (excluded from the build); imported by the
 * test files of each implementation.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RegistryBoundsOptions } from './bounds.js';
import type { CheckRequest, SessionRecord, SessionRef, SessionRegistry } from './types.js';

/** One fresh registry for one test, and how to control its clock. */
export interface RegistryHarness {
  /** The registry under test. Each test gets its own (or at least its own key space). */
  registry: SessionRegistry;
  /** The clock the registry compares `retainUntil` with, in epoch milliseconds. */
  now(): number;
  /**
   * Moves a fake clock forward. Leave it out for stores whose expiry runs on a
   * real clock (Redis): the suite then waits in real time, with short retentions.
   */
  advance?(ms: number): void | Promise<void>;
  /** Closes the registry and removes everything the test stored. */
  cleanup(): Promise<void>;
}

/** Options of {@link describeRegistryContract}. */
export interface RegistryContractOptions {
  /**
   * How many operations the concurrency tests run at once.
   * @default 50
   */
  concurrency?: number;
  /**
   * Retention given to records that the TTL tests expect to expire, in
   * milliseconds. Short for real clocks; it must be long enough for the
   * store to answer the first checks before it passes.
   * @default 300
   */
  shortRetention?: number;
  /**
   * Whether the registry implements `check` and `clock` (the Redis registry
   * and the store do; the memory registry, on the app's own clock, does not
   * need them): their part of the suite runs only then.
   * @default false
   */
  check?: boolean;
}

/** The registries' bound on a stored `User-Agent`, in bytes of UTF-8 (`MAX_USER_AGENT_BYTES`). */
const USER_AGENT_BYTES = 512;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Declares the contract suite for one registry implementation.
 *
 * @param name shown in the test report, e.g. `'memory registry'`.
 * @param makeRegistry called before each test; returns a fresh registry and its clock control.
 *   Tests of the bounds call it again with `maxSessionsPerUser` / `keepEndedFor`, which it
 *   must pass on to the registry's factory.
 */
export function describeRegistryContract(
  name: string,
  makeRegistry: (bounds?: RegistryBoundsOptions) => Promise<RegistryHarness>,
  options: RegistryContractOptions = {},
): void {
  const concurrency = options.concurrency ?? 50;
  const shortRetention = options.shortRetention ?? 300;
  // How long the tombstone tests keep tombstones: long enough to look at one, short enough to see it go.
  const shortKeep = shortRetention * 3;

  describe(`${name}: SessionRegistry contract`, () => {
    let h: RegistryHarness;
    let registry: SessionRegistry;
    let counter = 0;

    beforeEach(async () => {
      h = await makeRegistry();
      registry = h.registry;
    });
    afterEach(async () => {
      await h?.cleanup();
    });

    /** Replaces this test's registry with one made with `bounds` (afterEach cleans it up as usual). */
    const use = async (bounds: RegistryBoundsOptions) => {
      await h.cleanup();
      h = await makeRegistry(bounds);
      registry = h.registry;
    };
    const endedAt = (r: SessionRef) => {
      expect(typeof registry.endedAt).toBe('function');
      return registry.endedAt!(ref(r));
    };
    /** What create evicted: an array, or nothing from a registry written before the cap. */
    const created = async (r: SessionRecord) => (await registry.create(r)) ?? [];

    /** Lets `ms` pass on the registry's clock: advances a fake clock, or waits in real time. */
    const pass = async (ms: number) => {
      if (h.advance) await h.advance(ms);
      else await sleep(ms);
    };

    /** A record with unique ids (per test run) and a long retention, with `overrides` applied. */
    const record = (overrides: Partial<SessionRecord> = {}): SessionRecord => {
      counter += 1;
      const at = h.now();
      return {
        sessionId: `sid-${counter}-${Math.random().toString(36).slice(2)}`,
        userId: 'alice',
        publicId: `pub-${counter}`,
        createdAt: at - 1000 + counter,
        lastActivity: at - 1000 + counter,
        authenticatedAt: at - 1000 + counter,
        ip: '203.0.113.7',
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
        authHash: 'hash-1',
        retainUntil: at + 60 * 60_000,
        ...overrides,
      };
    };
    const ref = (r: SessionRef): SessionRef => ({ sessionId: r.sessionId, userId: r.userId });
    const ids = (records: SessionRecord[]) => records.map((r) => r.sessionId);

    describe('create and get', () => {
      it('get returns exactly what create stored', async () => {
        const r = record();
        await registry.create(r);
        expect(await registry.get(ref(r))).toEqual(r);
      });

      it('keeps null and empty-string fields apart, and odd characters intact', async () => {
        const a = record({ ip: null, userAgent: null, authHash: null });
        const b = record({ ip: '', userAgent: '', authHash: '' });
        const c = record({ ip: '::1', userAgent: 'ünïcødé 🚀 "quotes" \n newline {x}:y', authHash: 'a:b{c}%d' });
        for (const r of [a, b, c]) await registry.create(r);
        expect(await registry.get(ref(a))).toEqual(a);
        expect(await registry.get(ref(b))).toEqual(b);
        expect(await registry.get(ref(c))).toEqual(c);
      });

      it('get of a session never created is null', async () => {
        expect(await registry.get({ sessionId: 'nope', userId: 'alice' })).toBeNull();
      });

      it("another user's ref to a session is null for every operation, and changes nothing", async () => {
        const r = record({ userId: 'alice' });
        await registry.create(r);
        const foreign = { sessionId: r.sessionId, userId: 'mallory' };
        expect(await registry.get(foreign)).toBeNull();
        expect(await registry.touch(foreign, r.lastActivity + 5000, r.retainUntil + 5000)).toBeNull();
        expect(await registry.update(foreign, { ip: '198.51.100.1' })).toBeNull();
        expect(await registry.revoke(foreign)).toBeNull();
        expect(await registry.list('mallory')).toEqual([]);
        expect(await registry.revokeUser('mallory')).toEqual([]);
        expect(await registry.get(ref(r))).toEqual(r);
      });

      it('create replaces the record with the same session id', async () => {
        const first = record();
        await registry.create(first);
        const second = { ...first, publicId: 'pub-replaced', ip: null, lastActivity: first.lastActivity + 10 };
        await registry.create(second);
        expect(await registry.get(ref(first))).toEqual(second);
        expect(await registry.list(first.userId)).toEqual([second]);
      });

      it('a record created already past its retention is not held', async () => {
        const r = record({ retainUntil: h.now() - 1 });
        await registry.create(r);
        expect(await registry.get(ref(r))).toBeNull();
        expect(await registry.list(r.userId)).toEqual([]);
        expect(await registry.touch(ref(r), h.now(), h.now() + 60_000)).toBeNull();
      });

      it('user ids with {, }, :, % and other characters never collide or share records', async () => {
        const userIds = ['a:b', 'a%3Ab', 'a', 'b', '{a}', '}a{', '{', '}', ':', '%', '', 'ä', 'a:s:b', 'x}:s:y'];
        for (const [i, userId] of userIds.entries()) await registry.create(record({ userId, sessionId: `s-${i}` }));
        for (const userId of userIds) {
          const listed = await registry.list(userId);
          expect(listed.map((r) => r.userId)).toEqual([userId]);
          expect(listed[0]!.sessionId).toBe(`s-${userIds.indexOf(userId)}`);
        }
        const removed = await registry.revokeUser('a:b');
        expect(ids(removed)).toEqual([`s-0`]);
        expect(await registry.list('a%3Ab')).toHaveLength(1);
        expect(await registry.list('a')).toHaveLength(1);
      });

      it('session ids with odd characters are kept apart', async () => {
        const sessionIds = ['s:1', 's%3A1', '{s}', 's', 'idx', ':idx', 's:idx'];
        for (const sessionId of sessionIds) await registry.create(record({ sessionId, userId: 'bob' }));
        const listed = await registry.list('bob');
        expect(ids(listed).sort()).toEqual([...sessionIds].sort());
        expect(await registry.revoke({ sessionId: 's:idx', userId: 'bob' })).not.toBeNull();
        expect(await registry.list('bob')).toHaveLength(sessionIds.length - 1);
      });
    });

    describe('records are copies', () => {
      it('changing what was passed to create, or what any operation returned, changes nothing stored', async () => {
        const r = record();
        const original = { ...r };
        await registry.create(r);
        r.ip = 'changed';
        r.retainUntil = 0;
        const got = (await registry.get(ref(original)))!;
        expect(got).toEqual(original);
        got.lastActivity = 1;
        const touched = (await registry.touch(ref(original), original.lastActivity, original.retainUntil))!;
        expect(touched).toEqual(original);
        touched.authHash = 'changed';
        const updated = (await registry.update(ref(original), {}))!;
        expect(updated).toEqual(original);
        updated.userAgent = 'changed';
        const [listed] = await registry.list(original.userId);
        expect(listed).toEqual(original);
        listed!.publicId = 'changed';
        expect(await registry.get(ref(original))).toEqual(original);
      });
    });

    describe('touch', () => {
      it('moves lastActivity and retainUntil forward and returns the updated record', async () => {
        const r = record();
        await registry.create(r);
        const touched = await registry.touch(ref(r), r.lastActivity + 500, r.retainUntil + 500);
        expect(touched).toEqual({ ...r, lastActivity: r.lastActivity + 500, retainUntil: r.retainUntil + 500 });
        expect(await registry.get(ref(r))).toEqual(touched);
      });

      it('never moves either value back', async () => {
        const r = record();
        await registry.create(r);
        expect(await registry.touch(ref(r), r.lastActivity - 500, r.retainUntil - 500)).toEqual(r);
        expect(await registry.touch(ref(r), r.lastActivity + 100, r.retainUntil - 500)).toEqual({
          ...r,
          lastActivity: r.lastActivity + 100,
        });
        expect(await registry.touch(ref(r), r.lastActivity - 500, r.retainUntil + 100)).toEqual({
          ...r,
          lastActivity: r.lastActivity + 100,
          retainUntil: r.retainUntil + 100,
        });
        expect(await registry.get(ref(r))).toEqual({ ...r, lastActivity: r.lastActivity + 100, retainUntil: r.retainUntil + 100 });
      });

      it('of a session never created returns null and creates nothing', async () => {
        const ghost = { sessionId: 'ghost', userId: 'alice' };
        expect(await registry.touch(ghost, h.now(), h.now() + 60_000)).toBeNull();
        expect(await registry.get(ghost)).toBeNull();
        expect(await registry.list('alice')).toEqual([]);
      });

      it('of a revoked session returns null and never recreates it', async () => {
        const r = record();
        await registry.create(r);
        await registry.revoke(ref(r));
        expect(await registry.touch(ref(r), h.now(), h.now() + 60_000)).toBeNull();
        expect(await registry.get(ref(r))).toBeNull();
        expect(await registry.list(r.userId)).toEqual([]);
      });

      it('with limits, touches a record within them and returns one past either limit unchanged', async () => {
        const r = record();
        await registry.create(r);
        expect(registry.touchLimits).toBe(true);
        const within = { activeAfter: r.lastActivity - 1, createdAfter: r.createdAt - 1 };
        expect(await registry.touch(ref(r), r.lastActivity + 10, r.retainUntil, within)).toEqual({ ...r, lastActivity: r.lastActivity + 10 });
        const idle = { activeAfter: r.lastActivity + 10, createdAfter: null };
        expect(await registry.touch(ref(r), r.lastActivity + 900, r.retainUntil + 900, idle)).toEqual({ ...r, lastActivity: r.lastActivity + 10 });
        const old = { activeAfter: 0, createdAfter: r.createdAt };
        expect(await registry.touch(ref(r), r.lastActivity + 900, r.retainUntil + 900, old)).toEqual({ ...r, lastActivity: r.lastActivity + 10 });
        expect(await registry.get(ref(r))).toEqual({ ...r, lastActivity: r.lastActivity + 10 });
        const revoked = record();
        await registry.create(revoked);
        await registry.revoke(ref(revoked));
        expect(await registry.touch(ref(revoked), h.now(), h.now() + 60_000, within)).toBeNull();
        expect(await registry.get(ref(revoked))).toBeNull();
      });

      it('extends the retention so the record outlives its first retainUntil', async () => {
        const r = record({ retainUntil: h.now() + shortRetention });
        await registry.create(r);
        const extended = h.now() + 60_000;
        expect((await registry.touch(ref(r), h.now(), extended))?.retainUntil).toBe(extended);
        await pass(shortRetention + 100);
        expect((await registry.get(ref(r)))?.retainUntil).toBe(extended);
        expect(ids(await registry.list(r.userId))).toEqual([r.sessionId]);
      });
    });

    describe.runIf(options.check ?? false)('check (skipped for registries without check(), such as the memory registry): the per-request call, on the registry\'s own clock', () => {
      const limits = (overrides: Partial<CheckRequest> = {}): CheckRequest => ({
        expireAfter: 60 * 60_000,
        absoluteTimeout: null,
        activityAge: null,
        granularity: 0,
        clockHint: null,
        ...overrides,
      });
      const check = (r: SessionRef, request: CheckRequest) => {
        expect(typeof registry.check).toBe('function');
        return registry.check!(ref(r), request);
      };

      it('answers a live record as it is stored, without activity', async () => {
        const r = record();
        await registry.create(r);
        const answer = await check(r, limits());
        expect(answer).toMatchObject({ state: 'live', record: r });
        if (answer?.now != null) expect(Math.abs(answer.now - h.now())).toBeLessThan(5000);
        expect(await registry.get(ref(r))).toEqual(r);
      });

      it('records activity by its age on the registry\'s clock, only forward, and extends the retention', async () => {
        const r = record({ retainUntil: h.now() + shortRetention });
        await registry.create(r);
        const before = h.now();
        const answer = await check(r, limits({ activityAge: 0, expireAfter: 60_000 }));
        expect(answer?.state).toBe('live');
        const after = h.now();
        expect(answer!.record.lastActivity).toBeGreaterThanOrEqual(before - 50);
        expect(answer!.record.lastActivity).toBeLessThanOrEqual(after + 50);
        expect(answer!.record.retainUntil).toBeGreaterThanOrEqual(answer!.record.lastActivity + 60_000);
        expect(await registry.get(ref(r))).toEqual(answer!.record);
        // An older activity (a ping reporting a long idle time) never moves it back.
        const older = await check(r, limits({ activityAge: 30_000, expireAfter: 60_000 }));
        expect(older!.record.lastActivity).toBe(answer!.record.lastActivity);
        await pass(shortRetention + 100);
        expect(await registry.get(ref(r))).not.toBeNull();
      });

      it('coalesces: activity within the granularity of what is stored is not written', async () => {
        const r = record({ lastActivity: h.now() - 200 });
        await registry.create(r);
        const same = await check(r, limits({ activityAge: 0, granularity: 60_000, clockHint: h.now() }));
        expect(same).toMatchObject({ state: 'live', record: { lastActivity: r.lastActivity } });
        expect((await registry.get(ref(r)))?.lastActivity).toBe(r.lastActivity);
        const moved = await check(r, limits({ activityAge: 0, granularity: 100, clockHint: h.now() }));
        expect(moved!.record.lastActivity).toBeGreaterThan(r.lastActivity);
      });

      it('past the idle or the absolute limit, answers expired with the reason and leaves the record unchanged', async () => {
        const at = h.now();
        const idle = record({ lastActivity: at - 10_000, createdAt: at - 20_000 });
        const old = record({ lastActivity: at - 1000, createdAt: at - 50_000 });
        await registry.create(idle);
        await registry.create(old);
        expect(await check(idle, limits({ expireAfter: 5000, activityAge: 0 }))).toMatchObject({ state: 'expired', reason: 'idle', record: idle });
        expect(await check(old, limits({ expireAfter: 60_000, absoluteTimeout: 30_000, activityAge: 0 }))).toMatchObject({
          state: 'expired',
          reason: 'absolute',
          record: old,
        });
        expect(await registry.get(ref(idle))).toEqual(idle);
        expect(await registry.get(ref(old))).toEqual(old);
      });

      it('of a session never created, revoked, or another user\'s, answers null and creates nothing', async () => {
        const r = record();
        expect(await check(r, limits({ activityAge: 0 }))).toBeNull();
        await registry.create(r);
        expect(await check({ sessionId: r.sessionId, userId: 'mallory' }, limits({ activityAge: 0 }))).toBeNull();
        await registry.revoke(ref(r));
        expect(await check(r, limits({ activityAge: 0 }))).toBeNull();
        expect(await registry.get(ref(r))).toBeNull();
        expect(await registry.list(r.userId)).toEqual([]);
      });

      it('checks racing a revoke: once the revoke is done nothing brings the session back', async () => {
        const r = record();
        await registry.create(r);
        const burst = () => Array.from({ length: concurrency }, (_, i) => check(r, limits({ activityAge: i % 3, expireAfter: 60_000 })));
        const [before, revoked, after] = await Promise.all([Promise.all(burst()), registry.revoke(ref(r)), Promise.all(burst())]);
        expect(revoked?.sessionId).toBe(r.sessionId);
        for (const answer of [...before, ...after]) if (answer) expect(answer.record.sessionId).toBe(r.sessionId);
        expect((await Promise.all(burst())).every((answer) => answer === null)).toBe(true);
        expect(await registry.get(ref(r))).toBeNull();
        expect(await registry.list(r.userId)).toEqual([]);
      });

      it('reads the registry\'s clock', async () => {
        expect(typeof registry.clock).toBe('function');
        expect(Math.abs((await registry.clock!()) - h.now())).toBeLessThan(5000);
      });
    });

    describe('update', () => {
      it('changes the given fields only and returns the updated record', async () => {
        const r = record();
        await registry.create(r);
        const updated = await registry.update(ref(r), { ip: '198.51.100.9', authHash: null, userAgent: undefined });
        expect(updated).toEqual({ ...r, ip: '198.51.100.9', authHash: null });
        expect(await registry.get(ref(r))).toEqual(updated);
        const reauth = await registry.update(ref(r), { authenticatedAt: r.authenticatedAt + 5000, authHash: 'hash-2' });
        expect(reauth).toEqual({ ...r, ip: '198.51.100.9', authenticatedAt: r.authenticatedAt + 5000, authHash: 'hash-2' });
      });

      it('cannot change identity, timestamps other than authenticatedAt, or retention', async () => {
        const r = record();
        await registry.create(r);
        const sneaky = { userId: 'mallory', sessionId: 'other', publicId: 'x', createdAt: 1, lastActivity: 1, retainUntil: 1 };
        expect(await registry.update(ref(r), sneaky as never)).toEqual(r);
        expect(await registry.get(ref(r))).toEqual(r);
        expect(await registry.list('mallory')).toEqual([]);
        expect(ids(await registry.list(r.userId))).toEqual([r.sessionId]);
      });

      it('of an unknown or revoked session returns null and creates nothing', async () => {
        const r = record();
        expect(await registry.update(ref(r), { ip: '198.51.100.9' })).toBeNull();
        expect(await registry.get(ref(r))).toBeNull();
        await registry.create(r);
        await registry.revoke(ref(r));
        expect(await registry.update(ref(r), { ip: '198.51.100.9' })).toBeNull();
        expect(await registry.get(ref(r))).toBeNull();
        expect(await registry.list(r.userId)).toEqual([]);
      });
    });

    describe('list', () => {
      it("returns the user's live sessions, oldest first, and nobody else's", async () => {
        const at = h.now();
        const middle = record({ createdAt: at - 2000 });
        const newest = record({ createdAt: at - 1000 });
        const oldest = record({ createdAt: at - 3000 });
        const other = record({ userId: 'bob', createdAt: at - 5000 });
        for (const r of [middle, newest, oldest, other]) await registry.create(r);
        expect(await registry.list('alice')).toEqual([oldest, middle, newest]);
        expect(await registry.list('bob')).toEqual([other]);
        expect(await registry.list('carol')).toEqual([]);
      });

      it('leaves out revoked sessions', async () => {
        const a = record();
        const b = record();
        await registry.create(a);
        await registry.create(b);
        await registry.revoke(ref(a));
        expect(await registry.list('alice')).toEqual([b]);
      });
    });

    describe('revoke', () => {
      it('removes one session and returns it; the second revoke returns null', async () => {
        const a = record();
        const b = record();
        await registry.create(a);
        await registry.create(b);
        expect(await registry.revoke(ref(a))).toEqual(a);
        expect(await registry.revoke(ref(a))).toBeNull();
        expect(await registry.get(ref(a))).toBeNull();
        expect(await registry.get(ref(b))).toEqual(b);
      });

      it('returns the record as it was last touched and updated', async () => {
        const a = record();
        await registry.create(a);
        await registry.touch(ref(a), a.lastActivity + 10, a.retainUntil + 10);
        await registry.update(ref(a), { ip: null });
        expect(await registry.revoke(ref(a))).toEqual({ ...a, lastActivity: a.lastActivity + 10, retainUntil: a.retainUntil + 10, ip: null });
      });

      it('a session created again after its revocation is a new, live session', async () => {
        const a = record();
        await registry.create(a);
        await registry.revoke(ref(a));
        await registry.create(a);
        expect(await registry.get(ref(a))).toEqual(a);
      });
    });

    describe('revokeUser', () => {
      it("removes every session of the user and returns them; other users' stay", async () => {
        const a = record();
        const b = record();
        const bob = record({ userId: 'bob' });
        for (const r of [a, b, bob]) await registry.create(r);
        const removed = await registry.revokeUser('alice');
        expect(removed).toHaveLength(2);
        expect(removed).toEqual(expect.arrayContaining([a, b]));
        expect(await registry.list('alice')).toEqual([]);
        expect(await registry.get(ref(a))).toBeNull();
        expect(await registry.touch(ref(b), h.now(), h.now() + 60_000)).toBeNull();
        expect(await registry.list('bob')).toEqual([bob]);
        expect(await registry.revokeUser('alice')).toEqual([]);
      });

      it('keeps the excepted session', async () => {
        const a = record();
        const b = record();
        const c = record();
        for (const r of [a, b, c]) await registry.create(r);
        const removed = await registry.revokeUser('alice', b.sessionId);
        expect(ids(removed).sort()).toEqual([a.sessionId, c.sessionId].sort());
        expect(await registry.list('alice')).toEqual([b]);
      });

      it('with an except that is not one of theirs removes all of them', async () => {
        const a = record();
        const bob = record({ userId: 'bob' });
        await registry.create(a);
        await registry.create(bob);
        expect(ids(await registry.revokeUser('alice', bob.sessionId))).toEqual([a.sessionId]);
        expect(await registry.list('alice')).toEqual([]);
        expect(await registry.list('bob')).toEqual([bob]);
      });

      it('with an empty-string except keeps a session whose id is the empty string', async () => {
        const empty = record({ sessionId: '' });
        const other = record();
        await registry.create(empty);
        await registry.create(other);
        expect(ids(await registry.revokeUser('alice', ''))).toEqual([other.sessionId]);
        expect(await registry.list('alice')).toEqual([empty]);
      });
    });

    describe('retention (TTL)', () => {
      it('forgets a record once retainUntil has passed, for every operation', async () => {
        const short = record({ retainUntil: h.now() + shortRetention });
        const long = record();
        await registry.create(short);
        await registry.create(long);
        expect(await registry.get(ref(short))).toEqual(short);
        await pass(shortRetention + 100);
        expect(await registry.get(ref(short))).toBeNull();
        expect(await registry.list('alice')).toEqual([long]);
        expect(await registry.touch(ref(short), h.now(), h.now() + 60_000)).toBeNull();
        expect(await registry.update(ref(short), { ip: null })).toBeNull();
        expect(await registry.revoke(ref(short))).toBeNull();
        expect(ids(await registry.revokeUser('alice'))).toEqual([long.sessionId]);
      });

      it('forgets all of a user whose every record expired, and takes the user back later', async () => {
        const a = record({ retainUntil: h.now() + shortRetention });
        const b = record({ retainUntil: h.now() + shortRetention + 20 });
        await registry.create(a);
        await registry.create(b);
        await pass(shortRetention + 120);
        expect(await registry.list('alice')).toEqual([]);
        const c = record();
        await registry.create(c);
        expect(await registry.list('alice')).toEqual([c]);
      });
    });


    describe('tombstones (endedAt)', () => {
      it("is null for a live record, a session never created, and another user's ref", async () => {
        const r = record();
        await registry.create(r);
        expect(await endedAt(r)).toBeNull();
        expect(await endedAt({ sessionId: 'nope', userId: 'alice' })).toBeNull();
        expect(await endedAt({ sessionId: r.sessionId, userId: 'mallory' })).toBeNull();
      });

      it('once retainUntil has passed the record is gone and endedAt answers when it ran out, until keepEndedFor has passed too', async () => {
        await use({ keepEndedFor: shortKeep });
        const r = record({ retainUntil: h.now() + shortRetention });
        const other = record();
        await registry.create(r);
        await registry.create(other);
        expect(await endedAt(r)).toBeNull();
        await pass(shortRetention + 100);
        expect(await registry.get(ref(r))).toBeNull();
        expect(await registry.touch(ref(r), h.now(), h.now() + 60_000)).toBeNull();
        expect(await registry.update(ref(r), { ip: null })).toBeNull();
        expect(await registry.list('alice')).toEqual([other]);
        expect(await endedAt(r)).toBe(r.retainUntil);
        expect(await endedAt({ sessionId: r.sessionId, userId: 'mallory' })).toBeNull();
        await pass(shortKeep);
        expect(await endedAt(r)).toBeNull();
        expect(await registry.get(ref(other))).toEqual(other);
      });

      it('a touch that extends retainUntil moves the end: endedAt answers the extended instant', async () => {
        const r = record({ retainUntil: h.now() + shortRetention });
        await registry.create(r);
        const extended = h.now() + 2 * shortRetention + 100;
        await registry.touch(ref(r), h.now(), extended);
        await pass(shortRetention + 100);
        expect(await registry.get(ref(r))).not.toBeNull();
        expect(await endedAt(r)).toBeNull();
        await pass(shortRetention + 100);
        expect(await registry.get(ref(r))).toBeNull();
        expect(await endedAt(r)).toBe(extended);
      });

      it('revoke and revokeUser leave no tombstone, and remove one that was there', async () => {
        const ended = record({ retainUntil: h.now() + shortRetention });
        const endedToo = record({ retainUntil: h.now() + shortRetention });
        const live = record();
        const liveToo = record();
        for (const r of [ended, endedToo, live, liveToo]) await registry.create(r);
        await pass(shortRetention + 100);
        expect(await endedAt(ended)).toBe(ended.retainUntil);
        expect(await endedAt(endedToo)).toBe(endedToo.retainUntil);
        expect(await registry.revoke(ref(ended))).toBeNull();
        expect(await endedAt(ended)).toBeNull();
        expect(await registry.revoke(ref(live))).toEqual(live);
        expect(await endedAt(live)).toBeNull();
        expect(ids(await registry.revokeUser('alice'))).toEqual([liveToo.sessionId]);
        expect(await endedAt(endedToo)).toBeNull();
        expect(await endedAt(liveToo)).toBeNull();
      });

      it('a session created again after it ended is live, with no tombstone', async () => {
        const r = record({ retainUntil: h.now() + shortRetention });
        await registry.create(r);
        await pass(shortRetention + 100);
        expect(await endedAt(r)).toBe(r.retainUntil);
        const again = { ...r, retainUntil: h.now() + 60_000 };
        await registry.create(again);
        expect(await registry.get(ref(r))).toEqual(again);
        expect(await endedAt(r)).toBeNull();
      });

      it('keeps at most maxSessionsPerUser tombstones per user, dropping the oldest', async () => {
        await use({ maxSessionsPerUser: 2, keepEndedFor: 60 * 60_000 });
        const first = [record({ retainUntil: h.now() + shortRetention }), record({ retainUntil: h.now() + shortRetention + 1 })];
        for (const r of first) await registry.create(r);
        await pass(shortRetention + 100);
        const second = [record({ retainUntil: h.now() + shortRetention }), record({ retainUntil: h.now() + shortRetention + 1 })];
        for (const r of second) expect(await created(r)).toEqual([]);
        await pass(shortRetention + 100);
        expect(await created(record())).toEqual([]);
        const ended = await Promise.all([...first, ...second].map((r) => endedAt(r)));
        expect(ended).toEqual([null, null, second[0]!.retainUntil, second[1]!.retainUntil]);
      });
    });

    describe('at most maxSessionsPerUser live sessions per user', () => {
      it('create beyond the cap evicts the least recently active, returns it as stored, and leaves no tombstone', async () => {
        await use({ maxSessionsPerUser: 3 });
        const at = h.now();
        const a = record({ lastActivity: at - 300 });
        const b = record({ lastActivity: at - 500 });
        const c = record({ lastActivity: at - 400 });
        for (const r of [a, b, c]) expect(await created(r)).toEqual([]);
        // b becomes the most recently active: c is now the least.
        await registry.touch(ref(b), at - 100, b.retainUntil);
        const bob = record({ userId: 'bob', lastActivity: at - 900 });
        expect(await created(bob)).toEqual([]);
        const d = record({ lastActivity: at - 200 });
        expect(await created(d)).toEqual([c]);
        expect(await registry.get(ref(c))).toBeNull();
        expect(await endedAt(c)).toBeNull();
        expect(ids(await registry.list('alice')).sort()).toEqual(ids([a, b, d]).sort());
        expect(await registry.list('bob')).toEqual([bob]);
        const e = record({ lastActivity: at - 50 });
        expect(await created(e)).toEqual([a]);
      });

      it('never evicts the new session, even when it is the least recently active', async () => {
        await use({ maxSessionsPerUser: 2 });
        const at = h.now();
        const a = record({ lastActivity: at - 100 });
        const b = record({ lastActivity: at - 50 });
        await registry.create(a);
        await registry.create(b);
        const adopted = record({ lastActivity: at - 900 });
        expect(await created(adopted)).toEqual([a]);
        expect(ids(await registry.list('alice')).sort()).toEqual(ids([b, adopted]).sort());
      });

      it('replacing a session with the same id is no eviction, and ended sessions do not count', async () => {
        await use({ maxSessionsPerUser: 2 });
        const a = record();
        const b = record({ retainUntil: h.now() + shortRetention });
        await registry.create(a);
        await registry.create(b);
        expect(await created({ ...a, ip: '198.51.100.2' })).toEqual([]);
        expect(await registry.list('alice')).toEqual([{ ...a, ip: '198.51.100.2' }, b]);
        await pass(shortRetention + 100);
        const c = record();
        expect(await created(c)).toEqual([]);
        expect(await registry.list('alice')).toEqual([{ ...a, ip: '198.51.100.2' }, c]);
      });

      it('list returns at most maxSessionsPerUser sessions: the most recently active', async () => {
        await use({ maxSessionsPerUser: 3 });
        const records = Array.from({ length: 8 }, (_, i) => record({ lastActivity: h.now() - 1000 + i }));
        for (const r of records) await registry.create(r);
        expect(await registry.list('alice')).toEqual(records.slice(-3));
      });

      it('30 concurrent creates of one user never leave more than the cap, and every session is listed or returned as evicted', async () => {
        const cap = 10;
        await use({ maxSessionsPerUser: cap });
        const records = Array.from({ length: 30 }, (_, i) => record({ userId: 'crowd', lastActivity: h.now() - 1000 + i }));
        const results = await Promise.all(records.map((r) => created(r)));
        for (const evicted of results) expect(evicted.length).toBeLessThanOrEqual(1);
        const evicted = results.flat();
        const listed = await registry.list('crowd');
        expect(listed).toHaveLength(cap);
        expect(evicted).toHaveLength(records.length - cap);
        // None lost, none twice.
        expect(new Set([...ids(listed), ...ids(evicted)]).size).toBe(records.length);
        for (const e of evicted) {
          expect(e).toEqual(records.find((r) => r.sessionId === e.sessionId));
          expect(await registry.get(ref(e))).toBeNull();
        }
        expect(await registry.revokeUser('crowd')).toHaveLength(cap);
      });
    });

    describe('createLimited: at most N sessions of one user, decided in one atomic step (issue 15)', () => {
      const limited = (r: SessionRecord, maxSessions: number, atLimit: 'evict' | 'refuse') => {
        expect(typeof registry.createLimited).toBe('function');
        return registry.createLimited!(r, { maxSessions, atLimit });
      };

      it('below the limit creates and evicts nothing', async () => {
        const a = record();
        expect(await limited(a, 2, 'refuse')).toEqual({ created: true, evicted: [] });
        expect(await registry.get(ref(a))).toEqual(a);
      });

      it("at the limit, 'evict' ends the least recently active and 'refuse' creates nothing and answers the live sessions", async () => {
        const at = h.now();
        const a = record({ lastActivity: at - 300 });
        const b = record({ lastActivity: at - 100 });
        await limited(a, 2, 'evict');
        await limited(b, 2, 'evict');
        const c = record({ lastActivity: at });
        const refused = await limited(c, 2, 'refuse');
        expect(refused.created).toBe(false);
        expect(refused.created === false && ids(refused.live).sort()).toEqual(ids([a, b]).sort());
        expect(await registry.get(ref(c))).toBeNull();
        expect(await endedAt(c)).toBeNull();
        expect(await limited(c, 2, 'evict')).toEqual({ created: true, evicted: [a] });
        expect(ids(await registry.list('alice')).sort()).toEqual(ids([b, c]).sort());
        // Another user's sessions never count.
        expect((await limited(record({ userId: 'bob' }), 1, 'refuse')).created).toBe(true);
      });

      it('replacing a session with the same id does not count it twice, and ended sessions do not count', async () => {
        const a = record();
        const b = record({ retainUntil: h.now() + shortRetention });
        await limited(a, 2, 'refuse');
        await limited(b, 2, 'refuse');
        expect((await limited({ ...a, ip: '198.51.100.9' }, 2, 'refuse')).created).toBe(true);
        await pass(shortRetention + 100);
        expect((await limited(record(), 2, 'refuse')).created).toBe(true);
      });

      for (const atLimit of ['evict', 'refuse'] as const) {
        it(`30 concurrent sign-ins of one user ('${atLimit}') never leave more than N live sessions, and none is lost from the index`, async () => {
          const max = 3;
          const records = Array.from({ length: 30 }, (_, i) => record({ userId: `crowd-${atLimit}`, lastActivity: h.now() - 1000 + i }));
          const results = await Promise.all(records.map((r) => limited(r, max, atLimit)));
          const listed = await registry.list(`crowd-${atLimit}`);
          expect(listed).toHaveLength(max);
          const created = records.filter((_, i) => results[i]!.created);
          const evicted = results.flatMap((result) => (result.created ? result.evicted : []));
          // Every session created is either listed or was returned as evicted; none twice, none lost.
          expect(new Set([...ids(listed), ...ids(evicted)])).toEqual(new Set(ids(created)));
          expect(listed.length + evicted.length).toBe(created.length);
          if (atLimit === 'refuse') expect(created).toHaveLength(max);
          for (const r of records.filter((_, i) => !results[i]!.created)) expect(await registry.get(ref(r))).toBeNull();
          expect(await registry.revokeUser(`crowd-${atLimit}`)).toHaveLength(max);
        });
      }
    });

    describe('per-session timing policy, notices, single-use keys and known devices (issue 15)', () => {
      it('keeps the timing policy a record was created with', async () => {
        const r = record({ policy: { warnAfter: 100, expireAfter: 130, absoluteTimeout: null } });
        await registry.create(r);
        expect(await registry.get(ref(r))).toEqual(r);
        const s = record({ policy: { warnAfter: 20.5, expireAfter: 45, absoluteTimeout: 3600 } });
        await registry.createLimited!(s, { maxSessions: 10, atLimit: 'refuse' });
        expect((await registry.list('alice')).find((x) => x.sessionId === s.sessionId)).toEqual(s);
      });

      it.runIf(options.check ?? false)("check decides on the record's own policy, not the request's", async () => {
        const short = record({ lastActivity: h.now(), policy: { warnAfter: 0.1, expireAfter: shortRetention / 1000, absoluteTimeout: null } });
        const long = record({ lastActivity: h.now(), policy: { warnAfter: 3000, expireAfter: 3600, absoluteTimeout: null } });
        await registry.create(short);
        await registry.create(long);
        await pass(shortRetention + 100);
        const request: CheckRequest = { expireAfter: shortRetention, absoluteTimeout: null, activityAge: null, granularity: 1000, clockHint: null };
        expect(await registry.check!(ref(short), { ...request, expireAfter: 3_600_000 })).toMatchObject({ state: 'expired', reason: 'idle' });
        expect(await registry.check!(ref(long), request)).toMatchObject({ state: 'live' });
      });

      it("a notice reaches the user's other live sessions once: takeNotices returns and clears it", async () => {
        const a = record();
        const b = record();
        const other = record({ userId: 'bob' });
        for (const r of [a, b, other]) await registry.create(r);
        const notice = { publicId: b.publicId, userAgent: 'Mozilla/5.0 Firefox/140.0', at: h.now() };
        expect(await registry.addNotice!('alice', notice, b.sessionId)).toBe(1);
        expect((await registry.get(ref(a)))?.notices).toEqual([notice]);
        expect((await registry.get(ref(b)))?.notices ?? []).toEqual([]);
        expect((await registry.get(ref(other)))?.notices ?? []).toEqual([]);
        expect(await registry.takeNotices!(ref(a))).toEqual([notice]);
        expect(await registry.takeNotices!(ref(a))).toEqual([]);
        expect((await registry.get(ref(a)))?.notices ?? []).toEqual([]);
        // Never recreates a session it does not hold.
        await registry.revoke(ref(a));
        expect(await registry.takeNotices!(ref(a))).toEqual([]);
        expect(await registry.get(ref(a))).toBeNull();
      });

      it('keeps at most the 5 latest notices per session', async () => {
        const a = record();
        await registry.create(a);
        for (let i = 0; i < 8; i += 1) await registry.addNotice!('alice', { publicId: `p${i}`, userAgent: null, at: h.now() + i }, 'none');
        expect((await registry.takeNotices!(ref(a))).map((n) => n.publicId)).toEqual(['p3', 'p4', 'p5', 'p6', 'p7']);
      });

      it('claimOnce is true the first time only, per user and key', async () => {
        expect(await registry.claimOnce!('alice', 'token-1', 60_000)).toBe(true);
        expect(await registry.claimOnce!('alice', 'token-1', 60_000)).toBe(false);
        expect(await registry.claimOnce!('bob', 'token-1', 60_000)).toBe(true);
        const results = await Promise.all(Array.from({ length: 20 }, () => registry.claimOnce!('alice', 'token-2', 60_000)));
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('rememberDevice tells a device the user has not signed in from, and keeps the latest maxDevices', async () => {
        const options = { maxDevices: 2, keepFor: 60_000 };
        expect(await registry.rememberDevice!('alice', 'd1', options)).toEqual({ isNew: true, known: 0 });
        expect(await registry.rememberDevice!('alice', 'd1', options)).toEqual({ isNew: false, known: 0 });
        expect(await registry.rememberDevice!('bob', 'd1', options)).toEqual({ isNew: true, known: 0 });
        await pass(2);
        expect(await registry.rememberDevice!('alice', 'd2', options)).toEqual({ isNew: true, known: 1 });
        await pass(2);
        expect(await registry.rememberDevice!('alice', 'd3', options)).toEqual({ isNew: true, known: 2 });
        // d1 was the least recently seen: forgotten.
        expect((await registry.rememberDevice!('alice', 'd1', options)).isNew).toBe(true);
        expect((await registry.rememberDevice!('alice', 'd3', options)).isNew).toBe(false);
      });
    });

    describe('User-Agent bound', () => {
      it(`create and update cut a User-Agent longer than ${USER_AGENT_BYTES} bytes of UTF-8, between two characters`, async () => {
        const bytes = (value: string | null | undefined) => Buffer.byteLength(value ?? '', 'utf8');
        const huge = `Mozilla/5.0 ${'x'.repeat(16_000)}`;
        const r = record({ userAgent: huge });
        await registry.create(r);
        expect((await registry.get(ref(r)))?.userAgent).toBe(huge.slice(0, USER_AGENT_BYTES));
        // 1 + 4 × 127 = 509 bytes: a 128th pair would pass the bound and is left out whole.
        const pairs = `a${'🚀'.repeat(200)}`;
        const cut = (await registry.update(ref(r), { userAgent: pairs }))?.userAgent;
        expect(cut).toBe(`a${'🚀'.repeat(127)}`);
        expect(bytes(cut)).toBeLessThanOrEqual(USER_AGENT_BYTES);
        const accents = 'é'.repeat(300);
        expect((await registry.update(ref(r), { userAgent: accents }))?.userAgent).toBe('é'.repeat(USER_AGENT_BYTES / 2));
        const exact = `${'y'.repeat(USER_AGENT_BYTES - 2)}é`;
        expect((await registry.update(ref(r), { userAgent: exact }))?.userAgent).toBe(exact);
        expect((await registry.list('alice'))[0]?.userAgent).toBe(exact);
      });
    });

    describe('concurrency', () => {
      it('touches racing a revoke: once the revoke is done nothing brings the session back', async () => {
        const r = record();
        await registry.create(r);
        const half = Math.floor(concurrency / 2);
        const touch = (i: number) => registry.touch(ref(r), r.lastActivity + i, r.retainUntil + i);
        const before = Array.from({ length: half }, (_, i) => touch(i + 1));
        const revoked = registry.revoke(ref(r));
        const after = Array.from({ length: concurrency - half }, (_, i) => touch(half + i + 1));
        const [beforeResults, revokedRecord, afterResults] = await Promise.all([
          Promise.all(before),
          revoked,
          Promise.all(after),
        ]);
        expect(revokedRecord?.sessionId).toBe(r.sessionId);
        // Touches issued after the revoke may still be ordered before it by the store, but
        // touches issued later than the revoke's answer never succeed:
        for (const touched of [...beforeResults, ...afterResults]) {
          if (touched) expect(touched.sessionId).toBe(r.sessionId);
        }
        const late = await Promise.all(Array.from({ length: concurrency }, (_, i) => touch(concurrency + i)));
        expect(late.every((t) => t === null)).toBe(true);
        expect(await registry.get(ref(r))).toBeNull();
        expect(await registry.list(r.userId)).toEqual([]);
      });

      it('touches racing each other: the largest values win, none is lost', async () => {
        const r = record();
        await registry.create(r);
        const offsets = Array.from({ length: concurrency }, (_, i) => ((i * 37) % concurrency) + 1);
        await Promise.all(offsets.map((o) => registry.touch(ref(r), r.lastActivity + o, r.retainUntil + o)));
        const got = await registry.get(ref(r));
        expect(got?.lastActivity).toBe(r.lastActivity + concurrency);
        expect(got?.retainUntil).toBe(r.retainUntil + concurrency);
      });

      it('many logins of one user at once: every session is in the index, none lost', async () => {
        const records = Array.from({ length: concurrency }, () => record({ userId: 'crowd' }));
        await Promise.all(records.map((r) => registry.create(r)));
        const listed = await registry.list('crowd');
        expect(ids(listed).sort()).toEqual(ids(records).sort());
        const removed = await registry.revokeUser('crowd');
        expect(removed).toHaveLength(concurrency);
        expect(await registry.list('crowd')).toEqual([]);
      });

      it('logins racing a revokeUser: afterwards every session is either listed or was returned as removed', async () => {
        const keep = record({ userId: 'race' });
        await registry.create(keep);
        const records = Array.from({ length: concurrency }, () => record({ userId: 'race' }));
        const half = Math.floor(concurrency / 2);
        const first = records.slice(0, half).map((r) => registry.create(r));
        const revoking = registry.revokeUser('race', keep.sessionId);
        const second = records.slice(half).map((r) => registry.create(r));
        const [, removed] = await Promise.all([Promise.all(first), revoking, Promise.all(second)]);
        const listed = await registry.list('race');
        expect(ids(listed)).toContain(keep.sessionId);
        expect(ids(removed)).not.toContain(keep.sessionId);
        const accounted = new Set([...ids(listed), ...ids(removed)]);
        for (const r of records) expect(accounted.has(r.sessionId)).toBe(true);
        expect(listed.length + removed.length).toBe(concurrency + 1);
        for (const r of removed) expect(await registry.get(ref(r))).toBeNull();
      });
    });
  });
}
