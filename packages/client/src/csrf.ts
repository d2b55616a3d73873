import type { KyInstance } from 'ky';
import type { ResolvedOptions } from './options.js';
import { safely } from './safely.js';

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

export function createAppCsrf(o: ResolvedOptions, api: KyInstance, absolute: (url: string) => string, baseFetch: typeof fetch): AppCsrf {
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
