import { describe, expect, it, vi } from 'vitest';
import { ky } from './deps.js';
import { createGuardHttp, type HoldRequest } from './http.js';

// These run twice, on ky 1.14 (project `dom`, the root devDependency) and on ky 2 (project `dom-ky2`,
// which sets SG_EXPECT_KY_MAJOR): the client's peer range is ^1.14 || ^2.
const expectedMajor = process.env.SG_EXPECT_KY_MAJOR ?? '1';

const BASE = 'http://localhost:3000/';
const unauthenticated = () =>
  new Response(JSON.stringify({ error: 'unauthenticated', message: '' }), { status: 401, headers: { 'content-type': 'application/json' } });

/** A server that refuses the first `refusals` requests with a 401 and echoes the body of the others. */
function server(refusals: number) {
  const seen: { url: string; method: string; body: string; marked: boolean }[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const body = await request.text();
    seen.push({ url: request.url, method: request.method, body, marked: request.headers.get('X-SessionGuard') === '1' });
    if (seen.length <= refusals) return unauthenticated();
    return new Response(JSON.stringify({ echo: body }), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, seen };
}

describe('the ky major under test', () => {
  it('is the one this test project is named for', async () => {
    // ky 1 calls a hook with (request, options, state); ky 2 with one state object.
    let hookArguments = -1;
    await ky('http://localhost:3000/probe', {
      fetch: async () => new Response('ok'),
      hooks: { beforeRequest: [(...args: unknown[]) => void (hookArguments = args.length)] },
    });
    expect(hookArguments === 1 ? '2' : '1').toBe(expectedMajor);
  });
});

describe('guard.http on this ky major', () => {
  it('marks same-origin requests with X-SessionGuard and leaves other origins alone', async () => {
    const { fetch, seen } = server(0);
    const { http } = createGuardHttp(fetch, async () => false, BASE);
    await http.get('http://localhost:3000/api/me');
    await http.get('https://elsewhere.example/api/me');
    expect(seen.map(({ url, marked }) => [url, marked])).toEqual([
      ['http://localhost:3000/api/me', true],
      ['https://elsewhere.example/api/me', false],
    ]);
  });

  it('holds a POST refused with a 401, and sends it again with its body once the user signed in', async () => {
    const { fetch, seen } = server(1);
    const hold = vi.fn<HoldRequest>(async () => true);
    const { http } = createGuardHttp(fetch, hold, BASE);
    const reply = await http.post('http://localhost:3000/api/notes', { json: { notes: 'keep me' } }).json<{ echo: string }>();
    expect(hold).toHaveBeenCalledExactlyOnceWith('signed-out');
    expect(reply.echo).toBe('{"notes":"keep me"}');
    expect(seen.map(({ method, body }) => [method, body])).toEqual([
      ['POST', '{"notes":"keep me"}'],
      ['POST', '{"notes":"keep me"}'],
    ]);
  });

  it('sends the body again after sign-in with retries off too (ky 2 then hands afterResponse the request it sent)', async () => {
    const { fetch, seen } = server(1);
    const { http } = createGuardHttp(fetch, async () => true, BASE);
    const reply = await http
      .extend({ retry: 0 })
      .post('http://localhost:3000/api/notes', { json: { notes: 'no retries' } })
      .json<{ echo: string }>();
    expect(reply.echo).toBe('{"notes":"no retries"}');
    expect(seen.map(({ body }) => body)).toEqual(['{"notes":"no retries"}', '{"notes":"no retries"}']);
  });

  it('answers with the 401 (an HTTPError) when the user does not sign in again', async () => {
    const { fetch, seen } = server(1);
    const { http } = createGuardHttp(fetch, async () => false, BASE);
    await expect(http.get('http://localhost:3000/api/me')).rejects.toMatchObject({ name: 'HTTPError', response: { status: 401 } });
    expect(seen).toHaveLength(1);
  });
});
