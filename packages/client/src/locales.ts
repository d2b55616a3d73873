import { en, type SessionGuardStrings } from './strings.js';

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
  signOutFailed: 'La déconnexion a échoué : vous êtes toujours connecté. Veuillez réessayer.',
  dismiss: 'Fermer',
  reauthenticateTitle: 'Confirmez votre mot de passe',
  reauthenticateBody: 'Par sécurité, saisissez à nouveau votre mot de passe pour continuer.',
  continue: 'Continuer',
  cancel: 'Annuler',
  invalidPassword: 'Le mot de passe est incorrect.',
  sessionLimitTitle: 'Vous êtes connecté sur trop d’appareils',
  sessionLimitBody: 'Pour vous connecter ici, fermez l’une de vos autres sessions.',
  sessionLimitDenied: 'Pour vous connecter ici, déconnectez-vous d’abord sur l’un de vos autres appareils.',
  sessionDescription: '{browser} sur {os}, {device}',
  lastActive: 'Dernière activité : {time}',
  endSession: 'Fermer la session',
  back: 'Retour',
  sessionAlreadyEnded: 'Cette session est déjà fermée. Choisissez-en une autre ou revenez en arrière.',
  unknownBrowser: 'Navigateur inconnu',
  unknownOs: 'système inconnu',
  unknownDevice: 'appareil inconnu',
  newSignIn: 'Nouvelle connexion : {browser} sur {os}, {time}',
  endThatSession: 'Fermer cette session',
  endSessionFailed: 'La session n’a pas pu être fermée. Veuillez réessayer.',
  noticesRegion: 'Alertes de sécurité',
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
  signOutFailed: 'Die Abmeldung hat nicht funktioniert: Sie sind weiterhin angemeldet. Bitte versuchen Sie es erneut.',
  dismiss: 'Schließen',
  reauthenticateTitle: 'Passwort bestätigen',
  reauthenticateBody: 'Zu Ihrer Sicherheit geben Sie Ihr Passwort erneut ein, um fortzufahren.',
  continue: 'Weiter',
  cancel: 'Abbrechen',
  invalidPassword: 'Das Passwort ist falsch.',
  sessionLimitTitle: 'Sie sind auf zu vielen Geräten angemeldet',
  sessionLimitBody: 'Um sich hier anzumelden, beenden Sie eine Ihrer anderen Sitzungen.',
  sessionLimitDenied: 'Um sich hier anzumelden, melden Sie sich zuerst auf einem Ihrer anderen Geräte ab.',
  sessionDescription: '{browser} auf {os}, {device}',
  lastActive: 'Zuletzt aktiv: {time}',
  endSession: 'Sitzung beenden',
  back: 'Zurück',
  sessionAlreadyEnded: 'Diese Sitzung ist bereits beendet. Wählen Sie eine andere oder gehen Sie zurück.',
  unknownBrowser: 'Unbekannter Browser',
  unknownOs: 'unbekanntem System',
  unknownDevice: 'unbekanntes Gerät',
  newSignIn: 'Neue Anmeldung: {browser} auf {os}, {time}',
  endThatSession: 'Diese Sitzung beenden',
  endSessionFailed: 'Die Sitzung konnte nicht beendet werden. Bitte versuchen Sie es erneut.',
  noticesRegion: 'Sicherheitshinweise',
};

/** The shipped translations, by language subtag. */
export const LOCALES: Readonly<Record<string, SessionGuardStrings>> = { en, fr, de };

/**
 * The shipped strings for `locale` (by its language subtag; English when
 * unknown). Kept apart from the guard so an npm bundle only carries the
 * languages it passes as `strings`; the script-tag build carries them all.
 *
 * @example
 * ```ts
 * createSessionGuard({ locale: 'fr', strings: fr });
 * ```
 */
export function localeStrings(locale: string): SessionGuardStrings {
  return LOCALES[locale.slice(0, 2).toLowerCase()] ?? en;
}

