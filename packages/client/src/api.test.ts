import { afterEach, describe, expect, it, vi } from 'vitest';
import { API_TIMEOUT_MS, createApi } from './api.js';

afterEach(() => void vi.useRealTimers());

describe("the guard's own requests", () => {
  it('send JSON with the X-SessionGuard header, and return any status without throwing', async () => {
    const sent: Request[] = [];
    const api = createApi(async (input, init) => {
      sent.push(new Request(input, init));
      return new Response('{"error":"invalid_credentials"}', { status: 401 });
    });
    const response = await api.post('http://localhost/login', { json: { username: 'alice' }, headers: { 'x-csrf-token': 't' } });
    expect(response.status).toBe(401);
    const request = sent[0]!;
    expect(request.method).toBe('POST');
    expect(request.headers.get('x-sessionguard')).not.toBeNull();
    expect(request.headers.get('content-type')).toBe('application/json');
    expect(request.headers.get('x-csrf-token')).toBe('t');
    expect(await request.json()).toEqual({ username: 'alice' });
  });

  it(`give up on a server that does not answer within ${API_TIMEOUT_MS / 1000} s (the guard then counts it unreachable)`, async () => {
    vi.useFakeTimers();
    const api = createApi(
      (input, init) =>
        new Promise<Response>((_, reject) => {
          new Request(input, init).signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
    );
    const answer = api.get('http://localhost/session/csrf');
    const settled = vi.fn();
    answer.catch(settled);
    await vi.advanceTimersByTimeAsync(API_TIMEOUT_MS - 1);
    expect(settled).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    await expect(answer).rejects.toThrow();
  });
});
