import { CSRF_HEADER, CSRF_HEADER_VALUE } from '@sessionguard/core';

/** How long the guard waits for one of its own requests before it counts the server as unreachable. */
export const API_TIMEOUT_MS = 15_000;

/**
 * The guard's own requests (ping, sign-in, sign-out, step-up, the CSRF
 * token): JSON over the page's `fetch`. A status never throws (the callers
 * read it); an outage or a request over {@link API_TIMEOUT_MS} rejects.
 */
export interface Api {
  get(url: string): Promise<Response>;
  post(url: string, init?: { json?: unknown; headers?: Record<string, string> }): Promise<Response>;
}

/**
 * Builds {@link Api} over `baseFetch`. Plain `fetch` rather than ky: these
 * few requests need no more, and the script tag then carries ky only where
 * `guard.http` is wanted (it does not: see the README).
 */
export function createApi(baseFetch: typeof fetch): Api {
  const send = async (method: string, url: string, json?: unknown, extra?: Record<string, string>): Promise<Response> => {
    const headers: Record<string, string> = { [CSRF_HEADER]: CSRF_HEADER_VALUE, accept: 'application/json', ...extra };
    if (json !== undefined) headers['content-type'] = 'application/json';
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), API_TIMEOUT_MS);
    try {
      const body = json === undefined ? null : JSON.stringify(json);
      return await baseFetch(new Request(url, { method, headers, body, signal: abort.signal }));
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    get: (url) => send('GET', url),
    post: (url, init) => send('POST', url, init?.json, init?.headers),
  };
}
