import { SessionGuardConfigError } from '@sessionguard/core';
import type { SessionOptions } from 'express-session';
import { MIN_SECRET_LENGTH } from './options.js';

/** Options of {@link checkSessionOptions}. */
export interface CheckSessionOptionsOptions {
  /**
   * Throw on the first problem instead of warning.
   * @default process.env.NODE_ENV === 'production'
   */
  production?: boolean;
  /** The guard's idle timeout in seconds, to check the cookie's lifetime against. */
  expireAfter?: number;
  /** The guard's absolute lifetime in seconds (`null`: none), to check `rolling` against. */
  absoluteTimeout?: number | null;
  /**
   * Receives each problem in development.
   * @default console.warn
   */
  warn?: (message: string) => void;
}

/** One problem found by {@link checkSessionOptions}. */
export interface SessionOptionsProblem {
  /** The express-session option at fault, e.g. `cookie.secure`. */
  option: string;
  message: string;
}

/**
 * Checks express-session options for settings that weaken session security.
 * In production it throws SessionGuardConfigError naming the first problem's
 * option; otherwise it warns about each. Returns the problems found.
 */
export function checkSessionOptions(
  sessionOptions: SessionOptions,
  { production = process.env.NODE_ENV === 'production', expireAfter, absoluteTimeout, warn = console.warn }: CheckSessionOptionsOptions = {},
): SessionOptionsProblem[] {
  const problems: SessionOptionsProblem[] = [];
  const add = (option: string, message: string) => problems.push({ option, message });
  const cookie = sessionOptions.cookie ?? {};
  const secrets = sessionOptions.secret === undefined ? [] : Array.isArray(sessionOptions.secret) ? sessionOptions.secret : [sessionOptions.secret];
  if (secrets.length === 0) add('secret', 'is missing: the session cookie would not be signed');
  else if (secrets.some((secret) => typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH)) {
    add('secret', `should be at least ${MIN_SECRET_LENGTH} random characters`);
  }
  if (cookie.httpOnly === false) add('cookie.httpOnly', 'is false: scripts (and XSS) could read the session cookie');
  if (production && !cookie.secure) add('cookie.secure', 'is not set in production: the cookie would travel over plain HTTP');
  if (cookie.sameSite === undefined || cookie.sameSite === false) {
    add('cookie.sameSite', "is not set: use 'lax' or 'strict' as a second line of CSRF defence");
  } else if (cookie.sameSite === 'none') {
    add('cookie.sameSite', "is 'none': the cookie goes along with cross-site requests");
  }
  if (sessionOptions.resave !== false) {
    add('resave', 'should be false: resaving unmodified sessions races with revocation and can bring a revoked session back');
  }
  if (sessionOptions.rolling && (absoluteTimeout === null || absoluteTimeout === undefined)) {
    add('rolling', 'without an absoluteTimeout lets an active session live forever');
  }
  if (expireAfter !== undefined && typeof cookie.maxAge === 'number' && cookie.maxAge < expireAfter * 1000) {
    add('cookie.maxAge', `(${cookie.maxAge} ms) is shorter than expireAfter (${expireAfter} s): sessions would vanish before the idle timeout the user is warned about`);
  }
  if (problems.length > 0 && production) {
    const [first] = problems as [SessionOptionsProblem];
    throw new SessionGuardConfigError(first.option, `${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : ''}`);
  }
  for (const problem of problems) warn(`sessionguard: express-session option \`${problem.option}\` ${problem.message}`);
  return problems;
}
