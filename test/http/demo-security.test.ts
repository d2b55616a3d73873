/**
 * Issue 10, part 10: the demo's own security. TRUST_PROXY read the way
 * operators write it; failure limits that count an attempt before verifying
 * it; return paths checked after normalisation; a warning for the public
 * development secret; `no-store` on API and error answers; 400 (never 500)
 * for malformed percent-encoding; slow clients cut off. Over HTTP against the
 * built demo (test/support/demo.ts), plus unit tests of the pure pieces.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { ConfigError, parseTrustProxy, readConfig } from '../../demo/config.js';
import { createRateLimiter, safeNext } from '../../demo/security.js';
import { startDemo, type RunningDemo } from '../support/demo.js';

let demo: RunningDemo;

beforeAll(async () => {
  // Behind "a proxy on loopback", so each test can be its own client (X-Forwarded-For) with its own rate limits.
  demo = await startDemo({ env: { TRUST_PROXY: 'loopback' } });
});

afterAll(async () => {
  await demo?.stop();
});

/** The `name=value` of the session cookie a response sets, or null. */
function sessionCookie(response: Response): string | null {
  const line = response.headers.getSetCookie().find((cookie) => cookie.startsWith('sessionguard.sid='));
  return line ? line.split(';')[0]! : null;
}

let nextClient = 1;
/** A fresh client address (TEST-NET-2), so one test's rate limits do not spill into another's. */
const clientIp = () => `198.51.100.${nextClient++}`;

function signIn(target: RunningDemo, username: string, password: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${target.url}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers },
    body: JSON.stringify({ username, password }),
  });
}

async function signedIn(target: RunningDemo, username: string, password: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await signIn(target, username, password, headers);
  expect(response.status).toBe(200);
  return sessionCookie(response)!;
}

