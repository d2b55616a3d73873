// @vitest-environment node
/**
 * Model-based property test of the pure session machine: a few tabs (each a
 * machine state), one of them the leader, a synchronous tab channel, and a
 * model of the server (its policy, the last activity it knows, its ends,
 * sign-ins, tags, outages), driven by random sequences of activity, extends,
 * tab messages (and junk ones), server answers delivered late or lost,
 * revocations, sign-ins, sign-outs, step-ups, leadership changes, clock jumps
 * and wake-ups. No DOM, no timers: the model fires each machine's timers in
 * due order. The invariants are checked after every transition.
 */
import { MIN_WARNING_SECONDS } from '@sessionguard/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Ended } from './guard-state.js';
import { initialState, transition, wantsStream, type MachineEvent, type MachineState } from './machine.js';
import type { PingResult } from './ping.js';
import type { TabMessage } from './tab-message.js';

const RUNS = Number(process.env.MACHINE_RUNS ?? 3000);

interface Config {
  tabs: number;
  warnAfter: number;
  expireAfter: number;
  absolute: number | null;
  tags: boolean;
  /** The page was rendered for a signed-in user (`username`), or not (a login page). */
  rendered: boolean;
  /** No clock jumps, no outages, answers at once, no junk, no other user: the warning's timing can be checked exactly. */
  punctual: boolean;
}

type Step =
  | { k: 'activity'; tab: number }
  | { k: 'extend'; tab: number }
  | { k: 'advance'; ms: number }
  | { k: 'sleep'; ms: number }
  | { k: 'wake'; tab: number; online: boolean }
  | { k: 'deliver'; index: number; lose: boolean }
  | { k: 'down'; down: boolean }
  | { k: 'revoke' }
  | { k: 'signInElsewhere'; other: boolean }
  | { k: 'signIn'; tab: number }
  | { k: 'logout'; tab: number; outcome: 'ok' | 'refused' | 'unreachable' }
  | { k: 'logoutForm'; tab: number; refused: boolean }
  | { k: 'refused'; tab: number }
  | { k: 'stepUp'; tab: number }
  | { k: 'reauthenticate'; tab: number }
  | { k: 'cancelStepUp'; tab: number }
  | { k: 'leader'; tab: number }
  /** The leader's push stream: the server's `ended` event, a refused reconnect (401), or the `ended` of the session before the last sign-in. */
  | { k: 'push'; how: 'event' | 'refusal' | 'stale' }
  | { k: 'junk'; tab: number; which: number };

const configArb: fc.Arbitrary<Config> = fc.record({
  tabs: fc.integer({ min: 1, max: 3 }),
  warnAfter: fc.integer({ min: 5, max: 120 }),
  expireAfter: fc.integer({ min: 0, max: 120 }),
  absolute: fc.option(fc.integer({ min: 30, max: 900 }), { nil: null }),
  tags: fc.boolean(),
  rendered: fc.boolean(),
  punctual: fc.boolean(),
}).map((config) => ({ ...config, expireAfter: config.warnAfter + MIN_WARNING_SECONDS + config.expireAfter }));

