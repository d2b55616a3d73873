import Bowser from 'bowser';
import { cutToUtf8Bytes, MAX_USER_AGENT_BYTES } from './registry/bounds.js';

export { MAX_USER_AGENT_BYTES } from './registry/bounds.js';

/** A user agent as the sessions list shows it. Each field is at most {@link MAX_DEVICE_FIELD_LENGTH} characters. */
export interface DeviceDescription {
  /** e.g. `Chrome 120`; `null` when unknown. */
  browser: string | null;
  /** e.g. `macOS 10.15.7`; `null` when unknown. */
  os: string | null;
  /** e.g. `desktop`, `mobile (Apple iPhone)`; `null` when unknown. */
  device: string | null;
}

/** The longest a field of {@link DeviceDescription} gets, in characters (UTF-16 code units). */
export const MAX_DEVICE_FIELD_LENGTH = 64;

/**
 * Control characters (C0, DEL, C1: CR and LF would split a log line, ESC
 * drives terminals) and the invisible bidirectional overrides and isolates
 * (they reorder what the sessions page shows).
 */
const UNWANTED = /[\u0000-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A `User-Agent` as sessionguard stores it: control characters (and
 * bidirectional overrides) removed, lone surrogates replaced by U+FFFD, then
 * at most {@link MAX_USER_AGENT_BYTES} (512) bytes of UTF-8, cut between two
 * characters. `null` when absent or when nothing is left. A client chooses its
 * header (up to Node's whole header limit, 16 kB), so what a session record
 * costs must not depend on it.
 */
export function boundUserAgent(value: string | null | undefined): string | null {
  if (typeof value !== 'string' || value === '') return null;
  const clean = value.replace(UNWANTED, '').replace(LONE_SURROGATE, '\uFFFD');
  const bounded = cutToUtf8Bytes(clean, MAX_USER_AGENT_BYTES);
  return bounded === '' ? null : bounded;
}

/** At most MAX_DEVICE_FIELD_LENGTH characters, cut between two characters, an ellipsis marking the cut. */
function field(value: string | null): string | null {
  if (value === null) return null;
  const clean = value.replace(UNWANTED, '').replace(LONE_SURROGATE, '\uFFFD').trim();
  if (clean === '') return null;
  if (clean.length <= MAX_DEVICE_FIELD_LENGTH) return clean;
  let end = MAX_DEVICE_FIELD_LENGTH - 1;
  if (/[\uD800-\uDBFF]/.test(clean[end - 1]!)) end -= 1;
  return `${clean.slice(0, end)}…`;
}

const join = (...parts: Array<string | undefined>) => parts.filter((part) => part).join(' ') || null;

/**
 * Describes a `User-Agent` with bowser, a maintained parser (MIT; ua-parser-js
 * v2 is AGPL). Unknown or absent agents give nulls, never an error. Whatever
 * the input, it parses at most the {@link boundUserAgent} of it, and each
 * field is at most {@link MAX_DEVICE_FIELD_LENGTH} characters, without control
 * characters.
 */
export function describeUserAgent(userAgent: string | null | undefined): DeviceDescription {
  const bounded = boundUserAgent(userAgent);
  if (!bounded) return { browser: null, os: null, device: null };
  try {
    const { browser, os, platform } = Bowser.parse(bounded);
    const model = join(platform.vendor, platform.model);
    return {
      browser: field(join(browser.name, browser.version?.split('.')[0])),
      // Windows reports "NT 10.0" as its version and "10" as its name for people; prefer the latter there.
      os: field(join(os.name, os.versionName && !/^\d/.test(os.version ?? '') ? os.versionName : os.version)),
      device: field(platform.type ? (model ? `${platform.type} (${model})` : platform.type) : model),
    };
  } catch {
    return { browser: null, os: null, device: null };
  }
}
