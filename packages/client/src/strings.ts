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
};

/** French. */
export const fr: SessionGuardStrings = {
  warningTitle: 'Votre session va bientôt expirer',
  warningBody: 'Par sécurité, nous vous déconnecterons si vous restez inactif.',
  countdown: 'Vous serez déconnecté dans {time}.',
  staySignedIn: 'Rester connecté',
  signOut: 'Se déconnecter',
  expiredTitle: 'Votre session a expiré',
  expiredBody: 'Vous étiez inactif, nous vous avons donc déconnecté. Connectez-vous pour reprendre là où vous en étiez.',
  revokedTitle: 'Vous avez été déconnecté',
  revokedBody: 'Votre session a été fermée ailleurs. Connectez-vous pour reprendre là où vous en étiez.',
  username: "Nom d'utilisateur",
  password: 'Mot de passe',
  signIn: 'Se connecter',
  invalidCredentials: "Le nom d'utilisateur ou le mot de passe est incorrect.",
  unreachable: 'Le serveur est injoignable. Vérifiez votre connexion et réessayez.',
  signInFailed: 'La connexion a échoué. Veuillez réessayer.',
};

/** German. */
export const de: SessionGuardStrings = {
  warningTitle: 'Ihre Sitzung läuft bald ab',
  warningBody: 'Zu Ihrer Sicherheit melden wir Sie ab, wenn Sie inaktiv bleiben.',
  countdown: 'Sie werden in {time} abgemeldet.',
  staySignedIn: 'Angemeldet bleiben',
  signOut: 'Abmelden',
  expiredTitle: 'Ihre Sitzung ist abgelaufen',
  expiredBody: 'Sie waren inaktiv, daher haben wir Sie abgemeldet. Melden Sie sich an, um dort weiterzumachen, wo Sie aufgehört haben.',
  revokedTitle: 'Sie wurden abgemeldet',
  revokedBody: 'Ihre Sitzung wurde an anderer Stelle beendet. Melden Sie sich an, um dort weiterzumachen, wo Sie aufgehört haben.',
  username: 'Benutzername',
  password: 'Passwort',
  signIn: 'Anmelden',
  invalidCredentials: 'Benutzername oder Passwort ist falsch.',
  unreachable: 'Der Server ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.',
  signInFailed: 'Die Anmeldung hat nicht funktioniert. Bitte versuchen Sie es erneut.',
};

/** The shipped translations, by language subtag. */
export const LOCALES: Readonly<Record<string, SessionGuardStrings>> = { en, fr, de };

/** The strings for `locale` (its language subtag; English when unknown) with `overrides` on top. */
export function resolveStrings(locale: string, overrides?: Partial<SessionGuardStrings>): SessionGuardStrings {
  return { ...(LOCALES[locale.slice(0, 2).toLowerCase()] ?? en), ...overrides };
}

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

/** `template` with `{time}` replaced. */
export function fill(template: string, time: string): string {
  return template.replace('{time}', time);
}
