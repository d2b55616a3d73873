/**
 * Every text the dialogs show. `{time}` is replaced by a duration written the
 * locale's way (Intl), e.g. "2 minutes", "2 Minuten".
 */
export interface SessionGuardStrings {
  warningTitle: string;
  warningBody: string;
  /** The countdown shown in the warning and announced at spaced intervals; holds `{time}`. */
  countdown: string;
  staySignedIn: string;
  signOut: string;
  expiredTitle: string;
  expiredBody: string;
  revokedTitle: string;
  revokedBody: string;
  username: string;
  password: string;
  signIn: string;
  /** Shown when the sign-in endpoint answers 401 `invalid_credentials`. */
  invalidCredentials: string;
  /** Shown when the sign-in endpoint cannot be reached. */
  unreachable: string;
  /** Shown for any other sign-in failure. */
  signInFailed: string;
  /** Shown (`role="alert"`) when the server refused or did not answer the sign-out: the user is still signed in. */
  signOutFailed: string;
  /** Closes that message. */
  dismiss: string;
  /** The step-up dialog, when the server wants the password again for a request (403 `reauthentication_required`). */
  reauthenticateTitle: string;
  reauthenticateBody: string;
  /** Its submit button. */
  continue: string;
  /** Its other button (also Escape): the request is not sent again. */
  cancel: string;
  /** Shown when the step-up endpoint refuses the password. */
  invalidPassword: string;
  /** The sign-in dialog over the server's session limit (409 `session_limit`). */
  sessionLimitTitle: string;
  /** With the user's sessions listed (`sessionLimit: 'ask'`). */
  sessionLimitBody: string;
  /** Without (`sessionLimit: 'deny'`). */
  sessionLimitDenied: string;
  /** A listed session: `{browser}`, `{os}`, `{device}`. */
  sessionDescription: string;
  /** Its last activity; holds `{time}` (a date and time). */
  lastActive: string;
  /** Each listed session's button (described by its session). */
  endSession: string;
  /** Back to the sign-in form. */
  back: string;
  /** `End session` found the session over already. */
  sessionAlreadyEnded: string;
  /** Written for a `browser`, `os` or `device` the server could not tell. */
  unknownBrowser: string;
  unknownOs: string;
  unknownDevice: string;
  /** The new-device notice: `{browser}`, `{os}`, `{time}` (a date and time). */
  newSignIn: string;
  /** Its button that ends that session. */
  endThatSession: string;
  /** Shown when ending it did not work. */
  endSessionFailed: string;
  /** The name of the landmark (`role="region"`) that holds the notices. */
  noticesRegion: string;
}

/** English. */
export const en: SessionGuardStrings = {
  warningTitle: 'Your session is about to expire',
  warningBody: 'For your security, we will sign you out if you stay inactive.',
  countdown: 'You will be signed out in {time}.',
  staySignedIn: 'Stay signed in',
  signOut: 'Sign out',
  expiredTitle: 'Your session has expired',
  expiredBody: 'You were inactive, so we signed you out. Sign in to carry on where you left off.',
  revokedTitle: 'You have been signed out',
  revokedBody: 'Your session was ended elsewhere. Sign in to carry on where you left off.',
  username: 'Username',
  password: 'Password',
  signIn: 'Sign in',
  invalidCredentials: 'The username or password is not correct.',
  unreachable: 'We cannot reach the server. Check your connection and try again.',
  signInFailed: 'Signing in did not work. Please try again.',
  signOutFailed: 'Could not sign out: you are still signed in. Please try again.',
  dismiss: 'Dismiss',
  reauthenticateTitle: 'Confirm your password',
  reauthenticateBody: 'For your security, enter your password again to continue.',
  continue: 'Continue',
  cancel: 'Cancel',
  invalidPassword: 'The password is not correct.',
  sessionLimitTitle: 'You are signed in on too many devices',
  sessionLimitBody: 'To sign in here, end one of your other sessions.',
  sessionLimitDenied: 'To sign in here, sign out on one of your other devices first.',
  sessionDescription: '{browser} on {os}, {device}',
  lastActive: 'Last active {time}',
  endSession: 'End session',
  back: 'Back',
  sessionAlreadyEnded: 'That session has ended already. Choose another or go back.',
  unknownBrowser: 'Unknown browser',
  unknownOs: 'unknown system',
  unknownDevice: 'unknown device',
  newSignIn: 'New sign-in: {browser} on {os}, {time}',
  endThatSession: 'End that session',
  endSessionFailed: 'Could not end that session. Please try again.',
  noticesRegion: 'Security notices',
};

/**
 * A duration the locale's way: whole minutes and seconds, e.g. "1 minute 40
 * seconds", "1 Minute 40 Sekunden", through `Intl.NumberFormat` units.
 */
export function formatDuration(locale: string, seconds: number): string {
  const unit = (value: number, name: 'minute' | 'second') =>
    new Intl.NumberFormat(locale, { style: 'unit', unit: name, unitDisplay: 'long' }).format(value);
  const whole = Math.max(0, Math.ceil(seconds));
  const minutes = Math.floor(whole / 60);
  const rest = whole % 60;
  if (!minutes) return unit(rest, 'second');
  return rest ? `${unit(minutes, 'minute')} ${unit(rest, 'second')}` : unit(minutes, 'minute');
}

/** `template` with each `{name}` of `values` replaced. */
export function fillAll(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/** A moment the locale's way, date and time (Intl), e.g. "2 Dec 2026, 14:32". */
export function formatMoment(locale: string, at: number): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(at);
}

/** `template` with `{time}` replaced. */
export function fill(template: string, time: string): string {
  return template.replace('{time}', time);
}
