// @vitest-environment jsdom
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The script tag as shipped (`packages/client/dist/sessionguard.min.js`, built
 * by `npm test` before the suites): it carries no ky (`guard.http` is ky's
 * instance, for npm apps), yet the guard's own requests and `guard.fetch`
 * work, and `guard.http` says what to use instead.
 */
const built = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages', 'client', 'dist', 'sessionguard.min.js');

interface ScriptTagGuard {
  http: unknown;
  fetch(input: string, init?: RequestInit): Promise<Response>;
  destroy(): void;
}
type ScriptTagGlobal = { createSessionGuard(options: object): ScriptTagGuard };

function loadScriptTag(): ScriptTagGlobal {
  // An indirect eval runs the IIFE in the page's global scope, as a <script> would.
  (0, eval)(`${readFileSync(built, 'utf8')}\n;globalThis.__scriptTag = SessionGuard;`);
  return (globalThis as unknown as { __scriptTag: ScriptTagGlobal }).__scriptTag;
}

const guards: ScriptTagGuard[] = [];
afterEach(() => {
  for (const guard of guards.splice(0)) guard.destroy();
});

describe('the script tag (sessionguard.min.js)', () => {
  it('does not carry ky', () => {
    // ky's own error text: present in any bundle that includes ky.
    expect(readFileSync(built, 'utf8')).not.toContain('Request timed out');
  });

  it("pings with its own fetch and holds nothing back through guard.fetch; guard.http names what to use instead", async () => {
    const seen: { url: string; method: string; header: string | null; body: string }[] = [];
    const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const request = new Request(input, init);
      seen.push({ url: new URL(request.url).pathname, method: request.method, header: request.headers.get('x-sessionguard'), body: await request.text() });
      if (new URL(request.url).pathname === '/session/ping') {
        return new Response(JSON.stringify({ idleFor: 0, warnAfter: 540, expireAfter: 600, absoluteRemaining: null }), { headers: { 'content-type': 'application/json' } });
      }
      return new Response('{"saved":true}', { headers: { 'content-type': 'application/json' } });
    };
    const { createSessionGuard } = loadScriptTag();
    const guard = createSessionGuard({ baseUrl: '/session', fetch });
    guards.push(guard);

    await expect.poll(() => seen.some((request) => request.url === '/session/ping')).toBe(true);
    const ping = seen.find((request) => request.url === '/session/ping')!;
    expect(ping.method).toBe('POST');
    expect(ping.header).not.toBeNull();
    expect(JSON.parse(ping.body)).toHaveProperty('idleFor');

    const saved = await guard.fetch('/api/notes', { method: 'POST', body: 'text' });
    expect(await saved.json()).toEqual({ saved: true });

    expect(() => guard.http).toThrow(/guard\.fetch/);
  });
});