const statuses = (responses: Response[]) => {
  const counts: Record<number, number> = {};
  for (const { status } of responses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
};

describe('TRUST_PROXY', () => {
  it('reads hop counts as numbers, true/false as booleans, and lists of addresses, subnets and names', () => {
    expect(parseTrustProxy(undefined)).toBeUndefined();
    expect(parseTrustProxy('')).toBeUndefined();
    expect(parseTrustProxy('1')).toBe(1);
    expect(parseTrustProxy('2')).toBe(2);
    expect(parseTrustProxy(' 3 ')).toBe(3);
    expect(parseTrustProxy('true')).toBe(true);
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('loopback')).toEqual(['loopback']);
    expect(parseTrustProxy('loopback, 10.0.0.0/8 ,192.0.2.1,::1,fd00::/8,UniqueLocal')).toEqual(['loopback', '10.0.0.0/8', '192.0.2.1', '::1', 'fd00::/8', 'uniquelocal']);
    expect(readConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(readConfig({}).trustProxy).toBeUndefined();
  });

  it('refuses at start-up what Express would misread, with a ConfigError naming TRUST_PROXY', async () => {
    // "0x7f.1" and "1.2.3" are addresses to Express's parser (127.0.0.1, 1.2.0.3); the others are typos or unsupported.
    for (const raw of ['0x7f.1', '1.2.3', 'localhost', 'yes', '-1', '1e1', '1.5', '10.0.0.0/33', '10.0.0.0/0', '10.0.0.0/abc', 'loopback,,10.0.0.1', 'fe80::1%eth0', '999']) {
      expect(() => readConfig({ TRUST_PROXY: raw }), raw).toThrow(ConfigError);
      expect(() => readConfig({ TRUST_PROXY: raw }), raw).toThrow(/TRUST_PROXY/);
    }
    await expect(startDemo({ env: { TRUST_PROXY: '0x7f.1' } })).rejects.toThrow(/TRUST_PROXY="0x7f\.1"/);
  });

  describe('behind one TLS-terminating proxy (TRUST_PROXY=1)', () => {
    let proxied: RunningDemo;
    beforeAll(async () => {
      proxied = await startDemo({ env: { TRUST_PROXY: '1' } });
    });
    afterAll(async () => {
      await proxied?.stop();
    });

    const host = () => `127.0.0.1:${proxied.port}`;
    const viaProxy = (client: string) => ({ 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': client, Origin: `https://${host()}`, 'Sec-Fetch-Site': 'same-origin' });

    it('signs in from an https page: the Origin passes the same-origin check and the cookie is Secure', async () => {
      const form = await fetch(`${proxied.url}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...viaProxy('203.0.113.10') },
        body: new URLSearchParams({ username: 'alice', password: 'alice-pass' }),
      });
      expect(form.status).toBe(303);
      expect(form.headers.get('location')).toBe('/');
      const setCookie = form.headers.getSetCookie().find((cookie) => cookie.startsWith('sessionguard.sid='));
      expect(setCookie).toMatch(/;\s*Secure/i);

      const json = await signIn(proxied, 'bob', 'bob-pass', viaProxy('203.0.113.11'));
      expect(json.status).toBe(200);
      expect(json.headers.getSetCookie().find((cookie) => cookie.startsWith('sessionguard.sid='))).toMatch(/;\s*Secure/i);
    });

    it('keys the rate limits on the client address from X-Forwarded-For, not the proxy\'s', async () => {
      // No Origin here (a non-browser client): this checks the limit's key alone, not the same-origin check.
      const viaProxy = (client: string) => ({ 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': client });
      for (let attempt = 0; attempt < 10; attempt += 1) {
        expect((await signIn(proxied, 'alice', `guess-${attempt}`, viaProxy('203.0.113.20'))).status).toBe(401);
      }
      expect((await signIn(proxied, 'alice', 'guess-10', viaProxy('203.0.113.20'))).status).toBe(429);
      // Another client behind the same proxy is not locked out, and neither is the right password from it.
      expect((await signIn(proxied, 'alice', 'guess-11', viaProxy('203.0.113.21'))).status).toBe(401);
      expect((await signIn(proxied, 'alice', 'alice-pass', viaProxy('203.0.113.21'))).status).toBe(200);
    });
  });
});

describe('failure limits count an attempt before verifying it', () => {
  it('reserves a verification up to the limit, refuses beyond it, and a success gives its count back once', () => {
    // A fake clock, so the wait it announces is an exact number of seconds.
    vi.useFakeTimers({ now: new Date('2026-01-01T10:00:00Z') });
    onTestFinished(() => void vi.useRealTimers());
    const limiter = createRateLimiter({ limit: 3, windowMs: 60_000 });
    const tickets = [limiter.reserve('k'), limiter.reserve('k'), limiter.reserve('k')];
    expect(tickets.every(Boolean)).toBe(true);
    expect(limiter.reserve('k')).toBeNull();
    expect(limiter.reserve('other')).not.toBeNull();
    tickets[0]!.giveBack();
    tickets[0]!.giveBack(); // a second give-back of one ticket changes nothing
    expect(limiter.reserve('k')).not.toBeNull();
    expect(limiter.reserve('k')).toBeNull();
    // retryAfter is at least 1 whatever the window: only the exact seconds left show it is counted.
    expect(limiter.retryAfter('k')).toBe(60);
    vi.advanceTimersByTime(45_500);
    expect(limiter.retryAfter('k')).toBe(15);
  });

  it('45 parallel wrong sign-in guesses: at most 10 are evaluated, the rest get 429', async () => {
    const client = { 'X-Forwarded-For': clientIp() };
    const before = demo.output().split('sign-in refused: invalid credentials').length;
    const responses = await Promise.all(Array.from({ length: 45 }, (_, i) => signIn(demo, 'bob', `parallel-guess-${i}`, client)));
    const counts = statuses(responses);
    expect(Object.keys(counts).sort()).toEqual(['401', '429']);
    expect(counts[401]).toBeLessThanOrEqual(10);
    expect(counts[429]).toBeGreaterThanOrEqual(35);
    expect(demo.output().split('sign-in refused: invalid credentials').length - before).toBeLessThanOrEqual(10);
    // The right password waits too: the window is used up.
    expect((await signIn(demo, 'bob', 'bob-pass', client)).status).toBe(429);
  });

  it('45 parallel wrong current passwords: at most 10 are evaluated, the rest get 429', async () => {
    const client = { 'X-Forwarded-For': clientIp() };
    const cookie = await signedIn(demo, 'alice', 'alice-pass', client);
    const responses = await Promise.all(
      Array.from({ length: 45 }, (_, i) =>
        fetch(`${demo.url}/account/password`, {
          method: 'POST',
          redirect: 'manual',
          headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', ...client },
          body: new URLSearchParams({ current_password: `wrong-${i}`, new_password: 'a-new-password' }),
        }),
      ),
    );
    const counts = statuses(responses);
    expect(Object.keys(counts).sort()).toEqual(['400', '429']);
    expect(counts[400]).toBeLessThanOrEqual(10);
    expect(counts[429]).toBeGreaterThanOrEqual(35);
    // Nothing changed: the old password still signs in.
    expect((await signIn(demo, 'alice', 'alice-pass', { 'X-Forwarded-For': clientIp() })).status).toBe(200);
  });

  it('a successful sign-in gives its count back', async () => {
    const client = { 'X-Forwarded-For': clientIp() };
    for (let attempt = 0; attempt < 9; attempt += 1) expect((await signIn(demo, 'admin', `guess-${attempt}`, client)).status).toBe(401);
    expect((await signIn(demo, 'admin', 'admin-pass', client)).status).toBe(200);
    expect((await signIn(demo, 'admin', 'guess-9', client)).status).toBe(401);
    expect((await signIn(demo, 'admin', 'guess-10', client)).status).toBe(429);
  });
});

describe('safeNext checks its result after normalisation', () => {
  it('keeps same-origin paths', () => {
    expect(safeNext('/account/sessions?tab=1')).toBe('/account/sessions?tab=1');
    expect(safeNext('/a/./b/../c#top')).toBe('/a/c#top');
    expect(safeNext('/notes?q=a%2Fb//c')).toBe('/notes?q=a%2Fb//c');
    expect(safeNext('/admin/users')).toBe('/admin/users');
  });

  it('refuses paths that normalise or decode into another origin', () => {
    for (const evil of [
      '/.//evil.example',
      '/./\\evil.example',
      '/%2e//evil.example',
      '/%2E//evil.example',
      '/..//evil.example',
      '/a/..//evil.example',
      '/%2e%2e//evil.example',
      '/.%2f/evil.example',
      '/%2f/evil.example',
      '/%2F%2Fevil.example',
      '/%5cevil.example',
      '/%5C%5Cevil.example',
      '/%252f%252fevil.example',
      '/%09/evil.example',
      '/%E0%A4%A',
      '//evil.example',
      '/\\evil.example',
      'https://evil.example/',
      '/./login',
      '/%6cogin',
    ]) {
      expect(safeNext(evil), evil).toBeNull();
    }
  });

  it('a sign-in with next=/.//evil.example lands on / and the page never echoes it', async () => {
    const response = await fetch(`${demo.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Forwarded-For': clientIp() },
      body: new URLSearchParams({ username: 'bob', password: 'bob-pass', next: '/.//evil.example' }),
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/');
    const page = await (await fetch(`${demo.url}/login?next=${encodeURIComponent('/%2e//evil.example')}`)).text();
    expect(page).not.toContain('evil.example');
  });
});

describe('REDIS_URL without SESSION_SECRET', () => {
  it('warns that the demo uses a public development secret', async () => {
    expect(readConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).warnings.join('\n')).toMatch(/public development secret/);
    expect(readConfig({ REDIS_URL: 'redis://127.0.0.1:6379', SESSION_SECRET: 'x'.repeat(32) }).warnings).toEqual([]);
    expect(readConfig({}).warnings).toEqual([]);
    // Needs the Redis at 127.0.0.1:6379 that `npm test` provisions.
    const shared = await startDemo({ env: { REDIS_URL: 'redis://127.0.0.1:6379', SESSION_SECRET: '' } });
    try {
      expect(shared.output()).toMatch(/warning: .*public development secret/);
    } finally {
      await shared.stop();
    }
  });
});

describe('caching and malformed paths', () => {
  it('sends Cache-Control: no-store on /api answers and on error answers', async () => {
    const client = { 'X-Forwarded-For': clientIp() };
    const cookie = await signedIn(demo, 'bob', 'bob-pass', client);
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${demo.url}${path}`, { ...init, headers: { Accept: 'application/json', ...client, ...(init.headers as Record<string, string>) } });
    const answers: Array<[string, Response]> = [
      ['GET /api/me', await api('/api/me', { headers: { Cookie: cookie } })],
      ['GET /api/notes', await api('/api/notes', { headers: { Cookie: cookie } })],
      ['POST /api/notes', await api('/api/notes', { method: 'POST', headers: { Cookie: cookie, 'Content-Type': 'application/json' }, body: '{"notes":"hi"}' })],
      ['POST /api/notes (bad JSON)', await api('/api/notes', { method: 'POST', headers: { Cookie: cookie, 'Content-Type': 'application/json' }, body: '{' })],
      ['GET /api/me (signed out)', await api('/api/me')],
      ['GET /api/nothing', await api('/api/nothing', { headers: { Cookie: cookie } })],
      ['POST /login (wrong)', await signIn(demo, 'bob', 'nope', client)],
      ['POST /login (cross-site)', await signIn(demo, 'bob', 'bob-pass', { ...client, Origin: 'https://evil.example' })],
      ['GET /no-such-page', await fetch(`${demo.url}/no-such-page`)],
    ];
    expect(answers.map(([, response]) => response.status)).toEqual([200, 200, 200, 400, 401, 404, 401, 403, 404]);
    for (const [what, response] of answers) expect(response.headers.get('cache-control'), what).toBe('no-store');
  });

  it('answers a malformed percent-encoding with 400 (JSON for /api, a page otherwise), never 500', async () => {
    const client = { 'X-Forwarded-For': clientIp() };
    const cookie = await signedIn(demo, 'admin', 'admin-pass', client);
    const json = await fetch(`${demo.url}/api/%E0%A4%A`, { headers: { Cookie: cookie, ...client } });
    expect(json.status).toBe(400);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(json.headers.get('cache-control')).toBe('no-store');
    expect(await json.json()).toMatchObject({ error: 'invalid_parameter' });

    for (const [method, path] of [
      ['GET', '/%E0%A4%A'],
      ['GET', '/static/%E0%A4%A'],
      ['GET', '/account/%ZZ'],
      ['POST', '/admin/users/%E0%A4%A/sign-out'],
      ['DELETE', '/session/sessions/%E0%A4%A'],
    ] as const) {
      const response = await fetch(`${demo.url}${path}`, { method, redirect: 'manual', headers: { Cookie: cookie, Accept: 'text/html', 'X-SessionGuard': '1', ...client } });
      expect(response.status, `${method} ${path}`).toBe(400);
      if (method === 'GET') expect(response.headers.get('content-type'), path).toMatch(/^text\/html/);
    }
    expect(demo.output()).not.toMatch(/URIError/);
    // Nobody was signed out, the admin included.
    expect((await fetch(`${demo.url}/api/me`, { headers: { Cookie: cookie, Accept: 'application/json', ...client } })).status).toBe(200);
  });
});

describe('slow requests', () => {
  it('sets request, headers and keep-alive timeouts on the server (headers below request)', async () => {
    const { createDemoServer } = await import('../../demo/http-server.js');
    const config = readConfig({});
    expect([config.requestTimeout, config.headersTimeout, config.keepAliveTimeout]).toEqual([30, 20, 5]);
    const server = createDemoServer(() => {}, config);
    expect(server.requestTimeout).toBe(30_000);
    expect(server.headersTimeout).toBe(20_000);
    expect(server.keepAliveTimeout).toBe(5_000);
    expect(() => readConfig({ REQUEST_TIMEOUT: '10', HEADERS_TIMEOUT: '10' })).toThrow(/HEADERS_TIMEOUT \(10\) must be below REQUEST_TIMEOUT \(10\)/);
    expect(() => readConfig({ REQUEST_TIMEOUT: 'soon' })).toThrow(ConfigError);
  });

  describe('against the running demo (REQUEST_TIMEOUT=2, HEADERS_TIMEOUT=1)', () => {
    let slow: RunningDemo;
    beforeAll(async () => {
      slow = await startDemo({ env: { REQUEST_TIMEOUT: '2', HEADERS_TIMEOUT: '1' } });
    });
    afterAll(async () => {
      await slow?.stop();
    });

    /** When the trickling client gives up: far past both timeouts, so a server that never cuts off shows as `null`. */
    const GIVE_UP_MS = 15_000;

    /**
     * Opens a raw connection, sends `head` at once, then one byte of `drip` every 100 ms, until the
     * server closes the connection or `giveUpMs` passes. Resolves with what the server sent and when it closed.
     */
    function trickle(head: string, drip: string, giveUpMs: number): Promise<{ received: string; closedAfterMs: number | null }> {
      return new Promise((resolve, reject) => {
        const started = Date.now();
        const socket = connect(slow.port, '127.0.0.1');
        let received = '';
        let sent = 0;
        let timer: NodeJS.Timeout | undefined;
        const finish = (closed: boolean) => {
          clearInterval(timer);
          clearTimeout(giveUp);
          socket.destroy();
          resolve({ received, closedAfterMs: closed ? Date.now() - started : null });
        };
        const giveUp = setTimeout(() => finish(false), giveUpMs);
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (received += chunk));
        socket.on('error', () => {}); // a reset after the server gives up is the point
        socket.on('close', () => finish(true));
        socket.on('connect', () => {
          socket.write(head);
          timer = setInterval(() => {
            if (!socket.writable) return;
            socket.write(drip[sent % drip.length]!);
            sent += 1;
          }, 100);
        });
        socket.on('timeout', () => reject(new Error('socket timeout')));
      });
    }

    it('cuts off a request whose body trickles in slower than REQUEST_TIMEOUT', async () => {
      const head =
        `POST /login HTTP/1.1\r\nHost: 127.0.0.1:${slow.port}\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
        'Content-Length: 10000\r\n\r\nusername=alice&password=';
      const { received, closedAfterMs } = await trickle(head, 'x', GIVE_UP_MS);
      expect(closedAfterMs, 'the server closed the connection').not.toBeNull();
      // Not before REQUEST_TIMEOUT (the headers came at once, so it is not HEADERS_TIMEOUT)...
      expect(closedAfterMs!).toBeGreaterThanOrEqual(2000 - 50);
      // ...and well before the client gives up, however loaded the machine.
      expect(closedAfterMs!).toBeLessThan(5 * 2000);
      expect(received).toMatch(/^HTTP\/1\.1 408/);
    });

    it('cuts off a request whose headers trickle in slower than HEADERS_TIMEOUT', async () => {
      const { received, closedAfterMs } = await trickle(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${slow.port}\r\n`, 'X-Slow: a\r\n', GIVE_UP_MS);
      expect(closedAfterMs, 'the server closed the connection').not.toBeNull();
      expect(closedAfterMs!).toBeGreaterThanOrEqual(1000 - 50);
      expect(closedAfterMs!).toBeLessThan(5 * 1000);
      expect(received).toMatch(/^HTTP\/1\.1 408/);
    });
  });
});
