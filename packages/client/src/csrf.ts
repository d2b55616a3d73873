import type { Api } from './api.js';
import type { ResolvedOptions } from './options.js';
import { safely } from './safely.js';

/**
 * The app's own CSRF token (csrf-sync, csrf-csrf, or any synchroniser token):
 * where the SDK reads it, which header carries it, and where a fresh one is
 * written after sign-in in place. Only the SDK's requests to the app's
 * endpoints carry it (`logoutUrl`, `signInUrl`, `reauthenticateUrl`); the guard's own routers have
 * their own defence (the `X-SessionGuard` header and an Origin check).
 */
export interface CsrfOptions {
  /**
   * Request header the token goes in.
   * @default 'x-csrf-token' (what csrf-sync and csrf-csrf read by default)
   */
  header?: string;
  /**
   * `name` of the `<meta>` whose `content` is the token. Read at each request
   * (unless `token` is given) and rewritten after sign-in in place.
   * @default 'csrf-token'
   */
  meta?: string | null;
  /**
   * `name` of the hidden form fields carrying the token: after sign-in in
   * place every `<input type="hidden">` of that name gets the fresh one, so
   * a form the user filled in before the session ended submits afterwards.
   * @default '_csrf'
   */
  field?: string | null;
  /**
   * Reads the token, instead of the `<meta>`.
   * @default null
   */
  token?: (() => string | null | undefined) | null;
  /**
   * JSON endpoint answering `GET` with `{"csrfToken": "..."}`, the token of
   * the browser's current session. A session-bound token (csrf-sync keeps it
   * in the session) ends with its session, so before signing in in place the
   * SDK asks here for the token of the fresh anonymous session; and after,
   * when the sign-in answer carries no `csrfToken`, for the signed-in one's.
   * @default null (the token of the page is sent as it is)
   */
  tokenUrl?: string | null;
}

/** The app's CSRF token (the `csrf` option), for the app's own endpoints: sign-in, sign-out, reauthentication. */
export interface AppCsrf {
  /** The page's token now (`null`: none, or no `csrf` option). */
  read(): string | null;
  /** The header carrying `token`, or none. */
  headers(token: string | null): Record<string, string>;
  /** The token of the browser's current session from `csrf.tokenUrl` (`null` without one); throws when unreachable. */
  fetchToken(): Promise<string | null>;
  /** Puts a fresh token where the page keeps it: the `<meta>` and every hidden field of the configured name. */
  write(token: string | null): void;
  /**
   * `fetch` for held requests: one held over a sign-in in place is sent again
   * as it was, with the ended session's token if it carried one; each token
   * this page replaced is swapped for the current one on the way out.
   */
  fetch: typeof fetch;
}

/** The `csrfToken` of an answer's body, or null. */
export function tokenOf(body: unknown): string | null {
  const token = (body as { csrfToken?: unknown } | null)?.csrfToken;
  return typeof token === 'string' && token ? token : null;
}

export function createAppCsrf(o: ResolvedOptions, api: Api, absolute: (url: string) => string, baseFetch: typeof fetch): AppCsrf {
  const { csrf } = o;
  const doc = o.window.document;
  /** Tokens of ended sessions this page replaced after signing in in place. */
  const stale = new Set<string>();
  const metas = (): HTMLMetaElement[] => [...doc.getElementsByTagName('meta')].filter((meta) => meta.name === csrf?.meta);
  const read = (): string | null => {
    let token: string | null | undefined = null;
    safely(() => (token = csrf && (csrf.token ? csrf.token() : metas()[0]?.content)));
    return token || null;
  };
  return {
    read,
    headers: (token) => (csrf && token ? { [csrf.header]: token } : {}),
    async fetchToken() {
      if (!csrf?.tokenUrl) return null;
      const response = await api.get(absolute(csrf.tokenUrl));
      return response.ok ? tokenOf(await response.json().catch(() => null)) : null;
    },
    write(token) {
      if (!csrf || !token) return;
      const old = read();
      if (old && old !== token) stale.add(old);
      for (const meta of metas()) meta.content = token;
      for (const field of csrf.field ? doc.getElementsByName(csrf.field) : []) {
        if (field.tagName === 'INPUT' && (field as HTMLInputElement).type === 'hidden') (field as HTMLInputElement).value = token;
      }
    },
    fetch(input, init) {
      const header = csrf?.header;
      if (header && input instanceof Request && stale.has(input.headers.get(header)!)) input.headers.set(header, read()!);
      return baseFetch(input, init);
    },
  };
}
