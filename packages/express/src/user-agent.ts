import Bowser from 'bowser';

/** A user agent as the sessions list shows it. */
export interface DeviceDescription {
  /** e.g. `Chrome 120`; `null` when unknown. */
  browser: string | null;
  /** e.g. `macOS 10.15.7`; `null` when unknown. */
  os: string | null;
  /** e.g. `desktop`, `mobile (Apple iPhone)`; `null` when unknown. */
  device: string | null;
}

const join = (...parts: Array<string | undefined>) => parts.filter((part) => part).join(' ') || null;

/**
 * Describes a `User-Agent` with bowser, a maintained parser (MIT; ua-parser-js
 * v2 is AGPL). Unknown or absent agents give nulls, never an error.
 */
export function describeUserAgent(userAgent: string | null): DeviceDescription {
  if (!userAgent) return { browser: null, os: null, device: null };
  try {
    const { browser, os, platform } = Bowser.parse(userAgent);
    const model = join(platform.vendor, platform.model);
    return {
      browser: join(browser.name, browser.version?.split('.')[0]),
      // Windows reports "NT 10.0" as its version and "10" as its name for people; prefer the latter there.
      os: join(os.name, os.versionName && !/^\d/.test(os.version ?? '') ? os.versionName : os.version),
      device: platform.type ? (model ? `${platform.type} (${model})` : platform.type) : model,
    };
  } catch {
    return { browser: null, os: null, device: null };
  }
}