const tab = fc.integer({ min: 0, max: 2 });
const stepArb = (punctual: boolean): fc.Arbitrary<Step> => {
  const always: fc.WeightedArbitrary<Step>[] = [
    { weight: 6, arbitrary: tab.map((t) => ({ k: 'activity' as const, tab: t })) },
    { weight: 2, arbitrary: tab.map((t) => ({ k: 'extend' as const, tab: t })) },
    { weight: 8, arbitrary: fc.integer({ min: 0, max: 90_000 }).map((ms) => ({ k: 'advance' as const, ms })) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('wake' as const), tab, online: fc.boolean() }) },
    { weight: 1, arbitrary: fc.constant({ k: 'revoke' as const }) },
    { weight: 1, arbitrary: tab.map((t) => ({ k: 'signIn' as const, tab: t })) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('logout' as const), tab, outcome: fc.constantFrom('ok' as const, 'refused' as const, 'unreachable' as const) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('logoutForm' as const), tab, refused: fc.boolean() }) },
    { weight: 1, arbitrary: tab.map((t) => ({ k: 'refused' as const, tab: t })) },
    { weight: 1, arbitrary: tab.map((t) => ({ k: 'stepUp' as const, tab: t })) },
    { weight: 1, arbitrary: tab.map((t) => ({ k: 'reauthenticate' as const, tab: t })) },
    { weight: 1, arbitrary: tab.map((t) => ({ k: 'cancelStepUp' as const, tab: t })) },
    { weight: 1, arbitrary: tab.map((t) => ({ k: 'leader' as const, tab: t })) },
    { weight: 2, arbitrary: fc.constantFrom('event' as const, 'refusal' as const, 'stale' as const).map((how) => ({ k: 'push' as const, how })) },
  ];
  if (punctual) return fc.oneof(...always);
  return fc.oneof(
    ...always,
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 900_000 }).map((ms) => ({ k: 'sleep' as const, ms })) },
    { weight: 4, arbitrary: fc.record({ k: fc.constant('deliver' as const), index: fc.nat(3), lose: fc.boolean() }) },
    { weight: 1, arbitrary: fc.boolean().map((down) => ({ k: 'down' as const, down })) },
    { weight: 1, arbitrary: fc.boolean().map((other) => ({ k: 'signInElsewhere' as const, other })) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('junk' as const), tab, which: fc.nat(7) }) },
  );
};

interface ModelServer {
  lastActivity: number;
  createdAt: number;
  ended: 'session_expired' | 'session_revoked' | null;
  reported: boolean;
  down: boolean;
  session: number;
  user: string;
  signIns: number;
  alive(at: number): boolean;
  refusal(): Ended;
  ping(at: number, idleFor: number): PingResult;
  signIn(at: number, user?: string): void;
  end(): void;
}

/** The server: sessionguard's policy, as the adapter keeps it. */
function createServer(config: Config, now: number): ModelServer {
  const server: ModelServer = {
    lastActivity: now,
    createdAt: now,
    ended: null,
    /** The first refusal says why the session ended; the session is gone after it (`unauthenticated`). */
    reported: false,
    down: false,
    session: 1,
    user: 'alice',
    signIns: 0,
    alive(at: number): boolean {
      const idleOut = at - server.lastActivity >= config.expireAfter * 1000;
      const absoluteOut = config.absolute !== null && at - server.createdAt >= config.absolute * 1000;
      if (!server.ended && (idleOut || absoluteOut)) server.ended = 'session_expired';
      return !server.ended;
    },
    /** What a request refused because the session ended is told. */
    refusal(): Ended {
      const first = !server.reported;
      server.reported = true;
      return first ? (server.ended === 'session_revoked' ? 'revoked' : 'expired') : 'signed-out';
    },
    ping(at: number, idleFor: number): PingResult {
      if (server.down) return null;
      if (!server.alive(at)) return server.refusal();
      server.lastActivity = Math.min(at, Math.max(server.lastActivity, at - idleFor * 1000));
      return {
        idleFor: Math.floor((at - server.lastActivity) / 1000),
        warnAfter: config.warnAfter,
        expireAfter: config.expireAfter,
        absoluteRemaining: config.absolute === null ? null : Math.max(0, Math.floor((server.createdAt + config.absolute * 1000 - at) / 1000)),
        ...(config.tags ? { session: `s${server.session}`, user: `u-${server.user}` } : {}),
      };
    },
    signIn(at: number, user = server.user): void {
      Object.assign(server, { lastActivity: at, createdAt: at, ended: null, reported: false, user, signIns: server.signIns + 1 });
      server.session++;
    },
    end(): void {
      server.ended ??= 'session_revoked';
    },
  };
  return server;
}

