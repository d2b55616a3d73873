/**
 * The script-tag build: `window.SessionGuard` with everything `index.ts` and
 * `ui.ts` export and the shipped languages, plus `current`, the guard started
 * from the tag's `data-*` attributes (see docs/contracts.md) when it has
 * `data-base-url`, with the built-in dialogs attached.
 */
import { attachDialogs, type DialogOptions } from './attach-dialogs.js';
import { createSessionGuard, type SessionGuard } from './guard.js';
import { localeStrings } from './locales.js';
import type { SessionGuardOptions } from './options.js';

export * from './index.js';
export * from './ui.js';
export { de, fr, LOCALES, localeStrings } from './locales.js';

/** The guard this script tag started, or null. */
export let current: SessionGuard | null = null;

/** Options of the guard and of its dialogs from a script tag's `data-*` attributes. */
export function optionsFromDataset(data: DOMStringMap): SessionGuardOptions & DialogOptions {
  const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  const { csrfHeader: header, csrfMeta: meta, csrfField: field, csrfTokenUrl: tokenUrl } = data;
  // Any data-csrf-* attribute turns the app's CSRF token on; those missing (or empty) take their defaults.
  const csrf = [header, meta, field, tokenUrl].some((value) => value !== undefined)
    ? { header: header || undefined, meta: meta || undefined, field: field || undefined, tokenUrl: tokenUrl || undefined }
    : undefined;
  return {
    baseUrl: data.baseUrl,
    signInUrl: data.signInUrl,
    logoutUrl: data.logoutUrl,
    reauthenticateUrl: data.reauthenticateUrl,
    csrf,
    loginPageUrl: data.loginPageUrl,
    username: data.username,
    locale: data.locale,
    nonce: data.nonce,
    // `data-push="false"` (or `off`) keeps to pings; absent, push is on.
    push: data.push === undefined ? undefined : !['false', 'off', '0'].includes(data.push),
    warnAfter: number(data.warnAfter),
    expireAfter: number(data.expireAfter),
    // The script tag carries every shipped language: `data-locale` picks one; `data-strings` (JSON) overrides.
    strings: { ...localeStrings(data.locale ?? document.documentElement.lang ?? 'en'), ...(data.strings ? (JSON.parse(data.strings) as object) : {}) },
  };
}

const script = typeof document === 'undefined' ? null : document.currentScript;
if (script instanceof HTMLScriptElement && script.dataset.baseUrl !== undefined) {
  const options = optionsFromDataset(script.dataset);
  attachDialogs((current = createSessionGuard(options)), options);
}
