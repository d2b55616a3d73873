import type { PingResponse } from '@sessionguard/core';
import { attachDialogs, type DialogOptions } from './attach-dialogs.js';
import { createSessionGuard, type SessionGuard } from './guard.js';
import type { SessionGuardOptions } from './options.js';
import type { Leader } from './leader.js';
import type { TabChannel } from './tab-channel.js';
import type { sseEndpoint } from './test-sse.js';

/** Tabs in one test: channels that deliver to every other channel of the hub, like BroadcastChannel. */
export function memoryHub<T>() {
  const members = new Set<{ listeners: Set<(message: T) => void> }>();
  const sent: T[] = [];
  return {
    sent,
    channel(): TabChannel<T> {
      const member = { listeners: new Set<(message: T) => void>() };
      members.add(member);
      return {
        post(message) {
          sent.push(message);
          const copy = JSON.parse(JSON.stringify(message)) as T;
          for (const other of members) if (other !== member) for (const listener of other.listeners) listener(copy);
        },
        subscribe(listener) {
          member.listeners.add(listener);
          return () => member.listeners.delete(listener);
        },
        close() {
          members.delete(member);
        },
      };
    },
  };
}

/** A leader whose leadership the test decides. */
export function manualLeader(initial: boolean): Leader & { set(value: boolean): void } {
  const listeners = new Set<(isLeader: boolean) => void>();
  let isLeader = initial;
  return {
    get isLeader() {
      return isLeader;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set(value) {
      isLeader = value;
      for (const listener of listeners) listener(value);
    },
    close() {
      listeners.clear();
    },
  };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/**
 * A fake server with the sessionguard policy: it tracks last activity from
 * pings like the real adapter (max(stored, now - idleFor)), ends the session
 * after `expireAfter`, and signs in `alice` / `alice-pass` (any `name` / `name-pass`).
 * With `tags`, its ping answers carry a session tag (a new one at each
 * sign-in) and a user tag (`u-` and the user name), like the real adapter.
 */
export function fakeServer(policy: { warnAfter: number; expireAfter: number }, { tags = false } = {}) {
  let lastActivity = Date.now();
  let sessions = 1;
  let ended: 'session_expired' | 'session_revoked' | null = null;
  // Like the real adapter: the first 401 says why the session ended and destroys it; later ones say `unauthenticated`.
  let reported = false;
  const refuse = () => {
    const error = reported ? 'unauthenticated' : ended;
    reported = true;
    return json(401, { error, message: '' });
  };
  const server = {
    pings: [] as number[],
    requests: [] as { url: string; method: string; body: string; headers: Headers }[],
    down: false,
    /** The tags of the signed-in session (with `tags`). */
    session: tags ? 's1' : (undefined as string | undefined),
    user: tags ? 'u-alice' : (undefined as string | undefined),
    /** Serves `GET /session/events` (push); without it that answers 404, as a server with `push: false` does. Not in `requests`. */
    events: null as null | ReturnType<typeof sseEndpoint>,
    /** Overrides the next answers to /session/ping. */
    pingAnswer: null as null | (() => Response | Promise<Response>),
    revoke() {
      ended = 'session_revoked';
      reported = false;
    },
    touch() {
      lastActivity = Date.now();
    },
    get idleFor() {
      return (Date.now() - lastActivity) / 1000;
    },
    alive() {
      if (!ended && server.idleFor >= policy.expireAfter) ended = 'session_expired';
      return !ended;
    },
    fetch: async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const request = new Request(input, init);
      const url = new URL(request.url, 'http://localhost').pathname;
      if (url === '/session/events') return server.events?.handle(request) ?? json(404, { error: 'not_found', message: '' });
      const body = await request.text();
      server.requests.push({ url, method: request.method, body, headers: request.headers });
      if (server.down) throw new TypeError('Failed to fetch');
      if (url === '/session/ping') {
        server.pings.push(Date.now());
        if (server.pingAnswer) return server.pingAnswer();
        if (!server.alive()) return refuse();
        const idleFor = (JSON.parse(body) as { idleFor: number }).idleFor;
        lastActivity = Math.min(Date.now(), Math.max(lastActivity, Date.now() - idleFor * 1000));
        const answer: PingResponse = {
          idleFor: Math.floor(server.idleFor),
          ...policy,
          absoluteRemaining: null,
          ...(server.session === undefined ? {} : { session: server.session }),
          ...(server.user === undefined ? {} : { user: server.user }),
        };
        return json(200, answer);
      }
      if (url === '/login') {
        const { username, password } = JSON.parse(body) as { username: string; password: string };
        if (`${username}-pass` !== password) return json(401, { error: 'invalid_credentials', message: '' });
        ended = null;
        reported = false;
        lastActivity = Date.now();
        if (tags) {
          server.session = `s${++sessions}`;
          server.user = `u-${username}`;
        }
        return json(200, { username });
      }
      if (url === '/logout') {
        ended = 'session_revoked';
        return json(200, {});
      }
      if (!server.alive()) return refuse();
      lastActivity = Date.now();
      return json(200, { ok: true, echo: body });
    },
  };
  return server;
}

/**
 * A guard with the built-in dialogs attached, as the script tag starts it:
 * `options` go to both (each takes its own). A guard whose dialog options
 * are refused is destroyed before the error is thrown.
 */
export function guardWithDialogs(options: SessionGuardOptions & DialogOptions): SessionGuard {
  const guard = createSessionGuard(options);
  try {
    attachDialogs(guard, options);
  } catch (error) {
    guard.destroy();
    throw error;
  }
  return guard;
}