interface Tab {
  state: MachineState;
  gone: boolean;
  /** Set while the tab is in a confirmed end: the server's sign-in count then. */
  endedWith: number | null;
  openedAt: number;
}

/** The model's note on an event that carries the server's word: its sign-in count when it said so (not read by the machine). */
type Noted = { said?: number };
/** The sign-in count the server had when it said what `event` carries, or null (not the server's word: a junk message). */
const saidWith = (event: MachineEvent): number | null =>
  (event as Noted).said ?? (event.type === 'message' ? ((event.message as Noted | null)?.said ?? null) : null);
const isEnded = (s: MachineState) => s.status !== 'active' && s.status !== 'warning';
const isFinal = (s: MachineState) => isEnded(s) && s.confirmed && s.status !== 'anonymous';
const NON_LEADER_PINGS = new Set(['timer:check', 'timer:claim', 'timer:confirm', 'message:e', 'message:o', 'logout-form']);

/** Runs one model: the steps, then a long advance; throws naming the broken invariant. */
const START = 1_767_261_600_000;
function runModel(config: Config, steps: Step[], trace = false): { pings: number; transitions: number } {
  let now = START;
  const server = createServer(config, now);
  const tabs: Tab[] = [];
  const queue: { tab: Tab; event: MachineEvent }[] = [];
  /** Answers on their way; each one not delivered by `due` (ky's 15 s timeout) arrives as no answer. */
  const pending: { tab: Tab; event: MachineEvent; due: number }[] = [];
  let leader: Tab | undefined;
  let transitions = 0;
  let pings = 0;
  const fail = (what: string, tabIndex: number, event: MachineEvent, before: MachineState, after: MachineState): never => {
    throw new Error(
      `${what}\nat ${now}, tab ${tabIndex}, event ${JSON.stringify(event)}\nbefore ${JSON.stringify(before)}\nafter ${JSON.stringify(after)}\nserver ${JSON.stringify(server)}`,
    );
  };
  const open = (username: string | null): Tab => {
    const created: Tab = {
      state: initialState({ username, loginPageUrl: '/login', warnAfter: null, expireAfter: null }, now, false),
      gone: false,
      endedWith: null,
      openedAt: now,
    };
    tabs.push(created);
    return created;
  };
  const live = () => tabs.filter((entry) => !entry.gone);

  const check = (entry: Tab, event: MachineEvent, before: MachineState, after: MachineState, effects: ReturnType<typeof transition>['effects']) => {
    const index = tabs.indexOf(entry);
    const bad = (what: string) => fail(what, index, event, before, after);
    const alive = after.status === 'active' || after.status === 'warning';
    // 1. Never active after a confirmed end without a sign-in. `endedWith`: the server's sign-in count when it said
    // the session had ended (carried by the refusal, or by the tab that relayed it); a sign-in since may revive it.
    const signedIn = event.type === 'signed-in' || (event.type === 'message' && event.message?.t === 'l');
    if (alive && !signedIn && entry.endedWith !== null && server.signIns === entry.endedWith) bad('active again after a confirmed end, with no sign-in since');
    if (isFinal(after) && !isFinal(before)) entry.endedWith = saidWith(event);
    else if (alive) entry.endedWith = null;
    // 2. The warning shows at least 20 s before expiry, and never before its time.
    if (after.status === 'warning') {
      const view = after.view!;
      if (view.expiresAt - view.warnAt < MIN_WARNING_SECONDS * 1000) bad('a warning less than 20 s before expiry');
      if (now < view.warnAt) bad('a warning before its time');
      // Timers on time and answers at once: it shows at its time, so 20 s before the end (less the server's whole-second rounding of idleFor).
      // (A tab opened after the warning time cannot have shown it then.)
      const onTime = config.punctual && before.status !== 'warning' && view.warnAt >= entry.openedAt;
      if (onTime && view.expiresAt - now < MIN_WARNING_SECONDS * 1000 - 1000) bad('a punctual warning shown late');
    }
    // 3. An answer (or a relayed view) sent before an end never revives.
    const sentBefore =
      (event.type === 'answer' && event.sentAt <= before.endedAt) ||
      (event.type === 'message' && event.message?.t === 's' && (event.message.v?.at ?? Infinity) <= before.endedAt);
    if (isFinal(before) && sentBefore && alive) bad('revived by an answer sent before the end');
    // 3b. The push of another session's end never ends this one; only the tab that should hold the stream hears it.
    const asks = effects.some((effect) => effect.type === 'ping') || before.pinging || after.timers.confirm !== undefined;
    if (event.type === 'pushed' && (event as { stale?: boolean }).stale && !isEnded(before) && isEnded(after) && !asks) bad('ended by the push of another session without asking the server');
    if (event.type === 'pushed' && !wantsStream(before)) bad('a push reached a tab that holds no stream');
    // 4. The leader alone pings: a non-leader pings only to confirm (its check unanswered, an end or a sign-out it heard of).
    const pinged = effects.some((effect) => effect.type === 'ping');
    const cause = event.type === 'timer' ? `timer:${event.name}` : event.type === 'message' ? `message:${event.message?.t}` : event.type;
    if (pinged && !before.leader && !after.leader && !NON_LEADER_PINGS.has(cause)) bad(`a non-leader pinged on ${cause}`);
    // A leader with a live session answers every check at once (from its view, or its own ping): nobody else needs to ask.
    const answering = leader && !leader.gone && leader.state.known && !isEnded(leader.state);
    if (pinged && config.punctual && answering && !before.leader && cause === 'timer:check') bad('a non-leader pinged although the leader answers at once');
    if (pinged && before.pinging && event.type !== 'answer') bad('two pings in flight');
    // 5. A page without a session stays inert; held requests wait only while something can release them.
    // (The app's own logout() there is a deliberate sign-out, which no dialog shows.)
    const deliberate = after.status === 'signed-out' && after.reason === 'signed-out';
    if (!after.known && !['active', 'anonymous'].includes(after.status) && !deliberate) bad('an end shown on a page without a session');
    if (alive && !after.stepUp && after.held !== 0) bad('requests held while nothing holds them');
    for (const due of Object.values(after.timers)) if (!Number.isFinite(due)) bad('a timer without a due time');
  };

  const dispatch = (entry: Tab, event: MachineEvent): void => void queue.push({ tab: entry, event });
  const drain = (): void => {
    for (let guard = 0; queue.length; guard++) {
      if (guard > 5000) throw new Error(`the tabs never settle (a message or timer loop): ${JSON.stringify(queue.slice(0, 6).map(({ tab: t, event: e }) => [tabs.indexOf(t), e]))}`);
      const { tab: entry, event } = queue.shift()!;
      if (entry.gone) continue;
      const before = entry.state;
      const { state: after, effects } = transition(before, event, now);
      transitions++;
      entry.state = after;
      if (trace) console.log(tabs.indexOf(entry), now - START, JSON.stringify(event), before.status, '->', after.status, JSON.stringify(after.timers), effects.map((e) => (e.type === 'post' ? `post:${e.message.t}` : e.type)).join(','));
      check(entry, event, before, after, effects);
      for (const effect of effects) {
        if (effect.type === 'ping') {
          pings++;
          const said = server.signIns;
          const answer = { tab: entry, event: { type: 'answer' as const, result: server.ping(now, effect.idleFor), sentAt: effect.sentAt, said } };
          if (config.punctual) queue.push(answer);
          else pending.push({ ...answer, due: now + 15_000 });
        } else if (effect.type === 'post') {
          const copy = JSON.parse(JSON.stringify(effect.message)) as TabMessage & Noted;
          if (copy.t === 'e' && entry.endedWith !== null) copy.said = entry.endedWith;
          for (const other of live()) if (other !== entry) dispatch(other, { type: 'message', message: copy });
        } else if (effect.type === 'go') {
          // A reload, or the login page: this page is gone; a new one opens in its place.
          const wasLeader = leader === entry;
          entry.gone = true;
          const replacement = open(effect.url === null && server.alive(now) ? server.user : null);
          if (wasLeader) leader = replacement;
          replacement.state = { ...replacement.state, leader: wasLeader };
          dispatch(replacement, { type: 'start' });
        }
      }
    }
  };
  const advance = (ms: number): void => {
    const target = now + ms;
    for (let guard = 0; ; guard++) {
      if (guard > 2000) throw new Error('timers fire in a loop');
      let next: { entry: Tab; name: keyof MachineState['timers']; due: number } | null = null;
      for (const entry of live()) {
        for (const [name, due] of Object.entries(entry.state.timers) as [keyof MachineState['timers'], number][]) {
          if (due <= target && (!next || due < next.due)) next = { entry, name, due };
        }
      }
      const late = pending.reduce<number>((first, answer, index) => (answer.due <= target && (first < 0 || answer.due < pending[first]!.due) ? index : first), -1);
      if (late >= 0 && (!next || pending[late]!.due <= next.due)) {
        const [answer] = pending.splice(late, 1);
        now = Math.max(now, answer!.due);
        queue.push({ tab: answer!.tab, event: { ...answer!.event, result: null } as MachineEvent });
        drain();
        continue;
      }
      if (!next) break;
      now = Math.max(now, next.due);
      dispatch(next.entry, { type: 'timer', name: next.name });
      drain();
    }
    now = target;
  };

  for (let index = 0; index < config.tabs; index++) open(config.rendered ? 'alice' : null);
  leader = tabs[0]!;
  leader.state = { ...leader.state, leader: true };
  for (const entry of tabs) dispatch(entry, { type: 'start' });
  drain();

  const at = (index: number): Tab | undefined => live()[index % Math.max(1, live().length)];
  for (const step of steps) {
    const entry = 'tab' in step ? at(step.tab) : undefined;
    switch (step.k) {
      case 'activity':
        if (entry) dispatch(entry, { type: 'activity', at: now });
        break;
      case 'extend':
        if (entry) dispatch(entry, { type: 'extend' });
        break;
      case 'advance':
        advance(step.ms);
        break;
      case 'sleep':
        now += step.ms;
        break;
      case 'wake':
        if (entry) dispatch(entry, { type: 'wake', online: step.online });
        break;
      case 'deliver': {
        const answer = pending.splice(step.index % Math.max(1, pending.length), 1)[0];
        if (answer) queue.push(step.lose ? { ...answer, event: { ...answer.event, result: null } as MachineEvent } : answer);
        break;
      }
      case 'down':
        server.down = step.down;
        break;
      case 'revoke':
        server.end();
        break;
      case 'signInElsewhere':
        server.signIn(now, step.other ? 'bob' : server.user);
        break;
      case 'signIn':
        // The dialog's sign-in in place: only once this tab shows an end.
        if (entry && isEnded(entry.state) && entry.state.known && entry.state.status !== 'anonymous') {
          server.signIn(now);
          dispatch(entry, { type: 'signed-in', username: entry.state.username, csrfToken: null });
        }
        break;
      case 'logout':
        if (!entry) break;
        if (step.outcome === 'ok') {
          server.end();
          server.reported = true;
        }
        dispatch(entry, { type: 'logout', result: step.outcome, status: step.outcome === 'ok' ? 200 : step.outcome === 'refused' ? 403 : null, said: server.signIns } as MachineEvent);
        break;
      case 'logoutForm':
        if (!entry) break;
        dispatch(entry, { type: 'logout-form' });
        drain();
        if (!step.refused) {
          server.end();
          server.reported = true;
        }
        break;
      case 'refused':
        if (entry && !server.alive(now)) dispatch(entry, { type: 'refused', end: server.refusal(), said: server.signIns } as MachineEvent);
        break;
      case 'stepUp':
        if (entry && server.alive(now)) dispatch(entry, { type: 'refused', end: 'step-up' });
        break;
      case 'reauthenticate':
        if (entry?.state.stepUp) {
          dispatch(entry, server.alive(now) ? { type: 'reauthenticated', csrfToken: null } : ({ type: 'ended', end: server.refusal(), said: server.signIns } as MachineEvent));
        }
        break;
      case 'cancelStepUp':
        if (entry) dispatch(entry, { type: 'cancel-step-up' });
        break;
      case 'leader': {
        const to = at(step.tab);
        if (!leader || !to || leader === to) break;
        dispatch(leader, { type: 'leader', isLeader: false });
        dispatch(to, { type: 'leader', isLeader: true });
        leader = to;
        break;
      }
      case 'push': {
        // Only the tab the machine lets hold the stream hears it; the server pushes only what it knows.
        const holder = leader && !leader.gone && wantsStream(leader.state) ? leader : undefined;
        if (!holder) break;
        const said = server.signIns;
        if (step.how === 'stale') {
          if (config.tags && server.session > 1) dispatch(holder, { type: 'pushed', end: 'revoked', session: `s${server.session - 1}`, stale: true } as MachineEvent);
        } else if (!server.alive(now)) {
          const session = config.tags ? { session: `s${server.session}` } : {};
          const end = server.ended === 'session_revoked' ? 'revoked' : 'expired';
          dispatch(holder, (step.how === 'event' ? { type: 'pushed', end, ...session, said } : { type: 'pushed', end: server.refusal(), said }) as unknown as MachineEvent);
        }
        break;
      }
      case 'junk': {
        const stale = { at: now - 3_600_000, warnAt: now - 3_000_000, expiresAt: now + 5000, warnAfter: 60, expireAfter: 600 };
        const messages = [
          { t: 'e', k: 'revoked', s: 's0' },
          { t: 'o', s: 's0' },
          { t: 'r', s: 's0' },
          { t: 's', v: { ...stale, session: 's0' }, s: 's0' },
          { t: 's', v: stale },
          { t: 'a', at: Number.NaN },
          { t: 'zzz' },
          null,
        ];
        if (entry) dispatch(entry, { type: 'message', message: messages[step.which] as TabMessage });
        break;
      }
    }
    drain();
  }
  // Long enough for every answer and timer the steps left to run its course.
  advance(3_600_000);
  return { pings, transitions };
}

