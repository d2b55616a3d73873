/**
 * Base class of every error sessionguard throws. Check with
 * {@link isSessionGuardError} rather than `instanceof`: the guard compares
 * `name`, so it also works across iframes and duplicated bundles.
 */
export class SessionGuardError extends Error {
  override name: string = 'SessionGuardError';
}

/** A configuration value is invalid. `option` names the offending option. */
export class SessionGuardConfigError extends SessionGuardError {
  override name = 'SessionGuardConfigError' as const;

  /**
   * @param option - the option's name as the user wrote it, e.g. `warnAfter`
   * @param problem - what is wrong with it, in words a user can act on
   */
  constructor(
    readonly option: string,
    problem: string,
  ) {
    super(`sessionguard: option \`${option}\` ${problem}`);
  }
}

/** True for any error thrown by sessionguard, even from another realm. */
export function isSessionGuardError(value: unknown): value is SessionGuardError {
  return (
    value instanceof Error &&
    typeof value.name === 'string' &&
    value.name.startsWith('SessionGuard')
  );
}

/** True for a {@link SessionGuardConfigError}, even from another realm. */
export function isSessionGuardConfigError(value: unknown): value is SessionGuardConfigError {
  return value instanceof Error && value.name === 'SessionGuardConfigError';
}