describe('the session machine, driven by random sequences (fast-check)', () => {
  it.runIf(process.env.MACHINE_REPLAY)('replays MACHINE_REPLAY (a counterexample: [config, steps]) with a trace', () => {
    const [config, steps] = JSON.parse(process.env.MACHINE_REPLAY!) as [Config, Step[]];
    runModel(config, steps, true);
  });

  it('holds its invariants: no revival after a confirmed end, a warning at least 20 s before expiry, no revival by old answers, only the leader pings', () => {
    let transitions = 0;
    fc.assert(
      fc.property(
        configArb.chain((config) => fc.tuple(fc.constant(config), fc.array(stepArb(config.punctual), { minLength: 1, maxLength: 60 }))),
        ([config, steps]) => {
          transitions += runModel(config, steps).transitions;
        },
      ),
      { numRuns: RUNS },
    );
    expect(transitions).toBeGreaterThan(RUNS * 10);
  }, 120_000);

  it('warns and expires an idle session on time, and one tab pings for three', () => {
    const config: Config = { tabs: 3, warnAfter: 60, expireAfter: 180, absolute: null, tags: true, rendered: true, punctual: true };
    const busy = runModel(config, Array.from({ length: 60 }, (_, index): Step => (index % 2 ? { k: 'advance', ms: 10_000 } : { k: 'activity', tab: index % 3 })));
    // Ten minutes of activity spread over three tabs: about one ping per 30 s (warnAfter / 2), from the leader alone.
    expect(busy.pings).toBeGreaterThanOrEqual(10);
    expect(busy.pings).toBeLessThanOrEqual(30);
  });
});
